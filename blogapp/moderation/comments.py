"""The comment queue: tabs, search, keyset pages, per-row and bulk actions, undo."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from blogapp.auth.access import safe_next, staff_required
from blogapp.comments import purge
from blogapp.comments.moderation import ACTIONS, MAX_IDS, TAB_ACTIONS, ActionError, moderate
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
from blogapp.integers import int_list, parse_int, query_int
from blogapp.models import Article, AuditEntry
from blogapp.moderation.blueprint import bp
from blogapp.moderation.bulk import (
    matching_count,
    moderate_matching,
    span_ids,
    spans,
    undo_many,
)
from blogapp.site import site_url
from blogapp.theme import plural

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
    """Keep what the next page needs to show *message* with an Undo button (past a page's
    worth, the audit rows as spans of consecutive ids: an action on every page may touch
    thousands, more than a session cookie holds)."""
    ids = [e.id for e in entries]
    if len(ids) <= MAX_IDS:
        session[UNDO_KEY] = {"message": message, "entries": ids}
    else:
        session[UNDO_KEY] = {"message": message, "entries": [], "spans": spans(ids)}


@bp.context_processor
def moderation_helpers() -> dict:
    def take_undo() -> dict | None:
        return session.pop(UNDO_KEY, None)

    return {"take_undo": take_undo, "akismet_states": AKISMET_STATES, "actions": ACTIONS}


def announce(entries: list[AuditEntry], action: str, asked: int) -> None:
    spec = ACTIONS[action]
    n = len(entries)
    message = f"{plural(n, 'comment')} {spec.done}."
    if asked > n:
        message += f" {asked - n} left as they were (the action does not apply to them)."
    if n and action != "delete":
        offer_undo(entries, message)
    else:
        flash(message, "success" if n else "info")


@bp.route("/comments")
@staff_required
def comments():
    spec = queue_filter(request.args, query_int("article"))
    per_page = int(current_app.config["MODERATION_PER_PAGE"])
    page = queue_page(spec, per_page, before=Cursor.parse(request.args.get("before")),
                      after=Cursor.parse(request.args.get("after")))
    article = db.session.get(Article, spec.article_id) if spec.article_id else None
    counts = status_counts(spec.article_id)
    matching = matching_count(spec) if spec.q.strip() else counts[spec.status]
    return render_template(
        "moderation/comments.html", page=page, spec=spec, counts=counts,
        tabs=TAB_ORDER, articles=article_titles(page.comments), article=article,
        tab_actions=TAB_ACTIONS[spec.status], matching=matching,
    )


def queue_filter(values, article_id: int | None) -> QueueFilter:
    """Read the tab and search from query arguments or a posted form."""
    status = values.get("status", CommentStatus.PENDING.value)
    if status not in TAB_ORDER:
        status = CommentStatus.PENDING.value
    # No stored text holds a NUL (PostgreSQL cannot, the pipeline removes them): a search
    # for one finds nothing, and would fail the query on PostgreSQL.
    q = values.get("q", "")[:200].replace("\x00", "")
    return QueueFilter(status=status, q=q, article_id=article_id)


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
    if not row_action and request.form.get("all_matching"):
        spec = queue_filter(request.form, parse_int(request.form.get("article") or "", 1))
        if action not in TAB_ACTIONS[spec.status]:
            flash("That action does not apply to this tab.", "error")
            return redirect(back_url())
        entries, met = moderate_matching(spec, action, current_user.id,
                                         site_url=site_url(current_app))
        announce(entries, action, met)
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
    wanted = int_list(request.form.getlist("entries")) + span_ids(request.form.getlist("spans"))
    try:
        done = undo_many(sorted(set(wanted)), current_user.id, site_url=site_url(current_app))
    except ActionError as exc:
        flash(str(exc), "error")
    else:
        n = len(done)
        flash(f"Undone: {plural(n, 'comment is', 'comments are')} back as before.",
              "success")
    return redirect(back_url())


@bp.route("/comments/empty", methods=["POST"])
@staff_required
def comments_empty():
    status = request.form.get("status", "")
    if status not in (CommentStatus.SPAM.value, CommentStatus.TRASH.value):
        abort(400, "Only spam and trash can be emptied.")
    deleted = purge.empty(status, actor_id=current_user.id)
    flash(f"Deleted {plural(deleted, status + ' comment')} permanently.", "success")
    return redirect(url_for("moderation.comments", status=status))
