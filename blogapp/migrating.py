"""`flask --app wsgi db ...` (Flask-Migrate) without Alembic in every web worker.

Flask-Migrate imports Alembic, Mako and Pygments (~11 MB of a worker's memory) the moment
it is imported, yet only the `db` commands and the test suite's migrations use it. So the
app carries a stand-in: the `db` command group and ``app.extensions["migrate"]`` import
Flask-Migrate, and bind it as ``Migrate(app, db, directory=...)`` would, the first time
either is used."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, g
from flask.cli import with_appcontext

from blogapp.extensions import db
from blogapp.paths import MIGRATIONS


def bind(app: Flask) -> Any:
    """Bind Flask-Migrate to *app* now; return its config (app.extensions["migrate"])."""
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS))  # sets the extension, adds the real `db`
    return app.extensions["migrate"]


class _Unbound:
    """app.extensions["migrate"] until first used (migrations/env.py, flask_migrate.upgrade)."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(bind(self._app), name)


@with_appcontext
def _options(directory: str | None, x_arg: tuple[str, ...]) -> None:
    g.directory = directory  # as Flask-Migrate's own group does: its commands read them
    g.x_arg = x_arg


class _Commands(click.Group):
    """The `db` group: Flask-Migrate's options and its commands, looked up when asked for."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations (Flask-Migrate, Alembic).",
                         callback=_options, params=[
                             click.Option(["-d", "--directory"], default=None,
                                          help='Migration script directory (default is '
                                               '"migrations")'),
                             click.Option(["-x", "--x-arg"], multiple=True,
                                          help="Additional arguments consumed by custom "
                                               "env.py scripts")])
        self._app = app

    def _real(self) -> click.Group:
        bind(self._app)
        from flask_migrate.cli import db as commands

        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._real().get_command(ctx, name)


def register_migrations(app: Flask) -> None:
    app.extensions["migrate"] = _Unbound(app)
    app.cli.add_command(_Commands(app))
