"""The outbox survives a SIGKILL: a message its sender had claimed (mid-SMTP) when every
process was killed is delivered, once, by the restarted server."""

from __future__ import annotations

import time

import httpx
import pytest
import sqlalchemy as sa

from tests.figures import record
from tests.mail_helpers import SmtpServer
from tests.reliability.conftest import DEMO_SLUG, prepared
from tests.reliability.gunicorn_server import Reader

pytestmark = [pytest.mark.slow, pytest.mark.serial]


def outbox(url: str) -> list[tuple[str, int, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(
                "SELECT status, attempts, kind FROM mail_outbox ORDER BY id"))]
    finally:
        engine.dispose()


def wait_for(predicate, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_claimed_message_is_delivered_once_after_sigkill_and_restart(tmp_path):
    smtp = SmtpServer().start()
    smtp.inbox.stall.set()  # the first sender is held mid-conversation (at RCPT)
    url = "sqlite:///" + str(tmp_path / "blog.sqlite3")
    env = {"BLOGAPP_SPAM_CHECK_MODE": "thread", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp.port), "MAIL_SENDER": "blog@blog.test",
           "BLOGAPP_MAIL_LEASE_SECONDS": "2"}
    server = prepared(url, tmp_path, extra_env=env).start()
    try:
        reader = Reader(server.url, DEMO_SLUG)
        assert reader.post("first-time", author="New Reader").status_code == 303  # held
        reader.close()
        assert smtp.inbox.stalled.wait(30), "the held-comment notice was never sent"
        server.kill()  # master and workers, while the message is claimed
    finally:
        server.stop()
    smtp.inbox.stall.clear()
    smtp.inbox.released.set()
    assert outbox(url) == [("sending", 1, "held")]
    assert smtp.mail == []

    restarted = prepared(url, tmp_path, extra_env=env).start()
    try:
        httpx.get(f"{restarted.url}/login", timeout=10)  # any request wakes the sweep
        delivered = wait_for(lambda: outbox(url)[0][0] == "sent")
        time.sleep(1)  # a second copy would arrive now
    finally:
        restarted.stop()
        smtp.stop()
    record("reliability figures",
           f"mail after SIGKILL [sqlite]: claimed message delivered after restart: {delivered}"
           f", copies received {len(smtp.mail)}, outbox {outbox(url)}")
    assert delivered
    assert outbox(url) == [("sent", 2, "held")]
    assert [rcpt for rcpt, _ in smtp.mail] == [["owner@example.com"]]
