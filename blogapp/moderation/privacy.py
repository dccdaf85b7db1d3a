"""Reader privacy for owners: export or erase everything tied to an email address.

Erasing works like WordPress's personal data eraser: the author becomes "Anonymous" and
the email, website, IP, user agent and referrer are removed; the text is kept or replaced
by the owner's choice. Reasons and edit history that may quote the address are cleared.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from blogapp.auth.access import owner_required
from blogapp.comments.avatars import avatar_seed
from blogapp.comments.moderation import TEXT_ACTIONS
from blogapp.comments.policy import CommentStatus
from blogapp.comments.services import bump_article
from blogapp.extensions import db
from blogapp.models import Article, AuditEntry, Comment
from blogapp.models.base import utcnow
from blogapp.moderation.blueprint import bp
from blogapp.sanitize import render_comment
from blogapp.site import external_url

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
    """Return everything stored about *email*'s comments, ready for JSON (links on SITE_URL)."""
    app = current_app._get_current_object()
    comments = comments_of(email)
    articles = {a.id: a for a in db.session.scalars(
        select(Article).where(Article.id.in_({c.article_id for c in comments})))}
    items = []
    for c in comments:
        article = articles.get(c.article_id)
        items.append({
            "id": c.id, "article": article.title if article else None,
            "article_url": (external_url(app, "blog.article", slug=article.slug)
                            if article else None),
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


@bp.route("/privacy")
@owner_required
def privacy():
    return render_template("moderation/privacy.html")


def _email_field() -> str | None:
    email = request.form.get("email", "").strip()
    if "@" not in email or len(email) > 254 or not email.isprintable():
        flash("Enter the reader's email address.", "error")
        return None
    return email


@bp.route("/privacy/export", methods=["POST"])
@owner_required
def privacy_export():
    email = _email_field()
    if email is None:
        return redirect(url_for("moderation.privacy"))
    data = export(email)
    audit_export(current_user.id, len(data["comments"]))
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="comments-export.json"',
                             "Cache-Control": "no-store"})


@bp.route("/privacy/erase", methods=["POST"])
@owner_required
def privacy_erase():
    email = _email_field()
    if email is None:
        return redirect(url_for("moderation.privacy"))
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm: erasing cannot be undone.", "error")
        return redirect(url_for("moderation.privacy"))
    count = erase(email, keep_text=request.form.get("text") == "keep",
                  actor_id=current_user.id, secret=current_app.config["SECRET_KEY"])
    flash(f"Erased personal data from {count} {'comment' if count == 1 else 'comments'}.",
          "success")
    return redirect(url_for("moderation.privacy"))
