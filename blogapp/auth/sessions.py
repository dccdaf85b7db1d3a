"""Staff sessions: one generation per account, checked on every request.

Flask-Login keeps ``User.get_id()`` (``"<id>:<session token>"``) in the signed session
cookie and, when asked to remember, in the remember-me cookie. ``load_user`` accepts it
only while the account is active and the token is the account's current one, so a new
token (``User.end_sessions``) ends every copy of every cookie issued before: a session
cookie copied before logout, a remember cookie kept after a password change, the
browser of a disabled moderator.
"""

from __future__ import annotations

import hmac

from flask import current_app, request, session
from flask_login import current_user, login_user, logout_user

from blogapp.extensions import db
from blogapp.integers import parse_int
from blogapp.models import User


def load_user(user_id: str) -> User | None:
    """Flask-Login's user_loader: the account *user_id* names, if the cookie is current."""
    ident, _, token = str(user_id).partition(":")
    account_id = parse_int(ident, 1)
    if account_id is None or not token:
        return None  # includes "<id>" alone, the shape of cookies from before generations
    user = db.session.get(User, account_id)
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def log_in(user: User, remember: bool) -> None:
    """Start a fresh session for *user*: a new generation (so this login's cookies are its
    own and every older one ends) and a cleared session (so nothing planted before the
    login, such as a CSRF token an attacker knows, carries over); commit."""
    session.clear()
    user.end_sessions()
    db.session.commit()
    login_user(user, remember=remember)


def log_out() -> None:
    """End every session of the logged-in account, this one included; commit."""
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    session.clear()


def end_every_session(user: User) -> None:
    """Log *user* out everywhere (this browser too, when it is theirs); commit."""
    user.end_sessions()
    db.session.commit()
    if current_user.is_authenticated and current_user.id == user.id:
        logout_user()
        session.clear()


def keep_this_session(user: User) -> None:
    """After the logged-in account's generation changed (its own password change), log this
    browser in again under the new one; every other browser stays logged out."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in \
        request.cookies
    login_user(user, remember=remembered)
