"""Staff accounts: owners and moderators."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from blogapp.extensions import db
from blogapp.models.base import utcnow


class Role(enum.StrEnum):
    OWNER = "owner"
    MODERATOR = "moderator"


class User(UserMixin, db.Model):
    __tablename__ = "users"

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

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.active

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER.value

    def has_role(self, role: Role) -> bool:
        """Owners hold every role; moderators only their own."""
        return self.is_owner or self.role == role.value
