"""Readers' subscriptions to comments, and which addresses confirmed they want mail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from blogapp.extensions import db
from blogapp.models.base import utcnow


class SubscriptionKind(StrEnum):
    REPLIES = "replies"  # replies to the subscriber's comment
    ALL = "all"  # every new comment on the article


class SubscriptionStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # its address has not confirmed yet: nothing is sent
    ACTIVE = "active"
    ENDED = "ended"


class SubscriberAddress(db.Model):
    """Double opt-in is per address: once confirmed, its later subscriptions start at once."""

    __tablename__ = "subscriber_addresses"

    email: Mapped[str] = mapped_column(String(100), primary_key=True)  # lower case
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirm_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)


class Subscription(db.Model):
    __tablename__ = "comment_subscriptions"
    __table_args__ = (
        Index("ix_comment_subscriptions_email", "email"),
        Index("ix_comment_subscriptions_article_kind", "article_id", "kind", "status"),
        Index("ix_comment_subscriptions_comment", "comment_id", "status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(100))  # lower case
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    # For "replies": the subscriber's own comment, whose replies are mailed.
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
