"""Every saved version of an article, and each editor's autosaved work in progress."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blogapp.extensions import db
from blogapp.models.base import utcnow
from blogapp.models.user import User


class RevisionKind(enum.StrEnum):
    SAVE = "save"  # an owner saved, published or scheduled
    RESTORE = "restore"  # an older revision was made current again
    AUTOSAVE = "autosave"  # the editor's work in progress: one per article and person


class ArticleRevision(db.Model):
    __tablename__ = "article_revisions"
    __table_args__ = (Index("ix_article_revisions_article_created", "article_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text, default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship(lazy="joined")
