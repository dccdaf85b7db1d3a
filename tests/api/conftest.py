"""Fixtures for the API tests: an open discussion, one embedding site, checked clients."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.api.openapi_check import check
from tests.comment_helpers import OPEN_DISCUSSION

SITE = "https://site.example"  # the embedding site BLOGAPP_EMBED_ORIGINS allows
OTHER = "https://evil.example"
PAGE_URL = f"{SITE}/posts/hello/"


@pytest.fixture
def app_config() -> dict:
    return {**OPEN_DISCUSSION, "EMBED_ORIGINS": f"{SITE},https://second.example:8443"}


class ApiClient:
    """A test client whose every answer is validated against the OpenAPI document."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def open(self, method: str, path: str, **kwargs):
        response = self.client.open(path, method=method, **kwargs)
        check(method, path, response)
        return response

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.open("POST", path, **kwargs)

    def patch(self, path: str, **kwargs):
        return self.open("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.open("DELETE", path, **kwargs)

    def options(self, path: str, **kwargs):
        return self.open("OPTIONS", path, **kwargs)


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)


@pytest.fixture
def article_slug(app) -> str:
    from tests.factories import make_article

    with app.app_context():
        return make_article("Night buses", body="Body.").slug


def good_body(api: ApiClient, target: dict, **fields) -> dict:
    """A valid post to *target* ({"article": slug} or {"thread": {...}}) with a fresh token."""
    if "article" in target:
        thread = api.get(f"/api/v1/threads/article/{target['article']}")
    else:
        thread = api.get("/api/v1/threads", query_string={"url": target["thread"]["url"]})
    body = {**target, "comment": "A thoughtful reply.", "author": "Ann Reader",
            "email": "ann@example.org", "url": "", "comment_parent": 0,
            "form_token": thread.get_json()["form"]["form_token"]}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}
