"""Under real gunicorn: every acknowledged comment is stored exactly once, under load and
through a SIGKILL of every process."""

from __future__ import annotations

import collections
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.figures import record
from tests.reliability.conftest import DEMO_SLUG, prepared, stored_markers
from tests.reliability.gunicorn_server import Reader

CLIENTS, PER_CLIENT = 8, 250

pytestmark = [pytest.mark.slow, pytest.mark.serial]


def test_eight_clients_post_2000_comments_each_stored_once(engine_url, tmp_path):
    server = prepared(engine_url, tmp_path).start()
    statuses: collections.Counter = collections.Counter()
    acknowledged: list[str] = []
    locked = []
    lock = threading.Lock()

    def client(n: int) -> None:
        reader = Reader(server.url, DEMO_SLUG)
        try:
            for i in range(PER_CLIENT):
                marker = f"c{n}-{i}"
                response = reader.post(marker)
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 303:
                        acknowledged.append(f"{marker}@example.org")
                    if "database is locked" in response.text:
                        locked.append(marker)
        finally:
            reader.close()

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(client, range(CLIENTS)))
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    stored = collections.Counter(stored_markers(engine_url))
    engine = engine_url.split(":")[0]
    record(
        "reliability figures",
        f"concurrency [{engine}]: {CLIENTS}x{PER_CLIENT} posts in {elapsed:.1f}s, statuses "
        f"{dict(statuses)}, acknowledged {len(acknowledged)}, stored {sum(stored.values())}, "
        f"duplicates {sum(1 for n in stored.values() if n > 1)}, 'database is locked' "
        f"{len(locked)}")
    assert statuses == {303: CLIENTS * PER_CLIENT}
    assert locked == []
    assert set(acknowledged) == set(stored) and all(n == 1 for n in stored.values())


def test_sigkill_during_writes_loses_no_acknowledged_comment(tmp_path):
    url = "sqlite:///" + str(tmp_path / "blog.sqlite3")
    server = prepared(url, tmp_path).start()
    acknowledged: list[str] = []
    errors = collections.Counter()
    stop = threading.Event()
    lock = threading.Lock()

    def client(n: int) -> None:
        reader = Reader(server.url, DEMO_SLUG, timeout=5)
        i = 0
        while not stop.is_set():
            marker = f"k{n}-{i}"
            i += 1
            try:
                response = reader.post(marker)
            except httpx.HTTPError as exc:
                with lock:
                    errors[type(exc).__name__] += 1
                return
            if response.status_code == 303:
                with lock:
                    acknowledged.append(f"{marker}@example.org")
        reader.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # master and workers, mid-write
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    before_restart = len(acknowledged)

    restarted = prepared(url, tmp_path).start()  # upgrade and demo are no-ops now
    try:
        assert httpx.get(f"{restarted.url}/articles/{DEMO_SLUG}").status_code == 200
    finally:
        restarted.stop()
    stored = set(stored_markers(url))
    missing = [m for m in acknowledged if m not in stored]
    with sqlite3.connect(tmp_path / "blog.sqlite3") as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    record(
        "reliability figures",
        f"crash [sqlite]: SIGKILL amid 4 writing clients; acknowledged {before_restart}, "
        f"stored {len(stored)}, acknowledged but missing {len(missing)}, client errors "
        f"{dict(errors)}, integrity_check {integrity}")
    assert before_restart >= 100
    assert missing == []
    assert integrity == "ok"
