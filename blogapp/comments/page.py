"""Render an article page with its comments and the Leave a Reply form."""

from __future__ import annotations

import hashlib

from flask import current_app, render_template, request, session
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from blogapp.comments.display import ThreadPage, thread_page
from blogapp.comments.form import CommentForm, issue_form_token
from blogapp.discussion import SiteSettings, load_settings
from blogapp.models import Article
from blogapp.models.base import utcnow
from blogapp.render_cache import cached, peek
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
        article_key(article), hash(settings),
        session.get("csrf_token", ""), session.get("_user_id", ""),
        request.cookies.get(HELD_COOKIE, ""), utcnow().date(),
        *(request.cookies.get(c, "") for c in DETAIL_COOKIES.values()),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


CSRF_SLOT = "\x00csrf-token\x00"
FORM_TOKEN_SLOT = "\x00form-token\x00"


def _plain_reader(submitted: bool) -> bool:
    """A reader with nothing personal on the page: no login, cookies, flashes or reply."""
    return not (submitted or "_user_id" in session or session.get("_flashes")
                or request.args.get("replytocom") or HELD_COOKIE in request.cookies
                or any(c in request.cookies for c in DETAIL_COOKIES.values()))


def _page_key(version, settings: SiteSettings) -> tuple:
    return (article_key(version), request.args.get("cpage", type=int), settings,
            comments_closed(version, settings, utcnow()))


def _fill(page: str, article_id: int) -> str:
    token = issue_form_token(current_app.config["SECRET_KEY"], article_id)
    return page.replace(CSRF_SLOT, generate_csrf()).replace(FORM_TOKEN_SLOT, token)


def cached_plain_page(version, settings: SiteSettings) -> str | None:
    """Return the page from the cache for a plain reader, from the version row alone."""
    if not _plain_reader(False):
        return None
    page = peek("article-page", _page_key(version, settings))
    return _fill(page, version.id) if page is not None else None


def render_article_page(article: Article, form: CommentForm | None = None, status: int = 200,
                        settings: SiteSettings | None = None, message: str | None = None):
    settings = settings or load_settings(current_app.config)
    submitted = form is not None
    if _plain_reader(submitted):
        # The same page for every such reader but for two tokens: render it once per
        # version and fill the tokens in.
        page = cached("article-page", _page_key(article, settings), lambda: _render_page(
            article, blank_form(article, settings), settings, None, FORM_TOKEN_SLOT, CSRF_SLOT))
        return _fill(page, article.id), status
    form = form or blank_form(article, settings)
    token = issue_form_token(current_app.config["SECRET_KEY"], article.id)
    return _render_page(article, form, settings, message, token, None), status


def _render_page(article: Article, form: CommentForm, settings: SiteSettings,
                 message: str | None, form_token: str, csrf_value: str | None) -> str:
    submitted = form.is_submitted()
    form.form_token.data = form_token
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
        csrf_value=csrf_value,
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
