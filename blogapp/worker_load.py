"""What one worker process spends on writes and reads, and its quiet moments: the tally
readers first decides by (blogapp/readers_first.py) and background jobs wait on
(blogapp.comments.jobs)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from flask import Flask

QUIET_GAP = 0.05  # seconds without a request that make a quiet moment
EXTENSION = "worker_load"


class Tally:
    """A sum that decays exponentially with time constant *window* seconds: a steady
    rate of r per second reads as r * window."""

    __slots__ = ("window", "value", "at")

    def __init__(self, window: float, now: float) -> None:
        self.window, self.value, self.at = window, 0.0, now

    def read(self, now: float) -> float:
        return self.value * math.exp(-max(0.0, now - self.at) / self.window)

    def add(self, amount: float, now: float) -> None:
        self.value, self.at = self.read(now) + amount, now


class WorkerLoad:
    """What one worker process spends on writes and reads; thread-safe."""

    def __init__(self, share: float, window: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.share, self.window, self.clock = share, window, clock
        self.writes = Tally(window, clock())  # seconds
        self.reads = Tally(window, clock())  # requests
        self.in_flight = 0
        self.last_request = clock()  # when a request last finished (or started)
        self.quiet = threading.Event()
        self.quiet.set()
        self.lock = threading.Lock()

    def started(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.last_request = self.clock()
            self.quiet.clear()

    def finished(self, seconds: float, write: bool) -> None:
        now = self.clock()
        with self.lock:
            if write:
                self.writes.add(seconds, now)
            else:
                self.reads.add(1.0, now)
            self.in_flight -= 1
            self.last_request = now
            if self.in_flight <= 0:
                self.in_flight = 0
                self.quiet.set()

    def spent_writing(self, seconds: float) -> None:
        """Count background work (a spam check) as writes."""
        with self.lock:
            self.writes.add(seconds, self.clock())

    def retry_after(self) -> int | None:
        """Seconds a stranger's write should wait (None: go ahead)."""
        now = self.clock()
        with self.lock:
            readers = self.reads.read(now) >= 1.0  # a reader or more per window
            spent = self.writes.read(now)
        limit = self.share * self.window
        if not readers or self.share >= 1 or spent <= limit:
            return None
        # spent * exp(-t / window) falls to the limit after t seconds
        return max(1, math.ceil(self.window * math.log(spent / max(limit, 1e-6))))

    def wait_quiet(self, seconds: float, gap: float = QUIET_GAP) -> None:
        """Wait, at most *seconds*, until this worker has served no request for *gap*
        seconds: between two requests of a busy worker there is no quiet moment."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if not self.quiet.wait(left):
                return
            with self.lock:
                idle = self.clock() - self.last_request if self.in_flight == 0 else 0.0
            if idle >= gap:
                return
            time.sleep(min(gap - idle, max(left, 0.0)))


def worker_load(app: Flask) -> WorkerLoad | None:
    """The app's load tally, when readers first is on (blogapp.readers_first)."""
    return app.extensions.get(EXTENSION)
