"""Owners issue and revoke personal API tokens, from /admin/tokens or the shell; only a
hash is stored and the secret is shown once."""

from __future__ import annotations

import re

import pytest

from blogapp.extensions import db
from blogapp.models import ApiToken
from blogapp.models.api_token import hash_secret
from tests.conftest import csrf_from

SECRET_RE = re.compile(r"blogapp_[A-Za-z0-9_-]{43}")


def test_an_owner_issues_and_revokes_a_token_on_the_admin_page(app, client, api, staff):
    staff.login_as("owner")
    page = client.get("/admin/tokens")
    assert page.status_code == 200
    created = client.post("/admin/tokens", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "name": "Deploy bot",
        "account": "owner@example.com", "scopes": ["read", "moderate"]})
    assert created.status_code == 200
    (secret,) = SECRET_RE.findall(created.get_data(as_text=True))
    with app.app_context():
        token = db.session.query(ApiToken).one()
        assert token.token_hash == hash_secret(secret) and secret not in token.token_hash
        assert token.scopes == "read moderate"
    assert secret not in client.get("/admin/tokens").get_data(as_text=True)  # shown once
    auth = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/moderation/comments", headers=auth).status_code == 200
    listing = client.get("/admin/tokens").get_data(as_text=True)
    revoked = client.post(f"/admin/tokens/{token.id}/revoke",
                          data={"csrf_token": csrf_from(listing)})
    assert revoked.status_code == 302
    assert api.get("/api/v1/moderation/comments", headers=auth).status_code == 401


@pytest.mark.parametrize(("role", "scopes", "status"), [
    ("moderator", ["publish"], 422),  # only owners' tokens publish
    ("owner", [], 422), ("owner", ["root"], 422)])
def test_tokens_refused(app, client, staff, role, scopes, status):
    staff.login_as("owner")
    staff.create(f"{role}2@example.com", role)
    page = client.get("/admin/tokens")
    response = client.post("/admin/tokens", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "name": "x",
        "account": f"{role}2@example.com", "scopes": scopes})
    assert response.status_code == status
    with app.app_context():
        assert db.session.query(ApiToken).count() == 0


@pytest.mark.parametrize("role", [None, "moderator"])
def test_only_owners_see_the_tokens_page(client, staff, role):
    if role:
        staff.login_as(role)
    assert client.get("/admin/tokens").status_code in (302, 403)


def test_the_cli_creates_lists_and_revokes(app, runner, api, staff):
    staff.create("owner@example.com", "owner")
    created = runner.invoke(args=["tokens", "create", "owner@example.com", "--name", "ci",
                                  "--scope", "read", "--scope", "publish"])
    assert created.exit_code == 0, created.output
    (secret,) = SECRET_RE.findall(created.output)
    listing = runner.invoke(args=["tokens", "list"])
    assert "read publish" in listing.output and secret not in listing.output
    auth = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/articles", headers=auth).status_code == 200
    token_id = listing.output.split("\t", 1)[0]
    assert runner.invoke(args=["tokens", "revoke", token_id]).exit_code == 0
    assert api.get("/api/v1/articles", headers=auth).status_code == 401
    assert runner.invoke(args=["tokens", "revoke", "9999"]).exit_code != 0
    assert runner.invoke(args=["tokens", "create", "nobody@example.com", "--name",
                               "x"]).exit_code != 0
