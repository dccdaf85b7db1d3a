"""Staff login: one message for every failure, rate limits, safe redirects, CSRF."""

from __future__ import annotations

import pytest

from blogapp.auth.access import safe_next
from blogapp.auth.views import LOGIN_FAILED
from tests.conftest import csrf_from


def test_owner_logs_in_and_reaches_the_dashboard(client, staff):
    staff.create("owner@example.com")
    response = staff.login("owner@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("owner@example.com", "wrong password"),
        ("nobody@example.com", "correct horse battery"),
        ("disabled@example.com", "correct horse battery"),
    ],
    ids=["wrong-password", "unknown-account", "disabled-account"],
)
def test_every_login_failure_says_the_same(app, client, staff, email, password):
    staff.create("owner@example.com")
    uid = staff.create("disabled@example.com", "moderator")
    with app.app_context():
        from blogapp.extensions import db
        from blogapp.models import User

        db.session.get(User, uid).active = False
        db.session.commit()
    response = staff.login(email, password)
    assert response.status_code == 401
    assert LOGIN_FAILED in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_email_is_case_insensitive(staff):
    staff.create("owner@example.com")
    assert staff.login("OWNER@Example.COM").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/admin/articles", "/admin/articles"),
        ("/articles/x?y=1", "/articles/x?y=1"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("\\\\evil.example", None),
        ("javascript:alert(1)", None),
        ("http:/evil.example", None),
        ("/\tadmin", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_login_follows_a_local_next_but_not_a_foreign_one(client, staff):
    staff.create("owner@example.com")
    page = client.get("/login?next=/admin/articles").get_data(as_text=True)
    data = {"email": "owner@example.com", "password": staff.PASSWORD,
            "csrf_token": csrf_from(page)}
    assert client.post("/login?next=/admin/articles", data=data).headers["Location"] == \
        "/admin/articles"
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/logout").text)})
    page = client.get("/login").get_data(as_text=True)
    data["csrf_token"] = csrf_from(page)
    location = client.post("/login?next=https://evil.example/", data=data).headers["Location"]
    assert location.endswith("/admin/") and "evil" not in location


def test_login_without_csrf_token_is_refused(client, staff):
    staff.create("owner@example.com")
    response = client.post("/login", data={"email": "owner@example.com",
                                           "password": staff.PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_logout_is_a_post(client, staff):
    staff.login_as("owner")
    assert client.get("/logout").status_code == 200
    assert client.get("/admin/").status_code == 200  # GET changed nothing
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/logout").text)})
    assert client.get("/admin/").status_code == 302


@pytest.fixture
def limited(app_config):
    app_config.update({"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"})


def test_login_attempts_are_rate_limited(limited, client, staff):
    staff.create("owner@example.com")
    statuses = [staff.login("owner@example.com", "wrong").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    # Even the right password is refused until the window passes.
    assert staff.login("owner@example.com").status_code == 429


def test_rate_limit_can_use_redis(app_config, database_url):
    import redis

    from blogapp import create_app
    from tests.conftest import REDIS_URL as url
    from tests.conftest import need

    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError as exc:
        need("Redis", f"cannot reach {url}: {exc}")
    redis.Redis.from_url(url).flushdb()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "x", "RATELIMIT_STORAGE_URI": url,
                      "LOGIN_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    statuses = []
    for _ in range(3):
        token = csrf_from(client.get("/login").text)
        statuses.append(client.post("/login", data={"email": "a@b.example", "password": "x",
                                                    "csrf_token": token}).status_code)
    with app.app_context():
        from blogapp.extensions import db

        db.engine.dispose()
    assert statuses == [401, 401, 429]
    assert any(k.startswith(b"LIMIT") for k in redis.Redis.from_url(url).keys())
