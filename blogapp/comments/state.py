"""What the comment engine keeps for one app, on ``app.extensions["comments"]``."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from flask import Flask, current_app

from blogapp.comments.akismet import AkismetClients
from blogapp.comments.host import Host

EXTENSION = "comments"
ASKING_THREADS = 4  # Akismet calls in flight at once for one batch (a slow Akismet)


class OwedChecks:
    """The spam checks this process owes, taken in batches by one drainer at a time (a
    pool job): one job waits for a quiet moment, however many posts came meanwhile."""

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._draining = False
        self._lock = threading.Lock()

    def add(self, comment_id: int) -> bool:
        """Queue a check; True when no drainer is on its way (the caller starts one)."""
        with self._lock:
            self._ids.append(comment_id)
            if self._draining:
                return False
            self._draining = True
            return True

    def abandon(self) -> None:
        """The drainer could not be started: the next check starts one (the rows queued
        stay owed in the database for it, or for `comments recheck`)."""
        with self._lock:
            self._draining = False

    def take(self, limit: int) -> list[int]:
        """The next batch, oldest first; [] when none is left, and the drainer ends."""
        with self._lock:
            batch = self._ids[:limit]
            del self._ids[:limit]
            if not batch:
                self._draining = False
            return batch


@dataclass
class CommentsState:
    """What the engine keeps for one app."""

    host: Host
    akismet: AkismetClients = field(default_factory=AkismetClients)
    executor: ThreadPoolExecutor | None = None
    checks: OwedChecks = field(default_factory=OwedChecks)
    asking: ThreadPoolExecutor | None = None  # Akismet calls of a batch, a few at once
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def pool(self) -> ThreadPoolExecutor:
        """Return the app's job pool, started on first use."""
        with self._lock:
            if self.executor is None:
                self.executor = ThreadPoolExecutor(max_workers=4,
                                                   thread_name_prefix="comments-jobs")
            return self.executor

    def asking_pool(self) -> ThreadPoolExecutor:
        """Return the threads a batch of spam checks asks Akismet on, started on first use."""
        with self._lock:
            if self.asking is None:
                self.asking = ThreadPoolExecutor(max_workers=ASKING_THREADS,
                                                 thread_name_prefix="comments-akismet")
            return self.asking

    def wait_for_jobs(self) -> None:
        """Finish every queued in-process job (tests and shutdown)."""
        with self._lock:
            executor, self.executor = self.executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def close(self) -> None:
        self.wait_for_jobs()
        with self._lock:
            asking, self.asking = self.asking, None
        if asking is not None:
            asking.shutdown(wait=True)
        self.akismet.close()


def comments_state(app: Flask | None = None) -> CommentsState:
    """Return the engine's state on *app* (default: the current app)."""
    app = app or current_app
    try:
        return app.extensions[EXTENSION]
    except KeyError:
        raise RuntimeError("The comment engine is not mounted on this app: call "
                           "Comments().init_app(app, host=...) in the app factory.") from None


def current_host() -> Host:
    return comments_state().host
