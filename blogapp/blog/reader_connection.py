"""The readers' page middleware's own database connection: one SELECT, no ORM, no pool.

Through the ORM or even Core, the page's lookups cost ~0.3 ms of per-call Python work
(statement caching, result adaptation); a pooled connection adds a ping on checkout and
a rollback on return, each a round trip on PostgreSQL. So each thread keeps one
connection of its own in autocommit mode (every SELECT sees the latest commit, none
holds a snapshot or a lock) and runs statements compiled once, converting columns the
way SQLAlchemy would (SQLite hands dates back as text). A failed statement closes the
connection; the next request opens a new one.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from typing import Any

from sqlalchemy import Dialect, Engine, Select, event


class DriverQuery:
    """A SELECT compiled once for *dialect*, run on a bare DB-API cursor."""

    def __init__(self, statement: Select, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.names = compiled.positiontup if compiled.positional else None
        # Parameters go in as SQLAlchemy would send them (SQLite: dates as its text).
        self.bind = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                     for name, bind in compiled.binds.items()}
        # The statement's own values (a literal compared with: ``status == "approved"``).
        self.given = {name: bind.value for name, bind in compiled.binds.items()
                      if not bind.required}
        columns = list(statement.selected_columns)
        self.row = namedtuple("Row", [c.key for c in columns])  # type: ignore[misc]
        self.convert = [c.type.dialect_impl(dialect).result_processor(dialect, None)
                        for c in columns]
        # Each placeholder's name and bind processor, in order (by name when not positional).
        self.plan = [(name, self.bind.get(name)) for name in (self.names or self.bind)]

    def _values(self, params: dict[str, Any]) -> list[Any]:
        values = []
        for name, process in self.plan:
            value = params[name] if name in params else self.given[name]
            values.append(process(value) if process is not None and value is not None
                          else value)
        return values

    def _run(self, cursor, params: dict[str, Any]) -> None:
        values = self._values(params)
        if self.names is not None:
            cursor.execute(self.sql, values)
        else:
            cursor.execute(self.sql, dict(zip(self.bind, values, strict=True)))

    def _row(self, raw: tuple):
        return self.row(*(f(v) if f else v for f, v in zip(self.convert, raw, strict=True)))

    def all(self, cursor, **params: Any) -> list:
        self._run(cursor, params)
        rows = []
        last_raw: tuple | None = None
        last: tuple = ()
        for raw in cursor.fetchall():
            if last_raw is None:
                row = self._row(raw)
            else:  # a joined row repeats most columns of the one before: convert once
                row = self.row(*(
                    old if value == before else (f(value) if f else value)
                    for f, value, before, old in zip(self.convert, raw, last_raw, last,
                                                     strict=True)))
            rows.append(row)
            last_raw, last = raw, row
        return rows


class ReaderConnection:
    """Run one SELECT on this thread's own connection."""

    class Failed(Exception):
        """The database could not be asked; the caller falls back to the full path."""

    def __init__(self, engine: Engine, statement: Select) -> None:
        self.engine = engine
        self.query = DriverQuery(statement, engine.dialect)
        self.compiled: dict[Select, DriverQuery] = {}
        self.local = threading.local()
        self.opened: list[Any] = []  # every connection, to close with the engine
        self.lock = threading.Lock()
        # An in-memory SQLite database lives in its one connection: never take that away.
        self.usable = not (engine.dialect.name == "sqlite"
                           and engine.url.database in (None, "", ":memory:"))
        event.listen(engine, "engine_disposed", self.close_all)

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            pooled = self.engine.raw_connection()  # the engine's connect hooks run
            connection = pooled.driver_connection
            pooled.detach()  # ours from now on: never reset, never handed to another
            if self.engine.dialect.name == "postgresql":
                connection.autocommit = True
            else:
                connection.isolation_level = None  # SQLite: autocommit
            self.local.connection = connection
            with self.lock:
                self.opened.append(connection)
        return connection

    def run(self, **params: Any) -> list:
        """Return the statement's rows; raise Failed when the database can't be asked."""
        return self.run_query(self.query, **params)

    def query_for(self, statement: Select) -> DriverQuery:
        """*statement* compiled for this connection's database (kept per statement)."""
        query = self.compiled.get(statement)
        if query is None:
            query = self.compiled.setdefault(statement, DriverQuery(statement,
                                                                    self.engine.dialect))
        return query

    def run_query(self, query: DriverQuery, **params: Any) -> list:
        """Return *query*'s rows on this connection; raise Failed as run() does."""
        if not self.usable:
            raise self.Failed("in-memory SQLite: the app's own connection only")
        connection = self._connection()
        try:
            cursor = connection.cursor()
            try:
                rows = query.all(cursor, **params)
            finally:
                cursor.close()
        except Exception as exc:  # any DB-API error: start afresh next time
            self._forget(connection)
            raise self.Failed(str(exc)) from exc
        return rows

    def _forget(self, connection) -> None:
        self.local.connection = None
        with self.lock:
            if connection in self.opened:
                self.opened.remove(connection)
        try:
            connection.close()
        except Exception:  # already broken
            pass

    def close_all(self, _engine=None) -> None:
        with self.lock:
            opened, self.opened = self.opened, []
        for connection in opened:
            try:
                connection.close()
            except Exception:  # already broken
                pass
        self.local = threading.local()
