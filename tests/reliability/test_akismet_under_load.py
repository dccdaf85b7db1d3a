"""Akismet hangs, refuses or errors while readers post: every comment is stored pending
with the reason, and no request waits longer than the timeout plus a margin."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tests.akismet_server import TEST_KEY, start_fake_akismet
from tests.figures import record
from tests.reliability.conftest import DEMO_SLUG, prepared
from tests.reliability.gunicorn_server import Reader

TIMEOUT, MARGIN = 1.0, 1.0
CLIENTS, PER_CLIENT = 8, 5

pytestmark = [pytest.mark.slow, pytest.mark.serial]


@pytest.mark.parametrize("mode", ["hang", "refuse", "error500", "garbage"])
def test_akismet_faults_hold_every_comment_in_time(tmp_path, mode):
    fake = start_fake_akismet()
    fake.mode = mode
    url = "sqlite:///" + str(tmp_path / "blog.sqlite3")
    server = prepared(url, tmp_path, extra_env={
        "AKISMET_API_KEY": TEST_KEY, "AKISMET_BLOG_URL": "http://blog.test",
        "AKISMET_API_URL": fake.url, "AKISMET_TIMEOUT": str(TIMEOUT),
    }, worker_class="gthread", threads=CLIENTS).start()  # a thread per client: no queueing

    def client(n: int) -> list[tuple[int, float]]:
        reader = Reader(server.url, DEMO_SLUG)
        out = []
        for i in range(PER_CLIENT):
            started = time.monotonic()
            response = reader.post(f"f{n}-{i}")
            out.append((response.status_code, time.monotonic() - started))
        reader.close()
        return out

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = [r for batch in pool.map(client, range(CLIENTS)) for r in batch]
    finally:
        server.stop()
        fake.stop()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT status, spam_check, reasons_json FROM comments")).all()
    engine.dispose()
    slowest = max(seconds for _, seconds in results)
    record("reliability figures", f"akismet {mode}: {len(results)} posts, statuses "
           f"{sorted({s for s, _ in results})}, slowest {slowest:.2f}s "
           f"(limit {TIMEOUT + MARGIN:.1f}s), stored {len(rows)}")
    assert all(status == 303 for status, _ in results)
    assert slowest < TIMEOUT + MARGIN
    assert len(rows) == CLIENTS * PER_CLIENT
    for status, spam_check, reasons in rows:
        assert (status, spam_check) == ("pending", "unavailable")
        assert "akismet-unavailable" in [r["code"] for r in json.loads(reasons)]
