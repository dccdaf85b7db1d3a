"""Start and stop gunicorn on loopback, the same way for blogapp and for the ceiling.

Worker class: ``sync``, 2 workers (one per core on the reference 2-core machine), as the
issue's baseline and the README's production command. Sync workers hold one request each
and close the connection after it, so both apps pay the same accept/close cost per request
and the ratio compares only what the applications do. blogapp keeps waits on other servers
(Akismet, mail) off the request path (SPAM_CHECK_MODE), so it has no reason to need an
async worker class; ``--worker-class`` exists to try others (gthread, ...).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    """CPU time used so far by the live processes among *pids*."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / ticks, sum(values) / ticks


@dataclass
class Server:
    """One gunicorn master serving *module* on 127.0.0.1:port."""

    module: str
    env: dict[str, str]
    log: Path
    workers: int = 2
    worker_class: str = "sync"
    port: int = field(default_factory=free_port)
    gunicorn: Path = GUNICORN  # a peer's own environment brings its own
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/", timeout: float = 60.0) -> Server:
        cmd = [str(self.gunicorn), "-w", str(self.workers), "-k", self.worker_class,
               "-b", f"127.0.0.1:{self.port}", "--error-logfile", str(self.log),
               "--graceful-timeout", "5", self.module]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **self.env},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.module} exited at start; see {self.log}:\n"
                                   + self.log.read_text()[-3000:])
            try:
                urllib.request.urlopen(self.base + ready_path, timeout=5).read()
            except urllib.error.HTTPError:
                pass  # any HTTP answer means it is serving
            except OSError:
                time.sleep(0.2)
                continue
            if len(self.worker_pids()) >= self.workers:
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.module} did not answer within {timeout}s; see {self.log}")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_rss_mb(self) -> dict[int, float]:
        """VmRSS of each worker, in MB (MiB, as /proc reports kB)."""
        out = {}
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out[pid] = int(line.split()[1]) / 1024
            except OSError:
                continue
        return out

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its live workers."""
        return cpu_seconds([self.proc.pid, *self.worker_pids()] if self.proc else [])

    def stop(self) -> None:
        """SIGTERM the master we started (it stops its workers), SIGKILL after 20 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
