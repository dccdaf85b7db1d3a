"""Cross-origin rules: listed embedding sites may read and post from the browser; no
other site may, and no body but JSON is taken (so no HTML form anywhere can post)."""

from __future__ import annotations

import pytest

from tests.api.conftest import OTHER, PAGE_URL, SITE, good_body

# On SQLite only (one_engine, tests/conftest.py): CORS headers and the Origin check come before
# any query.
pytestmark = pytest.mark.one_engine

ALLOWED = [SITE, "https://second.example:8443", "HTTPS://SITE.EXAMPLE:443"]
REFUSED = [OTHER, "null", "https://site.example.evil.example", "http://site.example",
           "https://second.example", "garbage"]
PUBLIC_GETS = [
    "/api/v1/threads/article/night-buses",
    f"/api/v1/threads?url={PAGE_URL}",
    f"/api/v1/counts?url={PAGE_URL}",
    "/api/v1/comments/feed.atom",
    "/api/v1/threads/article/night-buses/feed.atom",
    "/api/v1/avatars/held.svg",
    "/api/v1/openapi.json",
]


@pytest.mark.parametrize("path", PUBLIC_GETS)
@pytest.mark.parametrize("origin", ALLOWED)
def test_allowed_origins_may_read(api, article_slug, path, origin):
    response = api.get(path, headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("path", PUBLIC_GETS)
@pytest.mark.parametrize("origin", REFUSED)
def test_other_origins_get_no_cors_headers(api, article_slug, path, origin):
    response = api.get(path, headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("path", [*PUBLIC_GETS, "/api/v1/comments"])
@pytest.mark.parametrize(("origin", "status"), [(o, 204) for o in ALLOWED[:2]]
                         + [(o, 403) for o in REFUSED])
def test_preflights(api, article_slug, path, origin, status):
    response = api.options(path, headers={"Origin": origin,
                                          "Access-Control-Request-Method": "POST",
                                          "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == status
    if status == 204:
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
        assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
        assert "X-Blogapp-Preview" in response.headers["Access-Control-Allow-Headers"]
    else:
        assert response.get_json()["error"] == "origin_not_allowed"


@pytest.mark.parametrize(("headers", "status"), [
    ({"Origin": SITE}, 201),
    ({"Origin": "https://second.example:8443"}, 201),
    ({"Origin": "http://blog.test"}, 201),  # the blog's own pages
    ({}, 201),  # not a browser page: curl, a server
    ({"Sec-Fetch-Site": "same-origin"}, 201),
    ({"Origin": OTHER}, 403),
    ({"Origin": "null"}, 403),
    ({"Origin": "http://site.example"}, 403),
    ({"Sec-Fetch-Site": "cross-site"}, 403),
])
def test_posts_by_origin(api, article_slug, headers, status):
    body = good_body(api, {"article": "night-buses"})
    response = api.post("/api/v1/comments", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    if status == 403:
        assert response.get_json()["error"] == "origin_not_allowed"


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=b",
    "text/plain; charset=utf-8", "application/json-patch+json", None])
@pytest.mark.parametrize("origin", [SITE, OTHER])
def test_bodies_a_form_can_send_are_refused(api, article_slug, content_type, origin):
    body = good_body(api, {"article": "night-buses"})
    import json

    response = api.post("/api/v1/comments", data=json.dumps(body), content_type=content_type,
                        headers={"Origin": origin})
    assert response.status_code == (415 if origin == SITE else 403)
