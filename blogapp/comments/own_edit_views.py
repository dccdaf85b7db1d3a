"""The pages where a commenter edits or deletes their own comment (see own_edit.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from blogapp.comments.area import HELD_COOKIE, held_cookie
from blogapp.comments.entry import MAX_CONTENT, Refused
from blogapp.comments.forms import MaxLength, _text
from blogapp.comments.host import Target
from blogapp.comments.own_edit import NotEditable, author_delete, check_editable
from blogapp.comments.pipeline import revise
from blogapp.comments.policy import CommentStatus
from blogapp.comments.settings import load_settings
from blogapp.comments.state import current_host
from blogapp.extensions import db
from blogapp.forms import TextForm
from blogapp.models import Comment
from blogapp.paths import TEMPLATES
from blogapp.security import cross_origin

# Mounted by Comments.init_app at /comments/<id>/..., exempt from the host's CSRFProtect.
bp = Blueprint("own_comments", __name__, template_folder=str(TEMPLATES))
CROSS_SITE = "This form was sent from another site's page, so nothing was changed."
PRIVATE = {"Cache-Control": "private, no-store"}


class EditForm(TextForm):
    """The comment's text, checked as the Leave a Reply form checks it."""

    class Meta(TextForm.Meta):
        csrf = False  # readers have no session: the cookie and the origin check guard it

    comment = TextAreaField("Comment", filters=[_text],
                            validators=[DataRequired(), MaxLength(max=MAX_CONTENT)])


def _target(comment: Comment | None) -> Target | None:
    return current_host().target(comment.article_id) if comment is not None else None


def _page(comment: Comment, form: EditForm, status: int):
    return render_template("comments/edit.html", comment=comment, article=_target(comment),
                           form=form, refused=None), status, PRIVATE


def _refused(message: str, status: int, comment: Comment | None):
    return (render_template("comments/edit.html", refused=message, article=_target(comment),
                            comment=None, form=None), status, PRIVATE)


def _thread_url(comment: Comment, page: int | None = None) -> str:
    target = _target(comment)
    return url_for(current_host().endpoint, slug=target.slug, cpage=page)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit(comment_id: int):
    settings = load_settings(current_app.config)
    comment = db.session.get(Comment, comment_id)
    try:
        check_editable(comment, settings)
    except NotEditable as exc:
        return _refused(exc.message, exc.status_code, comment)
    form = EditForm(data={"comment": comment.content} if request.method == "GET" else None)
    if request.method == "GET":
        return _page(comment, form, 200)
    if cross_origin(request.headers, request.host):
        return _refused(CROSS_SITE, 403, comment)
    if not form.validate():
        return _page(comment, form, 400)
    outcome = revise(comment, form.comment.data, settings=settings)
    if isinstance(outcome, Refused):
        form.comment.errors = [outcome.message]
        return _page(comment, form, outcome.status_code)
    response = redirect(f"{_thread_url(comment, outcome.page)}#comment-{comment_id}", code=303)
    if outcome.status == CommentStatus.PENDING:  # the author still sees it, held
        response.set_cookie(HELD_COOKIE, held_cookie(comment_id, outcome.preview_token),
                            max_age=current_app.config["HELD_COOKIE_MAX_AGE"], httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
def delete(comment_id: int):
    settings = load_settings(current_app.config)
    comment = db.session.get(Comment, comment_id)
    try:
        check_editable(comment, settings)
    except NotEditable as exc:
        return _refused(exc.message, exc.status_code, comment)
    if cross_origin(request.headers, request.host):
        return _refused(CROSS_SITE, 403, comment)
    author_delete(comment)
    return redirect(_thread_url(comment) + "#comments", code=303)
