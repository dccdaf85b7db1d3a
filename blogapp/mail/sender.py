"""Draining the outbox: claim a due row, send it over SMTP, record what happened.

A row is claimed by one UPDATE ... WHERE it is still due (queued or failed and its next
try has come, or sending with a lease that ran out), so two senders never both own a row;
the claim is committed before the SMTP conversation starts and names a lease, after which
another sender may take the row over (its sender died). Delivery is therefore at least
once: the only duplicate possible is a sender killed between the server's "250 OK" and its
own commit, and that copy carries the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from flask import Flask
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from blogapp.extensions import db
from blogapp.models import MailStatus, OutboxMessage
from blogapp.models.base import utcnow

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 10
BATCH = 50
QUEUED, SENDING, SENT = MailStatus.QUEUED.value, MailStatus.SENDING.value, MailStatus.SENT.value
FAILED, GAVE_UP = MailStatus.FAILED.value, MailStatus.GAVE_UP.value


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    next_due: datetime | None = None  # when a row will next be due (None: nothing waits)


def _due(now: datetime):
    return or_(and_(OutboxMessage.status.in_((QUEUED, FAILED)), OutboxMessage.next_try_at <= now),
               and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now))


def build_message(app: Flask, row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((app.config["SITE_NAME"], app.config["MAIL_SENDER"]))
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC), usegmt=True)
    for name, value in row.headers.items():
        message[name] = value
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


def backoff(app: Flask, attempts: int) -> timedelta:
    """1, 2, 4, 8 ... times MAIL_RETRY_SECONDS after the *attempts*-th failed try."""
    return timedelta(seconds=app.config["MAIL_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0))


class _Connection:
    """One SMTP connection for a batch, opened on the first message."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            cfg = self.app.config
            smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=SMTP_TIMEOUT)
            try:
                if cfg.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if cfg.get("MAIL_USERNAME"):
                    smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
            except BaseException:
                smtp.close()
                raise
            self.smtp = smtp
        self.smtp.send_message(message)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def _claim(session: Session, row_id: int, now: datetime, lease: timedelta) -> bool:
    result = session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id, _due(now))
        .values(status=SENDING, lease_until=now + lease, attempts=OutboxMessage.attempts + 1),
        execution_options={"synchronize_session": False})
    session.commit()
    return result.rowcount == 1


def _finish(session: Session, row: OutboxMessage, **values) -> None:
    """Record the outcome, unless another sender took the row over meanwhile."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id,
                                                OutboxMessage.status == SENDING,
                                                OutboxMessage.lease_until == row.lease_until)
                    .values(lease_until=None, **values),
                    execution_options={"synchronize_session": False})
    session.commit()


def _permanent(exc: Exception) -> bool:
    """A 5xx answer (or every recipient refused) will not change by trying again."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _connection_lost(exc: Exception) -> bool:
    return isinstance(exc, OSError | smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError)


def send_due(app: Flask, *, limit: int = BATCH, now: datetime | None = None,
             on_first_claim: Callable[[datetime], None] | None = None) -> SendReport:
    """Send up to *limit* due messages; return what happened and when to look again.

    *on_first_claim* is told when the first claimed row's lease ends (so that a job
    queue can schedule its rescue). Runs in its own sessions (never the caller's),
    inside an app context."""
    report = SendReport()
    if not app.config.get("MAIL_SERVER"):
        return report
    lease = timedelta(seconds=app.config["MAIL_LEASE_SECONDS"])
    max_attempts = app.config["MAIL_MAX_ATTEMPTS"]
    connection = _Connection(app)
    with Session(db.engine) as session:
        now = now or utcnow()
        ids = list(session.scalars(select(OutboxMessage.id).where(_due(now))
                                   .order_by(OutboxMessage.next_try_at, OutboxMessage.id)
                                   .limit(limit)))
        session.rollback()
        server_away = False
        try:
            for row_id in ids:
                if not _claim(session, row_id, now, lease):
                    continue  # another sender has it
                if on_first_claim is not None:
                    on_first_claim(now + lease)
                    on_first_claim = None
                row = session.get(OutboxMessage, row_id, populate_existing=True)
                try:
                    message = build_message(app, row)
                except (ValueError, TypeError) as exc:  # e.g. a header that cannot be
                    _finish(session, row, status=GAVE_UP,  # written: no retry will help
                            last_error=f"Gave up (cannot be written as mail). {exc}"[:2000])
                    report.gave_up += 1
                    continue
                try:
                    connection.send(message)
                except (OSError, smtplib.SMTPException) as exc:
                    connection.close()
                    _record_failure(app, session, row, exc, max_attempts, report, now)
                    if _connection_lost(exc):
                        server_away = True
                        break  # the server is away: leave the rest for the next try
                    continue
                _finish(session, row, status=SENT, sent_at=utcnow(), last_error="")
                report.sent += 1
        finally:
            connection.close()
        if server_away:  # try again when the failed row is due, not at once
            report.next_due = session.scalar(select(func.max(OutboxMessage.next_try_at))
                                             .where(OutboxMessage.status == FAILED))
            session.rollback()
            return report
        report.next_due = session.scalar(select(func.min(OutboxMessage.next_try_at)).where(
            OutboxMessage.status.in_((QUEUED, FAILED))))
        lease_ends = session.scalar(select(func.min(OutboxMessage.lease_until)).where(
            OutboxMessage.status == SENDING))
        if lease_ends is not None and (report.next_due is None or lease_ends < report.next_due):
            report.next_due = lease_ends
        session.rollback()
    return report


def _record_failure(app: Flask, session: Session, row: OutboxMessage, exc: Exception,
                    max_attempts: int, report: SendReport, now: datetime) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if _permanent(exc) or row.attempts >= max_attempts:
        why = "refused for good" if _permanent(exc) else f"{row.attempts} tries failed"
        log.warning("mail #%s to %s given up (%s): %s", row.id, row.recipient, why, error)
        _finish(session, row, status=GAVE_UP, last_error=f"Gave up ({why}). {error}")
        report.gave_up += 1
        return
    retry_at = now + backoff(app, row.attempts)
    log.warning("mail #%s to %s not sent (try %s), next try %s: %s", row.id, row.recipient,
             row.attempts, retry_at.isoformat(timespec="seconds"), error)
    _finish(session, row, status=FAILED, last_error=error, next_try_at=retry_at)
    report.failed += 1


def retry_now(row_ids: list[int]) -> int:
    """Make failed or given-up rows due at once (the admin's Retry); commit; return count."""
    from blogapp.mail.outbox import QUEUED_FLAG

    db.session.info[QUEUED_FLAG] = True
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(row_ids),
                                    OutboxMessage.status.in_((FAILED, GAVE_UP)))
        .values(status=QUEUED, attempts=0, next_try_at=utcnow()),
        execution_options={"synchronize_session": False})
    db.session.commit()
    return result.rowcount
