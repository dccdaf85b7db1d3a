"""Revisions: a row for every save, restore as a new save, and each editor's autosave.

An autosave never changes an article: it is kept aside (one row per article and
person, overwritten) until the editor loads it back into the form and saves. So a
published article's readers never see work in progress, and nothing autosaved publishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from blogapp.extensions import db
from blogapp.models import Article, ArticleRevision, RevisionKind
from blogapp.models.base import utcnow
from blogapp.sanitize import normalize_text
from blogapp.services.article_content import apply_content

REVISIONS_SHOWN = 25


@dataclass(frozen=True)
class Snapshot:
    title: str
    body_md: str
    excerpt: str


def record_revision(article: Article, kind: RevisionKind, user_id: int | None,
                    now: datetime | None = None) -> ArticleRevision:
    """Add a revision holding the article's current text (the caller commits)."""
    revision = ArticleRevision(article_id=article.id, kind=kind.value, title=article.title,
                               body_md=article.body_md, excerpt=article.excerpt,
                               user_id=user_id, created_at=now or utcnow())
    db.session.add(revision)
    return revision


def revisions_of(article: Article, limit: int = REVISIONS_SHOWN) -> list[ArticleRevision]:
    """The article's saved revisions, newest first (autosaves are not revisions)."""
    return list(db.session.scalars(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article.id,
               ArticleRevision.kind != RevisionKind.AUTOSAVE.value)
        .order_by(ArticleRevision.created_at.desc(), ArticleRevision.id.desc())
        .limit(limit)))


def restore_revision(article: Article, revision: ArticleRevision, user_id: int | None,
                     now: datetime | None = None) -> ArticleRevision:
    """Make *revision*'s text the article's again (its state is kept) and record that as
    a revision of its own; commit."""
    if revision.article_id != article.id or revision.kind == RevisionKind.AUTOSAVE.value:
        raise ValueError("not a revision of this article")
    now = now or utcnow()
    article.title, article.body_md, article.excerpt = (revision.title, revision.body_md,
                                                       revision.excerpt)
    apply_content(article)
    article.updated_at = now
    article.comments_version += 1
    restored = record_revision(article, RevisionKind.RESTORE, user_id, now)
    discard_autosave(article.id, user_id)
    db.session.commit()
    return restored


def autosave(article: Article, snapshot: Snapshot, user_id: int | None,
             now: datetime | None = None) -> ArticleRevision:
    """Keep *snapshot* as this person's autosave of the article; commit. The article
    itself is left as it is."""
    row = latest_autosave(article.id, user_id)
    if row is None:
        row = ArticleRevision(article_id=article.id, kind=RevisionKind.AUTOSAVE.value,
                              user_id=user_id)
        db.session.add(row)
    row.title = normalize_text(snapshot.title, multiline=False)[:200]
    row.body_md = normalize_text(snapshot.body_md, multiline=True, keep_indent=True)
    row.excerpt = normalize_text(snapshot.excerpt, multiline=True)
    row.created_at = now or utcnow()
    db.session.commit()
    return row


def latest_autosave(article_id: int, user_id: int | None) -> ArticleRevision | None:
    return db.session.scalar(select(ArticleRevision).where(
        ArticleRevision.article_id == article_id, ArticleRevision.user_id == user_id,
        ArticleRevision.kind == RevisionKind.AUTOSAVE.value))


def newer_autosave(article: Article, user_id: int | None) -> ArticleRevision | None:
    """This person's autosave when it is newer than the article's last save and differs."""
    row = latest_autosave(article.id, user_id)
    if row is None or row.created_at <= article.updated_at:
        return None
    if (row.title, row.body_md, row.excerpt) == (article.title, article.body_md,
                                                  article.excerpt):
        return None
    return row


def discard_autosave(article_id: int, user_id: int | None) -> None:
    """Drop this person's autosave (a save supersedes it); the caller commits."""
    db.session.execute(delete(ArticleRevision).where(
        ArticleRevision.article_id == article_id, ArticleRevision.user_id == user_id,
        ArticleRevision.kind == RevisionKind.AUTOSAVE.value))
