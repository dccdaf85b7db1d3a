"""Command-line tools under `flask --app wsgi`."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from blogapp.api import cli as api_cli
from blogapp.demo import load_demo
from blogapp.extensions import db
from blogapp.importers import cli as importers_cli
from blogapp.models import Role, User


def register_cli(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo)
    importers_cli.register(app)
    from blogapp.mail.cli import mail_cli

    app.cli.add_command(mail_cli)
    api_cli.register(app)


@click.group(cls=AppGroup, help="Manage staff accounts.")
def users() -> None:
    pass


def create_user(email: str, role: Role, password: str, display_name: str | None = None) -> User:
    """Create a staff account and commit."""
    email = email.strip().lower()
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        raise click.ClickException(f"An account for {email} already exists.")
    user = User(email=email, role=role.value, display_name=display_name or email.split("@")[0])
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


@users.command("create", help="Create an owner or moderator account.")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MODERATOR.value,
              show_default=True)
@click.option("--password", help="Password; a strong one is generated and printed if omitted.")
@click.option("--name", "display_name", help="Name shown on articles.")
def users_create(email: str, role: str, password: str | None, display_name: str | None) -> None:
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    if len(password) < 8:
        raise click.ClickException("Passwords need at least 8 characters.")
    user = create_user(email, Role(role), password, display_name)
    click.echo(f"Created {user.role} {user.email}.")
    if generated:
        click.echo(f"Password: {password}")


@click.command(help="Load the demo article and an owner account (once; safe to repeat).")
@click.option("--email", default="owner@example.com", show_default=True)
@with_appcontext
def demo(email: str) -> None:

    result = load_demo(email)
    if result.password:
        click.echo(f"Owner login: {result.email}  password: {result.password}")
    else:
        click.echo("Demo content already loaded.")
        saved = Path(current_app.instance_path) / "owner-login.txt"
        click.echo(saved.read_text().strip() if saved.is_file()
                   else f"Owner login: {result.email} (password as printed on the first run)")
    click.echo("Change the password with `flask --app wsgi users password EMAIL`.")


@users.command("password", help="Set a new password for an account.")
@click.argument("email")
@click.option("--password", help="New password; a strong one is generated and printed if omitted.")
def users_password(email: str, password: str | None) -> None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    user.set_password(password)
    db.session.commit()
    click.echo(f"Password changed for {user.email}." + (f" New password: {password}"
                                                       if generated else ""))
