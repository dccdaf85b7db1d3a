"""Find what an earlier import made: by source id, by old URL, by old path."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select

from blogapp.extensions import db
from blogapp.importers.model import Source, SourceKind
from blogapp.models import Article, Comment, ImportRecord

ARTICLE, COMMENT = "article", "comment"
MAX_KEY, MAX_URL = 64, 500


def normal_url(url: str) -> str:
    """Compare URLs as a reader would: no scheme, fragment or trailing slash; host lowered."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("", parts.netloc.lower(), path, parts.query, ""))


def records(source: Source, kind: str, source_ids: Iterable[str]) -> dict[str, int | None]:
    """Map each given source id already imported to its local id (None: deleted here)."""
    wanted = sorted(set(source_ids))
    column = ImportRecord.article_id if kind == ARTICLE else ImportRecord.comment_id
    found: dict[str, int | None] = {}
    for start in range(0, len(wanted), 500):
        rows = db.session.execute(
            select(ImportRecord.source_id, column).where(
                ImportRecord.source == source.kind.value, ImportRecord.site == source.site,
                ImportRecord.kind == kind,
                ImportRecord.source_id.in_(wanted[start:start + 500])))
        found.update({source_id: local for source_id, local in rows})
    return found


def comment_depths(comment_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Return (article id, depth) of stored comments."""
    ids = sorted(set(comment_ids))
    out: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(select(Comment.id, Comment.article_id, Comment.depth)
                                  .where(Comment.id.in_(ids[start:start + 500])))
        out.update({row.id: (row.article_id, row.depth) for row in rows})
    return out


def _article_of(query) -> int | None:
    return db.session.scalar(query.order_by(ImportRecord.id.desc()).limit(1))


def article_for_post_id(post_id: str, site: str | None = None) -> int | None:
    """The article imported from WordPress post *post_id* (the latest import, if several)."""
    query = select(ImportRecord.article_id).where(
        ImportRecord.source == SourceKind.WORDPRESS.value, ImportRecord.kind == ARTICLE,
        ImportRecord.source_id == post_id, ImportRecord.article_id.is_not(None))
    if site is not None:
        query = query.where(ImportRecord.site == site)
    return _article_of(query)


def article_for_old_path(path: str) -> int | None:
    """The article a WordPress date permalink (/YYYY/MM/DD/slug/, decoded) pointed to."""
    path = "/" + path.strip("/") + "/"
    return _article_of(select(ImportRecord.article_id).where(
        ImportRecord.kind == ARTICLE, ImportRecord.source_path == path,
        ImportRecord.article_id.is_not(None)))


def article_for_permalink(url: str) -> int | None:
    """The article whose old permalink was *url* (compared with ``normal_url``)."""
    wanted = normal_url(url)
    if len(wanted) > MAX_URL:
        return None
    return _article_of(select(ImportRecord.article_id).where(
        ImportRecord.kind == ARTICLE, ImportRecord.source_url == wanted,
        ImportRecord.article_id.is_not(None)))


def article_for_slug(slug: str) -> int | None:
    return db.session.scalar(select(Article.id).where(Article.slug == slug))
