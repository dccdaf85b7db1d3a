"""Threads as readers see them: one query per article page, built into a tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Row, Select, and_, bindparam, func, or_, select
from werkzeug.exceptions import NotFound

from blogapp.comments.policy import CommentStatus
from blogapp.comments.settings import SiteSettings
from blogapp.extensions import db
from blogapp.models import Comment

APPROVED = CommentStatus.APPROVED.value
PUBLIC_COLUMNS = (Comment.id, Comment.parent_id, Comment.depth, Comment.author, Comment.url,
                  Comment.avatar_seed, Comment.content_html, Comment.created_at, Comment.status,
                  Comment.edited_at, Comment.author_deleted_at, Comment.user_id)
TRASH = CommentStatus.TRASH.value


class NoSuchCommentPage(NotFound):
    """The comment page asked for does not exist (or is not written canonically)."""

    description = "This article has no such comment page."


@dataclass
class Node:
    """A comment as the page shows it (no email, IP or user agent ever reaches a template;
    a held one carries no avatar seed either, since that is drawn from the email)."""

    id: int
    parent_id: int | None
    depth: int
    author: str
    url: str
    avatar_seed: str
    content_html: str
    created_at: object
    held: bool = False
    edited: bool = False  # its author changed the text
    deleted: bool = False  # its author deleted it: a placeholder above its replies
    user_id: int | None = None  # a staff member's reply (the theme shows a badge)
    children: list[Node] = field(default_factory=list)

    @property
    def staff(self) -> bool:
        """Written by a staff account (a moderator's reply)."""
        return self.user_id is not None

    @property
    def anchor(self) -> str:
        return f"comment-{self.id}"


@dataclass
class ThreadPage:
    roots: list[Node]
    page: int
    pages: int
    total: int


def _node(row, held: bool = False) -> Node:
    # Before approval nothing drawn from the email is shown: a held comment gets the
    # neutral avatar, so posting with a guessed address tells nothing (issue 11, item 6).
    if row.status == TRASH:  # deleted by its author: nothing of it is shown
        return Node(id=row.id, parent_id=row.parent_id, depth=row.depth, author="", url="",
                    avatar_seed="", content_html="", created_at=row.created_at, deleted=True)
    return Node(id=row.id, parent_id=row.parent_id, depth=row.depth, author=row.author,
                url=row.url, avatar_seed="" if held else row.avatar_seed,
                content_html=row.content_html, created_at=row.created_at, held=held,
                edited=row.edited_at is not None, user_id=row.user_id)


def default_page(settings: SiteSettings, pages: int) -> int:
    """Return the comment page an article opens on."""
    return pages if settings.default_page == "newest" else 1


def thread_page(article_id: int, total: int, settings: SiteSettings, page: int | None,
                held: Sequence[tuple[int, str]] = ()) -> ThreadPage:
    """Return one page of top-level threads with all their replies, plus the author's held
    comments in place; *total* is the article's approved count (denormalized).

    *held* holds (id, preview token) pairs from the author's signed cookie: a held comment
    is shown only when both match its row. *page* None is the default page; a page past
    the last raises NoSuchCommentPage (a 404), so no URL names a page that is not there."""
    rows = db.session.execute(
        select(*PUBLIC_COLUMNS).where(Comment.article_id == article_id)
        .where(or_(Comment.status == APPROVED,
                   and_(Comment.status == TRASH, Comment.author_deleted_at.is_not(None))))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    held_rows = []
    if held:
        pairs = dict(held[:20])
        held_rows = [row for row in db.session.execute(
            select(*PUBLIC_COLUMNS, Comment.preview_token)
            .where(Comment.preview_token.in_(pairs.values()))
            .where(Comment.article_id == article_id)
            .where(Comment.status == CommentStatus.PENDING.value)
        ) if pairs.get(row.id) == row.preview_token]
    nodes = {row.id: _node(row) for row in rows}
    nodes.update({row.id: _node(row, held=True) for row in held_rows})
    roots: list[Node] = []
    for node in sorted(nodes.values(), key=lambda n: (n.created_at, n.id)):
        parent = nodes.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else roots).append(node)
    roots = _without_bare_placeholders(roots)
    per_page = max(1, settings.comments_per_page)
    pages = max(1, -(-len(roots) // per_page))
    if page is None:
        page = default_page(settings, pages)
    if not 1 <= page <= pages:
        raise NoSuchCommentPage()
    return ThreadPage(roots=roots[(page - 1) * per_page: page * per_page], page=page,
                      pages=pages, total=total)


def _without_bare_placeholders(nodes: list[Node]) -> list[Node]:
    """Drop author-deleted comments that no shown reply hangs from."""
    kept = []
    for node in nodes:
        node.children = _without_bare_placeholders(node.children)
        if not node.deleted or node.children:
            kept.append(node)
    return kept


def page_of(comment: Comment, settings: SiteSettings) -> int:
    """Return the comment page on which *comment*'s thread starts."""
    return _page_of_root(_root(comment), settings)


def landing_page(article_id: int, parent: Comment | Row | None, settings: SiteSettings) -> int:
    """Return the page a comment not yet stored will be on: a reply on its thread's page
    (*parent*: a Comment, or comment_place()'s row); a new thread after every approved
    one. The pipeline asks in the transaction that stores the comment."""
    statement, params = landing_count(article_id, parent)
    return page_for(db.session.connection().execute(statement, params).scalar(), settings)


def landing_count(article_id: int, parent: Comment | Row | None) -> tuple[Select, dict]:
    """What landing_page counts, and its parameters: the approved threads before the one
    a comment not yet stored joins (its parent's thread, or a new one after them all)."""
    if parent is None:
        return _ALL_ROOTS, {"article": article_id}
    return _earlier_roots(_root(parent))


def page_for(earlier_threads: int, settings: SiteSettings) -> int:
    """The comment page of a thread with *earlier_threads* approved ones before it."""
    return earlier_threads // max(1, settings.comments_per_page) + 1


def comment_place(comment_id: int) -> Row | None:
    """Where a comment sits: its id, article, parent, status, depth and time (None: no
    such comment). A thread's checks and pages need no more than this of it."""
    return db.session.connection().execute(_PLACE, {"id": comment_id}).first()


# Counted through ix_comments_article_status_parent_created (migration e17a0c0f0001).
_ROOTS = select(func.count(Comment.id)).where(Comment.parent_id.is_(None),
                                              Comment.status == APPROVED)
# Built once, with bound parameters (a post asks them every time): a new thread's page,
# the threads before a given one, and a comment's place.
_ALL_ROOTS = _ROOTS.where(Comment.article_id == bindparam("article"))
_EARLIER_ROOTS = _ALL_ROOTS.where(or_(
    Comment.created_at < bindparam("created"),
    and_(Comment.created_at == bindparam("created"), Comment.id < bindparam("id"))))
_PLACE = select(Comment.id, Comment.article_id, Comment.parent_id, Comment.status,
                Comment.depth, Comment.created_at).where(Comment.id == bindparam("id"))


def _root(comment: Comment | Row) -> Comment | Row:
    root = comment
    while root.parent_id is not None:
        parent = comment_place(root.parent_id)
        if parent is None:
            break
        root = parent
    return root


def _page_of_root(root: Comment | Row, settings: SiteSettings) -> int:
    statement, params = _earlier_roots(root)
    return page_for(db.session.connection().execute(statement, params).scalar(), settings)


def _earlier_roots(root: Comment | Row) -> tuple[Select, dict]:
    """The count of the approved threads before *root*'s, and its parameters."""
    return _EARLIER_ROOTS, {"article": root.article_id, "created": root.created_at,
                            "id": root.id}
