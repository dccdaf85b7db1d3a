"""Shared pieces of the security proofs: figures printed at the end of the run, a fresh
SQLite app for module-long tests, a live server on loopback, and page helpers."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter
from werkzeug.serving import WSGIRequestHandler, make_server

from blogapp import create_app
from blogapp.extensions import db
from tests import figures as figures_plugin
from tests.conftest import _migrate

# A permissive discussion: the security tests post many comments quickly.
FAST_DISCUSSION = {
    "DISCUSSION_FORM_MIN_SECONDS": 0,
    "DISCUSSION_FLOOD_SECONDS": 0,
    "DISCUSSION_DUPLICATE_CHECK": False,
}
SECTION = "security figures"


@pytest.fixture(scope="session")
def record_figures() -> Any:
    """Record a line of figures under a name (for module-scoped fixtures)."""
    return lambda name, line: figures_plugin.record(SECTION, f"{name}: {line}")


@pytest.fixture
def figures(request, record_figures) -> Any:
    """Record a line of figures under the test's name; printed in the terminal summary."""
    name = request.node.nodeid.split("::", 1)[-1]
    return lambda line: record_figures(name, line)


@pytest.fixture
def tally() -> Any:
    """Add counts to a named total printed once (for parametrized tests)."""
    return lambda name, **counts: figures_plugin.tally(SECTION, name, **counts)


def sqlite_app(directory: Path, **config: Any) -> Flask:
    """Build an app on a new SQLite file migrated from empty (for module-long tests)."""
    url = "sqlite:///" + str(directory / "security.sqlite3")
    _migrate(url, directory)
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "security-test-secret",
        "RATELIMIT_ENABLED": False,
        "WRITE_SHARE": 1.0,  # corpora post faster than readers first allows
        "INSTANCE_PATH": str(directory),
        "SPAM_CHECK_MODE": "inline",
        **FAST_DISCUSSION,
    }
    settings.update(config)
    return create_app(settings)


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:
        """No access log in the test output."""


class LiveServer:
    """The app served by werkzeug on 127.0.0.1 in a background thread (threaded)."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True,
                                  request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def live_server_factory() -> Iterator[Any]:
    servers: list[LiveServer] = []

    def start(app: Flask) -> LiveServer:
        server = LiveServer(app).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


FORM_TOKEN_RE = re.compile(r'name="form_token" value="([^"]*)"')


def form_token_from(html: str) -> str:
    match = FORM_TOKEN_RE.search(html)
    assert match, "no form_token in the page"
    return match.group(1)


# -- A small seeded site and URLs for every rule of the URL map ----------------------------

# Values for string arguments of URL rules (integers come from the seeded ids).
STRING_ARGS = {"action": "approve", "filename": "style.css"}


def seed_small_site(app: Flask) -> dict[str, Any]:
    """Publish an article with an approved and a pending comment; return the ids by the
    names URL rules use for them."""
    from blogapp.comments.policy import CommentStatus
    from blogapp.comments.services import set_visible_status
    from blogapp.models import User
    from tests.factories import make_article

    with app.app_context():
        article = make_article("Seeded article", "Some *text*.")
        user = User(email="invited@ok.example", role="moderator", display_name="Invited")
        user.set_password("a long enough password")
        db.session.add(user)
        db.session.commit()
        approved = add_comment(article.id, "An approved comment.")
        pending = add_comment(article.id, "A pending comment.", email="other@ok.example",
                              ip="192.0.2.11")
        set_visible_status(db.session.get(type(approved), approved.id),
                           CommentStatus.APPROVED.value)
        db.session.commit()
        return {"article_id": article.id, "slug": article.slug, "comment_id": approved.id,
                "pending_id": pending.id, "user_id": user.id}


def add_comment(article_id: int, text: str, *, email: str = "reader@ok.example",
                ip: str = "192.0.2.10", author: str = "Reader", user_agent: str = "UA"):
    """Store a comment through the pipeline's service (pending by default)."""
    from blogapp.comments.entry import Accepted, Door, Entry
    from blogapp.comments.pipeline import submit
    from blogapp.extensions import db
    from blogapp.models import Comment

    outcome = submit(Entry(target_id=article_id, author=author, email=email, url="",
                           content=text, ip=ip, user_agent=user_agent), door=Door.IMPORT)
    assert isinstance(outcome, Accepted), outcome
    return db.session.get(Comment, outcome.comment_id)


def rule_url(rule, ids: dict[str, Any]) -> str:
    """Build a URL for *rule* from the seeded ids."""
    values = {}
    for arg in rule.arguments:
        if arg in ids:
            values[arg] = ids[arg]
        elif isinstance(rule._converters[arg], IntegerConverter):
            values[arg] = ids["comment_id"]
        else:
            values[arg] = STRING_ARGS.get(arg, "x")
    return rule.build(values, append_unknown=False)[1]


def rules_with(app: Flask, method: str) -> list:
    return sorted((r for r in app.url_map.iter_rules() if method in r.methods),
                  key=lambda r: r.rule)
