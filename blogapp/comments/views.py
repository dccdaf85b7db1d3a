"""Posting a comment: validate, hand to the pipeline, redirect or re-render with the text."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, url_for

from blogapp.blog.lookup import visible_article_or_404
from blogapp.comments.display import page_of
from blogapp.comments.form import CommentForm
from blogapp.comments.page import (
    DETAIL_COOKIES,
    HELD_COOKIE,
    held_cookie,
    render_article_page,
)
from blogapp.comments.posting import require_form_token, take_comment
from blogapp.database import read_only
from blogapp.discussion import load_settings
from blogapp.extensions import csrf, db
from blogapp.models.base import utcnow
from blogapp.policy import CommentStatus
from blogapp.security import cross_origin
from blogapp.services.comments import CommentInput, CommentRefused, comments_closed

bp = Blueprint("comments", __name__)
YEAR = 365 * 24 * 3600
CROSS_SITE = ("This form was sent from another site's page, so it was not posted. Your "
              "comment is kept below: send it from this page if you meant to.")


@bp.route("/articles/<slug>/comments", methods=["POST"])
@csrf.exempt  # no session token: readers have no session (see CommentForm); instead:
def post_comment(slug: str):
    with read_only():  # every check only reads: on SQLite no write lock is taken for them
        article = visible_article_or_404(slug)
        settings = load_settings(current_app.config)
        form = CommentForm(require_name_email=settings.require_name_email)
        if cross_origin(request.headers, request.host):
            form.validate()  # name what else needs fixing, too
            return render_article_page(article, form, 403, settings, message=CROSS_SITE)
        if comments_closed(article, settings, utcnow()):
            return render_article_page(article, form, 403, settings,
                                       message="Comments are closed on this article.")
        if not form.validate():
            return render_article_page(article, form, 400, settings)
        data = CommentInput(
            article_id=article.id, parent_id=form.parent_id, author=form.author.data or "",
            email=(form.email.data or "").lower(), url=form.url.data or "",
            content=form.comment.data, ip=request.remote_addr or "",
            user_agent=request.headers.get("User-Agent", ""),
            referrer=request.headers.get("Referer", ""),
            honeypot=bool(form.contact_fax.data),
        )
        try:
            require_form_token(form.form_token.data, article.id, settings)
        except CommentRefused as refused:
            return _refused(article, settings, form, refused)
    try:  # outside read_only: the insert takes the write lock up front
        comment = take_comment(data, settings)
    except CommentRefused as refused:
        return _refused(article, settings, form, refused)

    shown = comment.status in (CommentStatus.APPROVED.value, CommentStatus.PENDING.value)
    with read_only():  # the comment is committed; what follows only reads
        db.session.commit()
        page = page_of(comment, settings) if shown else None  # else no page shows it
    target = url_for("blog.article", slug=article.slug, cpage=page) + f"#comment-{comment.id}"
    response = redirect(target, code=303)
    _remember_details(response, form, data)
    if comment.status != CommentStatus.APPROVED.value:
        response.set_cookie(HELD_COOKIE, held_cookie(comment),
                            max_age=current_app.config["HELD_COOKIE_MAX_AGE"], httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def _refused(article, settings, form: CommentForm, refused: CommentRefused):
    if refused.field:
        form[refused.field].errors = [refused.message]
    body, status = render_article_page(article, form, refused.status_code, settings,
                                       message=None if refused.field else refused.message)
    headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else {}
    return body, status, headers


def _remember_details(response, form: CommentForm, data: CommentInput) -> None:
    """Save name, email and website for a year only with consent; clear them without."""
    values = {"author": data.author, "email": data.email, "url": data.url}
    for field, cookie in DETAIL_COOKIES.items():
        if form.consent.data and values[field]:
            response.set_cookie(cookie, values[field], max_age=YEAR, httponly=True,
                                samesite="Lax", secure=request.is_secure)
        elif cookie in request.cookies or not form.consent.data:
            response.delete_cookie(cookie)
