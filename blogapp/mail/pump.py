"""Waking a sender: in the request (inline), on the job threads (thread) or on RQ (rq).

Whatever wakes it, the sender only drains due rows of the outbox, so a lost wake-up costs
a delay, never a message: a thread-mode process sweeps on its first request, a sweep that
leaves rows for later schedules the next one, and `flask --app wsgi mail send` (cron)
drains whatever is due.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask

from blogapp.models.base import utcnow

log = logging.getLogger(__name__)

_timers: dict[int, tuple[datetime, threading.Timer]] = {}
_timers_lock = threading.Lock()
_swept: set[int] = set()


def wake_sender(app: Flask) -> None:
    """Have the configured job worker send what is due now."""
    from blogapp.comments import jobs  # not at the top: jobs runs this module's job

    with app.app_context():
        jobs.dispatch("mail", 0)


def run_mail_job(app: Flask) -> None:
    """The "mail" job: send what is due, then arrange the next look (thread and rq)."""
    from blogapp.mail.sender import send_due

    mode = app.config.get("SPAM_CHECK_MODE", "thread")
    rescue = (lambda at: schedule_wake(app, at + timedelta(seconds=1))) if mode == "rq" else None
    report = send_due(app, on_first_claim=rescue)
    if report.next_due is not None and mode in ("thread", "rq"):
        schedule_wake(app, report.next_due)


def schedule_wake(app: Flask, at: datetime) -> None:
    """Run the mail job again at *at* (thread: a timer in this process; rq: enqueue_at,
    which needs `rq worker --with-scheduler`)."""
    mode = app.config.get("SPAM_CHECK_MODE", "thread")
    if mode == "rq":
        from blogapp.comments import jobs  # not at the top: jobs runs this module's job

        jobs._rq_queue(app).enqueue_at(at.replace(tzinfo=None), jobs.rq_task, "mail", 0,
                                       app.config["COMMENTS_RQ_APP_FACTORY"])
        return
    delay = max((at - utcnow()).total_seconds(), 0.05)
    delay = min(delay, float(app.config["MAIL_POLL_SECONDS"]))
    key = id(app)
    with _timers_lock:
        current = _timers.get(key)
        if current is not None and current[1].is_alive() and current[0] <= at:
            return  # an earlier wake-up is already set
        if current is not None:
            current[1].cancel()
        timer = threading.Timer(delay, wake_sender, args=(app,))
        timer.daemon = True
        timer.name = "blogapp-mail-wake"
        _timers[key] = (at, timer)
        timer.start()


def cancel_wakes() -> None:
    """Stop every pending thread-mode wake-up (tests and shutdown)."""
    with _timers_lock:
        for _, timer in _timers.values():
            timer.cancel()
        _timers.clear()


def register_mail(app: Flask) -> None:
    """Commit hooks for the outbox; in thread mode, a sweep on a process's first request
    (mail a killed process had claimed or queued goes out after the restart)."""
    from blogapp.mail.outbox import mail_enabled, register_outbox_events
    from blogapp.subscriptions.notices import register_notice_events

    register_outbox_events()
    register_notice_events()

    @app.before_request
    def _sweep_once() -> None:
        if id(app) in _swept:
            return
        _swept.add(id(app))
        if mail_enabled(app) and app.config.get("SPAM_CHECK_MODE", "thread") == "thread":
            wake_sender(app)
