"""A commenter fixing their own comment: edit or delete it from the browser that wrote it,
within `edit_window_minutes` (0: off) and until someone replies.

The browser is recognized by a signed cookie naming (comment id, preview token) pairs,
handed out with the post and lasting the window; the token is the row's random preview
token, so another browser (or a cookie naming a recycled id) can change nothing. An edit
goes through the post's own checks (blogapp.comments.pipeline.revise): the sanitizer, the
spam policy (links, keys, known author) and Akismet, so an approved comment an edit makes
suspicious returns to pending.
Each old text is kept in the audit log (action "author_edit"), where moderators see it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from blogapp.comments.policy import CommentStatus
from blogapp.comments.services import set_visible_status
from blogapp.comments.settings import SiteSettings
from blogapp.extensions import db
from blogapp.models import AuditEntry, Comment
from blogapp.models.base import utcnow

EDIT_COOKIE = "comment_edits"
APPROVED, PENDING = CommentStatus.APPROVED.value, CommentStatus.PENDING.value
TRASH = CommentStatus.TRASH.value
REASON_AUTHOR_DELETED = "author-deleted"
MAX_PAIRS = 10


class NotEditable(Exception):
    """Why this comment cannot be changed from this browser (the message is for readers)."""

    def __init__(self, message: str, status_code: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=4)  # one per secret: built once, not for every post and page
def _serializer_for(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="own-comment-edit")


def window(settings: SiteSettings) -> timedelta:
    return timedelta(minutes=max(settings.edit_window_minutes, 0))


def own_pairs(settings: SiteSettings) -> list[tuple[int, str]]:
    """The (id, preview token) pairs this browser's edit cookie names, if still valid."""
    raw = request.cookies.get(EDIT_COOKIE)
    if not raw or settings.edit_window_minutes <= 0:
        return []
    try:
        pairs = _serializer().loads(raw, max_age=int(window(settings).total_seconds()))
    except BadSignature:
        return []
    if not isinstance(pairs, list):
        return []
    return [(p[0], p[1]) for p in pairs if isinstance(p, list) and len(p) == 2
            and type(p[0]) is int and isinstance(p[1], str)][:MAX_PAIRS]


def edit_cookie(comment_id: int, preview_token: str, settings: SiteSettings) -> str | None:
    """The cookie value naming the comment beside this browser's others (None: edits off)."""
    if settings.edit_window_minutes <= 0 or not preview_token:
        return None
    pairs = [[comment_id, preview_token],
             *[[i, t] for i, t in own_pairs(settings) if i != comment_id]][:MAX_PAIRS]
    return _serializer().dumps(pairs)


def has_replies(comment_id: int) -> bool:
    return db.session.scalar(select(func.count(Comment.id)).where(
        Comment.parent_id == comment_id,
        Comment.status.in_((APPROVED, PENDING)))) > 0


def check_editable(comment: Comment | None, settings: SiteSettings,
                   now: datetime | None = None) -> Comment:
    """Return the comment when this browser may change it now; raise NotEditable."""
    now = now or utcnow()
    if settings.edit_window_minutes <= 0:
        raise NotEditable("Changing a comment after posting it is turned off on this site.")
    if comment is None or (comment.id, comment.preview_token) not in own_pairs(settings):
        raise NotEditable("Only the browser that posted this comment can change it, for "
                          f"{settings.edit_window_minutes} minutes after posting.")
    if comment.status not in (APPROVED, PENDING):
        raise NotEditable("This comment can no longer be changed.")
    if now - comment.created_at > window(settings):
        raise NotEditable(f"The {settings.edit_window_minutes} minutes to change this comment "
                          "have passed.")
    if has_replies(comment.id):
        raise NotEditable("Someone has replied to this comment, so it can no longer be changed.")
    return comment


def editable_here(article_id: int, settings: SiteSettings) -> list[tuple[int, int]]:
    """(comment id, minutes left) for this browser's comments on the article it may change."""
    pairs = dict(own_pairs(settings))
    if not pairs:
        return []
    now, out = utcnow(), []
    for comment in db.session.scalars(select(Comment).where(
            Comment.id.in_(pairs), Comment.article_id == article_id).order_by(Comment.id)):
        try:
            check_editable(comment, settings, now)
        except NotEditable:
            continue
        left = window(settings) - (now - comment.created_at)
        out.append((comment.id, max(1, int(left.total_seconds() // 60))))
    return out


def author_delete(comment: Comment, now: datetime | None = None) -> None:
    """Hide the comment (to the trash, with the reason); replies keep a placeholder; commit."""
    now = now or utcnow()
    old_status = set_visible_status(comment, TRASH)
    comment.author_deleted_at = now
    comment.reasons = [*comment.reasons,
                       {"code": REASON_AUTHOR_DELETED, "message": "Deleted by its author"}]
    db.session.add(AuditEntry(comment_id=comment.id, user_id=None, action="author_delete",
                              from_status=old_status, to_status=TRASH,
                              note="Deleted by its author", created_at=now))
    db.session.commit()
