"""Who may call the staff endpoints: every API rule in the URL map is either public or
needs a scope, and the matrix of credentials x rules holds for all of them."""

from __future__ import annotations

import re

import pytest

from blogapp.api.public import PUBLIC
from blogapp.extensions import db
from blogapp.models import ApiToken, User
from blogapp.models.base import utcnow

# On SQLite only (one_engine, tests/conftest.py): which credentials reach which API rule is
# decided in Python (scopes, roles).
pytestmark = pytest.mark.one_engine

SCOPES = ("read", "moderate", "publish")


def api_rules(app):
    """(method, sample path, endpoint, required scope or None) for every API rule."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        sample = re.sub(r"<int:[a-z_]+>", "999", rule.rule)
        sample = re.sub(r"<[a-z_]+>", "x", sample)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, sample, rule.endpoint, getattr(view, "required_scope", None)))
    return out


def test_every_api_rule_is_public_or_scoped(app):
    for method, path, endpoint, scope in api_rules(app):
        assert (endpoint in PUBLIC) != (scope is not None), (method, path)


def issue(app, role: str, scopes: tuple[str, ...], *, revoked=False, disabled=False) -> str:
    from blogapp.models.api_token import hash_secret, new_secret

    with app.app_context():
        user = User(email=f"{role}-{len(scopes)}-{revoked}{disabled}@example.com", role=role,
                    display_name=role, active=not disabled)
        user.set_password("x" * 12)
        db.session.add(user)
        db.session.flush()
        secret = new_secret()
        db.session.add(ApiToken(user_id=user.id, name="t", token_hash=hash_secret(secret),
                                scopes=" ".join(scopes),
                                revoked_at=utcnow() if revoked else None))
        db.session.commit()
    return secret


CREDENTIALS = [  # (id, role, token scopes, revoked, disabled, header override)
    ("none", None, (), False, False, None),
    ("garbage", None, (), False, False, "Bearer not-a-token"),
    ("basic", None, (), False, False, "Basic dXNlcjpwYXNz"),
    ("empty bearer", None, (), False, False, "Bearer "),
    ("huge bearer", None, (), False, False, "Bearer " + "x" * 5000),
    ("owner read", "owner", ("read",), False, False, None),
    ("owner moderate", "owner", ("moderate",), False, False, None),
    ("owner all", "owner", SCOPES, False, False, None),
    ("moderator all", "moderator", SCOPES, False, False, None),
    ("revoked", "owner", SCOPES, True, False, None),
    ("disabled account", "owner", SCOPES, False, True, None),
]
ROLE_SCOPES = {"owner": set(SCOPES), "moderator": {"read", "moderate"}}


@pytest.mark.parametrize(("role", "scopes", "revoked", "disabled", "header"),
                         [c[1:] for c in CREDENTIALS], ids=[c[0] for c in CREDENTIALS])
def test_credentials_matrix(app, api, role, scopes, revoked, disabled, header):
    headers = {}
    if role:
        headers["Authorization"] = "Bearer " + issue(app, role, scopes, revoked=revoked,
                                                     disabled=disabled)
    elif header:
        headers["Authorization"] = header
    valid = role is not None and not revoked and not disabled
    held = set(scopes) & ROLE_SCOPES.get(role or "", set()) if valid else set()
    for method, path, _endpoint, scope in api_rules(app):
        if scope is None:
            continue
        response = api.open(method, path, headers=headers, json={})
        if not valid:
            expected = 401
        elif scope not in held:
            expected = 403
        else:
            assert response.status_code not in (401, 403), (method, path)
            continue
        assert response.status_code == expected, (method, path, response.get_json())
        assert response.get_json()["error"] in ("unauthorized", "insufficient_scope")
        if expected == 401:
            assert "Bearer" in response.headers.get("WWW-Authenticate", "")


@pytest.mark.parametrize(("role", "allowed"), [("owner", set(SCOPES)),
                                               ("moderator", {"read", "moderate"})])
def test_the_session_with_csrf(app, api, client, staff, role, allowed):
    from tests.conftest import csrf_from

    staff.login_as(role)
    token = csrf_from(client.get("/admin/account").get_data(as_text=True))
    for method, path, _endpoint, scope in api_rules(app):
        if scope is None:
            continue
        response = api.open(method, path, json={}, headers={"X-CSRFToken": token})
        if scope in allowed:
            assert response.status_code not in (401, 403), (method, path)
        else:
            assert response.status_code == 403, (method, path)
        if method != "GET" and scope in allowed:
            forged = api.open(method, path, json={}, headers={"X-CSRFToken": "forged"})
            assert (forged.status_code, forged.get_json()["error"]) == (403, "csrf")
            missing = api.open(method, path, json={})
            assert missing.status_code == 403
