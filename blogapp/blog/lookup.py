"""Finding what readers may see."""

from __future__ import annotations

from datetime import datetime

from flask import abort
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import Article, ArticleKind, ArticleStatus
from blogapp.models.base import utcnow


def _no_such_slug(slug: str) -> bool:
    """Slugs are letters, digits, - and _: a NUL (which PostgreSQL refuses in text) names
    no article."""
    return "\x00" in slug


def visible_article_or_404(slug: str) -> Article:
    if _no_such_slug(slug):
        abort(404)
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None or article.is_external or not article.is_visible():
        abort(404)
    return article


VERSION_COLUMNS = select(Article.id, Article.created_at, Article.updated_at,
                         Article.comments_version, Article.status, Article.published_at,
                         Article.comments_open, Article.kind)


def version_is_visible(row, now: datetime) -> bool:
    """An article page readers may see (an external page's thread has none)."""
    return (row.status == ArticleStatus.PUBLISHED.value and row.published_at is not None
            and row.published_at <= now and row.kind == ArticleKind.POST.value)


def visible_version_or_404(slug: str):
    """Return the article's id and version columns only (enough to answer a 304)."""
    if _no_such_slug(slug):
        abort(404)
    row = db.session.connection().execute(
        VERSION_COLUMNS.where(Article.slug == slug)).first()
    if row is None or not version_is_visible(row, utcnow()):
        abort(404)
    return row
