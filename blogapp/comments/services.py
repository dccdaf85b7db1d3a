"""What the comment pipeline (blogapp.comments.pipeline) reads and counts: the closed
state, the policy's history, the articles' visible counts."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from sqlalchemy import Text, bindparam, cast, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from blogapp.comments.policy import (
    CommentStatus,
    History,
    Submission,
)
from blogapp.comments.settings import SiteSettings
from blogapp.extensions import db
from blogapp.models import Article, ArticleStatus, Comment, User
from blogapp.models.base import utcnow
from blogapp.sanitize import (
    count_links,
    visible_text,
)
from blogapp.unicode_text import fold

APPROVED = CommentStatus.APPROVED.value


class Openable(Protocol):
    comments_open: bool
    published_at: datetime | None


def comments_closed(article: Openable, settings: SiteSettings, now: datetime) -> bool:
    """Tell whether a target (a Target, or the blog's version row) takes no comment now:
    closed by its own switch, or older than the close_after_days setting."""
    if not article.comments_open:
        return True
    if settings.close_after_days and article.published_at is not None:
        return article.published_at < now - timedelta(days=settings.close_after_days)
    return False


def gather_history(submission: Submission, settings: SiteSettings, now: datetime,
                   exclude_id: int | None = None, *, reader: bool = True,
                   known: History | None = None) -> History:
    """Collect the database facts the policy needs: one SELECT of indexed subqueries
    (approved before, the last post within the flood window, a duplicate) and, for a
    reader, the staff accounts' emails and names. *known*: the History a reader's
    submission was found to have a moment before (the refused-posts layer read it on its
    own connection), so nothing is asked again.

    A *reader*'s post (not a moderator's reply) is checked against the staff accounts'
    emails and names; staff replies never count as a reader's approved comment."""
    if known is not None:
        return known
    staff_asked = reader and bool(submission.email or submission.author)
    found: dict = {}
    asked = history_query(submission, settings, now, exclude_id, staff=staff_asked)
    if asked is not None:
        statement, params = asked
        found = dict(db.session.execute(statement, params).one()._mapping)
    staff = staff_of(found) if staff_asked else None
    return with_staff(history_of(found), submission, staff or ())


def history_query(submission: Submission, settings: SiteSettings, now: datetime,
                  exclude_id: int | None = None, *, staff: bool = False) -> tuple | None:
    """The history's one SELECT for *submission* and its parameters (None: nothing to
    ask); with *staff*, the staff accounts come in the same row (staff_of reads them).
    The refused-posts layer runs it on its own connection (history_of reads it)."""
    policy = settings.policy
    shape = HistoryShape(
        staff=staff,
        approved=bool(submission.email and submission.author),
        excluding=exclude_id is not None,
        flood_by_ip=bool(policy.flood_seconds and exclude_id is None and submission.ip),
        flood_by_email=bool(policy.flood_seconds and exclude_id is None and submission.email),
        duplicate=bool(policy.duplicate_check and exclude_id is None))
    statement = _history_statement(shape)
    if statement is None:
        return None
    return statement, {
        "author": submission.author, "email": submission.email, "ip": submission.ip,
        "exclude": exclude_id, "article": submission.article_id,
        "parent0": submission.parent_id or 0, "content": submission.content,
        "since": now - timedelta(seconds=policy.flood_seconds or 0),
    }


def history_of(found: dict) -> History:
    """The History a history_query row says (the staff facts apart)."""
    return History(approved_before=found.get("approved_before") is not None,
                   last_post_at=found.get("last_post_at"),
                   duplicate=found.get("duplicate") is not None)


def staff_of(found: dict) -> list[tuple[str, str]] | None:
    """The (email, display_name) of every staff account a history_query row carries
    (None: it was not asked for them)."""
    if "staff" not in found:
        return None
    return [(email, name) for email, name in json.loads(found["staff"] or "[]")]


@dataclass(frozen=True)
class HistoryShape:
    """Which of the history's subqueries a post needs (each shape is built once)."""

    staff: bool
    approved: bool
    excluding: bool
    flood_by_ip: bool
    flood_by_email: bool
    duplicate: bool


