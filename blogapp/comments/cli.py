"""The engine's commands: `flask comments ...`, `flask akismet ...`, `flask privacy ...`
(all safe to run from cron, except privacy export, which prints personal data)."""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from blogapp.comments.akismet import config_from_mapping, verify
from blogapp.comments.privacy import audit_export, export
from blogapp.comments.purge import purge
from blogapp.comments.settings import load_settings
from blogapp.comments.spam_checks import (
    BATCH,
    owed_checks,
    owed_feedback,
    run_spam_checks,
    send_feedback,
)

comments_cli = AppGroup("comments", help="Comment housekeeping (safe to run from cron).")
akismet_cli = AppGroup("akismet", help="The Akismet connection.")
privacy_cli = AppGroup("privacy", help="Readers' personal data.")


def register(app: Flask) -> None:
    app.cli.add_command(comments_cli)
    app.cli.add_command(akismet_cli)
    app.cli.add_command(privacy_cli)


@comments_cli.command("recheck", help="Retry owed Akismet checks and feedback, 100 at a time.")
@click.option("--limit", default=100, show_default=True)
def recheck(limit: int) -> None:
    config = config_from_mapping(current_app.config)
    if not config.enabled:
        click.echo("Akismet is not configured; nothing to recheck.")
        return
    settings = load_settings(current_app.config)
    results: dict[str, int] = {}
    owed = owed_checks(limit)
    for start in range(0, len(owed), BATCH):
        for status in run_spam_checks(owed[start:start + BATCH], config, settings).values():
            results[status or "skipped"] = results.get(status or "skipped", 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(results.items())) or "none owed"
    click.echo(f"Spam checks: {summary}.")
    sent = sum(send_feedback(cid, config) for cid in owed_feedback(limit))
    click.echo(f"Feedback sent to Akismet: {sent}.")


@comments_cli.command(
    "purge", help="Delete old spam and trash and anonymize old IPs, as the settings say.")
def purge_command() -> None:
    settings = load_settings(current_app.config)
    report = purge(settings)

    def age(days: int) -> str:
        return f"older than {days} days" if days > 0 else "(off: age 0)"

    click.echo(f"Deleted {report.spam} spam comments {age(settings.purge_spam_days)}.")
    click.echo(f"Deleted {report.trash} trashed comments {age(settings.purge_trash_days)}.")
    click.echo(f"Anonymized {report.ips} IP addresses {age(settings.anonymize_ip_days)}.")


@akismet_cli.command("verify", help="Check the configured Akismet key.")
def akismet_verify() -> None:
    config = config_from_mapping(current_app.config)
    if not config.enabled:
        raise click.ClickException("Set AKISMET_API_KEY and AKISMET_BLOG_URL first.")
    ok, detail = verify(config)
    if not ok:
        raise click.ClickException(f"Akismet rejected the key: {detail}")
    click.echo(f"Akismet key is valid for {config.blog_url}.")


@privacy_cli.command("export", help="Print everything stored about EMAIL's comments as JSON.")
@click.argument("email")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="Write to this file instead of standard output.")
def privacy_export_command(email: str, output) -> None:
    data = export(email)
    audit_export(None, len(data["comments"]))
    output.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
