"""The moderation queue's queries: counts per status, search, keyset pages newest first.

Pages are cut by the last row's (created_at, id), never by OFFSET, so page 1,000 of a
20,000-comment spam queue costs what page 1 costs (index ix_comments_status_created_id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select, tuple_

from blogapp.extensions import db
from blogapp.models import Article, Comment
from blogapp.policy import CommentStatus

STATUSES: tuple[str, ...] = tuple(status.value for status in CommentStatus)
TAB_ORDER: tuple[str, ...] = ("pending", "approved", "spam", "trash")
SEARCH_COLUMNS = (Comment.author, Comment.email, Comment.ip, Comment.url, Comment.content)


@dataclass(frozen=True)
class Cursor:
    """A position in the queue: the (created_at, id) of a row, as `<iso>_<id>` in URLs."""

    created_at: datetime
    id: int

    def __str__(self) -> str:
        return f"{self.created_at.isoformat()}_{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """Read a cursor from a query-string value; None when absent or malformed."""
        if not text or "_" not in text:
            return None
        stamp, _, ident = text.rpartition("_")
        try:
            return cls(datetime.fromisoformat(stamp).replace(tzinfo=None), int(ident))
        except ValueError:
            return None

    @classmethod
    def of(cls, comment: Comment) -> Cursor:
        return cls(comment.created_at, comment.id)


@dataclass(frozen=True)
class QueueFilter:
    status: str = CommentStatus.PENDING.value
    q: str = ""
    article_id: int | None = None


@dataclass(frozen=True)
class QueuePage:
    comments: list[Comment]
    newer: Cursor | None  # pass as ?after= to see the newer page
    older: Cursor | None  # pass as ?before= to see the older page


def status_counts(article_id: int | None = None) -> dict[str, int]:
    """Count comments per status (every status present, zero when empty)."""
    query = select(Comment.status, func.count(Comment.id)).group_by(Comment.status)
    if article_id is not None:
        query = query.where(Comment.article_id == article_id)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: n for status, n in db.session.execute(query)})
    return counts


def pending_count() -> int:
    return db.session.scalar(
        select(func.count(Comment.id)).where(Comment.status == CommentStatus.PENDING.value)
    ) or 0


def _search(q: str):
    needle = q.strip().lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True)
                 for column in SEARCH_COLUMNS))


def filtered(spec: QueueFilter) -> Select:
    """Select the comments *spec* asks for, unordered."""
    query = select(Comment).where(Comment.status == spec.status)
    if spec.article_id is not None:
        query = query.where(Comment.article_id == spec.article_id)
    if spec.q.strip():
        query = query.where(_search(spec.q))
    return query


def queue_page(spec: QueueFilter, per_page: int, before: Cursor | None = None,
               after: Cursor | None = None) -> QueuePage:
    """Return one page newest first: the first, the one older than *before*, or the one
    newer than *after*."""
    key = (Comment.created_at, Comment.id)
    query = filtered(spec)
    if after is not None:
        # Row-value comparisons let SQLite and PostgreSQL seek the (status, created_at, id)
        # index instead of filtering every row newer than the cursor.
        query = query.where(tuple_(*key) > tuple_(after.created_at, after.id))
        rows = list(db.session.scalars(query.order_by(key[0].asc(), key[1].asc())
                                       .limit(per_page + 1)))
        has_newer = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        has_older = True
    else:
        if before is not None:
            query = query.where(tuple_(*key) < tuple_(before.created_at, before.id))
        rows = list(db.session.scalars(query.order_by(key[0].desc(), key[1].desc())
                                       .limit(per_page + 1)))
        has_older = len(rows) > per_page
        rows = rows[:per_page]
        has_newer = before is not None
    if not rows:
        return QueuePage([], None, None)
    return QueuePage(rows, Cursor.of(rows[0]) if has_newer else None,
                     Cursor.of(rows[-1]) if has_older else None)


def article_titles(comments: list[Comment]) -> dict[int, Article]:
    """Load the articles of *comments* in one query, keyed by id."""
    ids = {comment.article_id for comment in comments}
    if not ids:
        return {}
    return {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_(ids)))}


def latest_held(limit: int = 5) -> list[Comment]:
    return list(db.session.scalars(
        select(Comment).where(Comment.status == CommentStatus.PENDING.value)
        .order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit)))