@lru_cache(maxsize=64)
def _history_statement(shape: HistoryShape):
    """The history's one SELECT for *shape*, with bound parameters (None: nothing to ask)."""
    facts = []
    if shape.approved:
        query = select(Comment.id).where(
            Comment.author == bindparam("author"), Comment.email == bindparam("email"),
            Comment.status == APPROVED, Comment.user_id.is_(None))
        if shape.excluding:
            query = query.where(Comment.id != bindparam("exclude"))
        facts.append(query.limit(1).scalar_subquery().label("approved_before"))
    who = ([Comment.ip == bindparam("ip")] if shape.flood_by_ip else []) + (
        [Comment.email == bindparam("email")] if shape.flood_by_email else [])
    if who:
        facts.append(select(func.max(Comment.created_at)).where(or_(*who)).where(
            Comment.created_at >= bindparam("since", type_=Comment.created_at.type))
            .scalar_subquery().label("last_post_at"))
    if shape.duplicate:
        # Found through the email index: the article and the parent are compared as
        # expressions no index serves, so SQLite never walks every root of the article.
        facts.append(select(Comment.id).where(
            Comment.email == bindparam("email"), Comment.author == bindparam("author"),
            Comment.content == bindparam("content"),
            Comment.article_id + 0 == bindparam("article"),
            func.coalesce(Comment.parent_id, 0) == bindparam("parent0"),
        ).limit(1).scalar_subquery().label("duplicate"))
    if shape.staff:
        facts.append(StaffList().label("staff"))
    return select(*facts) if facts else None


class StaffList(FunctionElement):
    """Every staff account's [email, display_name], as one JSON text (no row: NULL or
    "[]"): the staff facts ride in the history's SELECT instead of a round trip of their
    own. SQLite and PostgreSQL spell JSON aggregation differently; see the compilers."""

    type = Text()
    inherit_cache = True


@compiles(StaffList)
def _staff_list_sqlite(element, compiler, **kw) -> str:
    pairs = func.json_group_array(func.json_array(User.email, User.display_name))
    return compiler.process(select(pairs).scalar_subquery(), **kw)


@compiles(StaffList, "postgresql")
def _staff_list_postgresql(element, compiler, **kw) -> str:
    pairs = cast(func.json_agg(func.json_build_array(User.email, User.display_name)), Text)
    return compiler.process(select(pairs).scalar_subquery(), **kw)


def with_staff(history: History, submission: Submission, staff_rows) -> History:
    """*history* with whether the submission's email, and whether its name, is a staff
    account's (any case, width or spacing; disabled accounts included), from the
    (email, display_name) pairs of staff_of (none asked: no staff facts)."""
    email_key, name_key = fold(submission.email.strip()), _name_key(submission.author)
    same_email = same_name = False
    for staff_email, staff_name in staff_rows:
        same_email = same_email or bool(email_key) and fold(staff_email.strip()) == email_key
        same_name = same_name or bool(name_key) and _name_key(staff_name) == name_key
    return replace(history, staff_email=same_email, staff_name=same_name)


def _name_key(name: str) -> str:
    return " ".join(fold(name).split())


def bump_article(article_id: int, delta: int) -> None:
    """Change an article's approved-comment count and its cache version, in SQL."""
    db.session.execute(
        update(Article).where(Article.id == article_id).values(
            comment_count=Article.comment_count + delta,
            comments_version=Article.comments_version + 1,
        )
    )


def set_visible_status(comment: Comment, new_status: str) -> str:
    """Move *comment* to *new_status*, keeping the article's count; return the old status."""
    old = comment.status
    if old == new_status:
        return old
    comment.status = new_status
    comment.updated_at = utcnow()
    if old == APPROVED:
        bump_article(comment.article_id, -1)
    elif new_status == APPROVED:
        bump_article(comment.article_id, +1)
    return old


def submission_of(comment: Comment) -> Submission:
    """Rebuild the policy's view of a stored comment (for a later spam check)."""
    return Submission(
        article_id=comment.article_id, parent_id=comment.parent_id, author=comment.author,
        email=comment.email, url=comment.url, content=comment.content,
        content_html=comment.content_html, ip=comment.ip, user_agent=comment.user_agent,
        link_count=count_links(comment.content_html),
        content_text=visible_text(comment.content), author_text=visible_text(comment.author),
    )


def ensure_thread(slug: str, title: str, now: datetime | None = None) -> Article:
    """Return the comment thread row of a host page that is not a blog article, made on
    first use (published, open); commit when it is new.

    Until threads have a table of their own, a thread is a row of the engine's articles
    table: it carries the visible count and the cache version the engine keeps."""
    row = db.session.scalar(select(Article).where(Article.slug == slug))
    if row is None:
        now = now or utcnow()
        row = Article(title=title, slug=slug, status=ArticleStatus.PUBLISHED.value,
                      published_at=now, created_at=now, updated_at=now)
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:  # another request made it first
            db.session.rollback()
            row = db.session.scalars(select(Article).where(Article.slug == slug)).one()
    return row
