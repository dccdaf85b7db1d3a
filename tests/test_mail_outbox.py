"""The outbox: every message is a row, queued -> sent, or failed with its tries, its last
error and its next try (twice the wait each time), given up after MAIL_MAX_ATTEMPTS; one
sender owns a row at a time (a claim with a lease), and a resend keeps the Message-ID."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.mail.outbox import Mail, queue_mail
from blogapp.mail.sender import send_due
from blogapp.models import OutboxMessage
from blogapp.models.base import utcnow
from tests.conftest import csrf_from
from tests.moderation_helpers import QUIET


@pytest.fixture
def app_config(smtp):
    return {**QUIET, **smtp.config(), "MAIL_MAX_ATTEMPTS": 3, "MAIL_RETRY_SECONDS": 60}


def queue(app, to="reader@example.org", subject="Hello", **kw) -> int:
    with app.app_context():
        row = queue_mail(Mail(to=to, subject=subject, text="Plain words.\n", kind="test", **kw))
        db.session.commit()
        return row.id


def row(app, row_id) -> OutboxMessage:
    with app.app_context():
        found = db.session.get(OutboxMessage, row_id)
        db.session.expunge(found)
        return found


def sweep(app, at=None):
    with app.app_context():
        return send_due(app, now=at)


def test_a_queued_message_is_sent_once_with_its_own_message_id(app, smtp):
    row_id = queue(app, html="<p>Plain words.</p>", headers={"X-Test": "yes"})
    sent = row(app, row_id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, "")
    [(rcpt, message)] = smtp.mail
    assert rcpt == ["reader@example.org"] and message["Message-ID"] == sent.message_id
    assert message["X-Test"] == "yes" and message["From"] == "blogapp <blog@blog.test>"
    assert message.get_body("plain").get_content().strip() == "Plain words."
    assert message.get_body("html").get_content().strip() == "<p>Plain words.</p>"
    assert sweep(app).sent == 0 and len(smtp.mail) == 1  # nothing is due any more


def test_nothing_is_queued_when_mail_is_off(app, smtp):
    app.config["MAIL_SERVER"] = None
    with app.app_context():
        assert queue_mail(Mail(to="a@example.org", subject="s", text="t")) is None
        assert db.session.scalar(select(OutboxMessage.id)) is None


def test_server_down_then_back_delivers_exactly_once_after_backoff(app, smtp):
    smtp.stop()
    row_id = queue(app)
    failed = row(app, row_id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "Connection refused" in failed.last_error
    first_wait = failed.next_try_at - utcnow()
    assert timedelta(seconds=50) < first_wait <= timedelta(seconds=60)

    smtp.start()
    assert sweep(app).sent == 0  # not due yet: the backoff is respected
    assert sweep(app, failed.next_try_at + timedelta(seconds=1)).sent == 1
    assert sweep(app, failed.next_try_at + timedelta(hours=1)).sent == 0
    assert len(smtp.mail) == 1 and smtp.mail[0][1]["Message-ID"] == failed.message_id
    assert (row(app, row_id).status, row(app, row_id).attempts) == ("sent", 2)


def test_each_wait_doubles_and_the_last_try_gives_up_saying_so(app, smtp):
    smtp.stop()
    row_id = queue(app)
    waits = []
    for _ in range(2):
        current = row(app, row_id)
        waits.append(current.next_try_at)
        sweep(app, current.next_try_at + timedelta(seconds=1))
    final = row(app, row_id)
    assert (final.status, final.attempts) == ("gave_up", 3)
    assert final.last_error.startswith("Gave up (3 tries failed).")
    assert (waits[1] - waits[0]).total_seconds() == pytest.approx(120, abs=2)
    assert sweep(app, utcnow() + timedelta(days=30)).sent == 0  # never tried again




async def _refuse_for_good(server, session, envelope, address, rcpt_options):
    return "550 No such user"


def test_a_refused_recipient_is_given_up_without_retries(app, smtp):
    smtp.inbox.handle_RCPT = _refuse_for_good
    gone = row(app, queue(app, to="nobody@example.org"))
    assert (gone.status, gone.attempts) == ("gave_up", 1)
    assert "refused for good" in gone.last_error and "550" in gone.last_error


def test_a_claimed_row_belongs_to_its_sender_until_the_lease_runs_out(app, smtp):
    smtp.stop()  # keep the row queued while we claim it by hand
    row_id = queue(app)
    smtp.start()
    with app.app_context():
        message = db.session.get(OutboxMessage, row_id)
        message.status, message.lease_until = "sending", utcnow() + timedelta(minutes=2)
        db.session.commit()
    assert sweep(app).sent == 0 and smtp.mail == []  # another sender owns it
    assert sweep(app, utcnow() + timedelta(minutes=3)).sent == 1  # its sender died
    assert len(smtp.mail) == 1


def test_cli_lists_the_outbox_and_sends_what_is_due(app, smtp, runner):
    smtp.stop()
    queue(app, subject="Will fail")
    result = runner.invoke(args=["mail", "outbox"])
    assert "queued: 0  sending: 0  sent: 0  failed: 1  gave_up: 0" in result.output
    assert "failed   tries 1" in result.output and "Will fail" in result.output
    assert "last error: ConnectionRefusedError" in result.output
    smtp.start()
    assert "Sent 0," in runner.invoke(args=["mail", "send"]).output  # not due yet
    with app.app_context():
        db.session.execute(db.update(OutboxMessage).values(next_try_at=utcnow()))
        db.session.commit()
    assert "Sent 1, failed 0" in runner.invoke(args=["mail", "send"]).output
    assert "sent: 1" in runner.invoke(args=["mail", "outbox"]).output


def test_the_owner_mail_page_lists_retries_and_sends_a_test(app, client, smtp, staff):
    staff.create("owner@example.com", "owner")
    staff.login("owner@example.com")
    page = client.get("/admin/mail").get_data(as_text=True)
    response = client.post("/admin/mail/test", data={"to": "owner@example.com",
                                                     "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    assert [rcpt for rcpt, _ in smtp.mail] == [["owner@example.com"]]
    assert smtp.mail[0][1]["Subject"] == "[blogapp] Test mail"

    app.config["MAIL_MAX_ATTEMPTS"] = 1
    smtp.stop()
    failed = queue(app, subject="Lost in the post")
    assert row(app, failed).status == "gave_up"
    page = client.get("/admin/mail?status=gave_up").get_data(as_text=True)
    assert "Lost in the post" in page and "Gave up (1 tries failed)" in page
    smtp.start()
    client.post("/admin/mail/retry", data={"ids": [str(failed)], "csrf_token": csrf_from(page)})
    assert row(app, failed).status == "sent" and len(smtp.mail) == 2


@pytest.mark.parametrize("form", [{"to": ""}, {"to": "not an address"}, {"to": "a@b\nBcc: c"}])
def test_a_test_mail_needs_one_plain_address(app, client, smtp, staff, form):
    staff.create("owner@example.com", "owner")
    staff.login("owner@example.com")
    page = client.get("/admin/mail").get_data(as_text=True)
    response = client.post("/admin/mail/test", data={**form, "csrf_token": csrf_from(page)},
                           follow_redirects=True)
    assert "Enter the address to send the test mail to." in response.get_data(as_text=True)
    assert smtp.mail == []


def test_a_message_that_cannot_be_written_is_given_up_not_retried(app, smtp):
    broken = row(app, queue(app, headers={"X-Bad": "line\nInjected: header"}))
    assert (broken.status, broken.attempts) == ("gave_up", 1)
    assert broken.last_error.startswith("Gave up (cannot be written as mail).")
    assert smtp.mail == []
