"""What is stored or sent to others never depends on the request that made it.

Stored reader pages and the cached comment list are rendered from SITE_URL (issue 11,
item 1): a request may name any host, path prefix, scheme, forwarded header, query or
cookie, through the middleware or through Flask, and the next plain reader still gets
the canonical bytes. Absolute links (feed, mail, export, Akismet) come from SITE_URL.
"""

from __future__ import annotations

import re

import pytest

from blogapp.blog.reader_pages import ReaderPages
from blogapp.config import ConfigError
from tests.comment_helpers import OPEN_DISCUSSION, open_article, post_comment

TOKEN_RE = re.compile(rb'name="form_token" value="([^"]+)"')
EVIL = "evil.invalid"

# Every environ key that url_for (werkzeug's bind_to_environ and get_host), ProxyFix and
# the templates (request, session, cookies) read, and the ones a server may add; each row
# is a request a stranger can send (gunicorn takes SCRIPT_NAME from a proxy's header).
HOSTILE = [
    ("SCRIPT_NAME protocol-relative", {"SCRIPT_NAME": f"//{EVIL}"}),
    ("SCRIPT_NAME absolute", {"SCRIPT_NAME": f"https://{EVIL}"}),
    ("SCRIPT_NAME prefix", {"SCRIPT_NAME": "/prefix"}),
    ("SCRIPT_NAME backslashes", {"SCRIPT_NAME": f"/\\{EVIL}"}),
    ("HTTP_HOST", {"HTTP_HOST": EVIL}),
    ("HTTP_HOST with port", {"HTTP_HOST": f"{EVIL}:8443"}),
    ("SERVER_NAME and SERVER_PORT", {"HTTP_HOST": "", "SERVER_NAME": EVIL,
                                     "SERVER_PORT": "8443"}),
    ("wsgi.url_scheme https", {"wsgi.url_scheme": "https"}),
    ("wsgi.url_scheme odd", {"wsgi.url_scheme": "javascript"}),
    ("X-Forwarded-Host", {"HTTP_X_FORWARDED_HOST": EVIL}),
    ("X-Forwarded-Proto", {"HTTP_X_FORWARDED_PROTO": "https"}),
    ("X-Forwarded-Port", {"HTTP_X_FORWARDED_PORT": "8443"}),
    ("X-Forwarded-Prefix", {"HTTP_X_FORWARDED_PREFIX": f"//{EVIL}"}),
    ("X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}),
    ("Forwarded", {"HTTP_FORWARDED": f"host={EVIL};proto=https"}),
    ("X-Original-URL", {"HTTP_X_ORIGINAL_URL": f"//{EVIL}/"}),
    ("REQUEST_URI", {"REQUEST_URI": f"//{EVIL}/articles/night-buses"}),
    ("RAW_URI", {"RAW_URI": f"//{EVIL}/articles/night-buses"}),
    ("QUERY_STRING other", {"QUERY_STRING": "utm_source=evil&next=//evil.invalid"}),
    ("QUERY_STRING empty reply", {"QUERY_STRING": "replytocom="}),
    ("QUERY_STRING cpage and more", {"QUERY_STRING": "cpage=1&utm_source=x"}),
    ("HTTP_COOKIE others", {"HTTP_COOKIE": "_ga=GA1.2.3; theme=dark"}),
    ("HTTP_COOKIE bad session", {"HTTP_COOKIE": "session=forged.value"}),
    ("HTTP_ACCEPT json", {"HTTP_ACCEPT": "application/json"}),
    ("HTTP_ACCEPT_LANGUAGE", {"HTTP_ACCEPT_LANGUAGE": "fr-CH, fr;q=0.9"}),
    ("HTTP_ACCEPT_ENCODING", {"HTTP_ACCEPT_ENCODING": "gzip, br"}),
    ("HTTP_USER_AGENT", {"HTTP_USER_AGENT": "<script>alert(1)</script>"}),
    ("HTTP_REFERER", {"HTTP_REFERER": f"https://{EVIL}/"}),
    ("HTTP_ORIGIN", {"HTTP_ORIGIN": f"https://{EVIL}"}),
    ("REMOTE_ADDR", {"REMOTE_ADDR": "198.51.100.77"}),
    ("SERVER_PROTOCOL", {"SERVER_PROTOCOL": "HTTP/1.0"}),
    ("HEAD", {"REQUEST_METHOD": "HEAD"}),
    ("If-None-Match", {"HTTP_IF_NONE_MATCH": '"stale", W/"other"'}),
    ("everything at once", {
        "SCRIPT_NAME": f"//{EVIL}", "HTTP_HOST": f"{EVIL}:8443", "wsgi.url_scheme": "https",
        "HTTP_X_FORWARDED_HOST": EVIL, "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_PORT": "8443", "HTTP_X_FORWARDED_PREFIX": f"//{EVIL}",
        "HTTP_X_FORWARDED_FOR": "203.0.113.9", "QUERY_STRING": "utm_source=evil"}),
]
READ_BY_URL_FOR_AND_TEMPLATES = {
    "SCRIPT_NAME", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme",
    "QUERY_STRING", "REQUEST_METHOD", "HTTP_COOKIE", "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_FORWARDED_FOR", "HTTP_ACCEPT", "REMOTE_ADDR"}
PROXIES = [pytest.param({"PROXY_COUNT": 0}, id="no-proxy"),
           pytest.param({"PROXY_COUNT": 1}, id="behind-one-proxy")]


def test_the_table_varies_every_key_url_for_and_the_templates_read():
    varied = {key for _, environ in HOSTILE for key in environ}
    assert READ_BY_URL_FOR_AND_TEMPLATES <= varied


@pytest.fixture
def app_config(request):
    return {**OPEN_DISCUSSION, **getattr(request, "param", {})}


@pytest.fixture
def article(app):
    slug = open_article(app)
    post_comment(app.test_client(), slug, comment="A public comment with a reply link")
    return slug


@pytest.fixture
def answered(monkeypatch) -> list[str]:
    """Record the requests the middleware answered itself (the rest went to Flask)."""
    seen: list[str] = []
    original = ReaderPages.answer

    def spy(self, environ):
        result = original(self, environ)
        if result is not None:
            seen.append(environ.get("HTTP_X_PROBE", "plain"))
        return result

    monkeypatch.setattr(ReaderPages, "answer", spy)
    return seen


def forget_stored(app) -> None:
    app.extensions.pop("blogapp.render_cache", None)


def without_token(body: bytes) -> bytes:
    return TOKEN_RE.sub(b'name="form_token" value=""', body)


def plain(app, slug: str, **kwargs):
    return app.test_client().get(f"/articles/{slug}", **kwargs)


def hostile(app, slug: str, environ: dict[str, str], cookie: str = ""):
    overrides = {"HTTP_X_PROBE": "hostile", **environ}
    if cookie:
        overrides["HTTP_COOKIE"] = "; ".join(c for c in (overrides.get("HTTP_COOKIE"), cookie)
                                             if c)
    method = overrides.pop("REQUEST_METHOD", "GET")
    return app.test_client().open(f"/articles/{slug}", method=method,
                                  environ_overrides=overrides)


def canonical(app, slug: str, cookie: str = ""):
    """The page as a plain request renders it on an empty store (token taken out)."""
    forget_stored(app)
    headers = {"Cookie": cookie} if cookie else {}
    response = plain(app, slug, headers=headers)
    assert response.status_code == 200
    return without_token(response.data), response.headers


@pytest.mark.parametrize("app_config", PROXIES, indirect=True)
def test_a_hostile_request_never_changes_the_stored_page(app, article, answered):
    """Each row through Flask (the hostile request renders and stores the page) and through
    the middleware (the page is stored, the middleware may answer the hostile request)."""
    expected, expected_headers = canonical(app, article)
    assert EVIL.encode() not in expected and b"/prefix" not in expected
    wrong = []
    for label, environ in HOSTILE:
        for path in ("flask", "middleware"):
            if path == "flask":
                forget_stored(app)
            else:
                plain(app, article)
            status = hostile(app, article, environ).status_code
            answered.clear()
            later = plain(app, article)
            if status not in (200, 304) or answered != ["plain"]:
                wrong.append(f"{label} via {path}: {status}, stored page not used {answered}")
            elif (without_token(later.data) != expected
                  or later.headers["ETag"] != expected_headers["ETag"]):
                wrong.append(f"{label} via {path}: the next reader got other bytes")
    assert wrong == []


@pytest.mark.parametrize("app_config", PROXIES, indirect=True)
def test_a_hostile_request_never_changes_the_cached_comment_list(app, article):
    """A reader with saved details gets a page of their own around the shared list."""
    cookie = "comment_author=Ann"
    expected, _ = canonical(app, article, cookie)
    wrong = []
    for label, environ in HOSTILE:
        forget_stored(app)
        hostile(app, article, environ, cookie=cookie)
        later = plain(app, article, headers={"Cookie": cookie})
        if without_token(later.data) != expected:
            wrong.append(label)
    assert wrong == []


def test_stored_links_follow_the_configured_path_prefix(app, article):
    app.config["SITE_URL"] = "https://example.org/blog"
    forget_stored(app)
    html = plain(app, article, environ_overrides={"SCRIPT_NAME": f"//{EVIL}"}).text
    for link in ('href="/blog/static/style.css"', 'href="/blog/"',
                 f'action="/blog/articles/{article}/comments#form-problems"', 'href="/blog/login"',
                 'src="/blog/static/comment-reply.js"'):
        assert link in html
    assert EVIL not in html


@pytest.mark.parametrize("app_config", [{"SERVER_NAME": None, "SITE_URL": "https://news.example/"}],
                         indirect=True)
def test_feed_links_come_from_site_url_not_the_request(app, article):
    expected = app.test_client().get("/feed.atom").data
    assert f"https://news.example/articles/{article}".encode() in expected
    assert b"<id>https://news.example/feed.atom</id>" in expected
    wrong = []
    for label, environ in HOSTILE:
        overrides = dict(environ)
        method = overrides.pop("REQUEST_METHOD", "GET")
        got = app.test_client().open("/feed.atom", method=method, environ_overrides=overrides)
        if got.status_code != 200 or got.data != (b"" if method == "HEAD" else expected):
            wrong.append(label)
    assert wrong == []


def test_absolute_links_for_mail_export_and_akismet_ignore_the_request(app, article):
    from blogapp.blog.comments_host import target_of
    from blogapp.comments.akismet import config_from_mapping
    from blogapp.comments.notify import approved_message, held_message
    from blogapp.comments.privacy import export
    from blogapp.comments.spam_checks import comment_data
    from blogapp.extensions import db
    from blogapp.models import Article, Comment

    app.config["SITE_URL"] = "https://news.example/"
    with app.test_request_context(f"/articles/{article}", base_url=f"https://{EVIL}/x",
                                  environ_overrides={"SCRIPT_NAME": f"//{EVIL}"}):
        comment = db.session.get(Comment, 1)
        row = target_of(db.session.get(Article, comment.article_id))
        texts = [*held_message(app, comment, row), *approved_message(app, comment, row),
                 repr(export(comment.email)),
                 comment_data(comment, row, config_from_mapping(app.config)).permalink]
    blob = "\n".join(texts)
    assert EVIL not in blob
    assert f"https://news.example/articles/{article}" in blob
    assert "https://news.example/admin/comments/1/mail/approve?token=" in blob


@pytest.mark.parametrize(("given", "expected"), [
    ("https://blog.example/", "https://blog.example"),
    ("https://Blog.Example:8443/news/", "https://blog.example:8443/news"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
])
def test_site_url_is_normalized(monkeypatch, tmp_path, given, expected):
    from blogapp import create_app

    monkeypatch.setenv("SITE_URL", given)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k" * 32,
                      "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SITE_URL"] == expected


@pytest.mark.parametrize("given", [
    "blog.example", "ftp://blog.example", "https://", "https://user@blog.example",
    "https://blog.example/?q=1", "https://blog.example/#top", f"https://blog.example//{EVIL}",
    "https://blog example", "javascript:alert(1)", "https://blog.example:99999",
    "https://blog.example/a\\b"])
def test_a_site_url_that_is_not_a_plain_address_refuses_to_start(tmp_path, given):
    from blogapp import create_app

    with pytest.raises(ConfigError, match="SITE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k" * 32,
                    "INSTANCE_PATH": str(tmp_path), "SITE_URL": given})
