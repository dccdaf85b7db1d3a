"""Isso 0.14, the peer the bench measures blogapp against, run the way blogapp runs.

The bench installs Isso from PyPI into a virtual environment of its own under bench/work/
(once; later runs reuse it), writes its config, and serves it with that environment's
gunicorn under the same settings as blogapp (sync workers, the same count). Its guard
(rate limits) and moderation are off and every post names its thread's title, so Isso
never fetches the host page: what is measured is its own request handling. blogapp keeps
its flood control on, but each of its accepted-POST rows' posts comes from an address and
an email of its own (bench/post_scripts.py), so neither app refuses them.

Isso's API: ``GET /?uri=<path>`` answers a thread as JSON; ``POST /new?uri=<path>`` with a
JSON body (``text``, ``author``, ``email``, ``website``, ``parent``, ``title``) adds a
comment (201).
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench import wrk
from bench.servers import Server

VERSION = "isso==0.14.*"
THREAD_URI = "/posts/hello-night-buses/"
THREAD_TITLE = "Riverside City Bets on Night Buses for 2027"


@dataclass
class Isso:
    """Isso installed under *work*, serving one SQLite database there."""

    work: Path

    @property
    def venv(self) -> Path:
        return self.work / "isso-venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def install(self, log=print) -> str:
        """Install Isso (and gunicorn) once; return the installed version."""
        marker = self.venv / f".installed-{VERSION.replace('*', 'x')}"
        if not marker.exists():
            log(f"  installing {VERSION} from PyPI into bench/work/{self.venv.name}")
            subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
            subprocess.run([str(self.python), "-m", "pip", "install", "--quiet", VERSION,
                            "gunicorn>=23"], check=True)
            marker.touch()
        out = subprocess.run([str(self.python), "-c",
                              "import importlib.metadata as m; print(m.version('isso'))"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def server(self, workers: int, worker_class: str, name: str = "isso") -> Server:
        """A gunicorn Server for Isso on a fresh database (not started)."""
        database = self.work / f"{name}.db"
        database.unlink(missing_ok=True)
        config = self.work / f"{name}.cfg"
        config.write_text(
            "[general]\n"
            f"dbpath = {database}\n"
            "host = http://site.bench/\n"
            "[moderation]\nenabled = false\n"
            "[guard]\nenabled = false\n"
            "[server]\nlisten = http://127.0.0.1:8080/\n")
        # Isso creates its schema when a worker boots, and two workers booting on a fresh
        # file race on its preferences row (UNIQUE constraint failed: preferences.key; the
        # worker dies and gunicorn stops): create it once, in one process, first.
        subprocess.run([str(self.python), "-c", "import isso.run"], check=True,
                       env={"ISSO_SETTINGS": str(config), "PATH": str(self.venv / "bin")},
                       capture_output=True)
        return Server("isso.run", {"ISSO_SETTINGS": str(config)}, self.work / f"{name}.log",
                      workers=workers, worker_class=worker_class,
                      gunicorn=self.venv / "bin" / "gunicorn")


def thread_url(base: str, uri: str = THREAD_URI) -> str:
    return f"{base}/?{urllib.parse.urlencode({'uri': uri})}"


def post_url(base: str, uri: str = THREAD_URI) -> str:
    return f"{base}/new?{urllib.parse.urlencode({'uri': uri})}"


def seed_thread(base: str, comments: int, words: list[str], uri: str = THREAD_URI) -> int:
    """Post *comments* comments to one thread (a reply in every fourth); return the bytes
    of the thread's JSON afterwards."""
    ids: list[int] = []
    for n in range(comments):
        body = {"text": " ".join(words[(n + k) % len(words)] for k in range(24)),
                "author": f"Reader {n}", "email": f"reader{n}@example.org",
                "website": None, "title": THREAD_TITLE,
                "parent": ids[n // 4] if n % 4 == 3 and ids else None}
        request = urllib.request.Request(post_url(base, uri), data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            ids.append(json.load(response)["id"])
    with urllib.request.urlopen(thread_url(base, uri), timeout=60) as response:
        return len(response.read())


def write_post_script(path: Path, words: list[str], uri: str = THREAD_URI) -> Path:
    """A wrk script posting to Isso a different comment from a different author each time."""
    listed = ", ".join(wrk.lua_string(w) for w in words)
    body = f"""
local words = {{{listed}}}
local counter = 0
request = function()
  counter = counter + 1
  local id = tostring(tid) .. "-" .. tostring(counter)
  local text = {{}}
  for k = 0, 23 do text[#text + 1] = words[((counter + k) % #words) + 1] end
  local body = '{{"text": "' .. table.concat(text, " ") .. ' ' .. id .. '", '
    .. '"author": "Reader ' .. id .. '", "email": "r' .. id .. '@example.org", '
    .. '"title": {json.dumps(THREAD_TITLE)}}}'
  return wrk.format("POST", {wrk.lua_string(post_url("", uri))}, nil, body)
end
"""
    return wrk.write_script(path, body, headers={"Content-Type": "application/json"})
