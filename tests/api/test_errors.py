"""Errors: one JSON shape under /api and for JSON clients anywhere; HTML by Accept
elsewhere; never a 500 for bad input."""

from __future__ import annotations

import pytest

from tests.api.conftest import SITE

# On SQLite only (one_engine, tests/conftest.py): error pages' shape and status are chosen by
# Accept and the URL map.
pytestmark = pytest.mark.one_engine

HTML, JSON = "text/html", "application/json"
ERRORS = [  # (method, path, kwargs, status)
    ("GET", "/articles/nope", {}, 404),
    ("GET", "/no/such/page", {}, 404),
    ("PUT", "/feed.atom", {}, 405),
    ("POST", "/login", {"data": {"email": "a"}}, 400),  # no CSRF token
    ("POST", "/login", {"data": {"comment": "x" * (2 * 1024 * 1024)}}, 413),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), ERRORS)
@pytest.mark.parametrize("accept", [HTML, JSON])
def test_error_pages_answer_by_accept(client, method, path, kwargs, status, accept):
    response = client.open(path, method=method, headers={"Accept": accept}, **kwargs)
    assert response.status_code == status
    if accept == JSON:
        body = response.get_json()
        assert set(body) == {"error", "message", "fields"} and body["fields"] == {}
        assert body["message"]
    else:
        assert response.mimetype == HTML and "<html" in response.get_data(as_text=True)


API_ERRORS = [
    ("GET", "/api/v1/nothing", 404, "not_found"),
    ("DELETE", "/api/v1/counts", 405, "method_not_allowed"),
    ("PUT", "/api/v1/comments", 405, "method_not_allowed"),
    ("GET", "/api/v1/moderation/comments", 401, "unauthorized"),
]


@pytest.mark.parametrize(("method", "path", "status", "code"), API_ERRORS)
@pytest.mark.parametrize("accept", [HTML, JSON, "*/*"])
def test_api_errors_are_json_whatever_the_accept(api, method, path, status, code, accept):
    response = api.open(method, path, headers={"Accept": accept, "Origin": SITE})
    assert (response.status_code, response.get_json()["error"]) == (status, code)
    if status == 405:
        assert response.headers["Allow"]
