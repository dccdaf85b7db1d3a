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
                      "LOGIN_RATE_LIMIT": "2 per minute",
                      # the limiter's 429 is tested, not readers first's (a login's
                      # password hash is a stranger's write: two in a second exceed it)
                      "WRITE_SHARE": 1.0})
    client = app.test_client()
    # An address of its own: no other request of the run shares this test's counter.
    import secrets

    me = {"REMOTE_ADDR": f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7"}
    statuses = []
    for _ in range(3):
        token = csrf_from(client.get("/login", environ_base=me).text)
        statuses.append(client.post("/login", data={"email": "a@b.example", "password": "x",
                                                    "csrf_token": token},
                                    environ_base=me).status_code)
    with app.app_context():
        from blogapp.extensions import db

        db.engine.dispose()
    assert statuses == [401, 401, 429]
    assert any(k.startswith(b"LIMIT") for k in redis.Redis.from_url(url).keys())


# -- Every login failure costs one hash check of the same kind (issue 11, item 8) -----------

LOGIN_CASES = {
    "unknown account": ("nobody@example.com", "correct horse battery"),
    "wrong password": ("owner@example.com", "wrong password"),
    "disabled account, wrong password": ("disabled@example.com", "wrong password"),
    "disabled account, right password": ("disabled@example.com", "correct horse battery"),
    "right password": ("owner@example.com", "correct horse battery"),
}


@pytest.fixture
def accounts(app, staff):
    from blogapp.extensions import db
    from blogapp.models import User

    staff.create("owner@example.com")
    uid = staff.create("disabled@example.com", "moderator")
    with app.app_context():
        db.session.get(User, uid).active = False
        db.session.commit()


@pytest.fixture
def hash_checks(monkeypatch):
    """Record the method of every password hash the login checks."""
    from blogapp.auth import credentials

    seen: list[str] = []
    real = credentials.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        seen.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(credentials, "check_password_hash", counting)
    return seen


@pytest.mark.parametrize("case", list(LOGIN_CASES))
def test_every_login_runs_one_hash_check_of_todays_method(client, staff, accounts,
                                                          hash_checks, case):
    from werkzeug.security import generate_password_hash

    email, password = LOGIN_CASES[case]
    response = staff.login(email, password)
    assert response.status_code == (302 if case == "right password" else 401)
    todays = generate_password_hash("x").split("$", 1)[0]
    assert hash_checks == [todays], f"{case}: checked {hash_checks}"


def test_the_dummy_hash_is_made_by_werkzeug_at_startup():
    from werkzeug.security import check_password_hash, generate_password_hash

    from blogapp import create_app
    from blogapp.auth.credentials import dummy_hash, hash_method

    dummy_hash.cache_clear()
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert dummy_hash.cache_info().currsize == 1  # made when the app was built
    assert hash_method(dummy_hash()) == hash_method(generate_password_hash("x"))
    assert not check_password_hash(dummy_hash(), "")


@pytest.mark.one_engine  # the password hash is the time; the engine's lookup is noise
def test_login_failures_take_the_same_time(client, staff, accounts):
    """Medians over interleaved rounds, with generous slack for a busy machine: before, a
    disabled account failed in ~7-11 ms and an unknown one in ~120-165 ms (ratio ~15)."""
    import statistics
    import time

    failures = [case for case in LOGIN_CASES if case != "right password"]
    times: dict[str, list[float]] = {case: [] for case in failures}
    for _ in range(7):
        for case in failures:
            started = time.perf_counter()
            assert staff.login(*LOGIN_CASES[case]).status_code == 401
            times[case].append(time.perf_counter() - started)
    medians = {case: statistics.median(t) for case, t in times.items()}
    assert max(medians.values()) < 4 * min(medians.values()), medians


def test_an_older_hash_is_brought_to_todays_method_at_login(app, staff):
    from werkzeug.security import generate_password_hash

    from blogapp.auth.credentials import dummy_hash, hash_method
    from blogapp.extensions import db
    from blogapp.models import User

    uid = staff.create("owner@example.com")
    with app.app_context():
        user = db.session.get(User, uid)
        user.password_hash = generate_password_hash(staff.PASSWORD, "pbkdf2:sha256:1000")
        db.session.commit()
    assert staff.login("owner@example.com").status_code == 302
    with app.app_context():
        stored = db.session.get(User, uid).password_hash
    assert hash_method(stored) == hash_method(dummy_hash())
