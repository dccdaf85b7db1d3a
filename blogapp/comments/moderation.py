"""Moderators' actions on comments, one audit row each, one commit per call.

Statuses move as in WordPress: "not spam" and "restore" return a comment to where it was
before it was spammed or trashed (read from the audit log; pending when unknown), and
"delete" is permanent and only reachable from spam or trash (soft delete before purge).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from blogapp.comments import jobs
from blogapp.comments.entry import Door, Entry, Refused
from blogapp.comments.pipeline import submit
from blogapp.comments.policy import REASON_HONEYPOT, AkismetVerdict, CommentStatus
from blogapp.comments.services import bump_article, set_visible_status
from blogapp.comments.settings import SiteSettings
from blogapp.extensions import db
from blogapp.models import AuditEntry, Comment, User
from blogapp.models.base import utcnow
from blogapp.sanitize import normalize_text, render_comment

APPROVED, PENDING = CommentStatus.APPROVED.value, CommentStatus.PENDING.value
SPAM, TRASH = CommentStatus.SPAM.value, CommentStatus.TRASH.value
DELETED = "deleted"
#: Audit actions whose note holds the text before the change.
TEXT_ACTIONS = frozenset({"edit", "undo_edit"})
MAX_IDS = 500


@dataclass(frozen=True)
class Action:
    name: str
    label: str  # button text
    done: str  # "{n} comment(s) {done}."
    sources: frozenset[str]  # statuses the action applies to
    target: str | None  # None: back to the status before spam/trash


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("approve", "Approve", "approved", frozenset({PENDING}), APPROVED),
    Action("unapprove", "Unapprove", "unapproved", frozenset({APPROVED}), PENDING),
    Action("spam", "Spam", "marked as spam", frozenset({PENDING, APPROVED, TRASH}), SPAM),
    Action("not_spam", "Not spam", "restored from spam", frozenset({SPAM}), None),
    Action("trash", "Trash", "moved to the trash", frozenset({PENDING, APPROVED, SPAM}), TRASH),
    Action("restore", "Restore", "restored from the trash", frozenset({TRASH}), None),
    Action("delete", "Delete permanently", "deleted permanently", frozenset({SPAM, TRASH}),
           DELETED),
)}
#: Which actions each tab offers, in button order.
TAB_ACTIONS: dict[str, tuple[str, ...]] = {
    PENDING: ("approve", "spam", "trash"),
    APPROVED: ("unapprove", "spam", "trash"),
    SPAM: ("not_spam", "delete"),
    TRASH: ("restore", "spam", "delete"),
}


class ActionError(ValueError):
    """The action cannot be done (unknown, nothing to undo, refused reply, ...)."""


def _audit(comment_id: int | None, actor_id: int | None, action: str, from_status: str | None,
           to_status: str | None, note: str = "") -> AuditEntry:
    entry = AuditEntry(comment_id=comment_id, user_id=actor_id, action=action,
                       from_status=from_status, to_status=to_status, note=note,
                       created_at=utcnow())
    db.session.add(entry)
    return entry


def status_before(comment_id: int, status: str) -> str:
    """Return the status a comment had before it last entered *status* (default pending)."""
    previous = db.session.scalar(
        select(AuditEntry.from_status).where(AuditEntry.comment_id == comment_id,
                                             AuditEntry.to_status == status,
                                             AuditEntry.from_status.is_not(None),
                                             AuditEntry.from_status != status)
        .order_by(AuditEntry.id.desc()).limit(1))
    return previous if previous in (APPROVED, PENDING, SPAM, TRASH) else PENDING


def _owe_feedback(comment: Comment, old: str, new: str) -> bool:
    """Record the Akismet feedback a moderator's move owes, as Akismet's WordPress plugin
    does: into spam owes submit-spam, out of spam to approved or pending owes submit-ham.

    Unsent feedback in the opposite direction cancels out instead. Return True when
    something new is owed."""
    if comment.spam_check == AkismetVerdict.DISABLED.value or old == new:
        return False
    if new == SPAM:
        wanted, opposite = "spam", "ham"
    elif old == SPAM and new in (APPROVED, PENDING):
        wanted, opposite = "ham", "spam"
    else:
        return False
    comment.feedback_owed = None if comment.feedback_owed == opposite else wanted
    return comment.feedback_owed is not None


def _locked(comment_ids: Iterable[int]) -> list[Comment]:
    ids = sorted({int(i) for i in comment_ids})[:MAX_IDS]
    if not ids:
        return []
    return list(db.session.scalars(
        select(Comment).where(Comment.id.in_(ids)).order_by(Comment.id).with_for_update()))


def moderate(comment_ids: Iterable[int], action: str, actor_id: int | None,
             note: str = "", *, site_url: str | None = None) -> list[AuditEntry]:
    """Apply *action* to every comment it fits, in one transaction; return the audit rows.

    Comments the action does not apply to (already approved, ...) are left alone."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise ActionError(f"Unknown action {action!r}.")
    entries, feedback, doomed, approved = [], [], [], []
    for comment in _locked(comment_ids):
        old = comment.status
        if old not in spec.sources:
            continue
        if spec.target == DELETED:
            entries.append(_audit(comment.id, actor_id, action, old, None,
                                  note or f"Comment #{comment.id} deleted permanently"))
            doomed.append(comment)
            continue
        target = spec.target or status_before(comment.id, old)
        _render_if_rescued(comment, target, site_url)
        set_visible_status(comment, target)
        if _owe_feedback(comment, old, target):
            feedback.append(comment.id)
        if target == APPROVED:
            approved.append(comment.id)
        entries.append(_audit(comment.id, actor_id, action, old, target, note))
    if doomed:
        _delete(doomed)
    db.session.commit()
    for comment_id in feedback:
        jobs.dispatch("feedback", comment_id)
    for comment_id in approved:
        jobs.dispatch("notify_author", comment_id)
    return entries


