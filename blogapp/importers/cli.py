"""`flask --app wsgi import wordpress|disqus FILE` and `export wordpress FILE`."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from blogapp.importers.model import ImportFileError, Summary
from blogapp.importers.report import progress_label, summary_lines
from blogapp.importers.targets import parse_map
from blogapp.site import site_url

import_cli = AppGroup("import", help="Bring in a WordPress or Disqus export (safe to repeat).")
export_cli = AppGroup("export", help="Write this blog's articles and comments to a file.")

FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
DRY_RUN = click.option("--dry-run", is_flag=True,
                       help="Read and check the whole file, print what would happen, "
                            "write nothing.")


def register(app: Flask) -> None:
    app.cli.add_command(import_cli)
    app.cli.add_command(export_cli)


def _run(path: Path, dry_run: bool, work: str, **extra) -> None:
    """Run blogapp.importers.run's *work* on *path* with a progress bar, print the summary,
    translate bad input. (Imported here: the readers bring lxml, which a web worker never
    needs.)"""
    from blogapp.comments.settings import load_settings
    from blogapp.importers import run
    from blogapp.models.base import utcnow

    summary = Summary(dry_run=dry_run)
    started = time.monotonic()
    with path.open("rb") as stream, click.progressbar(
            length=max(1, path.stat().st_size), label="Importing", file=sys.stderr,
            item_show_func=lambda _: progress_label(summary, time.monotonic() - started),
            show_pos=False) as bar:

        def progress(consumed: int) -> None:
            bar.update(consumed - bar.pos, current_item=True)

        options = run.RunOptions(secret=current_app.config["SECRET_KEY"],
                                 settings=load_settings(current_app.config), now=utcnow(),
                                 on_progress=progress)
        try:
            getattr(run, work)(stream, summary, options, **extra)
        except ImportFileError as exc:
            bar.render_finish()
            for line in summary_lines(summary, time.monotonic() - started):
                click.echo(line)
            kept = "" if dry_run else (
                " Nothing of that item was stored; what was imported before it is kept, and "
                "running the import again goes on from there.")
            raise click.ClickException(f"{path.name}: {exc}.{kept}") from None
        bar.update(bar.length - bar.pos)
    for line in summary_lines(summary, time.monotonic() - started):
        click.echo(line)


@import_cli.command("wordpress", help="Import a WordPress export (WXR): posts and comments.")
@click.argument("file", type=FILE)
@DRY_RUN
def import_wordpress_command(file: Path, dry_run: bool) -> None:
    _run(file, dry_run, "import_wordpress")


@import_cli.command("disqus", help="Import a Disqus export's comments into the articles "
                                   "their threads' URLs name.")
@click.argument("file", type=FILE)
@click.option("--map", "maps", multiple=True, metavar="OLD_PREFIX=NEW_PREFIX",
              help="Read thread URLs that start with OLD_PREFIX as starting with "
                   "NEW_PREFIX (for a moved site); may be repeated.")
@DRY_RUN
def import_disqus_command(file: Path, maps: tuple[str, ...], dry_run: bool) -> None:
    try:
        pairs = [parse_map(value) for value in maps]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
    host = urlsplit(site_url(current_app._get_current_object())).netloc.lower()
    _run(file, dry_run, "import_disqus", site_host=host, maps=pairs)


@export_cli.command("wordpress", help="Write every article and comment as WXR 1.2, the "
                                      "file WordPress's importer reads.")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_wordpress_command(file: Path) -> None:
    from blogapp.importers.wxr_export import write_wxr

    config = current_app.config
    started = time.monotonic()
    target = file.resolve()
    # Written beside the target and renamed at the end: a failed export leaves no half file.
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            articles, comments = write_wxr(
                out, site_url=site_url(current_app._get_current_object()),
                title=config["SITE_NAME"], description=config["SITE_TAGLINE"])
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    click.echo(f"Wrote {articles:,} articles and {comments:,} comments to {file} "
               f"in {time.monotonic() - started:.1f} s.")
