"""The media library's work: store an upload, edit its alt text, delete it when unused,
and find the images an article's Markdown refers to."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from blogapp.extensions import db
from blogapp.media.images import CleanImage, clean_image
from blogapp.media.storage import storage
from blogapp.models import Article, ArticleMedia, Media
from blogapp.models.base import utcnow
from blogapp.models.media import Variant
from blogapp.sanitize import normalize_text

#: How an article's Markdown names a library image: ``/media/<key>`` (any rendition).
MEDIA_REF_RE = re.compile(r"/media/([0-9a-f]{32})(?:-w[0-9]{1,5})?\.(?:jpg|png|webp)\b")
MAX_ALT = 500
_UNSAFE_NAME = re.compile(r"[^\w .()+-]+", re.UNICODE)


class MediaInUse(ValueError):
    """The image is still used by an article."""


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    alt: str
    uploader_id: int | None


def clean_filename(name: str) -> str:
    """Keep the uploaded name for the library's list only: no path, no odd characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", normalize_text(name, multiline=False)).strip(" ._")
    return name[:255] or "image"


def clean_alt(alt: str) -> str:
    return normalize_text(alt or "", multiline=False)[:MAX_ALT]


def store_upload(upload: Upload, max_pixels: int, widths: tuple[int, ...]) -> Media:
    """Clean the image, put every rendition in the store, record it, commit.

    Raises ImageRefused with the reason for anything that is not an acceptable image.
    The same picture uploaded again is the same row (content-addressed keys)."""
    image = clean_image(upload.data, max_pixels, widths)
    key = image.key()
    existing = db.session.scalar(select(Media).where(Media.key == key))
    _put_renditions(image)
    if existing is not None:
        if upload.alt and not existing.alt:
            existing.alt = clean_alt(upload.alt)
            db.session.commit()
        return existing
    media = Media(key=key, filename=clean_filename(upload.filename), alt=clean_alt(upload.alt),
                  content_type=image.content_type, width=image.full.width,
                  height=image.full.height, size=len(image.full.data),
                  uploader_id=upload.uploader_id, created_at=utcnow())
    media.variants = [Variant(image.key(v.width), v.width, v.height, len(v.data))
                      for v in image.variants]
    db.session.add(media)
    db.session.commit()
    return media


def _put_renditions(image: CleanImage) -> None:
    store = storage()
    for rendition in (*image.variants, image.full):
        key = image.key(rendition.width)
        if not store.exists(key):
            store.put(key, rendition.data, image.content_type)


def media_by_keys(digests: Iterable[str]) -> dict[str, Media]:
    """Map each content digest to its library row (unknown digests are left out)."""
    wanted = sorted(set(digests))
    if not wanted:
        return {}
    keys = [f"{digest}.{ext}" for digest in wanted for ext in ("jpg", "png", "webp")]
    rows = db.session.scalars(select(Media).where(Media.key.in_(keys))).all()
    return {row.key[:32]: row for row in rows}


def referenced_digests(markdown: str) -> list[str]:
    """Return the digests of the library images *markdown* refers to, in order."""
    return list(dict.fromkeys(MEDIA_REF_RE.findall(markdown or "")))


def usage_counts(media_ids: Iterable[int]) -> dict[int, int]:
    ids = list(media_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(ArticleMedia.media_id, func.count())
                              .where(ArticleMedia.media_id.in_(ids))
                              .group_by(ArticleMedia.media_id)).all()
    return {media_id: n for media_id, n in rows}


def used_by(media: Media) -> list[Article]:
    return list(db.session.scalars(
        select(Article).join(ArticleMedia, ArticleMedia.article_id == Article.id)
        .where(ArticleMedia.media_id == media.id).order_by(Article.updated_at.desc())))


def set_alt(media: Media, alt: str) -> list[int]:
    """Change the alt text and commit; return the ids of the articles to render again."""
    media.alt = clean_alt(alt)
    article_ids = [a.id for a in used_by(media)]
    db.session.commit()
    return article_ids


def delete_media(media: Media) -> None:
    """Delete an unused image: its row, then every rendition in the store."""
    if used_by(media):
        raise MediaInUse("This image is used by an article; remove it there first.")
    keys = media.storage_keys
    db.session.delete(media)
    db.session.commit()
    store = storage()
    for key in keys:
        store.delete(key)
