"""`flask --app wsgi mail send` (for cron) and `mail outbox` (what is queued, sent, failed)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from blogapp.extensions import db
from blogapp.models import OutboxMessage

mail_cli = AppGroup("mail", help="The mail outbox (safe to run from cron).")


@mail_cli.command("send", help="Send every message that is due now (retries included), "
                  "and forget subscriptions left unconfirmed for 7 days.")
@click.option("--limit", default=200, show_default=True)
def send(limit: int) -> None:
    from blogapp.mail.sender import send_due

    app = current_app._get_current_object()
    if not app.config.get("MAIL_SERVER"):
        raise click.ClickException("Mail is off: set MAIL_SERVER (and MAIL_PORT, MAIL_SENDER).")
    from blogapp.subscriptions.service import expire_unconfirmed

    report = send_due(app, limit=limit)
    expired = expire_unconfirmed()  # subscriptions never confirmed within 7 days
    db.session.commit()
    click.echo(f"Sent {report.sent}, failed {report.failed} (to be retried), "
               f"gave up {report.gave_up}." + (f" Forgot {expired} unconfirmed "
                                              "subscriptions." if expired else ""))


@mail_cli.command("outbox", help="List the outbox, newest first, with each message's status.")
@click.option("--status", type=click.Choice(["queued", "sending", "sent", "failed", "gave_up"]))
@click.option("--limit", default=50, show_default=True)
def outbox(status: str | None, limit: int) -> None:
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count())
                                     .group_by(OutboxMessage.status)).all())
    click.echo("  ".join(f"{name}: {counts.get(name, 0)}"
                         for name in ("queued", "sending", "sent", "failed", "gave_up")))
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    for row in db.session.scalars(query):
        click.echo(describe(row))


def describe(row: OutboxMessage) -> str:
    """One line: id, status, attempts, when, recipient, subject, then the last error."""
    if row.status == "sent":
        when = f"sent {row.sent_at:%Y-%m-%d %H:%M:%S}"
    elif row.status in ("queued", "failed"):
        when = f"next try {row.next_try_at:%Y-%m-%d %H:%M:%S}"
    elif row.status == "sending":
        when = f"claimed until {row.lease_until:%Y-%m-%d %H:%M:%S}" if row.lease_until else ""
    else:
        when = "given up"
    line = (f"#{row.id} {row.status:<8} tries {row.attempts}  {when}  {row.kind} "
            f"to {row.recipient}: {row.subject}")
    return line + (f"\n    last error: {row.last_error}" if row.last_error else "")
