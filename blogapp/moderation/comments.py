"""The comment queue: tabs, search, keyset pages, per-row and bulk actions, undo."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from blogapp.auth.access import safe_next, staff_required
from blogapp.comments import purge
from blogapp.comments.moderation import ACTIONS, TAB_ACTIONS, ActionError, moderate, undo
from blogapp.comments.policy import CommentStatus
from blogapp.comments.queue import (
    TAB_ORDER,
    Cursor,
    QueueFilter,
    article_titles,
    queue_page,
    status_counts,
)
from blogapp.extensions import db
from blogapp.integers import int_list, query_int
from blogapp.models import Article, AuditEntry
from blogapp.moderation.blueprint import bp
from blogapp.site import site_url

UNDO_KEY = "moderation_undo"
AKISMET_STATES = {
    "ham": "Akismet: not spam",
    "spam": "Akismet: spam",
    "discard": "Akismet: blatant spam",
    "unavailable": "Akismet: check failed, will be retried",
    "owed": "Akismet: not checked yet",
    "disabled": "Akismet: not checked",
}


def back_url() -> str:
    return safe_next(request.form.get("next")) or url_for("moderation.comments")


def offer_undo(entries: list[AuditEntry], message: str) -> None:
    """Keep what the next page needs to show *message* with an Undo button."""
    session[UNDO_KEY] = {"message": message, "entries": [e.id for e in entries]}


@bp.context_processor
def moderation_helpers() -> dict:
    def take_undo() -> dict | None:
        return session.pop(UNDO_KEY, None)

    return {"take_undo": take_undo, "akismet_states": AKISMET_STATES, "actions": ACTIONS}


def announce(entries: list[AuditEntry], action: str, asked: int) -> None:
    spec = ACTIONS[action]
    n = len(entries)
    message = f"{n} {'comment' if n == 1 else 'comments'} {spec.done}."
    if asked > n:
        message += f" {asked - n} left as they were (the action does not apply to them)."
    if n and action != "delete":
        offer_undo(entries, message)
    else:
        flash(message, "success" if n else "info")


@bp.route("/comments")
@staff_required
def comments():
    status = request.args.get("status", CommentStatus.PENDING.value)
    if status not in TAB_ORDER:
        status = CommentStatus.PENDING.value
    article_id = query_int("article")
    # No stored text holds a NUL (PostgreSQL cannot, the pipeline removes them): a search
    # for one finds nothing, and would fail the query on PostgreSQL.
    q = request.args.get("q", "")[:200].replace("\x00", "")
    spec = QueueFilter(status=status, q=q, article_id=article_id)
    per_page = int(current_app.config["MODERATION_PER_PAGE"])
    page = queue_page(spec, per_page, before=Cursor.parse(request.args.get("before")),
                      after=Cursor.parse(request.args.get("after")))
    article = db.session.get(Article, article_id) if article_id else None
    return render_template(
        "moderation/comments.html", page=page, spec=spec, counts=status_counts(article_id),
        tabs=TAB_ORDER, articles=article_titles(page.comments), article=article,
        tab_actions=TAB_ACTIONS[status],
    )


@bp.route("/comments/action", methods=["POST"])
@staff_required
def comments_action():
    row_action = request.form.get("row_action", "")
    if row_action:
        action, _, ident = row_action.partition(":")
        ids = int_list([ident])
    else:
        action = request.form.get("action", "")
        field = "page_ids" if request.form.get("all_on_page") else "ids"
        ids = int_list(request.form.getlist(field))
    if action not in ACTIONS:
        flash("Choose an action to apply.", "error")
        return redirect(back_url())
    if not ids:
        flash("Select at least one comment.", "error")
        return redirect(back_url())
    entries = moderate(ids, action, current_user.id, site_url=site_url(current_app))
    announce(entries, action, len(set(ids)))
    return redirect(back_url())


@bp.route("/comments/undo", methods=["POST"])
@staff_required
def comments_undo():
    try:
        done = undo(int_list(request.form.getlist("entries")), current_user.id,
                    site_url=site_url(current_app))
    except ActionError as exc:
        flash(str(exc), "error")
    else:
        n = len(done)
        flash(f"Undone: {n} {'comment is' if n == 1 else 'comments are'} back as before.",
              "success")
    return redirect(back_url())


@bp.route("/comments/empty", methods=["POST"])
@staff_required
def comments_empty():
    status = request.form.get("status", "")
    if status not in (CommentStatus.SPAM.value, CommentStatus.TRASH.value):
        abort(400, "Only spam and trash can be emptied.")
    deleted = purge.empty(status, actor_id=current_user.id)
    flash(f"Deleted {deleted} {status} {'comment' if deleted == 1 else 'comments'} permanently.",
          "success")
    return redirect(url_for("moderation.comments", status=status))
