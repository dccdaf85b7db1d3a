"""POST /api/v1/comments: the Leave a Reply form as JSON, through the form's pipeline.

The body carries the form's field names; the answer is the comment as the thread shows
it, its status, and for a held comment the preview token that shows it to its author.
Refusals carry the form's messages and status codes, the field at fault named as in the
form."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from blogapp.api.blueprint import bp
from blogapp.api.body import json_body
from blogapp.api.cors import require_post_origin
from blogapp.api.errors import ApiError
from blogapp.api.public import public
from blogapp.api.thread_json import comment_json, thread_address
from blogapp.api.threads import (
    create_external_thread,
    discard_empty_thread,
    external_thread,
    page_url_or_error,
)
from blogapp.blog.lookup import visible_article_or_404
from blogapp.comments.display import Node
from blogapp.comments.form import CommentForm
from blogapp.comments.posting import require_form_token, take_comment
from blogapp.database import read_only
from blogapp.discussion import load_settings
from blogapp.models import Article, Comment
from blogapp.models.base import utcnow
from blogapp.policy import CommentStatus
from blogapp.services.comments import CommentInput, CommentRefused, comments_closed

TEXT_FIELDS = ("comment", "author", "email", "url", "form_token", "contact_fax")
HELD_MESSAGE = "Your comment is awaiting moderation."
CLOSED = "Comments are closed on this article."
REFUSAL_CODES = {403: "closed", 404: "not_found", 409: "duplicate", 429: "flood"}


def form_values(body: dict[str, Any]) -> MultiDict:
    """The form fields of *body* as the form would receive them; unknown keys are ignored.

    Wrong types answer 422 naming each field."""
    values, wrong = {}, {}
    for name in TEXT_FIELDS:
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            values[name] = value
        else:
            wrong[name] = "Must be a string."
    parent = body.get("comment_parent")
    if isinstance(parent, bool) or not isinstance(parent, int | str | None):
        wrong["comment_parent"] = "Must be a comment id (0 for none)."
    elif parent is not None:
        values["comment_parent"] = str(parent)
    consent = body.get("consent")
    if not isinstance(consent, bool | None):
        wrong["consent"] = "Must be true or false."
    elif consent:
        values["wp-comment-cookies-consent"] = "y"
    if wrong:
        raise ApiError(422, "Some fields have the wrong type.", code="unprocessable",
                       fields=wrong)
    return MultiDict(values)


def thread_target(body: dict[str, Any]) -> tuple[Article | None, str | None, str]:
    """(the thread's row or None, the external page's URL or None, its title)."""
    thread, slug = body.get("thread"), body.get("article")
    if (thread is None) == (slug is None):
        raise ApiError(422, 'Name the thread: "thread": {"url": ...} or "article": slug.',
                       code="unprocessable",
                       fields={"thread": "Give exactly one of thread and article."})
    if slug is not None:
        if not isinstance(slug, str):
            raise ApiError(422, "article must be a slug.", code="unprocessable",
                           fields={"article": "Must be a string."})
        return _article(slug), None, ""
    if not isinstance(thread, dict) or not isinstance(thread.get("title", ""), str):
        raise ApiError(422, 'thread must be {"url": str, "title": str}.',
                       code="unprocessable", fields={"thread": "Must be an object."})
    try:
        url = page_url_or_error(thread.get("url"), status=403)
    except ApiError as error:
        error.fields = {"thread": error.fields.get("url", error.message)}
        raise
    return external_thread(url), url, thread.get("title") or ""


def _article(slug: str) -> Article:
    try:
        return visible_article_or_404(slug)
    except NotFound:  # say it in the API's words
        raise ApiError(404, "This article does not exist or is not published.",
                       code="unknown_thread") from None


def refused(error: CommentRefused) -> ApiError:
    code = ("invalid" if error.field else "refused") if error.status_code == 400 else \
        REFUSAL_CODES.get(error.status_code)
    fields = {error.field: error.message} if error.field else {}
    return ApiError(error.status_code, error.message, code=code, fields=fields,
                    retry_after=error.retry_after)


@bp.post("/comments")
@public
def post_comment():
    require_post_origin()
    body = json_body()
    with read_only():  # every check only reads
        values = form_values(body)
        article, url, title = thread_target(body)
        settings = load_settings(current_app.config)
        if article is not None and comments_closed(article, settings, utcnow()):
            raise ApiError(403, CLOSED, code="closed")
        form = CommentForm(formdata=values, require_name_email=settings.require_name_email)
        if not form.validate():
            fields = {name: errors[0] for name, errors in form.errors.items() if errors}
            raise ApiError(400, "Please correct the fields named.", code="invalid",
                           fields=fields)
        try:
            require_form_token(form.form_token.data, url or article.id, settings)
        except CommentRefused as error:
            raise refused(error) from None
    created = article is None
    if created:
        article = create_external_thread(url, title)
    data = CommentInput(
        article_id=article.id, parent_id=form.parent_id, author=form.author.data or "",
        email=(form.email.data or "").lower(), url=form.url.data or "",
        content=form.comment.data, ip=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
        referrer=request.headers.get("Referer", ""), honeypot=bool(form.contact_fax.data))
    try:
        comment = take_comment(data, settings)
    except CommentRefused as error:
        if created:  # a refused post leaves no empty thread behind
            discard_empty_thread(article.id)
        raise refused(error) from None
    return posted(comment, article), 201


def posted(comment: Comment, article: Article) -> dict[str, Any]:
    approved = comment.status == CommentStatus.APPROVED.value
    node = Node(id=comment.id, parent_id=comment.parent_id, depth=comment.depth,
                author=comment.author, url=comment.url,
                avatar_seed=comment.avatar_seed if approved else "",
                content_html=comment.content_html, created_at=comment.created_at,
                held=not approved, staff=comment.user_id is not None)
    return {"comment": comment_json(node, thread_address(article)),
            "status": "approved" if approved else "held",
            "preview_token": None if approved else comment.preview_token,
            "message": None if approved else HELD_MESSAGE}
