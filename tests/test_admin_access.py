"""Every /admin route, read from the app's URL map: anonymous users are sent to the
login page, moderators are refused owner-only pages, owners get through."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from blogapp import create_app
from blogapp.models import Role
from tests.conftest import csrf_from

# On SQLite only (one_engine, tests/conftest.py): which role reaches which route is decided in
# Python (the views' required_role).
pytestmark = pytest.mark.one_engine

ARG_VALUES = {"action": "publish", "status": "pending"}


def admin_rules():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append(pytest.param(rule.endpoint, rule.rule, method,
                                      id=f"{method} {rule.rule}"))
    return rules


ADMIN_RULES = admin_rules()


def build_url(app, rule_text, ids):
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text)
    values = {}
    for arg in rule.arguments:
        numeric = isinstance(rule._converters[arg], IntegerConverter)
        values[arg] = ids.get(arg, 1) if numeric else ARG_VALUES.get(arg, "x")
    return rule.build(values, append_unknown=False)[1]


@pytest.fixture
def ids(app):
    from blogapp.extensions import db
    from blogapp.services.articles import ArticleDraft, save_article

    with app.app_context():
        article = save_article(ArticleDraft("Matrix", "", "Body", "", True, "publish"), None)
        db.session.commit()
        return {"article_id": article.id}


def test_every_admin_route_declares_a_role(app):
    for endpoint, rule, _method in (p.values for p in ADMIN_RULES):
        view = app.view_functions[endpoint]
        assert isinstance(getattr(view, "required_role", None), Role), f"{rule} has no role"


@pytest.mark.parametrize(("endpoint", "rule", "method"), ADMIN_RULES)
def test_anonymous_users_are_sent_to_login(app, client, ids, endpoint, rule, method):
    url = build_url(app, rule, ids)
    response = client.open(url, method=method)
    if method != "GET":
        assert response.status_code in {302, 400}  # no CSRF token: 400 before anything else
    else:
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize(("endpoint", "rule", "method"), ADMIN_RULES)
@pytest.mark.parametrize("role", ["moderator", "owner"])
def test_staff_access_by_role(app, client, staff, ids, endpoint, rule, method, role):
    staff.login_as(role)
    required = app.view_functions[endpoint].required_role
    url = build_url(app, rule, ids)
    token = csrf_from(client.get("/logout").text)
    response = client.open(url, method=method, data={"csrf_token": token})
    if role == "moderator" and required is Role.OWNER:
        assert response.status_code == 403
    else:
        assert response.status_code not in {401, 403}
        assert not response.headers.get("Location", "").startswith("/login")
