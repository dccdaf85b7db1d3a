"""Query budgets: the SQL statements a request runs do not grow with the comments.

Counts, not timings: every statement the engine sends is recorded with SQLAlchemy's
``before_cursor_execute`` event, and each page is asked for with few and with many
comments behind it. The counts must be equal, and stay within a small budget.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from blogapp.blog.reader_connection import DriverQuery
from blogapp.extensions import db
from blogapp.models.base import utcnow
from tests.factories import make_article
from tests.moderation_helpers import bulk_comments, new_article

FORM_TOKEN_RE = re.compile(r'name="form_token"[^>]*value="([^"]+)"')
ACTION_RE = re.compile(r'<form action="([^"]+)"[^>]*id="commentform"')
COMMENT_ID_RE = re.compile(r"#comment-(\d+)$")

_texts = itertools.count(1)

# Upper bounds, generous enough for small changes, far below anything that grows.
ARTICLE_PAGE_BUDGET = 8  # a version's first view: looked up before Flask, then rendered
STORED_PAGE_BUDGET = 1  # every later view: the version row beside the settings rows
COMMENT_POST_BUDGET = 14
QUEUE_PAGE_BUDGET = 8
DASHBOARD_PAGE_BUDGET = 8


@pytest.fixture
def app_config() -> dict:
    return {
        "DISCUSSION_FORM_MIN_SECONDS": 0,
        "SPAM_CHECK_MODE": "inline",
        "DISCUSSION_FLOOD_SECONDS": 0,
        # Published at once, so that the form builds the approved threads the page shows.
        "DISCUSSION_MANUAL_APPROVAL": False,
        "DISCUSSION_AUTO_APPROVE_KNOWN_AUTHORS": False,
    }


@contextmanager
def counting(app: Flask, commits: bool = False) -> Iterator[list[str]]:
    """Record every SQL statement sent while the block runs: through the engine, and on
    the bare cursors of the readers' page middleware (blogapp.blog.reader_pages); with
    *commits*, a "COMMIT" line where each transaction ends."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(" ".join(statement.split()))

    def record_commit(conn) -> None:
        statements.append("COMMIT")

    driver_run = DriverQuery._run

    def record_driver(query: DriverQuery, cursor, params) -> None:
        statements.append(" ".join(query.sql.split()))
        driver_run(query, cursor, params)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    if commits:
        event.listen(engine, "commit", record_commit)
    DriverQuery._run = record_driver  # type: ignore[method-assign]
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        if commits:
            event.remove(engine, "commit", record_commit)
        DriverQuery._run = driver_run  # type: ignore[method-assign]


class Reader:
    """A browser that opens an article's form once and posts through it."""

    def __init__(self, app: Flask, slug: str) -> None:
        self.client = app.test_client()
        self.page = f"/articles/{slug}"
        html = self.client.get(self.page).get_data(as_text=True)
        self.fields = {"form_token": FORM_TOKEN_RE.search(html).group(1)}
        self.action = ACTION_RE.search(html).group(1)
        self.posted = 0

    def post(self, parent: int = 0):
        self.posted += 1
        return self.client.post(self.action, data={
            **self.fields, "comment": f"Comment number {next(_texts)}, with a thought or two.",
            "author": f"Reader {self.posted % 7}", "email": f"r{self.posted % 7}@example.org",
            "url": "", "comment_parent": str(parent)})

    def thread(self, count: int) -> list[int]:
        """Post *count* comments: every third starts a thread, the others reply to the
        comment before them while the thread is shallower than three levels."""
        ids: list[int] = []
        depth: dict[int, int] = {}
        for n in range(count):
            parent = ids[-1] if ids and n % 3 and depth[ids[-1]] < 3 else 0
            response = self.post(parent)
            assert response.status_code == 303, response.get_data(as_text=True)
            new = int(COMMENT_ID_RE.search(response.headers["Location"]).group(1))
            depth[new] = depth.get(parent, 0) + 1
            ids.append(new)
        return ids


def article_with_comments(app: Flask, count: int, title: str) -> tuple[str, list[int]]:
    with app.app_context():
        slug = make_article(title).slug
    return slug, Reader(app, slug).thread(count)


def page_statements(app: Flask, slug: str) -> tuple[list[str], list[str]]:
    """Statements of a new reader's first view (list rendered) and of the next one."""
    reader = app.test_client()
    with counting(app) as first:
        assert reader.get(f"/articles/{slug}").status_code == 200
    with counting(app) as again:
        assert app.test_client().get(f"/articles/{slug}").status_code == 200
    return first, again


