"""Moderation commands: `comments purge` (cron) and `privacy export EMAIL`."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from blogapp.comments.cli import comments_cli

privacy_cli = AppGroup("privacy", help="Readers' personal data.")


@comments_cli.command(
    "purge", help="Delete old spam and trash and anonymize old IPs, as the settings say.")
def purge_command() -> None:
    from blogapp.comments.purge import purge
    from blogapp.comments.settings import load_settings

    settings = load_settings(current_app.config)
    report = purge(settings)

    def age(days: int) -> str:
        return f"older than {days} days" if days > 0 else "(off: age 0)"

    click.echo(f"Deleted {report.spam} spam comments {age(settings.purge_spam_days)}.")
    click.echo(f"Deleted {report.trash} trashed comments {age(settings.purge_trash_days)}.")
    click.echo(f"Anonymized {report.ips} IP addresses {age(settings.anonymize_ip_days)}.")


@privacy_cli.command("export", help="Print everything stored about EMAIL's comments as JSON.")
@click.argument("email")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="Write to this file instead of standard output.")
def privacy_export_command(email: str, output) -> None:
    from blogapp.moderation.privacy import audit_export, export

    data = export(email)
    audit_export(None, len(data["comments"]))
    output.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
