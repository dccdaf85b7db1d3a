"""Every state-changing route, read from the URL map, refuses a missing, a wrong and another
session's CSRF token, and changes nothing in the database when it does; over HTTPS a
request from another site is refused even with a good token. The comment form answers a
stale token with its re-rendered page, the reader's text kept. (Who may reach which admin
page is tests/test_admin_access.py's matrix.)"""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from blogapp import create_app
from blogapp.extensions import db
from blogapp.models import Comment
from tests.conftest import csrf_from
from tests.security.conftest import FAST_DISCUSSION, rule_url, seed_small_site

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
COMMENT_ENDPOINT = "comments.post_comment"


def state_changing_rules():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    params = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods & STATE_CHANGING):
            params.append(pytest.param(rule.endpoint, method, id=f"{method} {rule.rule}"))
    return params


RULES = state_changing_rules()


@pytest.fixture
def app_config():
    return {**FAST_DISCUSSION, "SPAM_CHECK_MODE": "inline"}


@pytest.fixture
def ids(app):
    return seed_small_site(app)


def fingerprint(app) -> str:
    """A hash of every row of every table: equal fingerprints, unchanged database."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).all()
            for row in sorted(map(repr, rows)):
                digest.update(row.encode())
    return digest.hexdigest()


def form_for(ids: dict) -> dict:
    """Fields that would make any of the routes act, were the token good."""
    return {
        "comment": "A comment kept through a stale token", "author": "Ann",
        "email": "ann@ok.example", "url": "", "text": "Edited text", "action": "approve",
        "ids": str(ids["pending_id"]), "row_action": f"approve:{ids['pending_id']}",
        "status": "spam", "title": "Forged title", "body": "Forged body", "excerpt": "",
        "comments_open": "y", "password": "forged password 123", "role": "owner",
        "display_name": "Forged", "entries": "1", "q": "ann@ok.example",
        "manual_approval": "", "max_links": "9",
    }


def url_for_rule(app, endpoint: str, ids: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return rule_url(rule, {**ids, "comment_id": ids["pending_id"]})


def tampered(token: str) -> str:
    """Change one signature character (not the last: its low bits are padding)."""
    spot = len(token) - 6
    return token[:spot] + ("A" if token[spot] != "A" else "B") + token[spot + 1:]


def page_token(client, ids) -> str:
    return csrf_from(client.get(f"/articles/{ids['slug']}").get_data(as_text=True))


@pytest.mark.parametrize(("endpoint", "method"), RULES)
def test_state_changing_route_refuses_bad_csrf_tokens(app, client, staff, ids, endpoint,
                                                      method, tally):
    if endpoint != COMMENT_ENDPOINT:
        staff.login_as("owner")
    url = url_for_rule(app, endpoint, ids)
    good = page_token(client, ids)
    stranger = app.test_client()
    foreign = page_token(stranger, ids)  # valid, but for another session
    data = form_for(ids)
    if endpoint == COMMENT_ENDPOINT:
        page = client.get(url.rsplit("/", 1)[0]).get_data(as_text=True)
        data["form_token"] = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    before = fingerprint(app)
    refused = 0
    for label, token in (("missing", None), ("wrong", "not-a-token"), ("empty", ""),
                         ("another session's", foreign), ("tampered", tampered(good))):
        payload = dict(data) if token is None else {**data, "csrf_token": token}
        response = client.open(url, method=method, data=payload)
        body = response.get_data(as_text=True)
        assert response.status_code == 400, f"{label} token: {response.status_code}"
        assert fingerprint(app) == before, f"{label} token changed the database"
        if endpoint == COMMENT_ENDPOINT:
            assert "Your comment is kept below" in body
            assert "A comment kept through a stale token</textarea>" in body
        else:
            assert "security token" in body, f"{label} token: refused for another reason"
        refused += 1
    cross_site = 0
    if endpoint != COMMENT_ENDPOINT:
        # Over HTTPS, a request another site's page makes is refused even with a good token.
        response = client.open(url, method=method, data={**data, "csrf_token": good},
                               base_url="https://blog.test",
                               headers={"Referer": "https://evil.example/attack"})
        assert response.status_code == 400, f"cross-site over HTTPS: {response.status_code}"
        assert fingerprint(app) == before, "a cross-site request changed the database"
        cross_site = 1
    # The same request with the page's own token is not refused for its token.
    response = client.open(url, method=method, data={**data, "csrf_token": good})
    assert "security token" not in response.get_data(as_text=True)
    assert "session expired" not in response.get_data(as_text=True)
    tally("CSRF matrix", **{"state-changing routes": 1, "bad tokens refused": refused,
                            "cross-site HTTPS requests refused": cross_site,
                            "database changes": 0})


def test_login_without_token_does_not_log_in(app, client, staff, ids):
    staff.create("owner@example.com")
    response = client.post("/login", data={"email": "owner@example.com",
                                           "password": staff.PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_logout_without_token_keeps_the_session(app, client, staff, ids):
    staff.login_as("owner")
    assert client.post("/logout", data={}).status_code == 400
    assert client.get("/admin/").status_code == 200


def test_get_requests_change_nothing(app, client, staff, ids, figures):
    """GET shows, POST acts: opening every page (signed mail links included) as the owner
    leaves the database as it was."""
    from tests.security.conftest import rules_with

    staff.login_as("owner")
    before = fingerprint(app)
    urls = [rule_url(rule, {**ids, "comment_id": ids["pending_id"]})
            for rule in rules_with(app, "GET")]
    if "moderation.mail_action" in app.view_functions:
        from blogapp.moderation.links import make_token

        with app.app_context():
            token = make_token(db.session.get(Comment, ids["pending_id"]), "approve")
        urls.append(f"/admin/comments/{ids['pending_id']}/mail/approve?token={token}")
    for url in urls:
        with client.get(url) as response:
            assert response.status_code < 500, url
    assert fingerprint(app) == before
    with app.app_context():
        assert db.session.get(Comment, ids["pending_id"]).status == "pending"
    figures(f"GET URLs opened {len(urls)}, database unchanged")
