"""Render an article page with its comments and the Leave a Reply form."""

from __future__ import annotations

import hashlib

from flask import current_app, render_template, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from blogapp.comments.display import ThreadPage, thread_page
from blogapp.comments.form import CommentForm, issue_form_token
from blogapp.discussion import SiteSettings, load_settings
from blogapp.models import Article
from blogapp.models.base import utcnow
from blogapp.render_cache import cached
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
    """Return a validator for this reader's personal copy of the page (None: always render).

    It covers everything the page shows: the article, its comments (comments_version),
    the settings, who is logged in, this browser's cookies, and the day (the form's signed
    timestamp lasts a day at most)."""
    if session.get("_flashes"):
        return None
    parts = [
        article_key(article), hash(settings), session.get("_user_id", ""),
        request.cookies.get(HELD_COOKIE, ""), utcnow().date(),
        *(request.cookies.get(c, "") for c in DETAIL_COOKIES.values()),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


FORM_TOKEN_SLOT = "\x00form-token\x00"


def plain_reader() -> bool:
    """A reader with nothing personal on the page: no login, cookies, flashes or reply."""
    return not ("_user_id" in session or session.get("_flashes")
                or request.args.get("replytocom") or HELD_COOKIE in request.cookies
                or any(c in request.cookies for c in DETAIL_COOKIES.values()))


def render_plain_page(article: Article, settings: SiteSettings) -> str:
    """Render the page every plain reader sees, with FORM_TOKEN_SLOT for the form token.

    The caller stores the whole page, so the comment list is not stored apart as well."""
    return _render_page(article, blank_form(article, settings), settings, None, FORM_TOKEN_SLOT,
                        store_list=False)


def render_article_page(article: Article, form: CommentForm | None = None, status: int = 200,
                        settings: SiteSettings | None = None, message: str | None = None):
    """Render the page for one reader: a refused form kept, their details, a reply."""
    settings = settings or load_settings(current_app.config)
    form = form or blank_form(article, settings)
    token = issue_form_token(current_app.config["SECRET_KEY"], article.id)
    return _render_page(article, form, settings, message, token), status


def _render_page(article: Article, form: CommentForm, settings: SiteSettings,
                 message: str | None, form_token: str, store_list: bool = True) -> str:
    submitted = form.is_submitted()
    form.form_token.data = form_token
    reply_arg = request.args.get("replytocom", type=int)
    if reply_arg and not submitted:
        form.comment_parent.data = str(reply_arg)
    closed = comments_closed(article, settings, utcnow())
    cpage = request.args.get("cpage", type=int)
    held = held_ids()
    replying_to = None
    if held or form.parent_id or not store_list:
        thread = thread_page(article.id, article.comment_count, settings, cpage, held)
        comment_list = _render_list(article, thread, settings, closed)
        replying_to = _find(thread.roots, form.parent_id) if form.parent_id else None
    else:
        comment_list = cached_list(article, settings, closed, cpage)
    return render_template(
        "blog/article.html", article=article, form=form, settings=settings, closed=closed,
        comment_list=comment_list, replying_to=replying_to, form_message=message,
    )


def _render_list(article: Article, thread: ThreadPage, settings: SiteSettings,
                 closed: bool) -> Markup:
    return Markup(render_template("comments/list.html", article=article, thread=thread,
                                  settings=settings, closed=closed))


def article_key(article: Article) -> tuple:
    """What identifies this version of an article and its visible comments.

    created_at tells apart a new article that reuses a deleted one's id."""
    return (article.id, article.created_at, article.updated_at, article.comments_version)


def cached_list(article: Article, settings: SiteSettings, closed: bool,
                cpage: int | None) -> Markup:
    """Return the rendered comment list, cached under the article's database version."""

    def render() -> Markup:
        thread = thread_page(article.id, article.comment_count, settings, cpage)
        return _render_list(article, thread, settings, closed)

    return cached("comment-list", (article_key(article), cpage, closed, settings), render)


def _find(nodes, wanted):
    for node in nodes:
        if node.id == wanted:
            return node
        found = _find(node.children, wanted)
        if found:
            return found
    return None
