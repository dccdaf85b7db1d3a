"""Articles the site owners publish."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blogapp.extensions import db
from blogapp.models.base import utcnow
from blogapp.models.media import Media
from blogapp.models.taxonomy import Category, Tag, article_categories, article_tags
from blogapp.models.user import User


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # visible once published_at has passed (else: scheduled)
    TRASH = "trash"


class ArticleKind(enum.StrEnum):
    POST = "post"  # the blog's own article
    # The comment thread of a page on another site (BLOGAPP_EMBED_ORIGINS), keyed by its
    # normalized URL: never listed, never an article page (blogapp.api.threads).
    EXTERNAL = "external"


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_status_published", "status", "published_at"),
                      Index("ix_articles_url", "url", unique=True),
                      {"sqlite_autoincrement": True})  # ids are never handed out twice

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    # What listings, feeds and link previews show: the excerpt typeset, else the body's
    # opening words (made at save time).
    summary: Mapped[str] = mapped_column(Text, default="")
    # A featured image counts as used, so the library never deletes it (no ON DELETE).
    featured_media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.DRAFT.value)
    kind: Mapped[str] = mapped_column(String(16), default=ArticleKind.POST.value,
                                      server_default=ArticleKind.POST.value)
    url: Mapped[str | None] = mapped_column(String(1000))  # external threads only
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    comments_open: Mapped[bool] = mapped_column(default=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept by the same transaction that changes a comment's visibility.
    comment_count: Mapped[int] = mapped_column(default=0)
    comments_version: Mapped[int] = mapped_column(default=0)

    author: Mapped[User | None] = relationship(lazy="joined")
    featured: Mapped[Media | None] = relationship()
    categories: Mapped[list[Category]] = relationship(
        secondary=article_categories, order_by=Category.name)
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by=Tag.name)

    @property
    def teaser(self) -> str:
        """The summary, or the excerpt of an article saved before summaries existed."""
        return self.summary or self.excerpt

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED.value and self.published_at is not None

    def is_visible(self, now: datetime | None = None) -> bool:
        """Tell whether readers may see the article (or the external thread) at *now*."""
        return self.is_published and self.published_at <= (now or utcnow())

    @property
    def is_external(self) -> bool:
        return self.kind == ArticleKind.EXTERNAL.value

    @property
    def is_scheduled(self) -> bool:
        return self.is_published and self.published_at > utcnow()

    @property
    def state_label(self) -> str:
        if self.is_scheduled:
            return "scheduled"
        return self.status

    @classmethod
    def visible(cls, now: datetime | None = None):
        """Select the articles readers may see, newest first (no external thread)."""
        return (
            select(cls)
            .where(cls.status == ArticleStatus.PUBLISHED.value)
            .where(cls.kind == ArticleKind.POST.value)
            .where(cls.published_at <= (now or utcnow()))
            .order_by(cls.published_at.desc(), cls.id.desc())
        )
