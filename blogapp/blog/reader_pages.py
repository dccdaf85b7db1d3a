"""The article page every plain reader sees, answered before Flask when it is current.

A reader with no session, no remembered details, no held comment and no reply in progress
sees what every other such reader sees, but for the comment form's signed timestamp. The
first request for a version renders through Flask and stores the page (as bytes split
around the token); later ones are answered by the ``ReaderPages`` WSGI middleware from one
small query (the article's version row beside the settings rows, run by
blogapp.blog.reader_connection): a 304 when the browser's copy is current, else the
stored bytes with a fresh token. The key is read from the database on every request, so
every worker and host agrees on what is current without any invalidation. The page sets
no cookie.

What is stored depends on the key alone, never on the request that rendered it: pages are
rendered from SITE_URL (blogapp.site.site_request), under real comment page numbers only
(blogapp.comments.stored); the middleware only reads the store."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, Response, current_app, request
from sqlalchemy import bindparam, true
from werkzeug.http import parse_etags

from blogapp.blog.comments_host import target_of
from blogapp.blog.lookup import VERSION_COLUMNS, version_is_visible
from blogapp.blog.reader_connection import ReaderConnection
from blogapp.comments.area import (
    DETAIL_COOKIES,
    FORM_TOKEN_SLOT,
    HELD_COOKIE,
    article_key,
    render_plain_page,
)
from blogapp.comments.forms import issue_form_token
from blogapp.comments.services import comments_closed
from blogapp.comments.settings import SiteSettings, settings_from_rows
from blogapp.comments.stored import peek_page, stored_page
from blogapp.extensions import db
from blogapp.models import Article, SiteSetting
from blogapp.models.base import utcnow
from blogapp.security import security_headers
from blogapp.site import site_version

CACHE_NAME = "reader-page"
ARTICLE_PATH = "/articles/"
# The one spelling of a comment page (blogapp.comments.area.requested_cpage); any other
# query goes to Flask, which answers 404 for another spelling of cpage.
CPAGE_QUERY = re.compile(r"cpage=([1-9][0-9]{0,8})")


@dataclass(frozen=True)
class ReaderPage:
    """A rendered page as the bytes before and after its form token."""

    head: bytes
    tail: bytes | None  # None: no form on the page (comments closed)
    etag: str

    def __len__(self) -> int:
        return len(self.head) + len(self.tail or b"")

    def body(self, form_token: str) -> bytes:
        if self.tail is None:
            return self.head
        return b"".join((self.head, form_token.encode(), self.tail))


def page_key(app: Flask, version, settings: SiteSettings, now: datetime) -> tuple:
    """All a plain reader's page depends on, but for the comment page number. The day is
    in it because a form token lasts a day at most, so a browser's copy from yesterday
    must not be revalidated; the site's version, so that a deploy or a new SITE_URL is
    never answered with a 304."""
    return (site_version(app), article_key(version), settings,
            comments_closed(version, settings, now), now.date())


def make_page(key: tuple, html: str) -> ReaderPage:
    head, slot, tail = html.partition(FORM_TOKEN_SLOT)
    etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    return ReaderPage(head.encode(), tail.encode() if slot else None, etag)


def reader_headers(app: Flask, https: bool, etag: str) -> list[tuple[str, str]]:
    """The headers of a plain reader's page, whoever answers it (middleware or view)."""
    return [("Content-Type", "text/html; charset=utf-8"), ("ETag", f'"{etag}"'),
            ("Cache-Control", "private, no-cache"), ("Vary", "Cookie"),
            *security_headers(app.config, https)]


def plain_page(version, settings: SiteSettings, cpage: int | None) -> ReaderPage:
    """Return the stored page for this version, rendering it on a miss (in a request)."""
    key = page_key(current_app._get_current_object(), version, settings, utcnow())

    def render(page: int | None):
        html, thread = render_plain_page(target_of(db.session.get(Article, version.id)),
                                         settings, page)
        return make_page((key, thread.page), html), thread

    return stored_page(CACHE_NAME, key, settings, cpage, render)


