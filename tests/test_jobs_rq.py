"""Sites that outgrow one machine run spam checks on RQ workers over Redis."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from blogapp.comments import jobs
from blogapp.extensions import db
from blogapp.models import Comment
from tests.akismet_server import TEST_KEY, start_fake_akismet
from tests.comment_helpers import post_comment
from tests.conftest import REDIS_URL, need
from tests.factories import make_article


@pytest.fixture
def redis_conn():
    import redis

    conn = redis.Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except redis.exceptions.ConnectionError as exc:
        need("Redis", f"cannot reach {REDIS_URL}: {exc}")
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture
def akismet():
    server = start_fake_akismet()
    yield server
    server.stop()


@pytest.fixture
def app_config(akismet, database_url):
    # The worker builds a production app from the environment: it wants a real-sized key.
    return {"SECRET_KEY": "rq worker test secret, 32 bytes or more",
            "DISCUSSION_FORM_MIN_SECONDS": 0, "SPAM_CHECK_MODE": "rq",
            "RQ_REDIS_URL": REDIS_URL, "AKISMET_API_KEY": TEST_KEY,
            "AKISMET_BLOG_URL": "http://blog.test", "AKISMET_API_URL": akismet.url}


def test_rq_worker_runs_the_owed_check(app, client, redis_conn, akismet, monkeypatch,
                                       database_url):
    from rq import Queue, SimpleWorker

    from blogapp.comments.settings import save_settings

    with app.app_context():  # stored settings: the worker's app reads the same
        save_settings({"manual_approval": False, "auto_approve_known_authors": False})
        slug = make_article("Queued").slug
    response = post_comment(client, slug, comment="Checked by a worker")
    assert response.status_code == 303
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        assert (comment.status, comment.spam_check) == ("pending", "owed")
    queue = Queue("blogapp", connection=redis_conn)
    assert queue.count == 1

    # The worker builds the app from the environment, as `rq worker blogapp` would.
    for key, value in {"DATABASE_URL": database_url, "SECRET_KEY": app.config["SECRET_KEY"],
                       "AKISMET_API_KEY": TEST_KEY, "AKISMET_BLOG_URL": "http://blog.test",
                       "AKISMET_API_URL": akismet.url, "SITE_URL": "http://blog.test"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(jobs, "_worker_apps", {})
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        assert (comment.status, comment.spam_check) == ("approved", "ham")
    assert akismet.requests[-1][0].endswith("/comment-check")
    with jobs.worker_app().app_context():
        db.engine.dispose()
