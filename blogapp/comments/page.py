"""Render an article page with its comments and the Leave a Reply form."""

from __future__ import annotations

from flask import current_app, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from blogapp.comments.display import thread_page
from blogapp.comments.form import CommentForm, issue_form_token
from blogapp.discussion import SiteSettings, load_settings
from blogapp.models import Article
from blogapp.models.base import utcnow
from blogapp.services.comments import comments_closed

HELD_COOKIE = "comment_held"
DETAIL_COOKIES = {"author": "comment_author", "email": "comment_author_email",
                  "url": "comment_author_url"}


def held_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="held-comments")


def held_ids() -> list[int]:
    """Return the ids of held comments this browser wrote (signed, short-lived cookie)."""
    raw = request.cookies.get(HELD_COOKIE)
    if not raw:
        return []
    try:
        ids = held_serializer().loads(raw, max_age=current_app.config["HELD_COOKIE_MAX_AGE"])
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)][:20]


def blank_form(article: Article, settings: SiteSettings) -> CommentForm:
    form = CommentForm(formdata=None, require_name_email=settings.require_name_email)
    for field, cookie in DETAIL_COOKIES.items():
        form[field].data = request.cookies.get(cookie, "")[:250]
    form.consent.data = bool(request.cookies.get("comment_author"))
    return form


def render_article_page(article: Article, form: CommentForm | None = None, status: int = 200,
                        settings: SiteSettings | None = None, message: str | None = None):
    settings = settings or load_settings(current_app.config)
    form = form or blank_form(article, settings)
    form.form_token.data = issue_form_token(current_app.config["SECRET_KEY"], article.id)
    reply_to = None
    reply_arg = request.args.get("replytocom", type=int)
    if reply_arg and not form.is_submitted():
        form.comment_parent.data = str(reply_arg)
    if form.parent_id:
        reply_to = form.parent_id
    thread = thread_page(article.id, article.comment_count, settings,
                         request.args.get("cpage", type=int), held_ids())
    replying_to = _find(thread.roots, reply_to) if reply_to else None
    return render_template(
        "blog/article.html", article=article, form=form, thread=thread, settings=settings,
        closed=comments_closed(article, settings, utcnow()), replying_to=replying_to,
        form_message=message,
    ), status


def _find(nodes, wanted):
    for node in nodes:
        if node.id == wanted:
            return node
        found = _find(node.children, wanted)
        if found:
            return found
    return None
