"""Writing articles: slugs, rendering at save time, publishing states."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import Article, ArticleStatus
from blogapp.models.base import utcnow
from blogapp.sanitize import normalize_text, render_article

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def slugify(text: str, max_length: int = 80) -> str:
    """Make a URL slug that keeps letters of every script ("Über Straße" -> "über-straße")."""
    text = unicodedata.normalize("NFKC", text).lower()
    slug = _NON_WORD.sub("-", text).strip("-_")
    slug = re.sub(r"[-_]{2,}", "-", slug)[:max_length].strip("-_")
    return slug or "article"


def unique_slug(wanted: str, exclude_id: int | None = None) -> str:
    """Return *wanted*, or *wanted*-2, -3, … whichever no other article uses."""
    base = slugify(wanted)
    candidate, n = base, 1
    while True:
        query = select(Article.id).where(Article.slug == candidate)
        if exclude_id is not None:
            query = query.where(Article.id != exclude_id)
        if db.session.scalar(query) is None:
            return candidate
        n += 1
        candidate = f"{base[:75]}-{n}"


@dataclass(frozen=True)
class ArticleDraft:
    title: str
    slug: str
    body_md: str
    excerpt: str
    comments_open: bool
    action: str  # "draft", "publish" or "schedule"
    publish_at: datetime | None = None


def save_article(draft: ArticleDraft, author_id: int | None, article: Article | None = None,
                 now: datetime | None = None) -> Article:
    """Create or update an article from *draft* and commit."""
    now = now or utcnow()
    slug = unique_slug(draft.slug or draft.title, exclude_id=article.id if article else None)
    if article is None:
        article = Article(author_id=author_id, created_at=now, comment_count=0, comments_version=0)
        db.session.add(article)
    article.title = normalize_text(draft.title, multiline=False)
    article.slug = slug
    article.body_md = normalize_text(draft.body_md, multiline=True, keep_indent=True)
    article.body_html = render_article(article.body_md)
    article.excerpt = normalize_text(draft.excerpt, multiline=True)
    article.comments_open = draft.comments_open
    article.updated_at = now
    if draft.action == "publish":
        article.status = ArticleStatus.PUBLISHED.value
        if article.published_at is None or article.published_at > now:
            article.published_at = now
    elif draft.action == "schedule":
        article.status = ArticleStatus.PUBLISHED.value
        article.published_at = draft.publish_at
    else:
        article.status = ArticleStatus.DRAFT.value
    article.comments_version += 1
    db.session.commit()
    return article


def set_state(article: Article, action: str, now: datetime | None = None) -> None:
    """Publish, unpublish, trash or restore *article* and commit."""
    now = now or utcnow()
    if action == "publish":
        article.status = ArticleStatus.PUBLISHED.value
        if article.published_at is None or article.published_at > now:
            article.published_at = now
    elif action in {"unpublish", "restore"}:
        article.status = ArticleStatus.DRAFT.value
    elif action == "trash":
        article.status = ArticleStatus.TRASH.value
    else:
        raise ValueError(f"unknown action {action!r}")
    article.updated_at = now
    article.comments_version += 1
    db.session.commit()


def delete_article(article: Article) -> None:
    """Delete a trashed article and its comments for good."""
    if article.status != ArticleStatus.TRASH.value:
        raise ValueError("only trashed articles can be deleted permanently")
    db.session.delete(article)
    db.session.commit()
