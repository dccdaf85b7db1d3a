"""Work done off the request path: spam checks, Akismet feedback, notification mail.

SPAM_CHECK_MODE chooses where it runs:
- "inline": in the request, bounded by AKISMET_TIMEOUT (simple; used by most tests);
- "thread": a small in-process thread pool (one machine, no extra server);
- "rq": RQ workers on Redis (RQ_REDIS_URL) for sites that outgrow one machine.
Whatever the mode, the comment row records what is owed, so nothing is lost when a
process dies: `flask --app wsgi comments recheck` picks it up.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app

log = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None
MAIL_TASKS = frozenset({"notify", "notify_author"})
_said_local_only = False


def register_jobs(app: Flask) -> None:
    """Say once per process when spam screening runs on local rules only."""
    global _said_local_only
    from blogapp.comments.akismet import config_from_mapping

    if not config_from_mapping(app.config).enabled and not _said_local_only:
        _said_local_only = True
        app.logger.warning("Akismet is not configured (AKISMET_API_KEY, AKISMET_BLOG_URL): "
                           "comments are screened by local rules only.")


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="blogapp-jobs")
    return _executor


def dispatch(task: str, comment_id: int) -> None:
    """Run *task* ("spam_check" or "feedback") for a comment in the configured place."""
    app = current_app._get_current_object()
    if task in MAIL_TASKS and not app.config.get("MAIL_SERVER"):
        return  # mail is off: nothing to do, no job to queue
    mode = app.config.get("SPAM_CHECK_MODE", "thread")
    if mode == "inline":
        run_task(app, task, comment_id)
    elif mode == "rq":
        _rq_queue(app).enqueue("blogapp.comments.jobs.rq_task", task, comment_id)
    else:
        _pool().submit(_guarded, app, task, comment_id)


def _guarded(app: Flask, task: str, comment_id: int) -> None:
    try:
        run_task(app, task, comment_id)
    except Exception:  # the row still says what is owed; recheck will retry
        log.exception("background %s for comment %s failed", task, comment_id)


def run_task(app: Flask, task: str, comment_id: int) -> None:
    from blogapp.comments.akismet import config_from_mapping
    from blogapp.comments.settings import load_settings
    from blogapp.comments.spam_checks import run_spam_check, send_feedback
    from blogapp.extensions import db

    with app.app_context():
        try:
            config = config_from_mapping(app.config)
            if task == "spam_check":
                status = run_spam_check(comment_id, config, load_settings(app.config))
                if status == "pending":
                    _notify(comment_id)
            elif task == "notify":
                _notify(comment_id)
            elif task == "notify_author":
                from blogapp.comments.notify import send_approved_notification

                send_approved_notification(comment_id)
            elif task == "feedback":
                send_feedback(comment_id, config)
            else:
                raise ValueError(f"unknown task {task!r}")
        finally:
            db.session.remove()


def _notify(comment_id: int) -> None:
    from blogapp.comments.notify import send_held_notification

    send_held_notification(comment_id)


def wait_for_jobs() -> None:
    """Finish every queued in-process job (tests and shutdown)."""
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=True)
        _executor = None


def _rq_queue(app: Flask):
    from redis import Redis
    from rq import Queue

    return Queue("blogapp", connection=Redis.from_url(app.config["RQ_REDIS_URL"]))


_rq_app: Flask | None = None


def rq_task(task: str, comment_id: int) -> None:
    """Entry point for RQ workers (`rq worker blogapp`); builds the app from the environment."""
    global _rq_app
    if _rq_app is None:
        from blogapp import create_app

        _rq_app = create_app()
    run_task(_rq_app, task, comment_id)
