"""Finding what readers may see."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import Article, ArticleStatus
from blogapp.models.base import utcnow


def visible_article_or_404(slug: str) -> Article:
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None or not article.is_visible():
        abort(404)
    return article


def visible_version_or_404(slug: str):
    """Return the article's id and version columns only (enough to answer a 304)."""
    row = db.session.connection().execute(
        select(Article.id, Article.created_at, Article.updated_at, Article.comments_version,
               Article.status, Article.published_at, Article.comments_open)
        .where(Article.slug == slug)
    ).first()
    if row is None or row.status != ArticleStatus.PUBLISHED.value or row.published_at is None \
            or row.published_at > utcnow():
        abort(404)
    return row
