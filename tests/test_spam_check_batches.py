"""Spam checks owed meanwhile are asked about in batches: one reading transaction for the
batch, Akismet asked a few at a time, one write transaction with each article's count
once; a row that changed while Akismet thought is applied on its own, as a single check's
would be (tests/test_spam_check_races.py)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, select

from blogapp.comments import jobs, spam_checks
from blogapp.comments.akismet import config_from_mapping
from blogapp.comments.policy import AkismetVerdict
from blogapp.comments.services import set_visible_status
from blogapp.comments.settings import load_settings
from blogapp.comments.state import OwedChecks, comments_state
from blogapp.extensions import db
from blogapp.models import Article, Comment
from tests.akismet_server import TEST_KEY, start_fake_akismet
from tests.comment_helpers import OPEN_DISCUSSION, open_article, post_comment

AKISMET_ON = {"AKISMET_API_KEY": TEST_KEY, "AKISMET_BLOG_URL": "http://blog.test"}


@pytest.fixture
def app_config():
    return {**OPEN_DISCUSSION, **AKISMET_ON}


def post_owed(app, client, monkeypatch, n: int) -> list[int]:
    """Post *n* comments (each its own author) whose checks stay owed; return their ids."""
    monkeypatch.setattr("blogapp.comments.jobs.dispatch", lambda task, cid: None)
    slug = open_article(app)
    for i in range(n):
        response = post_comment(client, slug, comment=f"Words to check, number {i}",
                                author=f"Reader {i}", email=f"reader{i}@example.org")
        assert response.status_code == 303
    with app.app_context():
        ids = list(db.session.scalars(select(Comment.id).order_by(Comment.id)))
        assert len(ids) == n
        return ids


def run_batch(app, ids, ask=spam_checks.ask_each):
    with app.app_context():
        return spam_checks.run_spam_checks(ids, config_from_mapping(app.config),
                                           load_settings(app.config), ask=ask)


def answering(verdict: AkismetVerdict, meanwhile=None, app=None):
    """An Akismet stand-in answering *verdict* to all, after *meanwhile* ran (and committed)
    in another session."""
    def ask(config, data):
        if meanwhile is not None:
            with app.app_context():
                meanwhile()
                db.session.commit()
        return [(verdict, verdict.value)] * len(data)
    return ask


def article(app) -> Article:
    with app.app_context():
        row = db.session.get(Article, 1)
        db.session.expunge(row)
        return row


def statuses(app) -> dict[int, tuple[str, str]]:
    with app.app_context():
        return {c.id: (c.status, c.spam_check) for c in db.session.scalars(select(Comment))}


@pytest.mark.parametrize("n", [1, 3, 7])
def test_a_batch_reads_once_and_writes_once_with_the_count_bumped_once(app, client,
                                                                      monkeypatch, n):
    ids = post_owed(app, client, monkeypatch, n)
    version = article(app).comments_version
    with app.app_context():
        engine = db.engine
    statements, commits = [], []
    listen = lambda *a: statements.append(a[2].split()[0])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    event.listen(engine, "commit", lambda conn: commits.append(1))
    try:
        results = run_batch(app, ids, answering(AkismetVerdict.HAM))
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert results == dict.fromkeys(ids, "approved")
    assert statuses(app) == dict.fromkeys(ids, ("approved", "ham"))
    # the settings, the comments, their article, one history each; one verdict each and
    # the article's count once
    assert statements.count("SELECT") == 3 + n
    assert statements.count("UPDATE") == n + 1
    assert len(commits) == 1
    after = article(app)
    assert after.comment_count == n and after.comments_version == version + 1


def test_a_batch_applies_what_still_fits_and_rereads_what_changed(app, client, monkeypatch):
    untouched, trashed, edited, deleted, approved = post_owed(app, client, monkeypatch, 5)

    def meanwhile():
        set_visible_status(db.session.get(Comment, trashed), "trash")
        db.session.get(Comment, edited).content = "Words fixed by their author"
        db.session.delete(db.session.get(Comment, deleted))
        set_visible_status(db.session.get(Comment, approved), "approved")

    results = run_batch(app, [untouched, trashed, edited, deleted, approved],
                        answering(AkismetVerdict.SPAM, meanwhile, app))
    assert results == {untouched: "spam", trashed: "trash", edited: "spam", deleted: None,
                       approved: "approved"}
    rows = statuses(app)
    assert rows == {untouched: ("spam", "spam"), trashed: ("trash", "spam"),
                    edited: ("spam", "spam"), approved: ("approved", "spam")}
    assert article(app).comment_count == 1  # the moderator's approval, counted once


def test_a_batch_skips_what_owes_nothing_and_ids_that_are_gone(app, client, monkeypatch):
    first, second = post_owed(app, client, monkeypatch, 2)
    assert run_batch(app, [first], answering(AkismetVerdict.HAM)) == {first: "approved"}
    asked = []

    def ask(config, data):
        asked.extend(d.comment_content for d in data)
        return [(AkismetVerdict.HAM, "ham")] * len(data)

    assert run_batch(app, [first, second, 999], ask) == {first: None, second: "approved",
                                                         999: None}
    assert asked == ["Words to check, number 1"]


def test_owed_checks_start_one_drainer_and_hand_out_oldest_first():
    checks = OwedChecks()
    assert [checks.add(i) for i in (1, 2, 3)] == [True, False, False]
    assert checks.take(2) == [1, 2]
    assert checks.add(4) is False  # the drainer is still at work
    assert checks.take(2) == [3, 4]
    assert checks.take(2) == []  # nothing left: the drainer ends...
    assert checks.add(5) is True  # ... so the next check starts a new one
    assert checks.take(2) == [5]


@pytest.mark.one_engine  # the process's queue, not the database
def test_a_drainer_that_could_not_start_does_not_block_the_next_one(app, monkeypatch):
    app.config["SPAM_CHECK_MODE"] = "thread"
    state = comments_state(app)

    class Refusing:
        def submit(self, *args):
            raise RuntimeError("cannot schedule new futures after interpreter shutdown")

    with app.app_context():
        monkeypatch.setattr(state, "pool", lambda: Refusing())
        with pytest.raises(RuntimeError):
            jobs.dispatch("spam_check", 1)
        started = []
        monkeypatch.setattr(state, "pool", lambda: type(
            "Pool", (), {"submit": lambda self, *a: started.append(a)})())
        jobs.dispatch("spam_check", 2)
    assert len(started) == 1  # a new drainer, for both
    assert state.checks.take(5) == [1, 2]


class HeldQuiet:
    """A worker load whose quiet moment comes when the test says."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.spent = 0.0

    def wait_quiet(self, seconds: float) -> None:
        assert self.released.wait(10)

    def spent_writing(self, seconds: float) -> None:
        self.spent += seconds


