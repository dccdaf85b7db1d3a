"""Password checks that cost the same whoever asks.

A login for an unknown, a disabled or an existing account runs exactly one password hash
check, of the same method and parameters: the account's own hash when there is one, else
a dummy made by ``generate_password_hash`` itself (so it follows werkzeug's defaults as
they change). Only then is the answer decided, so the time taken tells nothing about which
accounts exist or are disabled.
"""

from __future__ import annotations

import secrets
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from blogapp.extensions import db
from blogapp.models import User


@cache
def dummy_hash() -> str:
    """A hash of a random password, made once per process (the blueprint makes it at
    startup, so no login pays for it)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def hash_method(password_hash: str) -> str:
    """The method and parameters of a werkzeug hash, e.g. ``scrypt:32768:8:1``."""
    return password_hash.split("$", 1)[0]


def authenticate(email: str, password: str) -> User | None:
    """Return the active account *email* and *password* open, else None: one hash check."""
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    stored = user.password_hash if user is not None else dummy_hash()
    matches = check_password_hash(stored, password)
    if user is None or not matches or not user.active:
        return None
    if hash_method(stored) != hash_method(dummy_hash()):
        user.set_password(password)  # an older method or cost: bring it to today's
    return user
