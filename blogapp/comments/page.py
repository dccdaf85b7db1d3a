"""Render an article page with its comments and the Leave a Reply form."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from flask import current_app, render_template, request, session
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from blogapp.comments.display import ThreadPage, thread_page
from blogapp.comments.form import CommentForm, issue_form_token
from blogapp.discussion import SiteSettings, flatten, load_settings
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


def article_etag(article: Article, settings: SiteSettings) -> str | None:
    """Return a validator for this reader's copy of the page (None: always render).

    It covers everything the page shows: the article, its comments (comments_version),
    the settings, who is logged in, this browser's cookies and session token, and the
    day (the form's signed timestamp lasts a day at most).
    """
    if session.get("_flashes"):
        return None
    generate_csrf()  # the form needs the session's token; make it exist before hashing it
    parts = [
        article.id, article.created_at, article.updated_at, article.comments_version,
        hash(tuple(sorted(flatten(settings).items(), key=lambda kv: kv[0]).__repr__())),
        session.get("csrf_token", ""), session.get("_user_id", ""),
        request.cookies.get(HELD_COOKIE, ""), utcnow().date(),
        *(request.cookies.get(c, "") for c in DETAIL_COOKIES.values()),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def render_article_page(article: Article, form: CommentForm | None = None, status: int = 200,
                        settings: SiteSettings | None = None, message: str | None = None):
    settings = settings or load_settings(current_app.config)
    submitted = form is not None
    form = form or blank_form(article, settings)
    form.form_token.data = issue_form_token(current_app.config["SECRET_KEY"], article.id)
    reply_arg = request.args.get("replytocom", type=int)
    if reply_arg and not submitted:
        form.comment_parent.data = str(reply_arg)
    closed = comments_closed(article, settings, utcnow())
    cpage = request.args.get("cpage", type=int)
    held = held_ids()
    replying_to = None
    if held or form.parent_id:
        thread = thread_page(article.id, article.comment_count, settings, cpage, held)
        comment_list = _render_list(article, thread, settings, closed)
        replying_to = _find(thread.roots, form.parent_id) if form.parent_id else None
    else:
        comment_list = cached_list(article, settings, closed, cpage)
    return render_template(
        "blog/article.html", article=article, form=form, settings=settings, closed=closed,
        comment_list=comment_list, replying_to=replying_to, form_message=message,
    ), status


def _render_list(article: Article, thread: ThreadPage, settings: SiteSettings,
                 closed: bool) -> Markup:
    return Markup(render_template("comments/list.html", article=article, thread=thread,
                                  settings=settings, closed=closed))


_LIST_CACHE_SIZE = 1024
_cache_lock = threading.Lock()


def _list_cache() -> OrderedDict[tuple, Markup]:
    return current_app.extensions.setdefault("blogapp.comment_lists", OrderedDict())


def cached_list(article: Article, settings: SiteSettings, closed: bool,
                cpage: int | None) -> Markup:
    """Return the rendered comment list, cached per process under a key read from the
    database (the article's comments_version), so every worker and host agrees on it."""
    # created_at tells apart a new article that reuses a deleted one's id.
    key = (article.id, article.created_at, article.comments_version, article.slug, cpage,
           closed, settings.comments_per_page, settings.default_page, settings.thread_depth)
    cache = _list_cache()
    with _cache_lock:
        html = cache.get(key)
        if html is not None:
            cache.move_to_end(key)
            return html
    thread = thread_page(article.id, article.comment_count, settings, cpage)
    html = _render_list(article, thread, settings, closed)
    with _cache_lock:
        cache[key] = html
        while len(cache) > _LIST_CACHE_SIZE:
            cache.popitem(last=False)
    return html


def _find(nodes, wanted):
    for node in nodes:
        if node.id == wanted:
            return node
        found = _find(node.children, wanted)
        if found:
            return found
    return None