def _delete(comments: list[Comment]) -> None:
    """Delete rows for good; replies move up to the deleted comment's parent."""
    db.session.flush()
    for comment in comments:
        db.session.execute(update(Comment).where(Comment.parent_id == comment.id)
                           .values(parent_id=comment.parent_id))
    ids = [comment.id for comment in comments]
    for comment in comments:
        db.session.expunge(comment)
    db.session.execute(delete(Comment).where(Comment.id.in_(ids)),
                       execution_options={"synchronize_session": False})


def may_edit_text(comment: Comment, actor_id: int | None) -> bool:
    """A staff member's comment is published under their name with a staff badge: only
    they or an owner may change its words (a moderator must not put words in an owner's
    mouth). Readers' comments, and the command line (no actor), are open to all staff."""
    if comment.user_id is None or actor_id is None or comment.user_id == actor_id:
        return True
    actor = db.session.get(User, actor_id)
    return actor is not None and actor.is_owner


NOT_YOURS = "Only its author or an owner may change the words of a staff member's comment."


def _render_if_rescued(comment: Comment, target: str, site_url: str | None) -> None:
    """Render a honeypot catch for real as it leaves spam (it was stored as plain text)."""
    if target in (APPROVED, PENDING) and any(
            r.get("code") == REASON_HONEYPOT for r in comment.reasons):
        comment.content_html = render_comment(comment.content, site_url)


def edit_text(comment_id: int, text: str, actor_id: int | None, *,
              site_url: str | None = None) -> AuditEntry:
    """Replace a comment's text (rendered by the same pipeline as readers' text); commit.

    The previous text is kept in the audit note so the edit can be undone."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise ActionError("That comment no longer exists.")
    if not may_edit_text(comment, actor_id):
        raise ActionError(NOT_YOURS)
    text = normalize_text(text, multiline=True)
    if not text:
        raise ActionError("A comment cannot be empty.")
    entry = _audit(comment.id, actor_id, "edit", comment.status, comment.status, comment.content)
    _set_text(comment, text, site_url)
    db.session.commit()
    return entry


def _set_text(comment: Comment, text: str, site_url: str | None) -> None:
    comment.content = text
    comment.content_html = render_comment(text, site_url)
    comment.updated_at = utcnow()
    if comment.status == APPROVED:
        bump_article(comment.article_id, 0)


def reply(comment_id: int, text: str, actor, settings: SiteSettings | None = None, *,
          secret: str | None = None, site_url: str | None = None) -> Comment:
    """Publish a moderator's reply through the pipeline's STAFF door: a pending comment
    replied to is approved (its author told, as by moderate()); the reply, the approval
    and their audit rows commit together. (*settings*, *secret* and *site_url* are the
    app's, which the pipeline reads itself.)"""
    parent = db.session.get(Comment, comment_id)
    if parent is None:
        raise ActionError("That comment no longer exists.")
    if parent.status not in (PENDING, APPROVED):
        raise ActionError("Restore the comment before replying to it.")
    outcome = submit(Entry(target_id=parent.article_id, author=actor.display_name,
                           email=actor.email, url="", content=normalize_text(text, multiline=True),
                           parent_id=parent.id, user_id=actor.id), door=Door.STAFF)
    if isinstance(outcome, Refused):
        raise ActionError(outcome.message)
    return db.session.get(Comment, outcome.comment_id)


def undo(entry_ids: Iterable[int], actor_id: int | None, *,
         site_url: str | None = None) -> list[AuditEntry]:
    """Reverse each given audit row that is still its comment's latest; one commit."""
    ids = sorted({int(i) for i in entry_ids})[:MAX_IDS]
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.id.in_(ids))))
    latest = dict(db.session.execute(
        select(AuditEntry.comment_id, func.max(AuditEntry.id))
        .where(AuditEntry.comment_id.in_({e.comment_id for e in entries if e.comment_id}))
        .group_by(AuditEntry.comment_id)).all()) if entries else {}
    done, feedback = [], []
    for entry in entries:
        if entry.comment_id is None or latest.get(entry.comment_id) != entry.id:
            continue
        comment = db.session.get(Comment, entry.comment_id, with_for_update=True)
        if comment is None or comment.status != entry.to_status:
            continue
        if entry.action in TEXT_ACTIONS:
            if not may_edit_text(comment, actor_id):
                continue
            previous = comment.content
            _set_text(comment, entry.note, site_url)
            done.append(_audit(comment.id, actor_id, "undo_edit", comment.status,
                               comment.status, previous))
            continue
        back = entry.from_status or TRASH  # a reply is undone by trashing it
        _render_if_rescued(comment, back, site_url)
        set_visible_status(comment, back)
        if _owe_feedback(comment, entry.to_status, back):
            feedback.append(comment.id)
        done.append(_audit(comment.id, actor_id, "undo", entry.to_status, back,
                           f"Undid {entry.action} (audit #{entry.id})"))
    if not done:
        raise ActionError("Nothing to undo: the comments changed since.")
    db.session.commit()
    for comment_id in feedback:
        jobs.dispatch("feedback", comment_id)
    return done


def history(comment_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.comment_id == comment_id)
                                   .order_by(AuditEntry.id)))
