"""What the comment engine keeps for one app, on ``app.extensions["comments"]``."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from flask import Flask, current_app

from blogapp.comments.akismet import AkismetClients
from blogapp.comments.host import Host

EXTENSION = "comments"


@dataclass
class CommentsState:
    """What the engine keeps for one app."""

    host: Host
    akismet: AkismetClients = field(default_factory=AkismetClients)
    executor: ThreadPoolExecutor | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def pool(self) -> ThreadPoolExecutor:
        """Return the app's job pool, started on first use."""
        with self._lock:
            if self.executor is None:
                self.executor = ThreadPoolExecutor(max_workers=4,
                                                   thread_name_prefix="comments-jobs")
            return self.executor

    def wait_for_jobs(self) -> None:
        """Finish every queued in-process job (tests and shutdown)."""
        with self._lock:
            executor, self.executor = self.executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def close(self) -> None:
        self.wait_for_jobs()
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
