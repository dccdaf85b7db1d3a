"""A Flask site that is not blogapp mounts the comment engine on its own pages: readers
comment under its posts, its staff moderate them, and the engine's rules hold there too."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

STAFF_PASSWORD = "a staff password for tests"  # as the app fixture sets it
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ACTION = re.compile(r'<form action="([^"]+)" method="post" id="commentform"')
HELD = "Your comment is awaiting moderation."


def comment_form(client: FlaskClient, slug: str) -> tuple[str, str]:
    """Open a post as a reader; return the form's action and its signed token."""
    html = client.get(f"/posts/{slug}").get_data(as_text=True)
    return FORM_ACTION.search(html).group(1), FORM_TOKEN.search(html).group(1)


def post_comment(client: FlaskClient, slug: str, **fields: str):
    action, token = comment_form(client, slug)
    data = {"comment": "The tide tables were right.", "author": "Ann Reader",
            "email": "ann@example.org", "url": "", "comment_parent": "0", "form_token": token,
            **fields}
    return client.post(action, data=data)


def log_in(client: FlaskClient, password: str = STAFF_PASSWORD):
    html = client.get("/staff/login").get_data(as_text=True)
    return client.post("/staff/login", data={"password": password,
                                             "csrf_token": CSRF.search(html).group(1)})


def test_the_site_renders_its_own_pages_with_the_engine_in_them(client):
    home = client.get("/").get_data(as_text=True)
    assert '<a href="/posts/tides">Reading the tides</a>' in home
    page = client.get("/posts/tides")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Reading the tides</h1>" in html  # the site's template
    assert 'id="commentform"' in html and "Leave a Reply" in html  # the engine's area
    # The form posts to the engine under the site's own path; a refusal lands on its messages.
    assert comment_form(client, "tides")[0] == "/posts/tides/comments#form-problems"


def test_a_readers_comment_is_held_then_approved_by_staff(app, client):
    response = post_comment(client, "tides")
    assert response.status_code == 303
    assert re.search(r"/posts/tides(\?cpage=1)?#comment-\d+$", response.headers["Location"])
    assert HELD in client.get("/posts/tides").get_data(as_text=True)  # its author sees it
    stranger = app.test_client()
    assert "The tide tables were right." not in stranger.get("/posts/tides").get_data(
        as_text=True)

    staff = app.test_client()
    assert log_in(staff).status_code == 302
    queue = staff.get("/staff/comments").get_data(as_text=True)
    assert "The tide tables were right." in queue
    comment_id = re.search(r'id="queued-(\d+)"', queue).group(1)
    done = staff.post(f"/staff/comments/{comment_id}",
                      data={"action": "approve", "csrf_token": CSRF.search(queue).group(1)})
    assert done.status_code == 302
    assert "The tide tables were right." in stranger.get("/posts/tides").get_data(as_text=True)
    assert "No comments here." in staff.get("/staff/comments").get_data(as_text=True)


@pytest.mark.parametrize(("fields", "status", "shown"), [
    ({"author": ""}, 400, "Please enter your name."),
    ({"email": "not an address"}, 400, "Please enter a valid email address"),
    ({"form_token": "forged"}, 400, "This form could not be verified."),
    ({"comment_parent": "999999"}, 400, "The comment you are replying to is not available."),
])
def test_a_refused_comment_is_explained_on_the_sites_page_with_the_text_kept(
        client, fields, status, shown):
    response = post_comment(client, "hello", comment="Words worth keeping.", **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert shown in html
    assert "Words worth keeping." in html  # kept in the form
    assert "<h1>Hello, world</h1>" in html  # on the site's own page


def test_posting_to_a_page_the_site_does_not_have_is_404(client):
    _, token = comment_form(client, "hello")
    response = client.post("/posts/nowhere/comments", data={
        "comment": "Hi", "author": "A", "email": "a@example.org", "form_token": token})
    assert response.status_code == 404
    assert client.get("/posts/nowhere").status_code == 404


@pytest.mark.parametrize("password", ["", "wrong"])
def test_the_queue_needs_the_staff_password(client, password):
    assert client.get("/staff/comments").status_code == 302
    assert log_in(client, password).status_code == 400
    assert client.get("/staff/comments").status_code == 302


def test_staff_actions_need_the_csrf_token(app, client):
    post_comment(client, "tides")
    staff = app.test_client()
    log_in(staff)
    assert staff.post("/staff/comments/1", data={"action": "approve"}).status_code == 400
