"""Thread JSON answered before Flask (blogapp.api.fast_threads) is the very answer Flask
gives, and only while the stored copy is the current version."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import EnvironBuilder

from blogapp.api.fast_threads import ApiThreads
from tests.api.conftest import PAGE_URL, SITE, good_body

THREADS = [("/api/v1/threads/article/night-buses", {}),
           ("/api/v1/threads", {"url": PAGE_URL})]


def middleware(app) -> ApiThreads:
    layer = app.wsgi_app
    while not isinstance(layer, ApiThreads):
        layer = layer.wsgi_app
    return layer


def answer(app, path, query, origin=SITE):
    environ = EnvironBuilder(path=path, query_string=query, base_url="http://blog.test",
                             headers={"Origin": origin}).get_environ()
    return middleware(app).answer(environ)


def without_token(body: bytes) -> dict:
    data = json.loads(body)
    data["form"]["form_token"] = "-"
    return data


@pytest.mark.parametrize(("path", "query"), THREADS)
def test_the_middleware_answers_what_flask_stored(app, api, article_slug, path, query):
    target = {"article": "night-buses"} if "article" in path else {
        "thread": {"url": PAGE_URL, "title": "Hello"}}
    assert api.post("/api/v1/comments", json=good_body(api, target)).status_code == 201
    assert answer(app, path, query) is None  # nothing stored for this version yet
    from_flask = api.get(path, query_string=query, headers={"Origin": SITE})
    headers, body = answer(app, path, query)
    assert without_token(body) == without_token(from_flask.get_data())
    sent = dict(headers)
    for name in ("Content-Type", "Cache-Control", "Access-Control-Allow-Origin",
                 "Content-Security-Policy", "X-Content-Type-Options"):
        assert sent[name] == from_flask.headers[name], name
    assert "Origin" in sent["Vary"]
    # The token it hands out posts.
    token = json.loads(body)["form"]["form_token"]
    posted = api.post("/api/v1/comments", json={**good_body(api, target),
                                                "comment": "Second.", "form_token": token})
    assert posted.status_code == 201
    assert answer(app, path, query) is None  # a new version: Flask renders it first


@pytest.mark.parametrize(("path", "query"), [
    ("/api/v1/threads/article/night-buses", {"page": "01"}),
    ("/api/v1/threads/article/night-buses", {"x": "1"}),
    ("/api/v1/threads", {"url": "https://evil.example/p/"}),
    ("/api/v1/threads", {"url": PAGE_URL, "extra": "1"}),
])
def test_other_queries_go_to_flask(app, api, article_slug, path, query):
    api.get("/api/v1/threads/article/night-buses")
    assert answer(app, path, query) is None


def test_other_origins_get_no_cors_headers_from_it(app, api, article_slug):
    api.get("/api/v1/threads/article/night-buses")
    headers, _ = answer(app, "/api/v1/threads/article/night-buses", {},
                        origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in dict(headers)
