"""A loopback server that speaks Akismet's REST API, with switchable faults.

Modes: "normal"; "slow" (answer after ``delay`` seconds); "hang" (never answer, until
stop()); "refuse" (stop listening, so connections are refused; switching back listens
again on the same port); "error500"; "garbage" (200 "maybe"); "debug-help" (answer
"false" with an X-akismet-debug-help header); "drip" (headers after ``delay`` seconds,
the body after another ``delay``, each phase quick enough for a per-read timeout).
"""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TEST_KEY = "test-key"
SPAM_MARKER = "viagra-test-123"
GUARANTEED_SPAM_AUTHOR = "akismet-guaranteed-spam"
BLATANT_MARKER = "blatant-spam"
THANKS = "Thanks for making the web a better place."
INVALID_KEY_HELP = "Your API key is invalid. Get a key at akismet.com."
MODES = frozenset({"normal", "slow", "hang", "refuse", "error500", "garbage", "debug-help", "drip"})


class FakeAkismet:
    """Run an Akismet look-alike on 127.0.0.1 in a daemon thread."""

    def __init__(self, valid_keys: set[str] | None = None, delay: float = 2.0) -> None:
        self.valid_keys = set(valid_keys) if valid_keys is not None else {TEST_KEY}
        self.delay = delay
        self.hang_seconds = 30.0
        self.alert: tuple[str, str] | None = None  # (code, message) sent with verdicts
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.request_headers: list[dict[str, str]] = []
        self.port = 0
        self._mode = "normal"
        self._running = False
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        if mode == "refuse":
            self._close()
        elif self._server is None and self._running:
            self._listen(self.port)
        self._mode = mode

    def start(self) -> FakeAkismet:
        """Listen on a free port and serve in the background."""
        self._stopping.clear()
        self._running = True
        self._listen(self.port)
        return self

    def stop(self) -> None:
        """Release hanging requests, stop serving and close the socket."""
        self._running = False
        self._stopping.set()
        self._close()

    def pause(self, seconds: float) -> bool:
        """Sleep up to *seconds*; return True early if the server is stopping."""
        return self._stopping.wait(seconds)

    def reset(self) -> None:
        """Forget recorded requests and return to normal answers."""
        self.mode = "normal"
        self.alert = None
        self.requests.clear()
        self.request_headers.clear()

    def _listen(self, port: int) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        """Return (status, body, headers) the way Akismet answers in normal mode."""
        if path == "/1.1/verify-key":
            if form.get("key") in self.valid_keys and form.get("blog"):
                return 200, "valid", {}
            return 200, "invalid", {"X-akismet-debug-help": INVALID_KEY_HELP}
        if path not in ("/1.1/comment-check", "/1.1/submit-spam", "/1.1/submit-ham"):
            return 404, "Not found", {}
        if form.get("api_key") not in self.valid_keys:
            return 200, "invalid", {"X-akismet-debug-help": INVALID_KEY_HELP}
        for required in ("blog", "user_ip"):
            if not form.get(required):
                help_text = f"Missing required field: {required}."
                return 200, help_text, {"X-akismet-debug-help": help_text}
        if path != "/1.1/comment-check":
            return 200, THANKS, {}
        headers = {}
        if self.alert:
            headers = {"X-akismet-alert-code": self.alert[0], "X-akismet-alert-msg": self.alert[1]}
        text = form.get("comment_content", "") + " " + form.get("comment_author", "")
        if BLATANT_MARKER in text:
            return 200, "true", {**headers, "X-akismet-pro-tip": "discard"}
        if SPAM_MARKER in text or GUARANTEED_SPAM_AUTHOR in text:
            return 200, "true", headers
        return 200, "false", headers


def _handler_for(fake: FakeAkismet) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            fake.requests.append((self.path, form))
            fake.request_headers.append(dict(self.headers.items()))
            mode = fake.mode
            if mode == "hang":
                fake.pause(fake.hang_seconds)
                return
            if mode == "slow" and fake.pause(fake.delay):
                return
            if mode == "error500":
                self._send(500, "Internal Server Error", {})
            elif mode == "garbage":
                self._send(200, "maybe", {})
            elif mode == "debug-help":
                self._send(200, "false", {"X-akismet-debug-help": "Empty comment_content"})
            elif mode == "drip":
                if not fake.pause(fake.delay):
                    self._send(*fake.answer(self.path, form), pause=fake.delay)
            else:
                self._send(*fake.answer(self.path, form))

        def _send(
            self, status: int, body: str, headers: dict[str, str], pause: float = 0.0
        ) -> None:
            data = body.encode("utf-8")
            with contextlib.suppress(OSError):  # the client may have given up already
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if not (pause and fake.pause(pause)):
                    self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


def start_fake_akismet(valid_keys: set[str] | None = None, delay: float = 2.0) -> FakeAkismet:
    """Start a FakeAkismet and return it (call stop() when done)."""
    return FakeAkismet(valid_keys, delay).start()
