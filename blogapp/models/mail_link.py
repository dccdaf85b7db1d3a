"""One row per one-click mail link used, so each link acts once (blogapp.comments.links)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from blogapp.extensions import db
from blogapp.models.base import utcnow


class MailLinkUse(db.Model):
    __tablename__ = "mail_link_uses"

    # A digest of what the link's signature covers: the primary key is what makes two
    # concurrent uses of one link act once (the second insert waits, then fails).
    link_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    comment_id: Mapped[int]  # no foreign key: the record outlives a deleted comment
    action: Mapped[str] = mapped_column(String(16))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the link would have expired anyway; `comments purge` forgets the row then.
    expires_at: Mapped[datetime] = mapped_column(index=True)
