"""blogapp installs from its wheel: the wheel carries every subpackage, the templates, the
static files and the migrations; installed into a fresh virtual environment (not
editable, nothing from this checkout on sys.path), it migrates a database with
`flask db upgrade`, and the example site's tests pass against it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.figures import record

pytestmark = [pytest.mark.slow, pytest.mark.serial]

ROOT = Path(__file__).resolve().parents[1]
DATA_DIRS = ("templates", "static", "migrations")


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that points Python at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
           and not k.startswith(("BLOGAPP_", "PYTEST_"))}
    return {**env, **extra}


def expected_files() -> set[str]:
    """Every module, template, static file and migration the wheel must carry."""
    files = {str(p.relative_to(ROOT)) for p in (ROOT / "blogapp").rglob("*.py")}
    for name in DATA_DIRS:
        files |= {"blogapp/" + str(p.relative_to(ROOT)) for p in (ROOT / name).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts}
    return files


# What the installed package serves from its packaged files: the embed's static files, the
# OpenAPI document, an Atom feed from templates/api.
SERVED = ("/embed.js", "/embed.css", "/embed/count.js", "/api/v1/openapi.json",
          "/api/v1/comments/feed.atom")
SERVES = ("from blogapp import create_app\n"
          "client = create_app().test_client()\n"
          f"for path in {SERVED!r}:\n"
          "    print(f'{path}={client.get(path).status_code}')\n")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
        cwd=out, env=clean_env())
    [built] = out.glob("blogapp-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    place = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", str(place)], cwd=place, env=clean_env())
    python = place / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", str(wheel), "pytest"], cwd=place,
        env=clean_env(), timeout=1800)
    return place


def test_the_wheel_carries_every_subpackage_template_static_file_and_migration(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(expected_files() - names)
    assert missing == []
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    record("Installable", f"{wheel.name}: {len(names)} files")


def test_the_installed_package_migrates_a_database_and_runs_the_example_site(
        venv, tmp_path):
    python, flask = venv / "bin" / "python", venv / "bin" / "flask"
    where = run([str(python), "-c", "import blogapp; print(blogapp.__file__)"],
                cwd=tmp_path, env=clean_env()).strip()
    assert Path(where).is_relative_to(venv), where  # not this checkout

    database = tmp_path / "blog.sqlite3"
    env = clean_env(DATABASE_URL=f"sqlite:///{database}", BLOGAPP_ENV="testing",
                    SECRET_KEY="k" * 64, BLOGAPP_INSTANCE_PATH=str(tmp_path / "instance"))
    run([str(flask), "--app", "blogapp:create_app", "db", "upgrade"], cwd=tmp_path, env=env)
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"articles", "comments", "audit_log", "alembic_version"} <= tables
    served = run([str(python), "-c", SERVES], cwd=tmp_path, env=env).split()
    assert served == [f"{path}=200" for path in SERVED], served

    site = tmp_path / "flask_site"
    shutil.copytree(ROOT / "examples" / "flask_site", site,
                    ignore=shutil.ignore_patterns("__pycache__", "instance"))
    out = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=site,
              env=clean_env())
    assert " passed" in out and "failed" not in out, out
    record("Installable", "example site's tests from the installed wheel: "
           + out.strip().splitlines()[-1])