def test_posts_that_come_while_the_drainer_waits_are_asked_about_in_one_batch(
        app, client, monkeypatch):
    akismet = start_fake_akismet()
    try:
        app.config.update(SPAM_CHECK_MODE="thread", AKISMET_API_URL=akismet.url)
        load = HeldQuiet()
        monkeypatch.setattr(jobs, "worker_load", lambda app: load)
        batches = []
        real = jobs._spam_checks
        monkeypatch.setattr(jobs, "_spam_checks",
                            lambda app, ids, ask: (batches.append(list(ids)),
                                                   real(app, ids, ask)))
        slug = open_article(app)
        for i in range(5):
            post_comment(client, slug, comment=f"A rush of words {i}", author=f"Reader {i}",
                         email=f"reader{i}@example.org")
        assert statuses(app) == {i: ("pending", "owed") for i in range(1, 6)}
        load.released.set()
        jobs.wait_for_jobs(app)
        assert batches == [[1, 2, 3, 4, 5]]
        assert statuses(app) == {i: ("approved", "ham") for i in range(1, 6)}
        assert sum(path.endswith("comment-check") for path, _ in akismet.requests) == 5
        assert load.spent > 0  # the batch's CPU time counted as writes
        # the app's own Akismet client answered, from the asking threads too
        assert comments_state(app).akismet._clients
    finally:
        akismet.stop()


def test_a_slow_akismet_is_asked_several_at_once(app, client, monkeypatch):
    ids = post_owed(app, client, monkeypatch, 4)
    in_flight, peak, lock = [0], [0], threading.Lock()

    def slow_check(config, data):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.3)
        with lock:
            in_flight[0] -= 1
        return AkismetVerdict.HAM, "ham"

    monkeypatch.setattr(spam_checks, "check", slow_check)
    ask = jobs._ask_at_once(comments_state(app).asking_pool(), None)
    assert run_batch(app, ids, ask) == dict.fromkeys(ids, "approved")
    assert peak[0] > 1


def test_recheck_takes_the_owed_checks_in_batches(app, client, monkeypatch, runner):
    post_owed(app, client, monkeypatch, 5)
    monkeypatch.setattr("blogapp.comments.cli.BATCH", 2)
    monkeypatch.setattr(spam_checks, "check", lambda config, data: (AkismetVerdict.HAM, "ham"))
    result = runner.invoke(args=["comments", "recheck"])
    assert result.exit_code == 0 and "Spam checks: 5 approved." in result.output, result.output
    assert article(app).comment_count == 5
