"""Every state-changing route, read from the URL map, refuses a missing, a wrong and another
session's CSRF token, and changes nothing in the database when it does; over HTTPS a
request from another site is refused even with a good token.

The comment form is the one route without a session token (readers have no session, so
their page can be stored and served to all): a browser's request from another site's page
is refused by its Sec-Fetch-Site or Origin header, and a missing or forged signed form
token is refused; both answer with the re-rendered page, the reader's text kept. (Who may
reach which admin page is tests/test_admin_access.py's matrix.)

Readers' other state-changing routes carry a capability instead of a session token: the
signed link of a subscription mail (RFC 8058's one-click unsubscribe is POSTed by mail
clients from anywhere, by design) or the signed cookie of a commenter's own comment.
Without it they refuse and change nothing (CAPABILITY_ENDPOINTS below)."""

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

# On SQLite only (one_engine, tests/conftest.py): a refused token is refused before the view
# touches the database.
pytestmark = pytest.mark.one_engine

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
COMMENT_ENDPOINT = "comments.post_comment"
#: Readers' routes authorized by a signed token or cookie (no session, so no CSRF token).
CAPABILITY_ENDPOINTS = frozenset({
    "own_comments.edit", "own_comments.delete", "subscriptions.confirm",
    "subscriptions.unsubscribe", "subscriptions.manage"})


def state_changing_rules():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    params = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods & STATE_CHANGING):
            # The JSON API takes no forms: its session writes need X-CSRFToken, its token
            # calls a bearer token, its public post JSON from an allowed Origin
            # (tests/api/test_staff_auth.py, tests/api/test_cross_origin.py).
            if (rule.endpoint not in {COMMENT_ENDPOINT, *CAPABILITY_ENDPOINTS}
                    and not rule.endpoint.startswith("api.")):
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


def page_token(client, url: str) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


@pytest.mark.parametrize(("endpoint", "method"), RULES)
def test_state_changing_route_refuses_bad_csrf_tokens(app, client, staff, ids, endpoint,
                                                      method, tally):
    staff.login_as("owner")
    url = url_for_rule(app, endpoint, ids)
    good = page_token(client, "/admin/settings")
    foreign = page_token(app.test_client(), "/login")  # valid, but for another session
    data = form_for(ids)
    before = fingerprint(app)
    refused = 0
    for label, token in (("missing", None), ("wrong", "not-a-token"), ("empty", ""),
                         ("another session's", foreign), ("tampered", tampered(good))):
        payload = dict(data) if token is None else {**data, "csrf_token": token}
        response = client.open(url, method=method, data=payload)
        body = response.get_data(as_text=True)
        assert response.status_code == 400, f"{label} token: {response.status_code}"
        assert fingerprint(app) == before, f"{label} token changed the database"
        assert "security token" in body, f"{label} token: refused for another reason"
        refused += 1
    # Over HTTPS, a request another site's page makes is refused even with a good token.
    response = client.open(url, method=method, data={**data, "csrf_token": good},
                           base_url="https://blog.test",
                           headers={"Referer": "https://evil.example/attack"})
    assert response.status_code == 400, f"cross-site over HTTPS: {response.status_code}"
    assert fingerprint(app) == before, "a cross-site request changed the database"
    # The same request with the page's own token is not refused for its token.
    response = client.open(url, method=method, data={**data, "csrf_token": good})
    assert "security token" not in response.get_data(as_text=True)
    tally("CSRF matrix", **{"state-changing routes": 1, "bad tokens refused": refused,
                            "cross-site HTTPS requests refused": 1,
                            "database changes": 0})


def capability_rules():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    found = sorted((r.endpoint, r.rule) for r in app.url_map.iter_rules()
                   if r.endpoint in CAPABILITY_ENDPOINTS and r.methods & STATE_CHANGING)
    assert {endpoint for endpoint, _ in found} == CAPABILITY_ENDPOINTS
    return [pytest.param(endpoint, id=rule) for endpoint, rule in found]


