"""Notification mail: held comments to moderators, approved comments to article authors.

Mail goes through smtplib to MAIL_SERVER:MAIL_PORT and is off when MAIL_SERVER is unset.
Only moderators' mail carries the commenter's email address and IP. Links are absolute,
built from SITE_URL (blogapp.site), never from a request.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import Flask, current_app
from sqlalchemy import select

from blogapp.comments.host import Target
from blogapp.comments.links import LINK_ACTIONS, make_token
from blogapp.comments.policy import CommentStatus
from blogapp.comments.queue import pending_count
from blogapp.comments.settings import load_settings
from blogapp.comments.state import current_host
from blogapp.extensions import db
from blogapp.models import Comment, User
from blogapp.site import external_url

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 10


def moderator_addresses() -> list[str]:
    return list(db.session.scalars(select(User.email).where(User.active.is_(True))
                                   .order_by(User.id)))


def quoted(text: str) -> list[str]:
    """Return a reader's text as quoted lines ("> "), so that no line of it can pass for
    one of the mail's own (a forged "Approve it: https://..." link, a "Why it was held")."""
    return [f"> {line}" if line.strip() else ">" for line in text.splitlines()] or [">"]


def held_message(app: Flask, comment: Comment, article: Target) -> tuple[str, str]:
    """Return the subject and body of the mail about a held comment."""
    links = {action: external_url(app, app.config["COMMENTS_MAIL_ACTION_ENDPOINT"],
                                  comment_id=comment.id, action=action,
                                  token=make_token(comment, action))
             for action in LINK_ACTIONS}
    reasons = [f"  - {r['message']}" for r in comment.reasons] or ["  - (none recorded)"]
    waiting = pending_count()
    lines = [
        f'A new comment on the post "{article.title}" is waiting for your approval',
        article.url,
        "",
        f"Author: {comment.author or 'Anonymous'} (IP address: {comment.ip or 'unknown'})",
        f"Email: {comment.email or 'none given'}",
        f"URL: {comment.url or 'none given'}",
        "Comment:",
        *quoted(comment.content),
        "",
        "Why it was held:",
        *reasons,
        "",
        f"Approve it: {links['approve']}",
        f"Spam it: {links['spam']}",
        f"Trash it: {links['trash']}",
        "(Each link asks you to confirm, works once and expires in 7 days.)",
        "",
        f"Currently {waiting} {'comment is' if waiting == 1 else 'comments are'} "
        "waiting for approval. Please visit the moderation panel:",
        external_url(app, app.config["COMMENTS_QUEUE_ENDPOINT"], status="pending"),
    ]
    subject = f'[{app.config["SITE_NAME"]}] Please moderate: "{article.title}"'
    return subject, "\n".join(lines) + "\n"


def approved_message(app: Flask, comment: Comment, article: Target) -> tuple[str, str]:
    """Return the mail telling an article's author about a published comment (no email, no IP)."""
    permalink = f"{article.url}#{comment.anchor}"
    lines = [
        f'New comment on your post "{article.title}"',
        f"Author: {comment.author or 'Anonymous'}",
        f"URL: {comment.url or 'none given'}",
        "Comment:",
        *quoted(comment.content),
        "",
        f"You can see all comments on this post here: {permalink}",
    ]
    return f'[{app.config["SITE_NAME"]}] Comment: "{article.title}"', "\n".join(lines) + "\n"


def send_mail(app: Flask, recipients: list[str], subject: str, body: str) -> int:
    """Send one message per recipient over one SMTP connection; return how many went."""
    if not app.config.get("MAIL_SERVER") or not recipients:
        return 0
    sender = app.config["MAIL_SENDER"]
    with smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"],
                      timeout=SMTP_TIMEOUT) as smtp:
        if app.config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if app.config.get("MAIL_USERNAME"):
            smtp.login(app.config["MAIL_USERNAME"], app.config.get("MAIL_PASSWORD") or "")
        for recipient in recipients:
            message = EmailMessage()
            message["From"] = formataddr((app.config["SITE_NAME"], sender))
            message["To"] = recipient
            message["Subject"] = subject
            message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
            message.set_content(body)
            smtp.send_message(message)
    return len(recipients)


def send_held_notification(comment_id: int) -> int:
    """Mail every active moderator and owner about a held comment; return mails sent.

    Runs inside an app context (the "notify" job). Nothing is sent when mail is not
    configured, notifications are off, or the comment is no longer pending; an
    unreachable mail server is logged and counts as nothing sent."""
    app = current_app._get_current_object()
    if not app.config.get("MAIL_SERVER"):
        return 0
    if not load_settings(app.config).notify_moderators:
        return 0
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status != CommentStatus.PENDING.value:
        return 0
    article = current_host().target(comment.article_id)
    if article is None:
        return 0
    subject, body = held_message(app, comment, article)
    return _send_logged(app, moderator_addresses(), subject, body, comment_id)


def _send_logged(app: Flask, recipients: list[str], subject: str, body: str,
                 comment_id: int) -> int:
    """Send, but never fail the caller: a mail server being down is logged, not raised."""
    try:
        return send_mail(app, recipients, subject, body)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("notification mail for comment %s not sent: %s", comment_id, exc)
        return 0


def send_approved_notification(comment_id: int) -> int:
    """Mail the article's author about an approved comment (MAIL_NOTIFY_AUTHORS=True)."""
    app = current_app._get_current_object()
    if not app.config.get("MAIL_SERVER") or not app.config.get("MAIL_NOTIFY_AUTHORS"):
        return 0
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status != CommentStatus.APPROVED.value:
        return 0
    article = current_host().target(comment.article_id)
    if article is None or not article.owner_email:
        return 0
    if comment.user_id is not None and comment.user_id == article.owner_id:
        return 0  # the owner's own reply
    subject, body = approved_message(app, comment, article)
    return _send_logged(app, [article.owner_email], subject, body, comment_id)
