"""POST /api/v1/comments: the Leave a Reply form as JSON, through submit() (Door.API, or
Door.EMBED for the widget on a listed site).

The body carries the form's field names; the answer is the comment as the thread shows
it, its status, and for a held comment the preview token that shows it to its author.
Refusals carry the form's messages and status codes, the field at fault named as in the
form."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from blogapp.api.blueprint import bp
from blogapp.api.body import json_body
from blogapp.api.cors import embed_origins, request_origin, require_post_origin
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
from blogapp.comments.entry import Accepted, Door, Entry, Refused
from blogapp.comments.forms import CommentForm
from blogapp.comments.pipeline import admit, form_token_refusal, submit
from blogapp.comments.policy import CommentStatus
from blogapp.comments.settings import load_settings
from blogapp.comments.threads import Node
from blogapp.database import read_only
from blogapp.extensions import db
from blogapp.mail.outbox import mail_enabled
from blogapp.models import Article, Comment
from blogapp.subscriptions.service import subscribe_from_post

TEXT_FIELDS = ("comment", "author", "email", "url", "form_token", "contact_fax")
# subscribe_comments: the "Notify me" boxes, "replies" and/or "all" (blogapp/subscriptions)
HELD_MESSAGE = "Your comment is awaiting moderation."
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
    ticked = body.get("subscribe_comments")
    if isinstance(ticked, str):  # one box, as a form sends one ticked box
        ticked = [ticked]
    if not (ticked is None or isinstance(ticked, list)
            and all(isinstance(value, str) for value in ticked)):
        wrong["subscribe_comments"] = 'Must be a list of "replies" and "all" (or empty).'
    if wrong:
        raise ApiError(422, "Some fields have the wrong type.", code="unprocessable",
                       fields=wrong)
    form = MultiDict(values)
    for value in ticked or ():
        form.add("subscribe_comments", value)
    return form


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


def refused(error: Refused) -> ApiError:
    """The pipeline's refusal in the API's words: its status, message, field and Retry-After."""
    code = ("invalid" if error.field else "refused") if error.status_code == 400 else \
        REFUSAL_CODES.get(error.status_code)
    fields = {error.field: error.message} if error.field else {}
    return ApiError(error.status_code, error.message, code=code, fields=fields,
                    retry_after=error.retry_after)


def door() -> Door:
    """EMBED for a post from a page of a listed embedding site (the widget), else API."""
    origin = request_origin()
    return Door.EMBED if origin and origin in embed_origins() else Door.API


@bp.post("/comments")
@public
def post_comment():
    require_post_origin()
    body = json_body()
    through = door()
    with read_only():  # every check only reads
        values = form_values(body)
        article, url, title = thread_target(body)
        settings = load_settings(current_app.config)
        if article is not None:  # closed answers 403 whatever the post holds, as the form
            gate = admit(article.id, door=through, settings=settings)
            if gate is not None:
                raise refused(gate)
        form = CommentForm(formdata=values, require_name_email=settings.require_name_email)
        if not form.validate():
            fields = {name: errors[0] for name, errors in form.errors.items() if errors}
            raise ApiError(400, "Please correct the fields named.", code="invalid",
                           fields=fields)
        entry = entry_from_form(form, article.id if article is not None else 0, url)
        if article is None:  # no thread is created for a post the pipeline would refuse
            gate = form_token_refusal(entry, settings)
            if gate is not None:
                raise refused(gate)
    created = article is None
    if created:
        article = create_external_thread(url, title)
        entry = replace(entry, target_id=article.id)
    outcome = submit(entry, door=through, settings=settings)
    if isinstance(outcome, Refused):
        if created:  # a refused post leaves no empty thread behind
            discard_empty_thread(article.id)
        raise refused(outcome)
    subscribe_from_post(outcome, entry.email, form.subscription_kind)
    asked = form.subscription_kind if mail_enabled(current_app) else None
    return posted(outcome, article, asked), 201


def entry_from_form(form: CommentForm, target_id: int, page_url: str | None) -> Entry:
    """The pipeline's view of a shape-checked body; an external page's token is bound to
    the page's address."""
    return Entry(
        target_id=target_id, parent_id=form.parent_id, author=form.author.data or "",
        email=(form.email.data or "").lower(), url=form.url.data or "",
        content=form.comment.data, ip=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
        referrer=request.headers.get("Referer", ""), honeypot=bool(form.contact_fax.data),
        form_token=form.form_token.data or "", token_subject=page_url,
    )


def posted(outcome: Accepted, article: Article, subscribed: str | None) -> dict[str, Any]:
    """The comment as its thread shows it; *subscribed*: the mail asked for ("replies",
    "all"), None when none was asked or the site sends no mail. As "held" covers a spam
    verdict, so does this: a post judged spam subscribes nobody but reads the same, and
    whether the address has confirmed is not said (a stranger could learn it by posting)."""
    comment = db.session.get(Comment, outcome.comment_id)
    approved = outcome.status == CommentStatus.APPROVED
    node = Node(id=comment.id, parent_id=comment.parent_id, depth=comment.depth,
                author=comment.author, url=comment.url,
                avatar_seed=comment.avatar_seed if approved else "",
                content_html=comment.content_html, created_at=comment.created_at,
                held=not approved, user_id=comment.user_id)
    return {"comment": comment_json(node, thread_address(article)),
            "status": "approved" if approved else "held",
            "preview_token": None if approved else outcome.preview_token,
            "message": None if approved else HELD_MESSAGE,
            "subscribed": subscribed}
