"""Engine tuning: SQLite pragmas and write transactions that never meet "database is locked";
a server's connections checked on checkout without a round trip.

pysqlite's own transaction handling starts transactions lazily and upgrades a reader to a
writer mid-transaction, which SQLite refuses at once (SQLITE_BUSY, no waiting) when another
process wrote meanwhile. So blogapp takes over, as SQLAlchemy's documentation recommends:
requests that change data (POST and friends) and background jobs begin with
``BEGIN IMMEDIATE`` (the write lock is taken up front, waiting up to busy_timeout), reads
with a plain ``BEGIN``.
"""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from flask import Flask, has_request_context, request
from sqlalchemy import event, exc

from blogapp.extensions import db

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
#: A pooled connection idle longer than this is pinged (a round trip) before it is used;
#: one used since is checked by its socket alone (see _still_connected).
PING_AFTER_IDLE = 30.0
_read_only: ContextVar[bool] = ContextVar("blogapp_read_only", default=False)


@contextmanager
def read_only() -> Iterator[None]:
    """Begin transactions inside this block as plain readers (no write lock on SQLite)."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


def register_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
        elif not engine.pool._pre_ping:
            event.listen(engine.pool, "checkin", _idle_from_now)
            event.listen(engine.pool, "checkout", partial(_still_connected, engine.dialect))


def _idle_from_now(_dbapi_connection, record) -> None:
    if record is not None:
        record.info["idle_since"] = time.monotonic()


def _still_connected(dialect, dbapi_connection, record, _proxy) -> None:
    """Refuse a pooled server connection that is gone, so the pool opens a new one (and
    the request never meets a dead connection: no 500 after a server restart).

    SQLAlchemy's pool_pre_ping asks the server on every checkout: a round trip each
    time, on the path of every post. Instead: a connection that sat idle for
    PING_AFTER_IDLE is pinged as pre-ping would; one used since is judged by its
    socket. An idle connection's socket has nothing to read unless the server wrote:
    a terminated backend (restart, pg_terminate_backend, idle_session_timeout) sends
    its FATAL notice and closes, and that is readable at once, with no round trip."""
    idle_since = record.info.pop("idle_since", None) if record is not None else None
    if idle_since is None:
        return  # just connected
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None or time.monotonic() - idle_since > PING_AFTER_IDLE:
        _ping(dialect, dbapi_connection)
        return
    if getattr(dbapi_connection, "closed", False) or pgconn.status != 0:  # CONNECTION_OK
        raise exc.DisconnectionError("the connection was closed")
    poller = select.poll()  # not select.select: it refuses descriptors over 1023
    poller.register(pgconn.socket, select.POLLIN)
    if poller.poll(0):  # readable, hung up or in error
        raise exc.DisconnectionError("the server wrote to an idle connection (it left)")


def _ping(dialect, dbapi_connection) -> None:
    """Ping as pool_pre_ping does (the dialect's own ping: one round trip)."""
    try:
        alive = dialect.do_ping(dbapi_connection)
    except Exception as error:  # any failure: take a new connection
        raise exc.DisconnectionError(str(error)) from error
    if not alive:
        raise exc.DisconnectionError("the ping was not answered")


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # blogapp emits BEGIN itself (see above)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # asked for no transaction (Alembic's autocommit_block, for PRAGMAs)
    writes = not _read_only.get() and (
        not has_request_context() or request.method not in READ_METHODS)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
