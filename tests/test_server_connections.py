"""A pooled connection to the database server is checked on checkout without a round trip
(blogapp.database._still_connected): a backend the server ended is never handed to a
request, so a restart or a terminated backend gives readers and posters no 500, and a
connection used a moment ago costs no ping."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, text

from blogapp import database
from blogapp.extensions import db
from tests.comment_helpers import OPEN_DISCUSSION, open_article, post_comment

pytestmark = pytest.mark.server_engine


@pytest.fixture
def app_config():
    return OPEN_DISCUSSION


def pooled_backends(app) -> set[int]:
    """The backend pids behind the app's pooled connections, used and checked in again."""
    pids = set()
    with app.app_context():
        engine = db.engine
        connections = [engine.connect() for _ in range(3)]
        for conn in connections:
            pids.add(conn.execute(text("SELECT pg_backend_pid()")).scalar())
        for conn in connections:
            conn.close()
    return pids


def terminate(url: str, pids: set[int]) -> None:
    killer = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as conn:
            for pid in pids:
                assert conn.execute(text("SELECT pg_terminate_backend(:pid)"),
                                    {"pid": pid}).scalar()
            deadline = time.monotonic() + 10  # the backends end a moment later
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)"),
                               {"p": list(pids)}).scalar():
                assert time.monotonic() < deadline
                time.sleep(0.01)
    finally:
        killer.dispose()


def statements_of(app, action) -> list[str]:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    listen = lambda *a: seen.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen


def test_the_pool_asks_no_ping_of_the_server(app):
    with app.app_context():
        assert not db.engine.pool._pre_ping


@pytest.mark.parametrize("then", ["read the page", "post a comment"])
def test_terminated_backends_are_replaced_before_a_request_meets_them(app, client,
                                                                     database_url, then):
    slug = open_article(app)
    assert client.get(f"/articles/{slug}").status_code == 200
    ended = pooled_backends(app)
    terminate(database_url, ended)
    if then == "read the page":
        response = client.get(f"/articles/{slug}?fresh")
        assert response.status_code == 200
    else:
        response = post_comment(client, slug, comment="Posted after the server restarted")
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        with app.app_context():
            assert db.session.execute(text("SELECT count(*) FROM comments")).scalar() == 1
    assert not pooled_backends(app) & ended  # the pool holds new backends only


def test_a_connection_used_a_moment_ago_is_not_pinged(app, monkeypatch):
    pooled_backends(app)
    pings = []
    with app.app_context():
        dialect = db.engine.dialect
    real_ping = dialect.do_ping  # SQLAlchemy's pre-ping, were it on
    monkeypatch.setattr(dialect, "do_ping", lambda conn: (pings.append("pre-ping"),
                                                          real_ping(conn))[1])
    monkeypatch.setattr(database, "_ping", lambda dialect, conn: pings.append("idle ping"))

    def use():
        with app.app_context():
            assert db.session.execute(text("SELECT 41 + 1")).scalar() == 42
            db.session.remove()

    assert statements_of(app, use) == ["SELECT 41 + 1"] and pings == []


def test_a_connection_idle_for_long_is_pinged_first(app, monkeypatch):
    pooled_backends(app)
    monkeypatch.setattr(database, "PING_AFTER_IDLE", -1.0)
    pinged = []
    real = database._ping
    monkeypatch.setattr(database, "_ping", lambda dialect, conn: (pinged.append(1),
                                                                  real(dialect, conn)))
    with app.app_context():
        assert db.session.execute(text("SELECT 1 + 1")).scalar() == 2
        db.session.remove()
    assert pinged == [1]


def test_a_connection_idle_for_long_and_gone_is_replaced(app, database_url, monkeypatch):
    terminate(database_url, pooled_backends(app))
    monkeypatch.setattr(database, "PING_AFTER_IDLE", -1.0)  # the ping finds it gone
    with app.app_context():
        assert db.session.execute(text("SELECT 2 + 2")).scalar() == 4
        db.session.remove()


def test_a_connection_on_a_descriptor_past_1023_is_checked_too(app):
    """A busy process (threads, many sockets) holds descriptors past select()'s 1024."""
    import os
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.fail(f"this test needs RLIMIT_NOFILE >= 1200 (hard limit {hard})")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    filler = []
    try:
        with app.app_context():
            db.engine.dispose()
        while len(filler) < 1100:  # every free descriptor below 1100 taken
            filler.append(os.open(os.devnull, os.O_RDONLY))
        with app.app_context():
            assert db.session.execute(text("SELECT 3 + 3")).scalar() == 6
            db.session.remove()
            checked = []
            event.listen(db.engine.pool, "checkout", lambda conn, *a: checked.append(
                conn.pgconn.socket))
            assert db.session.execute(text("SELECT 4 + 4")).scalar() == 8  # checked out again
            db.session.remove()
            assert checked and checked[0] > 1023
    finally:
        for fd in filler:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
