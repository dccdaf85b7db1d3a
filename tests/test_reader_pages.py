"""Plain readers' article pages: stored once per version, answered before Flask, identical
to what Flask would send, and never served to a reader whose page is personal."""

from __future__ import annotations

import re

import pytest

from blogapp.blog.reader_pages import ReaderPages
from blogapp.comments.settings import save_settings
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


NOT_A_PAGE = [
    "cpage=0001", "cpage=01", "cpage=%2B1", "cpage=+1", "cpage=-1", "cpage=0", "cpage=",
    "cpage=1&cpage=2", "cpage=2&cpage=2", "cpage=3", "cpage=999999999", "cpage=999999999999",
    "cpage=%EF%BC%91", "cpage=%C2%B2", "cpage=%D9%A1", "cpage=1.0", "cpage=1e0", "cpage=0x1",
    "cpage=%201", "cpage=1%20", "cpage=1%00", "cpage=one", "utm_source=x&cpage=02",
]


@pytest.fixture
def two_pages(app, article):
    """An article with two comment pages (one thread each), opening on the newest."""
    with app.app_context():
        save_settings({"comments_per_page": 1, "default_page": "newest"})
    for text in ("first thread", "second thread"):
        post_comment(app.test_client(), article, comment=text)
    return article


def stored_names(app) -> list[str]:
    store = app.extensions.get("blogapp.render_cache")
    return [name for name, _ in store.entries] if store else []


@pytest.mark.parametrize("query", NOT_A_PAGE)
def test_a_comment_page_that_is_not_there_or_not_canonical_is_a_404(app, two_pages, answered,
                                                                    query):
    for warm in (False, True):  # through Flask, then with every real page stored
        app.extensions.pop("blogapp.render_cache", None)
        if warm:
            for real in ("", "?cpage=1", "?cpage=2"):
                assert app.test_client().get(f"/articles/{two_pages}{real}").status_code == 200
        answered.clear()
        plain = app.test_client().get(f"/articles/{two_pages}?{query}")
        personal = app.test_client()
        personal.set_cookie("comment_author", "Ann", domain="blog.test")
        mine = personal.get(f"/articles/{two_pages}?{query}")
        assert (plain.status_code, mine.status_code) == (404, 404), (query, warm)
        assert "no such comment page" in plain.text
        assert answered == []  # the middleware leaves every one to Flask


def test_strangers_cannot_grow_the_store_past_the_real_pages(app, two_pages):
    app.extensions.pop("blogapp.render_cache", None)
    personal = app.test_client()
    personal.set_cookie("comment_author", "Ann", domain="blog.test")
    for client in (app.test_client(), personal):
        for query in ("", "?cpage=1", "?cpage=2", "?cpage=1&utm_source=x", "?cpage=2&x=1",
                      *(f"?{q}" for q in NOT_A_PAGE)):
            client.get(f"/articles/{two_pages}{query}")
    names = stored_names(app)
    # Two real pages: two stored pages, two stored lists, and the page count of each.
    assert sorted(names) == sorted(["reader-page"] * 2 + ["reader-page/pages"]
                                   + ["comment-list"] * 2 + ["comment-list/pages"]), names


def test_the_bare_url_is_its_default_page_stored_once(app, two_pages, answered):
    bare = app.test_client().get(f"/articles/{two_pages}")
    newest = app.test_client().get(f"/articles/{two_pages}?cpage=2")
    assert newest.headers["ETag"] == bare.headers["ETag"]
    assert without_token(newest.data) == without_token(bare.data)
    assert answered == [f"/articles/{two_pages}?cpage=2"]  # stored by the bare URL's render
    assert b"second thread" in bare.data and b"first thread" not in bare.data


@pytest.mark.parametrize("header", ['"{etag}"', 'W/"{etag}"', '"other", "{etag}"', "*"])
def test_if_none_match_is_read_the_same_by_flask_and_the_middleware(app, article, answered,
                                                                    header):
    etag = app.test_client().get(f"/articles/{article}").headers["ETag"].strip('"')
    value = header.format(etag=etag)
    by_middleware = app.test_client().get(f"/articles/{article}",
                                          headers={"If-None-Match": value})
    by_flask = app.test_client().get(f"/articles/{article}?utm_source=x",
                                     headers={"If-None-Match": value})
    assert len(answered) == 1  # the first request only: the second went to Flask
    assert by_middleware.status_code == by_flask.status_code == 304, value
    stale = app.test_client().get(f"/articles/{article}", headers={"If-None-Match": '"x"'})
    assert stale.status_code == 200


def test_a_nul_in_the_slug_is_a_404_on_every_engine(client, article, answered):
    for path in ("/articles/a%00b", f"/articles/{article}%00"):
        assert client.get(path).status_code == 404
        assert client.post(path + "/comments", data={"comment": "x"}).status_code == 404


@pytest.mark.parametrize("change", ["a deploy", "a new SITE_URL", "a new site name"])
@pytest.mark.parametrize("reader", ["plain", "with saved details"])
def test_a_copy_made_before_a_deploy_or_a_new_site_url_is_not_current(app, article, change,
                                                                      reader):
    client = app.test_client()
    if reader != "plain":
        client.set_cookie("comment_author", "Ann", domain="blog.test")
    etag = client.get(f"/articles/{article}").headers["ETag"]
    assert client.get(f"/articles/{article}",
                      headers={"If-None-Match": etag}).status_code == 304
    if change == "a deploy":  # other code or templates: the process starts with a new hash
        app.extensions["blogapp.code_version"] = "another-build"
    elif change == "a new SITE_URL":
        app.config["SITE_URL"] = "https://example.org/blog"
    else:
        app.config["SITE_NAME"] = "Night Lines"
    again = client.get(f"/articles/{article}", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    if change == "a new SITE_URL" and reader == "plain":
        assert 'href="/blog/static/style.css"' in again.text
