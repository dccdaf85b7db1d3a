"""Readers' comments."""

from __future__ import annotations

import json
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blogapp.extensions import db
from blogapp.models.base import utcnow


def new_preview_token() -> str:
    """Return 128 random bits as hex: what only the comment's author is handed."""
    return secrets.token_hex(16)


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_article_status_created", "article_id", "status", "created_at"),
        # an article's threads by status, in order (the landing page's count, listings)
        Index("ix_comments_article_status_parent_created", "article_id", "status",
              "parent_id", "created_at"),
        Index("ix_comments_status_created_id", "status", "created_at", "id"),
        Index("ix_comments_email", "email"),
        Index("ix_comments_ip_created", "ip", "created_at"),
        Index("ix_comments_spam_check", "spam_check", "created_at"),
        Index("ix_comments_preview_token", "preview_token", unique=True),
        # Never hand a deleted comment's id out again (SQLite reuses the highest without).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    depth: Mapped[int] = mapped_column(default=1)
    author: Mapped[str] = mapped_column(String(245), default="")
    email: Mapped[str] = mapped_column(String(100), default="")
    url: Mapped[str] = mapped_column(String(200), default="")
    # HMAC of the email with the app secret, computed once at write time: avatars are drawn
    # from it, so no email (nor an unkeyed hash of one) is ever needed to render a page.
    avatar_seed: Mapped[str] = mapped_column(String(32), default="")
    content: Mapped[str] = mapped_column(Text)
    content_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    # Akismet's state: ham, spam, discard, unavailable, owed, disabled.
    spam_check: Mapped[str] = mapped_column(String(16), default="disabled")
    spam_check_attempts: Mapped[int] = mapped_column(default=0)
    blatant: Mapped[bool] = mapped_column(default=False)
    # submit-spam / submit-ham still owed to Akismet after a moderator's decision.
    feedback_owed: Mapped[str | None] = mapped_column(String(8), default=None)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    referrer: Mapped[str] = mapped_column(String(255), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What the author's held-comment cookie names beside the id, so that the preview is
    # theirs alone (set by the pipeline; a row without one is never previewed).
    preview_token: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when its author changed the text ("(edited)"), or deleted it (a placeholder
    # stays above its replies); blogapp/comments/own_edit.py.
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    author_deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def reasons(self) -> list[dict[str, str]]:
        return json.loads(self.reasons_json or "[]")

    @reasons.setter
    def reasons(self, value: list[dict[str, str]]) -> None:
        self.reasons_json = json.dumps(value, ensure_ascii=False)

    @property
    def anchor(self) -> str:
        return f"comment-{self.id}"
