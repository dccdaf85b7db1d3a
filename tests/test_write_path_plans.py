"""Every statement a comment post runs is served by an index on SQLite: none scans the
comments table, and none walks the parent_id index (which holds every thread of every
article under NULL, held spam included), so a post costs the same at a hundred comments
and at a million. (PostgreSQL plans by its statistics; the bench's P4 rows cover it.)"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, text

from blogapp.blog.reader_connection import DriverQuery
from blogapp.extensions import db
from tests.comment_helpers import OPEN_DISCUSSION, form_tokens, open_article, post_comment

pytestmark = pytest.mark.one_engine  # SQLite's query planner is what is checked
SCAN = re.compile(r"SCAN comments\b")


def walks(statement: str, plan: str) -> bool:
    """A full scan, or "parent_id IS NULL" served by the parent_id index (a reply's
    "parent_id = ?" is what that index is for)."""
    return bool(SCAN.search(plan)) or (
        "parent_id IS NULL" in statement and "ix_comments_parent_id" in plan)


@pytest.fixture
def app_config():
    return {**OPEN_DISCUSSION, "DISCUSSION_FLOOD_SECONDS": 30, "SPAM_CHECK_MODE": "inline"}


def plans_of_a_post(app, client, slug, **fields) -> dict[str, str]:
    tokens = form_tokens(client, slug)
    seen: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    # The refused-posts layer and the readers' pages run theirs on their own connection.
    real_run = DriverQuery._run

    def recording_run(self, cursor, params):
        class Recording:
            def execute(self, sql, values):
                seen.append((sql, tuple(values)))
                return cursor.execute(sql, values)

        return real_run(self, Recording(), params)

    event.listen(engine, "before_cursor_execute", record)
    DriverQuery._run = recording_run
    try:
        post_comment(client, slug, tokens, **fields)
    finally:
        DriverQuery._run = real_run
        event.remove(engine, "before_cursor_execute", record)
    plans = {}
    with app.app_context():
        connection = db.session.connection()
        for statement, parameters in seen:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans[statement] = " / ".join(row[-1] for row in rows)
        db.session.rollback()
    return plans


@pytest.mark.parametrize("case", ["new thread", "reply", "flood", "duplicate"])
def test_no_statement_of_a_post_walks_the_comments(app, client, case):
    slug = open_article(app)
    app.config["DISCUSSION_FLOOD_SECONDS"] = 0  # the readers before share one address
    for n in range(30):  # threads and replies to walk past, were an index missing
        other = app.test_client()
        post_comment(other, slug, form_tokens(other, slug), comment=f"Earlier words {n}",
                     email=f"reader{n}@example.org", author=f"Reader {n}")
    fields = {"comment": "Said once.", "email": "ann@example.org"}
    if case == "reply":
        fields["comment_parent"] = "1"
    app.config["DISCUSSION_FLOOD_SECONDS"] = 30 if case == "flood" else 0
    if case in ("flood", "duplicate"):
        post_comment(client, slug, **fields)
    plans = plans_of_a_post(app, client, slug, **fields)
    assert plans, "the post ran no SELECT"
    bad = {statement[:120]: plan for statement, plan in plans.items() if walks(statement, plan)}
    assert bad == {}
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM comments")).scalar() >= 30