def test_article_page_runs_the_same_queries_for_5_and_60_comments(app):
    few, few_ids = article_with_comments(app, 5, "Few comments")
    many, many_ids = article_with_comments(app, 60, "Many comments")
    assert len(few_ids) == 5 and len(many_ids) == 60

    few_first, few_again = page_statements(app, few)
    many_first, many_again = page_statements(app, many)

    assert len(many_first) == len(few_first), "\n".join(many_first)
    assert len(many_again) == len(few_again), "\n".join(many_again)
    assert len(many_first) <= ARTICLE_PAGE_BUDGET, "\n".join(many_first)
    assert len(many_again) <= STORED_PAGE_BUDGET, "\n".join(many_again)


def test_comment_post_runs_the_same_queries_for_5_and_60_comments(app):
    counts = {}
    for existing in (5, 60):
        slug, ids = article_with_comments(app, existing, f"{existing} comments")
        reader = Reader(app, slug)
        with counting(app) as thread_start:
            assert reader.post().status_code == 303
        with counting(app) as reply:
            assert reader.post(parent=ids[0]).status_code == 303
        counts[existing] = (thread_start, reply)

    for few, many in zip(counts[5], counts[60], strict=True):
        assert len(many) == len(few), "\n".join(many)
        assert len(many) <= COMMENT_POST_BUDGET, "\n".join(many)


def test_a_readers_post_asks_the_staff_accounts_within_the_historys_select(app):
    """The impersonation check needs every staff account's email and name: they come in
    the history's one SELECT (a JSON list), not in a round trip of their own."""
    slug, ids = article_with_comments(app, 3, "Staff facts")
    reader = Reader(app, slug)
    for parent in (0, ids[0]):
        with counting(app) as statements:
            assert reader.post(parent=parent).status_code == 303
        on_their_own = [s for s in statements if s.startswith("SELECT users.")]
        assert on_their_own == [], "\n".join(statements)
        assert sum("FROM users" in s for s in statements) == 1, "\n".join(statements)


def write_transaction(statements: list[str]) -> list[str]:
    """The statements of the transaction that inserts the comment, up to its COMMIT."""
    insert = next(i for i, s in enumerate(statements) if s.startswith("INSERT INTO comments"))
    start = max(i for i in range(insert) if statements[i] == "COMMIT") + 1
    return statements[start:statements.index("COMMIT", insert)]


def test_comment_post_writes_in_a_transaction_of_its_own(app):
    """Every check of a post reads in a transaction that ends before the INSERT; the
    writing one holds the landing page's count (one indexed count of the article's
    threads, so the page is the one the comment is stored on), the INSERT and the
    article's counter UPDATE alone (on SQLite it takes the write lock that other writers
    queue on; on PostgreSQL, the article's row)."""
    slug, ids = article_with_comments(app, 3, "Locks")
    reader = Reader(app, slug)
    with counting(app, commits=True) as statements:
        assert reader.post(parent=ids[0]).status_code == 303
    writes = write_transaction(statements)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert statements.count("BEGIN IMMEDIATE") == 1, "\n".join(statements)
        assert writes[0] == "BEGIN IMMEDIATE", "\n".join(writes)
        writes = writes[1:]
    assert [w.split()[0] for w in writes] == ["SELECT", "INSERT", "UPDATE"], (
        "\n".join(statements))
    assert writes[0].startswith("SELECT count(comments.id)"), writes[0]


