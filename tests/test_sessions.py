"""Staff sessions end when they should (issue 11, item 4): a session cookie or a
remember-me cookie copied before logout, a password change, disabling, a role change or
"log out everywhere" no longer opens /admin afterwards, by itself or together with the
other; a new login still works. Each login hands out cookies of its own."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import User
from tests.conftest import Staff, csrf_from

DOMAIN = "blog.test"
COOKIES = ("session", "remember_token")
VICTIM = "victim@example.com"
PASSWORD_RE = re.compile(r'<code class="password">([^<]+)</code>')


def cookies_of(client: FlaskClient) -> dict[str, str]:
    return {name: client.get_cookie(name, domain=DOMAIN).value for name in COOKIES
            if client.get_cookie(name, domain=DOMAIN) is not None}


def browser(app: Flask, cookies: dict[str, str]) -> FlaskClient:
    """A new browser holding *cookies* (copied by an attacker, say)."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value, domain=DOMAIN)
    return client


def opens_admin(client: FlaskClient) -> bool:
    response = client.get("/admin/")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def login(staff: Staff, client: FlaskClient, email: str = VICTIM,
          password: str | None = None, remember: bool = True):
    token = csrf_from(client.get("/login").text)
    data = {"email": email, "password": password or staff.PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def post(client: FlaskClient, url: str, page: str = "/admin/", **data):
    return client.post(url, data={"csrf_token": csrf_from(client.get(page).text), **data})


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


# -- The events that must end every session, and who makes them --------------------------


def logout(ctx):
    ctx.victim.post("/logout", data={"csrf_token": csrf_from(ctx.victim.get("/logout").text)})


def own_password_change(ctx):
    post(ctx.victim, "/admin/account/password", "/admin/account",
         current=Staff.PASSWORD, new="a brand new password", confirm="a brand new password")
    ctx.password = "a brand new password"


def own_logout_everywhere(ctx):
    post(ctx.victim, "/admin/account/logout", "/admin/account")


def owner_resets_password(ctx):
    page = post(ctx.owner, f"/admin/users/{ctx.victim_id}/password", "/admin/users")
    ctx.password = PASSWORD_RE.search(page.text).group(1)


def owner_logs_out_everywhere(ctx):
    post(ctx.owner, f"/admin/users/{ctx.victim_id}/logout", "/admin/users")


def owner_disables(ctx):
    post(ctx.owner, f"/admin/users/{ctx.victim_id}/disable", "/admin/users")
    ctx.after = lambda: post(ctx.owner, f"/admin/users/{ctx.victim_id}/enable", "/admin/users")


def cli_password(ctx):
    result = ctx.app.test_cli_runner().invoke(
        args=["users", "password", VICTIM, "--password", "set from the shell"])
    assert result.exit_code == 0, result.output
    ctx.password = "set from the shell"


def role_change(ctx):
    """No page changes a role; any code path that does ends the sessions (the model)."""
    with ctx.app.app_context():
        db.session.get(User, ctx.victim_id).role = "owner"
        db.session.commit()


def password_set_in_code(ctx):
    with ctx.app.app_context():
        db.session.get(User, ctx.victim_id).set_password("set by some service")
        db.session.commit()
    ctx.password = "set by some service"


EVENTS: dict[str, Callable] = {
    "logout": logout,
    "own password change": own_password_change,
    "own log out everywhere": own_logout_everywhere,
    "owner resets the password": owner_resets_password,
    "owner logs the account out everywhere": owner_logs_out_everywhere,
    "owner disables the account": owner_disables,
    "`flask users password`": cli_password,
    "role change": role_change,
    "password set by any code": password_set_in_code,
}


class Scene:
    def __init__(self, app: Flask, staff: Staff) -> None:
        self.app = app
        self.owner = app.test_client()
        staff.create("owner@example.com", "owner")
        assert login(staff, self.owner, "owner@example.com").status_code == 302
        self.victim_id = staff.create(VICTIM, "moderator")
        self.victim = app.test_client()
        self.password = Staff.PASSWORD
        self.after: Callable[[], object] = lambda: None


@pytest.mark.parametrize("event", list(EVENTS))
def test_copied_cookies_stop_working_after(app, staff, event):
    scene = Scene(app, staff)
    assert login(staff, scene.victim).status_code == 302
    copied = cookies_of(scene.victim)
    assert set(copied) == set(COOKIES)
    session_only = {"session": copied["session"]}
    remember_only = {"remember_token": copied["remember_token"]}
    for cookies in (session_only, remember_only, copied):  # each opens /admin before
        assert opens_admin(browser(app, cookies)), cookies.keys()

    EVENTS[event](scene)

    for cookies in (session_only, remember_only, copied):
        assert not opens_admin(browser(app, cookies)), f"{event}: {list(cookies)} still works"
    scene.after()
    fresh = app.test_client()
    assert login(staff, fresh, password=scene.password).status_code == 302
    assert opens_admin(fresh), f"{event}: cannot log in again"
    for cookies in (session_only, remember_only):  # and the new login did not revive them
        assert not opens_admin(browser(app, cookies))


def test_own_password_change_keeps_this_browser_and_its_remember_cookie(app, staff):
    scene = Scene(app, staff)
    login(staff, scene.victim)
    other = app.test_client()
    login(staff, other)
    other_cookies = cookies_of(other)
    login(staff, scene.victim)  # the victim's browser holds the newest login
    response = post(scene.victim, "/admin/account/password", "/admin/account",
                    current=Staff.PASSWORD, new="another password", confirm="another password")
    assert response.status_code == 302
    assert opens_admin(scene.victim)
    kept = cookies_of(scene.victim)
    assert opens_admin(browser(app, {"remember_token": kept["remember_token"]}))
    assert not opens_admin(browser(app, other_cookies))


def test_each_login_has_cookies_of_its_own(app, staff):
    """The remember cookie was an HMAC of the user id: the same on every login, forever."""
    staff.create(VICTIM, "moderator")
    first, second = app.test_client(), app.test_client()
    login(staff, first)
    before = cookies_of(first)
    login(staff, second)
    after = cookies_of(second)
    assert before["remember_token"] != after["remember_token"]
    assert before["session"] != after["session"]
    assert opens_admin(second)
    assert not opens_admin(browser(app, before)), "a newer login ends the older one"


def test_cookies_of_the_old_shape_are_refused(app, client, staff):
    """Before session generations, the session and the remember cookie named the bare id;
    such cookies (kept from before the upgrade, or forged) open nothing."""
    victim = staff.create(VICTIM, "moderator")
    assert login(staff, client).status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = str(victim)
    client.set_cookie("remember_token", "", domain=DOMAIN, max_age=0)
    assert not opens_admin(client)
    with app.test_request_context():
        old_remember = encode_cookie(str(victim))
    assert not opens_admin(browser(app, {"remember_token": old_remember}))


@pytest.mark.parametrize("value", [
    "", ":", "1", "1:", ":token", "x:token", "²:token", "٣:token", "-1:token", "1_0:token",
    "99999999999999999999:token", f"{2**63}:token", "1:token:extra", "1:\x00", "1:" + "a" * 5000,
])
def test_the_user_loader_refuses_malformed_ids_without_error(app, staff, value):
    from blogapp.auth.sessions import load_user

    staff.create(VICTIM, "moderator")
    with app.app_context():
        assert load_user(value) is None


def test_the_user_loader_wants_the_current_token(app, staff):
    from blogapp.auth.sessions import load_user

    uid = staff.create(VICTIM, "moderator")
    with app.app_context():
        user = db.session.get(User, uid)
        assert load_user(user.get_id()) is user
        assert load_user(f"{uid}:{user.session_token[:-1]}") is None
        old = user.get_id()
        user.end_sessions()
        db.session.commit()
        assert load_user(old) is None and load_user(user.get_id()) is user
        user.active = False
        assert load_user(user.get_id()) is None


@pytest.mark.parametrize(("change", "ends"), [
    (lambda u: setattr(u, "role", "owner"), True),
    (lambda u: setattr(u, "active", False), True),
    (lambda u: u.set_password("something else"), True),
    (lambda u: setattr(u, "password_hash", "scrypt:1:1:1$salt$00"), True),
    (lambda u: setattr(u, "role", u.role), False),
    (lambda u: setattr(u, "active", True), False),
    (lambda u: setattr(u, "display_name", "New name"), False),
    (lambda u: setattr(u, "email", "new@example.com"), False),
])
def test_credential_changes_start_a_new_generation(app, staff, change, ends):
    uid = staff.create(VICTIM, "moderator")
    with app.app_context():
        user = db.session.get(User, uid)
        token = user.session_token
        change(user)
        assert (user.session_token != token) is ends


def test_a_csrf_token_from_before_login_is_refused_after_it(app, client, staff):
    """Session fixation: a token an attacker learnt in a session planted in the victim's
    browser must not survive the victim's login."""
    staff.create(VICTIM, "moderator")
    planted = csrf_from(client.get("/login").text)
    client.post("/login", data={"email": VICTIM, "password": staff.PASSWORD,
                                "csrf_token": planted})
    assert opens_admin(client)
    response = client.post("/logout", data={"csrf_token": planted})  # a forged logout
    assert response.status_code == 400 and "security token" in response.text
    assert opens_admin(client)


# -- The account page ----------------------------------------------------------------------


@pytest.fixture
def victim(app, client, staff) -> int:
    uid = staff.create(VICTIM, "moderator")
    assert login(staff, client).status_code == 302
    return uid


def test_account_page_shows_who_you_are_and_nobody_else(app, client, staff, victim):
    staff.create("owner@example.com", "owner")
    html = client.get("/admin/account").text
    assert VICTIM in html and "moderator" in html and "Log out everywhere" in html
    assert "owner@example.com" not in html


@pytest.mark.parametrize(("form", "message"), [
    ({"current": "wrong password", "new": "new password 1", "confirm": "new password 1"},
     "not your current password"),
    ({"current": Staff.PASSWORD, "new": "short", "confirm": "short"}, "8 to 1024 characters"),
    ({"current": Staff.PASSWORD, "new": "new password 1", "confirm": "new password 2"},
     "differ"),
    ({"current": "", "new": "new password 1", "confirm": "new password 1"}, "required"),
])
def test_a_refused_password_change_changes_nothing(app, client, staff, victim, form, message):
    with app.app_context():
        before = db.session.get(User, victim).session_token
    response = post(client, "/admin/account/password", "/admin/account", **form)
    assert response.status_code == 422 and message in response.text
    assert opens_admin(client)
    with app.app_context():
        user = db.session.get(User, victim)
        assert user.check_password(Staff.PASSWORD) and user.session_token == before


def test_a_password_change_is_audited_and_the_new_password_works(app, client, staff, victim):
    post(client, "/admin/account/password", "/admin/account",
         current=Staff.PASSWORD, new="new password 1", confirm="new password 1")
    assert "Password changed" in client.get("/admin/account").text
    assert login(staff, app.test_client(), password="new password 1").status_code == 302
    assert login(staff, app.test_client()).status_code == 401
    with app.app_context():
        from blogapp.models import AuditEntry

        rows = db.session.execute(select(AuditEntry.action, AuditEntry.user_id)).all()
    assert [tuple(r) for r in rows] == [("user_password", victim)]


@pytest.fixture
def limited(app_config):
    app_config.update({"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"})


def test_guessing_the_current_password_is_rate_limited(limited, app, client, staff, victim):
    statuses = [post(client, "/admin/account/password", "/admin/account", current=f"guess {i}",
                     new="new password 1", confirm="new password 1").status_code
                for i in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_the_owner_logging_themselves_out_everywhere_ends_this_browser_too(app, client, staff):
    owner = staff.login_as("owner")
    response = post(client, f"/admin/users/{owner}/logout", "/admin/users")
    assert response.status_code == 302
    assert not opens_admin(client)


def test_the_owner_resetting_their_own_password_stays_logged_in(app, client, staff):
    owner = staff.login_as("owner")
    copied = cookies_of(client)
    page = post(client, f"/admin/users/{owner}/password", "/admin/users")
    assert PASSWORD_RE.search(page.text)
    assert opens_admin(client)
    assert not opens_admin(browser(app, copied))
