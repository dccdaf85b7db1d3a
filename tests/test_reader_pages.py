"""Plain readers' article pages: stored once per version, answered before Flask, identical
to what Flask would send, and never served to a reader whose page is personal."""

from __future__ import annotations

import re

import pytest

from blogapp.blog.reader_pages import ReaderPages
from blogapp.discussion import save_settings
from blogapp.extensions import db
from blogapp.models import Article
from tests.comment_helpers import OPEN_DISCUSSION, form_tokens, open_article, post_comment
from tests.factories import make_article

TOKEN_RE = re.compile(rb'name="form_token" value="([^"]+)"')


@pytest.fixture
def app_config():
    return dict(OPEN_DISCUSSION)


@pytest.fixture
def article(app):
    return open_article(app)


@pytest.fixture
def answered(app, monkeypatch) -> list[str]:
    """Record the paths the middleware answered itself (the rest went to Flask)."""
    seen: list[str] = []
    original = ReaderPages.answer

    def spy(self, environ):
        result = original(self, environ)
        if result is not None:
            seen.append(environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", ""))
        return result

    monkeypatch.setattr(ReaderPages, "answer", spy)
    return seen


def without_token(body: bytes) -> bytes:
    return TOKEN_RE.sub(b'name="form_token" value=""', body)


def test_second_reader_is_answered_before_flask_with_the_same_response(app, article,
                                                                        answered):
    first = app.test_client().get(f"/articles/{article}")
    second = app.test_client().get(f"/articles/{article}")
    assert answered == [f"/articles/{article}?"]
    assert first.status_code == second.status_code == 200
    assert without_token(first.data) == without_token(second.data)
    assert dict(first.headers) == dict(second.headers)
    assert "Set-Cookie" not in second.headers  # nothing personal: a CDN may keep it
    assert second.headers["Vary"] == "Cookie"


def test_stored_page_answers_304_and_follows_new_comments(app, client, article, answered):
    reader = app.test_client()
    etag = reader.get(f"/articles/{article}").headers["ETag"]
    again = reader.get(f"/articles/{article}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and "Content-Security-Policy" in again.headers
    assert len(answered) == 1
    post_comment(client, article, comment="News from the night bus")
    changed = reader.get(f"/articles/{article}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and b"News from the night bus" in changed.data


def test_stored_page_carries_a_token_that_posts(app, article, answered):
    reader = app.test_client()
    form_tokens(reader, article)
    tokens = form_tokens(reader, article)
    assert len(answered) == 1
    assert post_comment(reader, article, tokens=tokens).status_code == 303


@pytest.mark.parametrize(("why", "cookie", "query"), [
    ("remembered details", ("comment_author", "Ann"), ""),
    ("a session (staff, flash)", ("session", "x"), ""),
    ("a held comment", ("comment_held", "x"), ""),
    ("a reply in progress", None, "?replytocom=1"),
    ("another query", None, "?utm_source=feed"),
])
def test_personal_or_unusual_requests_go_to_flask(app, article, answered, why, cookie, query):
    warm = app.test_client()
    warm.get(f"/articles/{article}")
    warm.get(f"/articles/{article}?cpage=1")
    answered.clear()
    reader = app.test_client()
    if cookie:
        reader.set_cookie(*cookie, domain="blog.test")
    response = reader.get(f"/articles/{article}{query}")
    assert response.status_code == 200, why
    assert answered == [], why
    if cookie and cookie[0] == "comment_author":
        assert b'value="Ann"' in response.data


def test_comment_pages_are_stored_apart(app, article, answered):
    with app.app_context():
        save_settings({"comments_per_page": 1})
    for text in ("first thread", "second thread"):
        post_comment(app.test_client(), article, comment=text)
    pages = {}
    for _ in range(2):
        for cpage in (1, 2):
            pages[cpage] = app.test_client().get(f"/articles/{article}?cpage={cpage}").data
    assert len(answered) == 2
    assert b"first thread" in pages[1] and b"second thread" not in pages[1]
    assert b"second thread" in pages[2] and b"first thread" not in pages[2]


def test_unpublished_article_is_not_served_from_the_store(app, article, answered):
    app.test_client().get(f"/articles/{article}")
    with app.app_context():
        db.session.query(Article).filter_by(slug=article).update({"status": "draft"})
        db.session.commit()
    assert app.test_client().get(f"/articles/{article}").status_code == 404
    assert answered == []


def test_settings_change_the_stored_page_at_once(app, article, answered):
    app.test_client().get(f"/articles/{article}")
    with app.app_context():
        save_settings({"require_name_email": False})
    html = app.test_client().get(f"/articles/{article}").get_data(as_text=True)
    assert answered == []  # a new key: rendered again
    assert '<label for="author">Name <span class="required">' not in html


def test_closed_comments_page_has_no_form_and_is_stored(app, answered):
    with app.app_context():
        slug = make_article("Closed", body="Body.", comments_open=False).slug
    app.test_client().get(f"/articles/{slug}")
    response = app.test_client().get(f"/articles/{slug}")
    assert answered and b"Comments are closed." in response.data
    assert b'name="form_token"' not in response.data


def test_head_and_https_through_the_proxy(app, article, answered):
    app.test_client().get(f"/articles/{article}")
    head = app.test_client().head(f"/articles/{article}", base_url="https://blog.test")
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) > 1000
    assert head.headers["Strict-Transport-Security"].startswith("max-age=")
    assert len(answered) == 1


@pytest.mark.parametrize("path", ["/articles/%FF%FE", "/articles/", "/articles/a/b",
                                  "/articles/no-such-article"])
def test_odd_paths_fall_through_to_flask(client, answered, path):
    assert client.get(path).status_code == 404
    assert answered == []


def test_non_latin_slug_is_served(app, answered):
    with app.app_context():
        slug = make_article("Ночные автобусы", body="Тело.").slug
    for _ in range(2):
        response = app.test_client().get(f"/articles/{slug}")
        assert response.status_code == 200
    assert len(answered) == 1


def middleware(app) -> ReaderPages:
    layer = app.wsgi_app
    while not isinstance(layer, ReaderPages):
        layer = layer.wsgi_app
    return layer


def test_a_broken_connection_falls_back_to_flask_and_is_replaced(app, article, answered):
    for _ in range(2):
        app.test_client().get(f"/articles/{article}")
    assert len(answered) == 1
    reader = middleware(app).reader
    reader.local.connection.close()  # as a database restart would
    assert app.test_client().get(f"/articles/{article}").status_code == 200  # by Flask
    assert len(answered) == 1
    assert app.test_client().get(f"/articles/{article}").status_code == 200
    assert len(answered) == 2  # a new connection
    assert len(reader.opened) == 1


def test_disposing_the_engine_closes_the_readers_connections(app, article):
    for _ in range(2):
        app.test_client().get(f"/articles/{article}")
    reader = middleware(app).reader
    assert len(reader.opened) == 1
    with app.app_context():
        db.engine.dispose()
    assert reader.opened == []


def test_an_in_memory_database_is_left_to_flask(tmp_path):
    from blogapp import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        db.create_all()
        make_article("In memory", body="Body.")
    for _ in range(2):
        assert app.test_client().get("/articles/in-memory").status_code == 200
    assert middleware(app).reader.opened == []
