"""Where blogapp's templates, static files and migrations are: inside the package when it
is installed from a wheel (pyproject.toml maps them in), beside it in a source checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = PACKAGE / name
    return installed if installed.is_dir() else PACKAGE.parent / name


TEMPLATES = _data_dir("templates")
STATIC = _data_dir("static")
MIGRATIONS = _data_dir("migrations")
