"""The one place an import writes: each article with its comments in one transaction.

Articles go through the article renderer and its allow-list, comments through the comment
sanitizer (``comment_rows``). Every imported row gets an ``import_records`` row keyed by
(source, site, kind, source id), which makes a second run add nothing and lets a reply
find its parent imported by an earlier run. A dry run plans the same way, reading only,
and rolls back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from blogapp.comments.settings import SiteSettings
from blogapp.database import read_only
from blogapp.extensions import db
from blogapp.importers.comment_rows import CommentShaper
from blogapp.importers.lookup import (
    ARTICLE,
    COMMENT,
    MAX_KEY,
    MAX_URL,
    normal_url,
    records,
)
from blogapp.importers.model import (
    ImportedArticle,
    ImportedAuthor,
    ImportedComment,
    ImportedThread,
    ImportFileError,
    Source,
    Summary,
)
from blogapp.importers.targets import Target
from blogapp.importers.threads import ThreadPlan, plan_thread
from blogapp.models import Article, Comment, CommentStatus, ImportRecord, User
from blogapp.sanitize import normalize_text, render_article
from blogapp.services.articles import unique_slug

MAX_TITLE = 200
UNTITLED = "(no title)"


class ImportStore:
    """Store one export's items for one run (``dry_run``: plan and report, write nothing)."""

    def __init__(self, source: Source, *, secret: str, settings: SiteSettings,
                 now: datetime, summary: Summary) -> None:
        if len(source.site) > 255:
            source = Source(source.kind, source.site[:255])
        self.source = source
        self.summary = summary
        self.dry_run = summary.dry_run
        self.shaper = CommentShaper(source, secret, settings, now)
        self.now = now
        self._authors: dict[str, ImportedAuthor] = {}  # by login and by "#id"
        self._users: dict[str, int | None] = {}  # by lower-cased email
        self._planned: set[str] = set()  # articles a dry run would create

    # -- authors ------------------------------------------------------------------------

    def add_author(self, author: ImportedAuthor) -> None:
        self._authors[author.login] = author
        if author.source_id:
            self._authors[f"#{author.source_id}"] = author

    def _user_id(self, email: str) -> int | None:
        email = email.strip().lower()
        if not email:
            return None
        if email not in self._users:
            self._users[email] = db.session.scalar(
                select(User.id).where(func.lower(User.email) == email))
        return self._users[email]

    def _byline(self, login: str, label: str) -> tuple[int | None, str]:
        """Map a post's author to a staff account by email; keep the name either way."""
        author = self._authors.get(login)
        email = author.email if author else (login if "@" in login else "")
        user_id = self._user_id(email)
        name = (author.display_name or author.login) if author else login
        if user_id is None and name:
            self.summary.warn(label, f"no staff account has the email of author {name!r}: "
                                     "imported without a byline (the name is kept)")
        return user_id, name[:255]

    # -- units of work ------------------------------------------------------------------

    @contextmanager
    def _unit(self, label: str) -> Iterator[None]:
        """One transaction; on failure nothing of it is stored, nor counted as stored."""
        counts = self.summary.counts()
        with read_only() if self.dry_run else nullcontext():
            try:
                yield
                if self.dry_run:
                    db.session.rollback()
                else:
                    db.session.commit()
            except ImportFileError:
                db.session.rollback()
                self.summary.restore(counts)
                raise
            except SQLAlchemyError as exc:
                db.session.rollback()
                self.summary.restore(counts)
                cause = getattr(exc, "orig", None) or exc
                raise ImportFileError(f"could not be stored ({type(cause).__name__}: "
                                      f"{str(cause).splitlines()[0]})", item=label) from None

    def article(self, item: ImportedArticle) -> None:
        """Import a post and its comments, or only its new comments when it is there."""
        with self._unit(item.label):
            key = _key(item.source_id)
            known = records(self.source, ARTICLE, [key])
            if key in known and known[key] is None:
                self.summary.skip(item.label, "imported before and deleted here since",
                                  len(item.comments))
                return
            if key in known or key in self._planned:
                self.summary.articles_existing += 1
                article_id = known.get(key)
            else:
                article_id = self._create(item, key)
                self.summary.articles_created += 1
            self._comments(article_id, item.comments, item.label)

    def thread(self, thread: ImportedThread, resolve: Callable[[ImportedThread], Target]) -> None:
        """Import a thread's comments into the article *resolve* finds for it."""
        with self._unit(thread.label):
            target = resolve(thread)
            if target.article_id is None:
                self.summary.skip(thread.label, target.reason, len(thread.comments))
                return
            self._comments(target.article_id, thread.comments, thread.label)

    # -- writing ------------------------------------------------------------------------

    def _create(self, item: ImportedArticle, key: str) -> int | None:
        for note in item.notes:
            self.summary.warn(item.label, note)
        title = normalize_text(item.title, multiline=False)
        if len(title) > MAX_TITLE:
            self.summary.warn(item.label, f"title cut to {MAX_TITLE} characters")
        title = title[:MAX_TITLE] or UNTITLED
        author_id, author_name = self._byline(item.author_login, item.label)
        if self.dry_run:
            self._planned.add(key)
            return None
        body = normalize_text(item.body, multiline=True, keep_indent=True)
        article = Article(
            title=title, slug=unique_slug(item.slug or title), body_md=body,
            body_html=render_article(body), excerpt=normalize_text(item.excerpt, multiline=True),
            status=item.status, published_at=item.published_at,
            comments_open=item.comments_open, author_id=author_id,
            created_at=item.created_at, updated_at=item.updated_at,
            comment_count=0, comments_version=1)
        db.session.add(article)
        db.session.flush()
        permalink = normal_url(item.permalink) if item.permalink else ""
        db.session.add(ImportRecord(
            source=self.source.kind.value, site=self.source.site, kind=ARTICLE,
            source_id=key, article_id=article.id,
            source_url=permalink if len(permalink) <= MAX_URL else "",
            source_path=item.old_path if len(item.old_path) <= MAX_URL else "",
            source_author=author_name, created_at=self.now))
        return article.id

    def _comments(self, article_id: int | None, comments: Sequence[ImportedComment],
                  label: str) -> None:
        if not comments:
            return
        plan = plan_thread(self.source, article_id, [_keyed(c) for c in comments], label,
                           self.summary)
        for comment in plan.new:
            self.summary.count_comment(comment.status)
        if not plan.new:
            return
        if self.dry_run:
            for comment in plan.new:
                self.shaper.check(comment, lambda message, c=comment: self.summary.warn(
                    f"{label}, {c.label}", message))
            return
        self._insert(article_id, plan, label)
        _recount(article_id)

    def _insert(self, article_id: int, plan: ThreadPlan, label: str) -> None:
        local: dict[str, int] = {}
        for level in plan.levels():
            rows = []
            for comment in level:
                parent = plan.parents[comment.source_id]
                parent_id = local[parent] if isinstance(parent, str) else parent
                user = self._authors.get(f"#{comment.user_ref}") if comment.user_ref else None
                rows.append(self.shaper.row(
                    comment, article_id, parent_id, plan.depths[comment.source_id],
                    self._user_id(user.email) if user else None,
                    lambda message, c=comment: self.summary.warn(f"{label}, {c.label}",
                                                                 message)))
            ids = db.session.scalars(
                insert(Comment).returning(Comment.id, sort_by_parameter_order=True),
                rows).all()
            local.update({c.source_id: i for c, i in zip(level, ids, strict=True)})
        db.session.execute(insert(ImportRecord), [
            {"source": self.source.kind.value, "site": self.source.site, "kind": COMMENT,
             "source_id": source_id, "article_id": article_id, "comment_id": comment_id,
             "source_url": "", "source_path": "", "source_author": "",
             "created_at": self.now}
            for source_id, comment_id in local.items()])


def _key(source_id: str) -> str:
    """Fit a source id into the key column (a long one is replaced by its hash)."""
    if len(source_id) <= MAX_KEY:
        return source_id
    return "sha256:" + hashlib.sha256(source_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _keyed(comment: ImportedComment) -> ImportedComment:
    parent = _key(comment.parent_id) if comment.parent_id else None
    if len(comment.source_id) <= MAX_KEY and parent == comment.parent_id:
        return comment
    return replace(comment, source_id=_key(comment.source_id), parent_id=parent)


def _recount(article_id: int) -> None:
    """Set the article's approved count from its comments and bump its cache version."""
    approved = (select(func.count(Comment.id))
                .where(Comment.article_id == article_id,
                       Comment.status == CommentStatus.APPROVED.value)
                .scalar_subquery())
    db.session.execute(update(Article).where(Article.id == article_id).values(
        comment_count=approved, comments_version=Article.comments_version + 1))
