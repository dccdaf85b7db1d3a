"""In the admin, a comment on an external page's thread links to that page (where readers
see it), never to an article page of this blog (which answers 404 for such a thread)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import Comment
from tests.api.conftest import PAGE_URL, good_body

HREF = re.compile(r'href="([^"]+)"')


@pytest.fixture
def external_comment(app, api) -> int:
    body = good_body(api, {"thread": {"url": PAGE_URL, "title": "Hello"}})
    assert api.post("/api/v1/comments", json=body).status_code == 201
    with app.app_context():
        return db.session.scalar(select(Comment.id))


@pytest.mark.parametrize("page", ["/admin/comments?status=approved", "/admin/comments/{id}"])
def test_admin_pages_link_an_external_comment_to_its_page(app, client, staff,
                                                         external_comment, page):
    staff.login_as("moderator")
    response = client.get(page.format(id=external_comment))
    assert response.status_code == 200
    links = HREF.findall(response.get_data(as_text=True))
    assert any(link.startswith(PAGE_URL) for link in links), links
    assert not [link for link in links if link.startswith("/articles/ext-")], links
    for link in links:
        if link.startswith("/articles/"):
            assert client.get(link.split("#")[0]).status_code == 200, link
