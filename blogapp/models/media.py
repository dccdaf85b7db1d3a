"""Images in the media library and the articles that use them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blogapp.extensions import db
from blogapp.models.base import utcnow


@dataclass(frozen=True)
class Variant:
    """One stored rendition of an image."""

    key: str
    width: int
    height: int
    size: int


class Media(db.Model):
    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Content-addressed ("<sha256 prefix>.<ext>"): the bytes behind a key never change.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    filename: Mapped[str] = mapped_column(String(255), default="")  # as uploaded, cleaned
    alt: Mapped[str] = mapped_column(String(500), default="")
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]  # bytes of the full-size rendition
    variants_json: Mapped[str] = mapped_column(Text, default="[]")  # narrower renditions
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def variants(self) -> list[Variant]:
        return [Variant(**v) for v in json.loads(self.variants_json or "[]")]

    @variants.setter
    def variants(self, value: list[Variant]) -> None:
        self.variants_json = json.dumps([v.__dict__ for v in value])

    @property
    def renditions(self) -> list[Variant]:
        """Every stored rendition, narrowest first, the full size last."""
        full = Variant(self.key, self.width, self.height, self.size)
        return sorted(self.variants, key=lambda v: v.width) + [full]

    def rendition(self, max_width: int) -> Variant:
        """Return the widest rendition no wider than *max_width* (else the narrowest)."""
        fitting = [v for v in self.renditions if v.width <= max_width]
        return fitting[-1] if fitting else self.renditions[0]

    @property
    def storage_keys(self) -> list[str]:
        return [v.key for v in self.renditions]


class ArticleMedia(db.Model):
    """An article uses an image (in its body or as its featured image); kept at save time."""

    __tablename__ = "article_media"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    media_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("media.id", ondelete="CASCADE"), primary_key=True, index=True)
