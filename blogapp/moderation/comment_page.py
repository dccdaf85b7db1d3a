"""One comment: its details and audit rows, editing, replying, and one-click mail links."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from blogapp.auth.access import staff_required
from blogapp.comments.entry import MAX_CONTENT
from blogapp.comments.links import (
    LINK_ACTIONS,
    LinkRefused,
    check_current,
    read_token,
    use_up,
)
from blogapp.comments.moderation import (
    ACTIONS,
    NOT_YOURS,
    TAB_ACTIONS,
    ActionError,
    edit_text,
    history,
    may_edit_text,
    moderate,
    reply,
)
from blogapp.comments.settings import load_settings
from blogapp.extensions import db
from blogapp.models import Article, Comment, User
from blogapp.moderation.blueprint import bp
from blogapp.moderation.comments import announce, offer_undo
from blogapp.site import site_url


def comment_or_404(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    return comment


def user_names(user_ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(ids))).all())


@bp.route("/comments/<int:comment_id>")
@staff_required
def comment_detail(comment_id: int):
    comment = comment_or_404(comment_id)
    entries = history(comment.id)
    return render_template(
        "moderation/comment.html", comment=comment,
        article=db.session.get(Article, comment.article_id), entries=entries,
        names=user_names({e.user_id for e in entries}),
        tab_actions=TAB_ACTIONS.get(comment.status, ()),
        may_edit=may_edit_text(comment, current_user.id), not_yours=NOT_YOURS,
    )


def _text_field() -> str | None:
    text = request.form.get("text", "")
    if not text.strip():
        flash("Write some text first.", "error")
        return None
    if len(text) > MAX_CONTENT:
        flash(f"That text is too long ({MAX_CONTENT:,} characters at most).", "error")
        return None
    return text


@bp.route("/comments/<int:comment_id>/edit", methods=["POST"])
@staff_required
def comment_edit(comment_id: int):
    comment = comment_or_404(comment_id)
    text = _text_field()
    if text is not None:
        try:
            entry = edit_text(comment.id, text, current_user.id,
                              site_url=site_url(current_app))
        except ActionError as exc:
            flash(str(exc), "error")
        else:
            offer_undo([entry], "Comment text saved.")
    return redirect(url_for("moderation.comment_detail", comment_id=comment_id))


@bp.route("/comments/<int:comment_id>/reply", methods=["POST"])
@staff_required
def comment_reply(comment_id: int):
    comment = comment_or_404(comment_id)
    text = _text_field()
    if text is None:
        return redirect(url_for("moderation.comment_detail", comment_id=comment_id))
    try:
        answer = reply(comment.id, text, current_user, load_settings(current_app.config),
                       secret=current_app.config["SECRET_KEY"],
                       site_url=site_url(current_app))
    except ActionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("moderation.comment_detail", comment_id=comment_id))
    entries = history(answer.id)
    offer_undo(entries[-1:], "Reply published.")
    return redirect(url_for("moderation.comment_detail", comment_id=answer.id))


@bp.route("/comments/<int:comment_id>/mail/<action>", methods=["GET", "POST"])
@staff_required
def mail_action(comment_id: int, action: str):
    """Land here from a notification link: GET asks to confirm, POST acts (once)."""
    if action not in LINK_ACTIONS:
        abort(404)
    token = request.values.get("token", "")
    comment = db.session.get(Comment, comment_id)
    try:
        grant = read_token(token, comment_id, action)
        check_current(grant, comment)
    except LinkRefused as exc:
        return render_template("moderation/confirm.html", refused=str(exc), comment=comment,
                               action=ACTIONS[action], token=token), 400
    if request.method == "GET":
        return render_template("moderation/confirm.html", refused=None, comment=comment,
                               article=db.session.get(Article, comment.article_id),
                               action=ACTIONS[action], token=token)
    try:
        use_up(grant)
    except LinkRefused as exc:
        return render_template("moderation/confirm.html", refused=str(exc),
                               comment=db.session.get(Comment, comment_id),
                               action=ACTIONS[action], token=token), 400
    entries = moderate([comment.id], action, current_user.id, note="From a mail link",
                       site_url=site_url(current_app))
    announce(entries, action, 1)
    return redirect(url_for("moderation.comment_detail", comment_id=comment.id))
