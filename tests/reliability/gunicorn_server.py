"""A real gunicorn serving blogapp on loopback, for load, crash and fault tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HIDDEN_RE = re.compile(r'<input type="hidden" name="(csrf_token|form_token)" value="([^"]*)"')


QUIET_ENV = {
    "BLOGAPP_DISCUSSION_FORM_MIN_SECONDS": "0",
    "BLOGAPP_DISCUSSION_FLOOD_SECONDS": "0",
    "BLOGAPP_DISCUSSION_DUPLICATE_CHECK": "false",
    "BLOGAPP_SPAM_CHECK_MODE": "inline",
    "BLOGAPP_WRITE_SHARE": "1",  # these tests post as fast as they can beside readers
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, database_url: str, instance: Path, extra_env: dict[str, str] | None = None,
                 workers: int = 2, worker_class: str = "sync", threads: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SECRET_KEY": "reliability-secret, 32 bytes or longer",
                    "DATABASE_URL": database_url, "SITE_URL": f"http://127.0.0.1:{self.port}",
                    "BLOGAPP_ENV": "production", "BLOGAPP_INSTANCE_PATH": str(instance),
                    **QUIET_ENV, **(extra_env or {})}
        self.args = [str(BIN / "gunicorn"), "-w", str(workers), "-k", worker_class,
                     "--threads", str(threads), "-b", f"127.0.0.1:{self.port}",
                     "--graceful-timeout", "2", "--timeout", "60", "wsgi:app"]
        self.proc: subprocess.Popen | None = None
        self.log = instance / "gunicorn.log"

    def flask(self, *args: str) -> str:
        result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT,
                                env=self.env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start(self) -> Gunicorn:
        with self.log.open("a") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env,
                                         start_new_session=True, stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once (no graceful anything)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class Reader:
    """One browser: a cookie jar, the form's tokens, comments posted one after another."""

    def __init__(self, base_url: str, slug: str, timeout: float = 30) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=timeout)
        self.slug = slug
        self.tokens = dict(HIDDEN_RE.findall(self.client.get(f"/articles/{slug}").text))

    def post(self, marker: str, **fields) -> httpx.Response:
        data = {"comment": f"Load test comment {marker}", "author": "Load Reader",
                "email": f"{marker}@example.org", "url": "", "comment_parent": "0",
                **self.tokens, **fields}
        return self.client.post(f"/articles/{self.slug}/comments", data=data)

    def close(self) -> None:
        self.client.close()
