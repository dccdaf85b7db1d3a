"""Work done off the request path: spam checks, Akismet feedback, notification mail
and draining the mail outbox (blogapp.mail).

SPAM_CHECK_MODE chooses where it runs:
- "inline": in the request, bounded by AKISMET_TIMEOUT (simple; used by most tests);
- "thread": the app's small in-process thread pool (one machine, no extra server); the
  spam checks owed meanwhile are taken in batches by one job (see _drain_checks);
- "rq": RQ workers on Redis (RQ_REDIS_URL) for sites that outgrow one machine; a worker
  builds the app with COMMENTS_RQ_APP_FACTORY.
Whatever the mode, the comment row records what is owed, so nothing is lost when a
process dies: `flask --app wsgi comments recheck` picks it up.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import TYPE_CHECKING

from flask import Flask, current_app
from werkzeug.utils import import_string

if TYPE_CHECKING:
    from rq import Queue

from blogapp.comments import spam_checks
from blogapp.comments.akismet import AkismetConfig, CommentData, config_from_mapping
from blogapp.comments.notify import send_approved_notification, send_held_notification
from blogapp.comments.policy import AkismetVerdict, CommentStatus
from blogapp.comments.settings import load_settings
from blogapp.comments.spam_checks import BATCH, Ask, ask_each, run_spam_checks, send_feedback
from blogapp.comments.state import comments_state
from blogapp.database import read_only
from blogapp.extensions import db
from blogapp.mail.pump import run_mail_job
from blogapp.worker_load import WorkerLoad, worker_load

log = logging.getLogger(__name__)
RQ_QUEUE = "blogapp"


class Task(enum.StrEnum):
    SPAM_CHECK = "spam_check"  # ask Akismet; mail the moderators if it stays held
    FEEDBACK = "feedback"  # tell Akismet a moderator disagreed
    NOTIFY = "notify"  # mail the moderators about a held comment
    NOTIFY_AUTHOR = "notify_author"  # mail the article's author about an approved one
    MAIL = "mail"  # send what is due in the outbox (the comment id is unused: 0)


MAIL_TASKS = frozenset({Task.NOTIFY, Task.NOTIFY_AUTHOR, Task.MAIL})


def dispatch(task: str, comment_id: int) -> None:
    """Run *task* for a comment in the configured place."""
    task = Task(task)
    app = current_app._get_current_object()
    if task in MAIL_TASKS and not app.config.get("MAIL_SERVER"):
        return  # mail is off: nothing to do, no job to queue
    mode = app.config["SPAM_CHECK_MODE"]
    if mode == "inline":
        run_task(app, task, comment_id)
    elif mode == "rq":
        _rq_queue(app).enqueue(rq_task, task.value, comment_id,
                               app.config["COMMENTS_RQ_APP_FACTORY"])
    elif task is Task.SPAM_CHECK:
        state = comments_state(app)
        if state.checks.add(comment_id):  # no drainer on its way: start one
            try:
                state.pool().submit(_drain_checks, app)
            except BaseException:  # e.g. the interpreter shutting down
                state.checks.abandon()
                raise
    else:
        comments_state(app).pool().submit(_guarded, app, task, comment_id)


def _guarded(app: Flask, task: Task, comment_id: int) -> None:
    """Run a pool job after a quiet moment (readers first), its CPU time counted as a
    write of this worker (blogapp.readers_first)."""
    load = worker_load(app)
    if load is not None:
        load.wait_quiet(app.config["COMMENTS_JOB_QUIET_SECONDS"])
    began = time.thread_time()
    try:
        run_task(app, task, comment_id)
    except Exception:  # the row still says what is owed; recheck will retry
        log.exception("background %s for comment %s failed", task, comment_id)
    finally:
        if load is not None:
            load.spent_writing(time.thread_time() - began)


def _drain_checks(app: Flask) -> None:
    """Take this process's owed spam checks in batches until none is left: each batch
    after a quiet moment (readers first), its CPU time and its Akismet calls' counted as
    writes. Posts that come while a batch waits join it: under a rush of posts one job
    waits, not one per post, and the batch shares its reads, transactions and counts."""
    state, load = comments_state(app), worker_load(app)
    while True:
        if load is not None:
            load.wait_quiet(app.config["COMMENTS_JOB_QUIET_SECONDS"])
        batch = state.checks.take(BATCH)
        if not batch:
            return
        began = time.thread_time()
        try:
            with app.app_context():
                try:
                    _spam_checks(app, batch, _ask_at_once(state.asking_pool(), load))
                finally:
                    db.session.remove()
        except Exception:  # the rows still say what is owed; recheck will retry
            log.exception("background spam checks for comments %s failed", batch)
        finally:
            if load is not None:
                load.spent_writing(time.thread_time() - began)


def _ask_at_once(pool: ThreadPoolExecutor, load: WorkerLoad | None) -> Ask:
    """Ask Akismet about a batch's comments a few at a time on *pool* (a slow Akismet
    then costs the batch its slowest answers, not their sum), in the asking thread's
    context (its app: its Akismet client), each call's CPU time counted as writes."""
    def one(config: AkismetConfig, data: CommentData) -> tuple[AkismetVerdict, str]:
        began = time.thread_time()
        try:
            return spam_checks.check(config, data)
        finally:
            if load is not None:
                load.spent_writing(time.thread_time() - began)

    def ask(config: AkismetConfig, data: list[CommentData]) -> list[tuple[AkismetVerdict, str]]:
        if len(data) < 2 or not config.enabled:
            return spam_checks.ask_each(config, data)
        return [f.result() for f in [pool.submit(copy_context().run, one, config, item)
                                     for item in data]]
    return ask


