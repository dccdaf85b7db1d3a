"""Staff accounts: owners and moderators."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates
from werkzeug.security import check_password_hash, generate_password_hash

from blogapp.extensions import db
from blogapp.models.base import utcnow


class Role(enum.StrEnum):
    OWNER = "owner"
    MODERATOR = "moderator"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A staff account.

    ``session_token`` is the account's session generation (Flask-Security calls it the
    uniquifier): Flask-Login stores ``"<id>:<token>"`` in the session and the remember-me
    cookie, and blogapp.auth.sessions accepts a cookie only while the token is current.
    A new token therefore ends every session and remember cookie handed out before it.
    It changes on login, logout and "log out everywhere", and, whatever code path makes
    the change, whenever the password, the role or the active flag changes (below)."""

    __tablename__ = "users"
    # Never hand out an id again (SQLite reuses the highest one after a delete otherwise).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    # The author page's address (/author/<slug>), made from the name when left empty.
    slug: Mapped[str | None] = mapped_column(String(100), unique=True, index=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.MODERATOR.value)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """Start a new session generation: every earlier session and cookie stops working."""
        self.session_token = new_session_token()

    @validates("password_hash", "role", "active")
    def _credentials_changed(self, key: str, value):
        if getattr(self, key) != value:
            self.end_sessions()
        return value

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.active

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER.value

    def has_role(self, role: Role) -> bool:
        """Owners hold every role; moderators only their own."""
        return self.is_owner or self.role == role.value
