"""`flask --app wsgi comments ...` and `akismet ...`: jobs safe to run from cron."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from blogapp.comments.akismet import config_from_mapping, verify

comments_cli = AppGroup("comments", help="Comment housekeeping (safe to run from cron).")
akismet_cli = AppGroup("akismet", help="The Akismet connection.")


def register(app: Flask) -> None:
    from blogapp.moderation import cli as moderation_cli  # noqa: F401  (adds its commands)

    app.cli.add_command(comments_cli)
    app.cli.add_command(akismet_cli)
    app.cli.add_command(moderation_cli.privacy_cli)


@comments_cli.command("recheck", help="Retry owed Akismet checks and feedback, 100 at a time.")
@click.option("--limit", default=100, show_default=True)
def recheck(limit: int) -> None:
    from blogapp.comments.settings import load_settings
    from blogapp.comments.spam_checks import (
        owed_checks,
        owed_feedback,
        run_spam_check,
        send_feedback,
    )

    config = config_from_mapping(current_app.config)
    if not config.enabled:
        click.echo("Akismet is not configured; nothing to recheck.")
        return
    settings = load_settings(current_app.config)
    results: dict[str, int] = {}
    for comment_id in owed_checks(limit):
        status = run_spam_check(comment_id, config, settings) or "skipped"
        results[status] = results.get(status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(results.items())) or "none owed"
    click.echo(f"Spam checks: {summary}.")
    sent = sum(send_feedback(cid, config) for cid in owed_feedback(limit))
    click.echo(f"Feedback sent to Akismet: {sent}.")


@akismet_cli.command("verify", help="Check the configured Akismet key.")
def akismet_verify() -> None:
    config = config_from_mapping(current_app.config)
    if not config.enabled:
        raise click.ClickException("Set AKISMET_API_KEY and AKISMET_BLOG_URL first.")
    ok, detail = verify(config)
    if not ok:
        raise click.ClickException(f"Akismet rejected the key: {detail}")
    click.echo(f"Akismet key is valid for {config.blog_url}.")
