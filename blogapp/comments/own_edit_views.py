"""The pages where a commenter edits or deletes their own comment (see own_edit.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from blogapp.akismet_check import config_from_mapping
from blogapp.comments.form import MAX_COMMENT, MaxLength, _text
from blogapp.comments.own_edit import NotEditable, apply_edit, author_delete, check_editable
from blogapp.comments.page import HELD_COOKIE, held_cookie
from blogapp.discussion import load_settings
from blogapp.extensions import csrf, db
from blogapp.forms import TextForm
from blogapp.jobs import dispatch
from blogapp.models import Article, Comment
from blogapp.policy import AkismetVerdict, CommentStatus
from blogapp.security import cross_origin
from blogapp.site import site_url

bp = Blueprint("own_comments", __name__)
CROSS_SITE = "This form was sent from another site's page, so nothing was changed."
PRIVATE = {"Cache-Control": "private, no-store"}


class EditForm(TextForm):
    """The comment's text, checked as the Leave a Reply form checks it."""

    class Meta(TextForm.Meta):
        csrf = False  # readers have no session: the cookie and the origin check guard it

    comment = TextAreaField("Comment", filters=[_text],
                            validators=[DataRequired(), MaxLength(max=MAX_COMMENT)])


def _refused(exc: NotEditable, comment: Comment | None):
    article = db.session.get(Article, comment.article_id) if comment is not None else None
    return (render_template("comments/edit.html", refused=exc.message, article=article,
                            comment=None, form=None), exc.status_code, PRIVATE)


def _article_url(comment: Comment) -> str:
    article = db.session.get(Article, comment.article_id)
    return url_for("blog.article", slug=article.slug) + f"#comment-{comment.id}"


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@csrf.exempt
def edit(comment_id: int):
    settings = load_settings(current_app.config)
    comment = db.session.get(Comment, comment_id)
    try:
        check_editable(comment, settings)
    except NotEditable as exc:
        return _refused(exc, comment)
    form = EditForm(data={"comment": comment.content} if request.method == "GET" else None)
    article = db.session.get(Article, comment.article_id)
    if request.method == "GET":
        return render_template("comments/edit.html", comment=comment, article=article,
                               form=form, refused=None), 200, PRIVATE
    if cross_origin(request.headers, request.host):
        return _refused(NotEditable(CROSS_SITE), comment)
    if not form.validate():
        return render_template("comments/edit.html", comment=comment, article=article,
                               form=form, refused=None), 400, PRIVATE
    apply_edit(comment, form.comment.data, settings, site_url=site_url(current_app),
               akismet_configured=config_from_mapping(current_app.config).enabled)
    if comment.spam_check == AkismetVerdict.OWED.value:
        dispatch("spam_check", comment.id)
    elif comment.status == CommentStatus.PENDING.value:
        dispatch("notify", comment.id)
    response = redirect(_article_url(comment), code=303)
    if comment.status == CommentStatus.PENDING.value:  # the author still sees it, held
        response.set_cookie(HELD_COOKIE, held_cookie(comment),
                            max_age=current_app.config["HELD_COOKIE_MAX_AGE"], httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@csrf.exempt
def delete(comment_id: int):
    settings = load_settings(current_app.config)
    comment = db.session.get(Comment, comment_id)
    try:
        check_editable(comment, settings)
    except NotEditable as exc:
        return _refused(exc, comment)
    if cross_origin(request.headers, request.host):
        return _refused(NotEditable(CROSS_SITE), comment)
    author_delete(comment)
    return redirect(_article_url(comment).partition("#")[0] + "#comments", code=303)