def _spam_check(app: Flask, comment_id: int) -> None:
    _spam_checks(app, [comment_id])


def _spam_checks(app: Flask, comment_ids: list[int], ask: Ask = ask_each) -> None:
    with read_only():  # the checks' reading transaction starts here: no write lock
        settings = load_settings(app.config)
    statuses = run_spam_checks(comment_ids, config_from_mapping(app.config), settings,
                               ask=ask)
    for comment_id, status in statuses.items():
        if status == CommentStatus.PENDING:
            send_held_notification(comment_id)


HANDLERS: dict[Task, Callable[[Flask, int], object]] = {
    Task.SPAM_CHECK: _spam_check,
    Task.FEEDBACK: lambda app, cid: send_feedback(cid, config_from_mapping(app.config)),
    Task.NOTIFY: lambda app, cid: send_held_notification(cid),
    Task.NOTIFY_AUTHOR: lambda app, cid: send_approved_notification(cid),
    Task.MAIL: lambda app, _: run_mail_job(app),
}


def run_task(app: Flask, task: str, comment_id: int) -> None:
    with app.app_context():
        try:
            HANDLERS[Task(task)](app, comment_id)
        finally:
            db.session.remove()


def wait_for_jobs(app: Flask | None = None) -> None:
    """Finish every job queued in the app's pool (tests and shutdown)."""
    comments_state(app).wait_for_jobs()


def _rq_queue(app: Flask) -> Queue:
    """RQ's queue (imported here: a thread-mode worker never loads RQ and Redis' client)."""
    from redis import Redis
    from rq import Queue

    return Queue(RQ_QUEUE, connection=Redis.from_url(app.config["RQ_REDIS_URL"]))


#: RQ workers have no app: each builds one per factory, once per process.
_worker_apps: dict[str, Flask] = {}


def worker_app(factory: str = "blogapp:create_app") -> Flask:
    """Return the app an RQ worker runs jobs in, built by *factory* from the environment."""
    if factory not in _worker_apps:
        _worker_apps[factory] = import_string(factory.replace(":", "."))()
    return _worker_apps[factory]


def rq_task(task: str, comment_id: int, factory: str = "blogapp:create_app") -> None:
    """Entry point for RQ workers (`rq worker blogapp`)."""
    run_task(worker_app(factory), task, comment_id)
