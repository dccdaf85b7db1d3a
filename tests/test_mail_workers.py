"""Whatever SPAM_CHECK_MODE says, the job worker drains the outbox: the in-process job
threads (a timer for the next retry), or RQ workers (the next retry scheduled on Redis)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from blogapp.comments import jobs
from blogapp.extensions import db
from blogapp.mail import pump
from blogapp.mail.outbox import Mail, queue_mail
from blogapp.models import OutboxMessage
from tests.conftest import REDIS_URL, need
from tests.moderation_helpers import QUIET


def queue(app, subject="Hello") -> None:
    with app.app_context():
        queue_mail(Mail(to="reader@example.org", subject=subject, text="Words.\n"))
        db.session.commit()


def statuses(app) -> list[tuple[str, int]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            select(OutboxMessage.status, OutboxMessage.attempts).order_by(OutboxMessage.id))]


class TestThreadMode:
    @pytest.fixture
    def app_config(self, smtp):
        return {**QUIET, **smtp.config(), "SPAM_CHECK_MODE": "thread"}

    def test_the_job_threads_send_and_set_a_timer_for_the_retry(self, app, smtp):
        queue(app)
        jobs.wait_for_jobs(app)
        assert statuses(app) == [("sent", 1)] and len(smtp.mail) == 1

        smtp.stop()
        queue(app, "Second")
        jobs.wait_for_jobs(app)
        try:
            assert statuses(app)[1] == ("failed", 1)
            assert any(timer.is_alive() for _, timer in pump._timers.values())
        finally:
            pump.cancel_wakes()


class TestRqMode:
    @pytest.fixture
    def redis_conn(self):
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
    def app_config(self, smtp):
        return {**QUIET, **smtp.config(), "SPAM_CHECK_MODE": "rq", "RQ_REDIS_URL": REDIS_URL,
                "SECRET_KEY": "rq worker test secret, 32 bytes or more"}

    @pytest.fixture
    def worker_env(self, app, smtp, monkeypatch, database_url):
        """What `rq worker blogapp` would have in its environment."""
        for key, value in {"DATABASE_URL": database_url, "SECRET_KEY": app.config["SECRET_KEY"],
                           "SITE_URL": "http://blog.test", "MAIL_SERVER": "127.0.0.1",
                           "MAIL_PORT": str(smtp.port), "MAIL_SENDER": "blog@blog.test",
                           "BLOGAPP_SPAM_CHECK_MODE": "rq",
                           "BLOGAPP_RQ_REDIS_URL": REDIS_URL}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(jobs, "_worker_apps", {})
        yield
        for worker_app in jobs._worker_apps.values():
            with worker_app.app_context():
                db.engine.dispose()

    def test_an_rq_worker_sends_and_schedules_the_retry(self, app, smtp, redis_conn,
                                                        worker_env):
        from rq import Queue, SimpleWorker
        from rq.registry import ScheduledJobRegistry

        queue(app)
        rq_queue = Queue("blogapp", connection=redis_conn)
        assert rq_queue.count == 1 and statuses(app) == [("queued", 0)]
        SimpleWorker([rq_queue], connection=redis_conn).work(burst=True)
        assert statuses(app) == [("sent", 1)] and len(smtp.mail) == 1

        scheduled = ScheduledJobRegistry(queue=rq_queue)
        for job_id in scheduled.get_job_ids():  # the claim's rescue: a no-op now
            scheduled.remove(job_id, delete_job=True)
        smtp.stop()
        queue(app, "Second")
        SimpleWorker([rq_queue], connection=redis_conn).work(burst=True)
        assert statuses(app)[1] == ("failed", 1)
        assert len(scheduled.get_job_ids()) >= 1  # the retry waits on Redis's scheduler
