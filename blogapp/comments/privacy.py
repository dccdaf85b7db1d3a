"""Readers' personal data: export or erase everything tied to an email address.

Erasing works like WordPress's personal data eraser: the author becomes "Anonymous" and
the email, website, IP, user agent and referrer are removed; the text is kept or replaced
by the owner's choice. Reasons and edit history that may quote the address are cleared.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from blogapp.comments.avatars import avatar_seed
from blogapp.comments.moderation import TEXT_ACTIONS
from blogapp.comments.policy import CommentStatus
from blogapp.comments.services import bump_article
from blogapp.comments.state import current_host
from blogapp.extensions import db
from blogapp.models import AuditEntry, Comment
from blogapp.models.base import utcnow
from blogapp.sanitize import render_comment

ANONYMOUS = "Anonymous"
REMOVED_TEXT = "This comment was deleted at its author's request."


def comments_of(email: str) -> list[Comment]:
    needle = email.strip().lower()
    if not needle:
        return []
    return list(db.session.scalars(select(Comment).where(func.lower(Comment.email) == needle)
                                   .order_by(Comment.created_at, Comment.id)))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def export(email: str) -> dict[str, Any]:
    """Return everything stored about *email*'s comments, ready for JSON (links: Target.url)."""
    comments = comments_of(email)
    host = current_host()
    targets = {i: host.target(i) for i in {c.article_id for c in comments}}
    items = []
    for c in comments:
        article = targets.get(c.article_id)
        items.append({
            "id": c.id, "article": article.title if article else None,
            "article_url": article.url if article else None,
            "in_reply_to": c.parent_id, "author": c.author, "email": c.email, "url": c.url,
            "ip": c.ip, "user_agent": c.user_agent, "referrer": c.referrer,
            "content": c.content, "status": c.status, "created_at": _iso(c.created_at),
            "updated_at": _iso(c.updated_at),
        })
    return {"email": email.strip(), "exported_at": _iso(utcnow()), "comments": items}


def erase(email: str, *, keep_text: bool, actor_id: int | None, secret: str) -> int:
    """Anonymize every comment by *email*; one audit row each; commit; return the count."""
    comments = comments_of(email)
    touched: set[int] = set()
    anonymous_seed = avatar_seed(secret, "", ANONYMOUS)
    for c in comments:
        c.author, c.email, c.url, c.avatar_seed = ANONYMOUS, "", "", anonymous_seed
        c.ip, c.user_agent, c.referrer = "", "", ""
        c.reasons = [{"code": "erased", "message": "Personal data erased at the author's request"}]
        c.feedback_owed = None
        if not keep_text:
            c.content, c.content_html = REMOVED_TEXT, render_comment(REMOVED_TEXT)
        c.updated_at = utcnow()
        if c.status == CommentStatus.APPROVED.value:
            touched.add(c.article_id)
        db.session.add(AuditEntry(
            comment_id=c.id, user_id=actor_id, action="privacy_erase", from_status=c.status,
            to_status=c.status, note="text kept" if keep_text else "text removed",
            created_at=utcnow()))
    ids = [c.id for c in comments]
    if ids:  # edit history quotes old text, which may hold the address
        for entry in db.session.scalars(select(AuditEntry).where(
                AuditEntry.comment_id.in_(ids), AuditEntry.action.in_(TEXT_ACTIONS))):
            entry.note = "(erased)"
    for article_id in touched:
        bump_article(article_id, 0)
    db.session.commit()
    return len(comments)


def audit_export(actor_id: int | None, count: int) -> None:
    db.session.add(AuditEntry(user_id=actor_id, action="privacy_export",
                              note=f"Exported {count} comments", created_at=utcnow()))
    db.session.commit()
