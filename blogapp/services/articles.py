"""Writing articles: slugs, rendering at save time, categories and tags, revisions,
publishing states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import Article, ArticleStatus, Media, RevisionKind
from blogapp.models.base import utcnow
from blogapp.sanitize import normalize_text
from blogapp.services.article_content import apply_content
from blogapp.services.revisions import discard_autosave, record_revision
from blogapp.services.taxonomy import categories_by_ids, tags_for
from blogapp.slugs import slugify

__all__ = ["ArticleDraft", "delete_article", "save_article", "set_state", "slugify",
           "unique_slug"]


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
    category_ids: tuple[int, ...] = ()
    tags: str = ""  # comma-separated; new ones are created
    featured_media_id: int | None = None


def save_article(draft: ArticleDraft, author_id: int | None, article: Article | None = None,
                 now: datetime | None = None) -> Article:
    """Create or update an article from *draft*, record the save as a revision (by
    *author_id*, who wrote or edited it) and commit."""
    now = now or utcnow()
    slug = unique_slug(draft.slug or draft.title, exclude_id=article.id if article else None)
    if article is None:
        article = Article(author_id=author_id, created_at=now, comment_count=0, comments_version=0)
        db.session.add(article)
    article.title = normalize_text(draft.title, multiline=False)
    article.slug = slug
    article.body_md = normalize_text(draft.body_md, multiline=True, keep_indent=True)
    article.excerpt = normalize_text(draft.excerpt, multiline=True)
    article.comments_open = draft.comments_open
    article.updated_at = now
    article.featured_media_id = _existing_media(draft.featured_media_id)
    article.categories = categories_by_ids(draft.category_ids)
    article.tags = tags_for(draft.tags)
    apply_content(article)
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
    record_revision(article, RevisionKind.SAVE, author_id, now)
    discard_autosave(article.id, author_id)
    db.session.commit()
    return article


def _existing_media(media_id: int | None) -> int | None:
    if media_id is None:
        return None
    return db.session.scalar(select(Media.id).where(Media.id == media_id))


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
