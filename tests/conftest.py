"""Fixtures: an app per test on each database engine, clients, staff accounts."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from blogapp import create_app
from blogapp.extensions import db

pytest_plugins = ["tests.figures"]

STRICT = os.environ.get("BLOGAPP_TEST_STRICT", "") not in {"", "0", "false"}
# Tests run in parallel processes (pytest-xdist: gw0, gw1, ...); each has a PostgreSQL
# database and a Redis database of its own, so no process wipes another's data.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_INDEX = int(WORKER.removeprefix("gw") or 0) if WORKER.startswith("gw") else 0
BASE_PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _worker_pg_url(url: str) -> str:
    if not url or not WORKER:
        return url
    parsed = sa.engine.make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(
        hide_password=False)


def _worker_redis_url(url: str) -> str:
    base, _, db = url.rpartition("/")
    number = int(db) if db.isdigit() else 15
    return f"{base}/{(number - WORKER_INDEX) % 16}"


PG_URL = _worker_pg_url(BASE_PG_URL)
# The engine a test marked `one_engine` runs on; BLOGAPP_TEST_BOTH_ENGINES=1 runs it on both.
ONE_ENGINE = "sqlite"
BOTH_ENGINES = os.environ.get("BLOGAPP_TEST_BOTH_ENGINES", "") not in {"", "0", "false"}
REDIS_URL = _worker_redis_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))


def need(service: str, reason: str) -> None:
    """Skip for want of *service*; under BLOGAPP_TEST_STRICT (CI) fail instead."""
    if STRICT:
        pytest.fail(f"{service} is required under BLOGAPP_TEST_STRICT: {reason}", pytrace=False)
    pytest.skip(f"{service} unavailable: {reason}")


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _ensure_postgres_database(url: str) -> None:
    """Create this worker's database beside the configured one when it is missing."""
    if url == BASE_PG_URL:
        return
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": name}).first()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _reset_postgres(url: str) -> None:
    _ensure_postgres_database(url)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run a test marked `one_engine` on SQLite only, by deselecting its PostgreSQL copy.

    Such a test proves something the database engine cannot change (a page's markup, a
    header, a role check, a pure function), so its second run costs time and proves
    nothing. Deselected, not skipped: the copy is not collected, so nothing is reported as
    skipped and BLOGAPP_TEST_STRICT has nothing to fail. Tests that touch SQL, transactions,
    locking, migrations or counts stay unmarked and run on both engines.

    A test marked `server_engine` proves something only a database server has (pooled
    connections over a socket, a backend that can be terminated): its SQLite copy is
    deselected the same way.
    """
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("database_url", ONE_ENGINE) if callspec else ONE_ENGINE
        if (engine == "sqlite" and item.get_closest_marker("server_engine")) or (
                not BOTH_ENGINES and engine != ONE_ENGINE
                and item.get_closest_marker("one_engine")):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    """A database built from empty by the Alembic migrations, once per engine."""
    instance = tmp_path_factory.mktemp(f"instance-{request.param}")
    if request.param == "sqlite":
        url = "sqlite:///" + str(instance / "test.sqlite3")
    else:
        if not PG_URL:
            need("PostgreSQL", "set TEST_DATABASE_URL=postgresql+psycopg://user@host/db")
        url = PG_URL
        try:
            _reset_postgres(url)
        except sa.exc.OperationalError as exc:
            need("PostgreSQL", f"cannot connect to {url}: {exc.orig}")
    _migrate(url, instance)
    return url


def _empty_postgres_tables(tables: list[sa.Table]) -> None:
    """TRUNCATE only the tables that hold rows, then restart every sequence used since.

    A TRUNCATE costs PostgreSQL new files for each table it names, rows or not (about
    70 ms for all of them, on every test); most tests write to a few tables. Sequences are
    restarted apart from the TRUNCATE, because an insert that was rolled back leaves its
    table empty and its sequence moved on; each test still starts at id 1.
    """
    held = db.session.execute(sa.select(*(
        sa.exists(sa.select(sa.literal(1)).select_from(t)) for t in tables))).one()
    names = [t.name for t, rows in zip(tables, held, strict=True) if rows]
    if names:  # CASCADE: also whatever refers to them; the comments' trigger empties tallies
        db.session.execute(sa.text(f"TRUNCATE {', '.join(names)} CASCADE"))
    db.session.execute(sa.text(
        "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)"
        " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"))


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        _empty_postgres_tables(tables)
    else:
        for table in tables:
            db.session.execute(table.delete())
        # AUTOINCREMENT tables remember the highest id: start each test at 1, as
        # RESTART IDENTITY does on PostgreSQL.
        db.session.execute(sa.text("DELETE FROM sqlite_sequence"))
    db.session.commit()


@pytest.fixture
def app_config() -> dict:
    """Per-test overrides; tests override this fixture to change settings."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config) -> Iterator[Flask]:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "SERVER_NAME": "blog.test",
        "RATELIMIT_ENABLED": False,
        # Tests post faster than any reader: readers first is off but where a test
        # sets a share (tests/test_readers_first.py).
        "WRITE_SHARE": 1.0,
        "INSTANCE_PATH": str(tmp_path),
    }
    config.update(app_config)
    app = create_app(config)
    with app.app_context():
        _empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Staff:
    """Create staff accounts and log clients in, as flaskr's `auth` fixture does."""

    PASSWORD = "correct horse battery"

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client

    def create(self, email: str, role: str = "owner", password: str | None = None) -> int:
        from blogapp.models import User

        with self.app.app_context():
            user = User(email=email, role=role, display_name=email.split("@")[0])
            user.set_password(password or self.PASSWORD)
            db.session.add(user)
            db.session.commit()
            return user.id

    def login(self, email: str = "owner@example.com", password: str | None = None,
              client: FlaskClient | None = None):
        client = client or self.client
        token = csrf_from(client.get("/login").get_data(as_text=True))
        return client.post("/login", data={"email": email, "password": password or self.PASSWORD,
                                           "csrf_token": token})

    def login_as(self, role: str, client: FlaskClient | None = None) -> int:
        email = f"{role}@example.com"
        user_id = self.create(email, role)
        response = self.login(email, client=client)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user_id


@pytest.fixture
def staff(app, client) -> Staff:
    return Staff(app, client)


def post_form(client: FlaskClient, form_url: str, data: dict, action: str | None = None,
              **kwargs):
    """Post *data* to the form on *form_url* with that page's CSRF token, as a browser would."""
    page = client.get(form_url)
    payload = {"csrf_token": csrf_from(page.get_data(as_text=True)), **data}
    return client.post(action or form_url, data=payload, **kwargs)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole test session (each test opens its own contexts)."""
    from tests.security.browser import CHROMIUM, LAUNCH_ARGS, chromium_available

    reason = chromium_available()
    if reason:
        need("Chromium", reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        except Exception as exc:  # a browser that cannot start is a missing browser
            need("Chromium", f"cannot launch {CHROMIUM}: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture
def smtp():
    """A real SMTP server on loopback (aiosmtpd); its inbox is what the test reads."""
    from tests.mail_helpers import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()
