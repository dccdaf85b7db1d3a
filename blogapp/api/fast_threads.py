"""Thread JSON answered before Flask when the stored copy is current.

The API's thread GETs are what every embedding page asks first, as often as readers open
pages. Like the article page (blogapp.blog.reader_pages), a thread's JSON is the same for
everyone but for the form token, so once Flask has stored a version of it
(blogapp.api.thread_json.stored_thread), the ``ApiThreads`` WSGI middleware answers from
one small query (the thread's version row beside the settings rows) and the stored bytes
joined around a fresh token. Anything else (a miss, another query string, an error) goes
to Flask, which answers the same bytes and headers."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from flask import Flask
from sqlalchemy import bindparam, true

from blogapp.api.origins import normalize_origin, normalize_page_url, origin_of
from blogapp.api.thread_json import CACHE_NAME, thread_key
from blogapp.blog.lookup import VERSION_COLUMNS, version_is_visible
from blogapp.blog.reader_connection import ReaderConnection
from blogapp.comments.forms import issue_form_token
from blogapp.comments.services import comments_closed
from blogapp.comments.settings import settings_from_rows
from blogapp.comments.stored import peek_page
from blogapp.extensions import db
from blogapp.models import Article, ArticleKind, ArticleStatus, SiteSetting
from blogapp.models.base import utcnow
from blogapp.security import security_headers
from blogapp.site import site_url

ARTICLE_PREFIX = "/api/v1/threads/article/"
PAGE_PATH = "/api/v1/threads"
PAGE_QUERY = re.compile(r"page=([1-9][0-9]{0,8})")
_FACTS = VERSION_COLUMNS.add_columns(SiteSetting.key, SiteSetting.value).outerjoin(
    SiteSetting, true())
BY_SLUG = _FACTS.where(Article.slug == bindparam("slug"))
BY_URL = _FACTS.where(Article.url == bindparam("url"))  # only external threads have one


def thread_headers(app: Flask, https: bool, origin: str | None) -> list[tuple[str, str]]:
    """The headers of a thread's JSON, whoever answers it (middleware or view)."""
    headers = [("Content-Type", "application/json"), ("Cache-Control", "private, no-cache"),
               ("Vary", "Origin")]
    if origin and allowed(app, origin):
        headers += [("Access-Control-Allow-Origin", origin),
                    ("Access-Control-Expose-Headers", "Retry-After")]
    return headers + security_headers(app.config, https)


def allowed(app: Flask, origin: str) -> bool:
    normal = normalize_origin(origin)
    own = normalize_origin("/".join(site_url(app).split("/", 3)[:3]))
    return bool(normal) and (normal in app.config["EMBED_ORIGINS"] or normal == own)


class ApiThreads:
    """WSGI middleware: answer current thread GETs from the stored JSON."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.readers: dict[str, ReaderConnection] = {}

    def __call__(self, environ, start_response):
        answer = self.answer(environ)
        if answer is None:
            return self.wsgi_app(environ, start_response)
        headers, body = answer
        start_response("200 OK", headers)
        return [body]

    def answer(self, environ) -> tuple[list[tuple[str, str]], bytes] | None:
        if environ["REQUEST_METHOD"] != "GET":
            return None
        path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
        if path.startswith(ARTICLE_PREFIX):
            found = self.by_slug(path[len(ARTICLE_PREFIX):], query)
        elif path == PAGE_PATH:
            found = self.by_url(query)
        else:
            return None
        if found is None or found[0] is None:
            return None
        page, subject = found
        origin = environ.get("HTTP_ORIGIN")
        headers = thread_headers(self.app, environ.get("wsgi.url_scheme") == "https", origin)
        body = page.body(issue_form_token(self.app.config["SECRET_KEY"], subject))
        headers.append(("Content-Length", str(len(body))))
        return headers, body

    def by_slug(self, raw: str, query: str):
        cpage = None
        if query:
            match = PAGE_QUERY.fullmatch(query)
            if match is None:
                return None
            cpage = int(match.group(1))
        try:  # WSGI hands the path over as latin-1; slugs may hold any letter
            slug = raw.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return None
        if not slug or "/" in slug or "\x00" in slug:
            return None
        rows = self.run("slug", BY_SLUG, slug=slug)
        if not rows or not version_is_visible(rows[0], utcnow()):
            return None
        return self.stored(rows, cpage), rows[0].id

    def by_url(self, query: str):
        try:
            args = parse_qs(query, strict_parsing=True, errors="strict")
        except (ValueError, UnicodeError):
            return None
        if set(args) - {"url", "page"} or any(len(v) != 1 for v in args.values()):
            return None
        url = normalize_page_url(args.get("url", [""])[0])
        if url is None or origin_of(url) not in self.app.config["EMBED_ORIGINS"]:
            return None
        cpage = None
        if "page" in args:
            if not PAGE_QUERY.fullmatch(f"page={args['page'][0]}"):
                return None
            cpage = int(args["page"][0])
        rows = self.run("url", BY_URL, url=url)
        if (not rows or rows[0].kind != ArticleKind.EXTERNAL.value
                or rows[0].status != ArticleStatus.PUBLISHED.value):
            return None
        return self.stored(rows, cpage), url

    def run(self, name: str, statement, **params) -> list:
        reader = self.readers.get(name)
        if reader is None:
            with self.app.app_context():
                reader = self.readers.setdefault(name, ReaderConnection(db.engine, statement))
        try:
            return reader.run(**params)
        except ReaderConnection.Failed:  # the database went away: Flask answers (or 500s)
            return []

    def stored(self, rows: list, cpage: int | None):
        version = rows[0]
        settings = settings_from_rows(
            self.app.config, [(row.key, row.value) for row in rows if row.key is not None])
        closed = comments_closed(version, settings, utcnow())
        return peek_page(CACHE_NAME, thread_key(self.app, version, closed, settings), cpage,
                         self.app)


def register_api_threads(app: Flask) -> None:
    """Put the middleware right around Flask (inside ProxyFix: it needs the real scheme)."""
    app.wsgi_app = ApiThreads(app, app.wsgi_app)  # type: ignore[method-assign]
