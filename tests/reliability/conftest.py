"""Databases for the gunicorn tests: a SQLite file, and a PostgreSQL database of their own."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests.conftest import BASE_PG_URL as PG_URL
from tests.conftest import need
from tests.reliability.gunicorn_server import Gunicorn

# One database per test process: runs sharing a PostgreSQL server (CI, developers, other
# sessions on the same machine) must not drop each other's database mid-test.
PG_DB = f"blogapp_reliability_{os.getpid()}"


def _fresh_pg_database() -> str:
    if not PG_URL:
        need("PostgreSQL", "set TEST_DATABASE_URL=postgresql+psycopg://user@host/db")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {PG_DB}"))
    except sa.exc.OperationalError as exc:
        need("PostgreSQL", f"cannot create {PG_DB}: {exc.orig}")
    finally:
        admin.dispose()
    return sa.engine.make_url(PG_URL).set(database=PG_DB).render_as_string(hide_password=False)


def _drop_pg_database() -> None:
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_url(request, tmp_path):
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "blog.sqlite3")
        return
    yield _fresh_pg_database()
    _drop_pg_database()


def prepared(url: str, instance, **kwargs) -> Gunicorn:
    """A migrated database with the demo article, and a (not yet started) server."""
    server = Gunicorn(url, instance, **kwargs)
    server.flask("db", "upgrade")
    server.flask("demo")
    return server


DEMO_SLUG = "riverside-city-bets-on-night-buses-for-2027"


def stored_markers(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.text("SELECT email FROM comments"))]
    finally:
        engine.dispose()
