"""Finding what readers may see."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import Article


def visible_article_or_404(slug: str) -> Article:
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None or not article.is_visible():
        abort(404)
    return article
