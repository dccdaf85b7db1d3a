"""The moderation queue's queries: counts per status, search, keyset pages newest first.

Pages are cut by the last row's (created_at, id), never by OFFSET, so page 1,000 of a
20,000-comment spam queue costs what page 1 costs (index ix_comments_status_created_id).

The tab counts come from ``comment_status_counts`` (and the dashboard's chart from
``comment_day_counts``), not from ``GROUP BY status`` over every comment, which at a million
comments was most of a queue page's cost. Database triggers on ``comments`` keep both
tallies (migration 13ad85644731), not the app, for two reasons:

- every path is covered: the submit service, bulk ``UPDATE ... SET status``, deletes,
  articles deleted with their comments (``ON DELETE CASCADE`` fires the comments' delete
  triggers; on SQLite because blogapp turns ``foreign_keys`` on), purge, a test's
  ``insert(Comment)`` or the bench's COPY. No caller has to remember to count;
- the count changes in the same transaction as the comment, so it is never off by a
  crash or a rollback, and a reader never sees one without the other.

The price on PostgreSQL is a hot row: every new comment updates its status's one row in
``comment_status_counts`` (and its day's row), and that row stays locked until the
transaction commits, so concurrent comment writes queue up behind each other for that
moment. Transactions that touch comments are short in this engine (a submit, one
moderator action of at most 500 comments, a purge batch of 500), so the wait is a fraction
of a millisecond; a site taking thousands of comments a second would want per-worker delta
rows summed on read instead. The PostgreSQL triggers are statement-level (one update per
tally row per statement, however many comments it touched, so a COPY or a bulk UPDATE
costs no more than before). A transaction that writes many thousands of comments in
separate statements piles up versions of the same tally rows and slows down as it goes,
so load in bulk statements or commit in batches. Two transactions moving comments between
the same statuses in opposite directions can deadlock on tally rows; PostgreSQL aborts one,
as it would on the comments' own rows. SQLite writes one transaction at a time and updates
rows in place: none of this applies there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select, tuple_

from blogapp.comments.policy import CommentStatus
from blogapp.extensions import db
from blogapp.integers import parse_int
from blogapp.models import Article, Comment, CommentStatusCount

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
        row_id = parse_int(ident, 1)
        if row_id is None or not stamp.isascii():
            return None
        try:
            return cls(datetime.fromisoformat(stamp).replace(tzinfo=None), row_id)
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
    """Count comments per status (every status present, zero when empty): from the tally
    for the whole site, by grouping one article's comments (an index range) for one."""
    if article_id is None:
        query = select(CommentStatusCount.status, CommentStatusCount.n)
    else:
        query = (select(Comment.status, func.count(Comment.id))
                 .where(Comment.article_id == article_id).group_by(Comment.status))
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: n for status, n in db.session.execute(query)})
    return counts


def pending_count() -> int:
    return db.session.scalar(
        select(CommentStatusCount.n)
        .where(CommentStatusCount.status == CommentStatus.PENDING.value)
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