@pytest.mark.parametrize("endpoint", capability_rules())
@pytest.mark.parametrize("token", [None, "", "forged", "W1sxLCJ4Il1d.forged.sig"])
def test_reader_routes_refuse_without_their_signed_capability(app, client, ids, endpoint,
                                                              token, tally):
    url = url_for_rule(app, endpoint, ids)
    data = {**form_for(ids), "List-Unsubscribe": "One-Click", "end": "all"}
    if token is not None:
        url += f"?token={token}"
        data["token"] = token
    client.set_cookie("comment_edits", token or "", domain="blog.test")
    before = fingerprint(app)
    response = client.post(url, data=data)
    assert response.status_code in (400, 403, 404), response.status_code
    assert fingerprint(app) == before
    tally("CSRF matrix", **{"reader capability refusals": 1, "database changes": 0})


CROSS_SITE_HEADERS = [
    pytest.param({"Sec-Fetch-Site": "cross-site"}, id="Sec-Fetch-Site cross-site"),
    pytest.param({"Sec-Fetch-Site": "same-site"}, id="Sec-Fetch-Site same-site (a subdomain)"),
    pytest.param({"Sec-Fetch-Site": "cross-site", "Origin": "http://blog.test"},
                 id="Sec-Fetch-Site wins over a forged-looking Origin"),
    pytest.param({"Origin": "https://evil.example"}, id="Origin of another site"),
    pytest.param({"Origin": "null"}, id="Origin null (sandboxed frame, data: URL)"),
    pytest.param({"Origin": "http://blog.test.evil.example"}, id="Origin look-alike host"),
]


def comment_form(client, ids) -> tuple[str, dict]:
    page = client.get(f"/articles/{ids['slug']}").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    return f"/articles/{ids['slug']}/comments", {
        "comment": "A comment kept through a refusal", "author": "Ann",
        "email": "ann@ok.example", "url": "", "comment_parent": "0", "form_token": token}


@pytest.mark.parametrize("headers", CROSS_SITE_HEADERS)
def test_comment_from_another_sites_page_is_refused_with_the_text_kept(app, client, ids,
                                                                        headers, tally):
    url, data = comment_form(client, ids)
    before = fingerprint(app)
    response = client.post(url, data=data, headers=headers)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "another site" in body and "A comment kept through a refusal</textarea>" in body
    assert fingerprint(app) == before
    tally("CSRF matrix", **{"cross-site comment posts refused": 1, "database changes": 0})


@pytest.mark.parametrize("headers", [
    pytest.param({"Sec-Fetch-Site": "same-origin"}, id="Sec-Fetch-Site same-origin"),
    pytest.param({"Sec-Fetch-Site": "none"}, id="Sec-Fetch-Site none (typed by the user)"),
    pytest.param({"Origin": "http://blog.test"}, id="Origin of this site"),
    pytest.param({}, id="no browser headers (not a browser's cross-site form)"),
])
def test_comment_from_this_sites_page_is_accepted(app, client, ids, headers):
    url, data = comment_form(client, ids)
    response = client.post(url, data=data, headers=headers)
    assert response.status_code == 303, response.get_data(as_text=True)


def test_comment_with_a_bad_form_token_is_refused_with_the_text_kept(app, client, ids, tally):
    url, data = comment_form(client, ids)
    with app.app_context():
        from blogapp.comments.forms import issue_form_token

        other_article = issue_form_token(app.config["SECRET_KEY"], ids["article_id"] + 999)
    before = fingerprint(app)
    refused = 0
    for label, token in (("missing", None), ("wrong", "not-a-token"), ("empty", ""),
                         ("another article's", other_article),
                         ("tampered", tampered(data["form_token"]))):
        payload = {k: v for k, v in data.items() if k != "form_token"}
        if token is not None:
            payload["form_token"] = token
        response = client.post(url, data=payload)
        body = response.get_data(as_text=True)
        assert response.status_code == 400, f"{label} token: {response.status_code}"
        assert "Your comment is kept below" in body, label
        assert "A comment kept through a refusal</textarea>" in body, label
        assert fingerprint(app) == before, f"{label} token changed the database"
        refused += 1
    tally("CSRF matrix", **{"bad comment form tokens refused": refused, "database changes": 0})


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
        from blogapp.comments.links import make_token

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
