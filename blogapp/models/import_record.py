"""What was imported from where, so a second import adds nothing (blogapp.importers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blogapp.extensions import db
from blogapp.models.base import utcnow


class ImportRecord(db.Model):
    """One imported article or comment, keyed by the source's kind, site and id.

    The row outlives the local article or comment (its id becomes NULL), so an item that
    was imported and then deleted here is not brought back by the next import."""

    __tablename__ = "import_records"
    __table_args__ = (
        UniqueConstraint("source", "site", "kind", "source_id", name="uq_import_records_key"),
        Index("ix_import_records_lookup", "source", "kind", "source_id"),
        Index("ix_import_records_path", "kind", "source_path"),
        Index("ix_import_records_url", "kind", "source_url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # "wordpress" or "disqus"
    site: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # "article" or "comment"
    source_id: Mapped[str] = mapped_column(String(64))
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), index=True)
    # An article's address on the old site: its permalink, and /YYYY/MM/DD/slug/ (decoded).
    source_url: Mapped[str] = mapped_column(String(500), default="")
    source_path: Mapped[str] = mapped_column(String(500), default="")
    source_author: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
