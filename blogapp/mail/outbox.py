"""Putting messages in the outbox, and the commit hook that wakes a sender."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.utils import make_msgid

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from blogapp.extensions import db
from blogapp.models import MailStatus, OutboxMessage
from blogapp.models.base import utcnow

log = logging.getLogger(__name__)
QUEUED_FLAG = "blogapp.mail_queued"


@dataclass(frozen=True)
class Mail:
    """One message to one recipient."""

    to: str
    subject: str
    text: str
    html: str | None = None
    kind: str = "notice"
    headers: dict[str, str] = field(default_factory=dict)
    comment_id: int | None = None


def mail_enabled(app: Flask) -> bool:
    return bool(app.config.get("MAIL_SERVER"))


def sender_domain(app: Flask) -> str | None:
    return app.config["MAIL_SENDER"].rpartition("@")[2] or None


def queue_mail(mail: Mail, session: Session | None = None) -> OutboxMessage | None:
    """Add *mail* to the outbox in the caller's transaction (the caller commits).

    Return None, queueing nothing, when mail is off (MAIL_SERVER unset)."""
    app = current_app._get_current_object()
    if not mail_enabled(app) or not mail.to:
        return None
    session = session or db.session
    row = OutboxMessage(
        kind=mail.kind, recipient=mail.to, subject=mail.subject, body_text=mail.text,
        body_html=mail.html, message_id=make_msgid(domain=sender_domain(app)),
        status=MailStatus.QUEUED.value, attempts=0, last_error="", next_try_at=utcnow(),
        comment_id=mail.comment_id, created_at=utcnow())
    row.headers = mail.headers
    session.add(row)
    session.info[QUEUED_FLAG] = True
    return row


def _after_commit(session: Session) -> None:
    if session.info.pop(QUEUED_FLAG, False) and has_app_context():
        from blogapp.mail.pump import wake_sender

        try:
            wake_sender(current_app._get_current_object())
        except Exception:  # the rows are committed: a later sweep or cron sends them
            log.exception("could not wake the mail sender")


def _after_rollback(session: Session) -> None:
    session.info.pop(QUEUED_FLAG, None)


def register_outbox_events() -> None:
    """Wake a sender after every commit that queued mail (once per process)."""
    target = db.session
    if not event.contains(target, "after_commit", _after_commit):
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_soft_rollback", _after_rollback_soft)


def _after_rollback_soft(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        _after_rollback(session)
