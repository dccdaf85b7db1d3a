"""Engine tuning: SQLite pragmas and write transactions that never meet "database is locked".

pysqlite's own transaction handling starts transactions lazily and upgrades a reader to a
writer mid-transaction, which SQLite refuses at once (SQLITE_BUSY, no waiting) when another
process wrote meanwhile. So blogapp takes over, as SQLAlchemy's documentation recommends:
requests that change data (POST and friends) and background jobs begin with
``BEGIN IMMEDIATE`` (the write lock is taken up front, waiting up to busy_timeout), reads
with a plain ``BEGIN``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context, request
from sqlalchemy import event

from blogapp.extensions import db

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
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
