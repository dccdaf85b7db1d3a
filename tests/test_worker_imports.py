"""A web worker loads only what serving needs (bench row P5: a worker's memory): the
tools of other processes are imported where they are used, and still work there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What only other processes use: `flask db` (Alembic, Mako), RQ workers (rq, redis'
# client), the importers' CLI (lxml), uploads (Pillow), S3 (boto3). (Pygments and Rich
# stay: httpx imports its own command line's modules whenever they are installed.)
NOT_IN_A_WORKER = ("flask_migrate", "alembic", "mako", "rq", "redis", "lxml", "PIL",
                   "boto3")
PROBE = ("import json, sys, wsgi; wsgi.app.test_client().get('/'); "
         "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")


def run(code: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SECRET_KEY": "k" * 40, "SITE_URL": "http://blog.test",
           "DATABASE_URL": "sqlite:///" + str(tmp_path / "blog.sqlite3"),
           "BLOGAPP_INSTANCE_PATH": str(tmp_path)}
    return subprocess.run([sys.executable, *args] if args else [sys.executable, "-c", code],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_worker_never_imports_the_other_processes_tools(tmp_path):
    done = run(PROBE, tmp_path)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert loaded.isdisjoint(NOT_IN_A_WORKER), sorted(loaded & set(NOT_IN_A_WORKER))


@pytest.mark.parametrize("command", [("db", "upgrade"), ("db", "current"), ("db", "heads")])
def test_the_db_commands_bind_flask_migrate_when_used(tmp_path, command):
    flask = str(Path(sys.executable).with_name("flask"))
    upgrade = subprocess.run([flask, "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                             env={**os.environ, "SECRET_KEY": "k" * 40,
                                  "SITE_URL": "http://blog.test",
                                  "DATABASE_URL": "sqlite:///" + str(tmp_path / "b.sqlite3")},
                             capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    done = subprocess.run([flask, "--app", "wsgi", *command], cwd=ROOT,
                          env={**os.environ, "SECRET_KEY": "k" * 40,
                               "SITE_URL": "http://blog.test",
                               "DATABASE_URL": "sqlite:///" + str(tmp_path / "b.sqlite3")},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    if command[1] != "upgrade":
        assert "(head)" in done.stdout
