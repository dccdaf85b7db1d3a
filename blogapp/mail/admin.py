"""The owner's Mail page: the outbox with each message's status, Retry, and a test mail."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from blogapp.auth.access import owner_required
from blogapp.extensions import db
from blogapp.integers import parse_int
from blogapp.mail.outbox import Mail, mail_enabled, queue_mail
from blogapp.mail.sender import retry_now
from blogapp.models import MailStatus, OutboxMessage
from blogapp.moderation.blueprint import bp

PAGE = 100
STATUSES = tuple(s.value for s in MailStatus)


@bp.route("/mail")
@owner_required
def mail():
    status = request.args.get("status", "")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE)
    if status in STATUSES:
        query = query.where(OutboxMessage.status == status)
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count())
                                     .group_by(OutboxMessage.status)).all())
    return render_template("moderation/mail.html", rows=db.session.scalars(query).all(),
                           counts=counts, statuses=STATUSES, status=status,
                           enabled=mail_enabled(current_app), me=current_user.email)


@bp.route("/mail/retry", methods=["POST"])
@owner_required
def mail_retry():
    ids = [i for i in (parse_int(v, 1) for v in request.form.getlist("ids")) if i]
    if not ids:
        flash("Choose the messages to send again.", "error")
        return redirect(url_for("moderation.mail"), code=303)
    count = retry_now(ids[:PAGE])
    flash(f"{count} {'message' if count == 1 else 'messages'} queued again.", "success")
    return redirect(url_for("moderation.mail"), code=303)


@bp.route("/mail/test", methods=["POST"])
@owner_required
def mail_test():
    to = request.form.get("to", "").strip()
    if "@" not in to or len(to) > 254 or not to.isprintable() or any(c.isspace() for c in to):
        flash("Enter the address to send the test mail to.", "error")
        return redirect(url_for("moderation.mail"), code=303)
    if not mail_enabled(current_app):
        flash("Mail is off: set MAIL_SERVER (and MAIL_PORT, MAIL_SENDER).", "error")
        return redirect(url_for("moderation.mail"), code=303)
    site = current_app.config["SITE_NAME"]
    queue_mail(Mail(to=to, subject=f"[{site}] Test mail", kind="test",
                    text=f"This is a test mail from {site}, sent from the admin's Mail page "
                         f"by {current_user.email}.\nIf you can read it, mail works.\n"))
    db.session.commit()
    flash(f"Test mail to {to} queued; its status is below.", "success")
    return redirect(url_for("moderation.mail"), code=303)