@pytest.mark.server_engine
@pytest.mark.parametrize("joins", ["a new thread", "a reply", "a reply to a reply"])
def test_a_held_post_on_a_server_writes_in_one_statement_of_its_own(app, joins):
    """On PostgreSQL a held comment's INSERT and the count of the page it lands on are
    one statement on an autocommit connection: one round trip, where a transaction of
    its own takes four (BEGIN, the count, the INSERT, COMMIT). The count sees the
    threads before the comment, as in a transaction: the page in the answer is the one
    it is stored on."""
    from blogapp.comments.settings import save_settings

    slug, ids = article_with_comments(app, 7, "Held in one statement")  # 3 threads
    with app.app_context():
        save_settings({"comments_per_page": 1, "default_page": "oldest"})
    app.config["DISCUSSION_MANUAL_APPROVAL"] = True
    parent = {"a new thread": 0, "a reply": ids[3], "a reply to a reply": ids[4]}[joins]
    autocommit = []
    with app.app_context():
        engine = db.engine

    def driver_mode(conn, cursor, statement, *args) -> None:
        if "INSERT INTO comments" in statement:
            autocommit.append(cursor.connection.autocommit)

    event.listen(engine, "before_cursor_execute", driver_mode)
    try:
        with counting(app) as statements:
            response = Reader(app, slug).post(parent=parent)
    finally:
        event.remove(engine, "before_cursor_execute", driver_mode)
    assert response.status_code == 303, response.get_data(as_text=True)
    writes = [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE", "WITH")]
    assert len(writes) == 1 and writes[0].startswith("WITH inserted AS (INSERT INTO comments"), (
        "\n".join(statements))
    assert "count(comments.id)" in writes[0] and autocommit == [True]
    # each thread on a page of its own: a new thread after the three, a reply on the second
    page = {"a new thread": 4, "a reply": 2, "a reply to a reply": 2}[joins]
    new = COMMENT_ID_RE.search(response.headers["Location"]).group(1)
    assert response.headers["Location"].endswith(f"cpage={page}#comment-{new}")
    with app.app_context():
        from blogapp.models import Comment

        stored = db.session.get(Comment, int(new))
        assert stored.status == "pending" and stored.parent_id == (parent or None)


def add_pending(app: Flask, slug: str, count: int) -> None:
    app.config["DISCUSSION_MANUAL_APPROVAL"] = True
    try:
        reader = Reader(app, slug)
        for _ in range(count):
            assert reader.post().status_code == 303
    finally:
        app.config["DISCUSSION_MANUAL_APPROVAL"] = False


def queue_statements(app: Flask, client: FlaskClient) -> list[str]:
    with counting(app) as statements:
        response = client.get("/admin/comments?status=pending")
    assert response.status_code == 200
    return statements


def test_moderation_queue_runs_the_same_queries_for_10_and_60_pending(app, client, staff):
    if not any(rule.rule == "/admin/comments" for rule in app.url_map.iter_rules()):
        pytest.skip("moderation queue not built yet")
    with app.app_context():
        slugs = [make_article(f"Article {n}").slug for n in range(3)]
    staff.login_as("moderator")
    for slug in slugs:
        add_pending(app, slug, 3)
    add_pending(app, slugs[0], 1)
    ten = queue_statements(app, client)

    for slug in slugs:
        add_pending(app, slug, 17)
    sixty = queue_statements(app, client)

    assert len(sixty) == len(ten), "\n".join(sixty)
    assert len(sixty) <= QUEUE_PAGE_BUDGET, "\n".join(sixty)


def spread_comments(app: Flask, article_id: int, per_status: int) -> None:
    """Bulk-insert *per_status* comments in each status, spread over the last 40 days."""
    step = timedelta(days=40) / per_status
    for status in ("pending", "approved", "spam", "trash"):
        bulk_comments(app, article_id, per_status, status, created_at=utcnow(), step=step)


def staff_page_statements(app: Flask, client: FlaskClient, url: str) -> list[str]:
    with counting(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


STAFF_PAGES = {
    "dashboard": ("/admin/", DASHBOARD_PAGE_BUDGET),
    "pending tab": ("/admin/comments?status=pending", QUEUE_PAGE_BUDGET),
    "spam tab": ("/admin/comments?status=spam", QUEUE_PAGE_BUDGET),
    "one article's tab": ("/admin/comments?status=approved&article={article}",
                          QUEUE_PAGE_BUDGET),
}


@pytest.mark.parametrize("page", list(STAFF_PAGES))
def test_staff_pages_run_the_same_queries_for_40_and_4000_comments(app, client, staff, page):
    staff.login_as("moderator")
    article_id = new_article(app)
    url, budget = STAFF_PAGES[page]
    url = url.format(article=article_id)
    spread_comments(app, article_id, 10)
    few = staff_page_statements(app, client, url)
    spread_comments(app, article_id, 990)
    many = staff_page_statements(app, client, url)

    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= budget, "\n".join(many)
    # Site-wide counts come from the tallies the triggers keep: nothing counts every comment
    # (one article's tab counts that article's comments, an index range).
    counting_all = [s for s in many
                    if "count(comments.id)" in s.lower() and "comments.article_id =" not in s]
    assert not counting_all, "\n".join(counting_all)