def current(if_none_match: str | None, etag: str) -> bool:
    """Tell whether the browser's copy is current (If-None-Match, weak comparison)."""
    return bool(if_none_match) and parse_etags(if_none_match).contains_weak(etag)


def plain_response(app: Flask, version, settings: SiteSettings, cpage: int | None) -> Response:
    """Answer a plain reader inside Flask (the middleware's miss, or a query it skips)."""
    page = plain_page(version, settings, cpage)
    headers = reader_headers(app, request.is_secure, page.etag)
    if current(request.headers.get("If-None-Match"), page.etag):
        return Response(status=304, headers=headers[1:])
    token = issue_form_token(app.config["SECRET_KEY"], version.id)
    return Response(page.body(token), headers=headers)


class ReaderPages:
    """WSGI middleware: answer plain readers' article pages from the stored bytes."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.personal = (app.config["SESSION_COOKIE_NAME"],
                         app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
                         HELD_COOKIE, *DETAIL_COOKIES.values())
        self.reader: ReaderConnection | None = None

    def __call__(self, environ, start_response):
        answer = self.answer(environ)
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def answer(self, environ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """Return (status, headers, body), or None to let Flask answer."""
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return None
        path = environ.get("PATH_INFO", "")
        if not path.startswith(ARTICLE_PATH):
            return None
        query = environ.get("QUERY_STRING", "")
        cpage = None
        if query:
            match = CPAGE_QUERY.fullmatch(query)
            if match is None:
                return None
            cpage = int(match.group(1))
        cookies = environ.get("HTTP_COOKIE", "")
        if cookies and any(name in cookies for name in self.personal):
            return None
        try:  # WSGI hands the path over as latin-1; slugs may hold any letter
            slug = path[len(ARTICLE_PATH):].encode("latin-1").decode("utf-8")
        except UnicodeError:
            return None
        if not slug or "/" in slug or "\x00" in slug:
            return None
        page, version = self.lookup(slug, cpage)
        if page is None:
            return None
        headers = reader_headers(self.app, environ.get("wsgi.url_scheme") == "https",
                                 page.etag)
        if current(environ.get("HTTP_IF_NONE_MATCH"), page.etag):
            return "304 Not Modified", headers[1:], b""
        body = page.body(issue_form_token(self.app.config["SECRET_KEY"], version.id))
        headers.append(("Content-Length", str(len(body))))
        return "200 OK", headers, b"" if environ["REQUEST_METHOD"] == "HEAD" else body

    def lookup(self, slug: str, cpage: int | None):
        """Return (stored page or None, version row or None) for *slug* and *cpage*."""
        if self.reader is None:
            with self.app.app_context():
                self.reader = ReaderConnection(db.engine, PAGE_FACTS)
        try:
            rows = self.reader.run(slug=slug)
        except ReaderConnection.Failed:  # the database went away: Flask answers (or 500s)
            return None, None
        if not rows:
            return None, None
        version, now = rows[0], utcnow()
        if not version_is_visible(version, now):
            return None, None
        stored = [(row.key, row.value) for row in rows if row.key is not None]
        settings = settings_from_rows(self.app.config, stored)
        page = peek_page(CACHE_NAME, page_key(self.app, version, settings, now), cpage,
                         self.app)
        return page, version


# One round trip: the article's version row once per stored setting (or once, with no
# setting, when none is stored); the settings table holds a few dozen rows at most.
PAGE_FACTS = (VERSION_COLUMNS.add_columns(SiteSetting.key, SiteSetting.value)
              .outerjoin(SiteSetting, true())
              .where(Article.slug == bindparam("slug")))


def register_reader_pages(app: Flask) -> None:
    """Put the middleware right around Flask (inside ProxyFix: it needs the real scheme)."""
    site_version(app)  # hash the code and templates now, not on the first reader's request
    app.wsgi_app = ReaderPages(app, app.wsgi_app)  # type: ignore[method-assign]
