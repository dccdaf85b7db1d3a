"""Readers first: a wave of posts must not take a worker's time from its readers.

Each worker process keeps a decaying tally (a one-second time constant) of the
time it spent on strangers' writes (requests with an unsafe method and no staff login)
and on background jobs (spam checks), and of the reads it served
(blogapp.worker_load.WorkerLoad). While
readers are being served and writes took more than their share of the worker's time
(BLOGAPP_WRITE_SHARE, default 0.1), a stranger's write is answered ``429`` with
``Retry-After`` before any lookup, check or rendering: the writer keeps their text (a
small page with the form filled in, to send again; the API's JSON error to the widget),
the readers keep the CPU. With no reader about, writes may take all the worker has: a
rush of real comments on a quiet site is never slowed.

Background jobs (spam checks, mail) wait for a quiet moment, when this worker has served
no request for ``QUIET_GAP`` seconds, before they start (at most COMMENTS_JOB_QUIET_SECONDS,
default 30), so a check rarely runs while a request waits: under a rush the checks are
owed a little longer (the row says so: nothing is lost, `comments recheck` finds them)
and done as soon as the rush ends. Their CPU time counts as writes.

``LoadMeter`` is the WSGI layer that times every request (outside the readers' page
middleware, which answers most reads before Flask) and gives the 429 before Flask
dispatches anything: under a wave most posts get it, so it must cost next to nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from flask import Flask, Response, render_template, request, session

from blogapp.api.auth import bearer_caller
from blogapp.api.cors import add_cors_headers
from blogapp.api.errors import error_json
from blogapp.security import security_headers
from blogapp.worker_load import EXTENSION, WorkerLoad

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_MESSAGE = ("The site is very busy right now, so this was not posted. What you typed "
                "is kept: please send it again in {wait}.")


class LoadMeter:
    """WSGI middleware: time every request into the worker's WorkerLoad, and answer a
    stranger's write 429 here, before Flask dispatches it, while the share is spent."""

    def __init__(self, app: Flask, wsgi_app, load: WorkerLoad) -> None:
        self.app, self.wsgi_app, self.load = app, wsgi_app, load

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        """Count the request until the app returns its response: Flask has done the work
        by then (a streamed body's sending is not counted, and a response nobody closes,
        as a test client's, never leaves the worker looking busy)."""
        write = environ.get("REQUEST_METHOD", "GET") not in SAFE_METHODS
        began = time.perf_counter()
        self.load.started()
        try:
            wait = self.load.retry_after() if write else None
            if wait is not None:
                busy = self.busy(environ, wait)
                if busy is not None:
                    return busy(environ, start_response)
            return self.wsgi_app(environ, start_response)
        finally:
            self.load.finished(time.perf_counter() - began, write)

    def busy(self, environ, seconds: int) -> Response | None:
        """The 429 for a stranger's write (None: staff, whom nothing holds back)."""
        with self.app.request_context(environ):
            if staff():
                return None
            response = busy_response(seconds)
            response.headers.extend(security_headers(self.app.config, request.is_secure))
            return response


def staff() -> bool:
    """A logged-in session, or a valid personal API token (a forged one is a stranger)."""
    if "_user_id" in session:
        return True
    header = request.headers.get("Authorization")
    return bool(header) and bearer_caller(header) is not None


def busy_response(seconds: int) -> Response:
    """Say the write was not taken and when to send it again, keeping what was sent."""
    message = BUSY_MESSAGE.format(wait=f"{seconds} second{'' if seconds == 1 else 's'}")
    if request.path.startswith(("/api/", "/embed/")) or request.is_json:
        response = add_cors_headers(error_json(429, message, code="busy",
                                               retry_after=seconds))
        return response
    # The form's fields come back as they were sent (never a password), the text to edit.
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if "password" not in name.lower() and name != "comment"]
    body = render_template("busy.html", message=message, action=request.full_path.rstrip("?"),
                           text=request.form.get("comment"), fields=fields)
    return Response(body, 429, {"Retry-After": str(seconds)}, mimetype="text/html")


def register_readers_first(app: Flask) -> None:
    """Tally this worker's load and hold strangers' writes back by it (a WSGI layer)."""
    load = WorkerLoad(float(app.config["WRITE_SHARE"]))
    app.extensions[EXTENSION] = load
    app.wsgi_app = LoadMeter(app, app.wsgi_app, load)  # type: ignore[method-assign]
