"""`flask --app wsgi tokens create|list|revoke`: personal API tokens from the shell."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from blogapp.api.tokens import TokenError, all_tokens, issue_token, revoke_token
from blogapp.extensions import db
from blogapp.models import User
from blogapp.models.api_token import SCOPES


@click.group(cls=AppGroup, help="Issue, list and revoke personal API tokens.")
def tokens() -> None:
    pass


@tokens.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              default=("read",), show_default=True, help="Repeat for several scopes.")
def create(email: str, name: str, scopes: tuple[str, ...]) -> None:
    """Issue a token for the staff account EMAIL and print its secret (shown once)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        raise click.ClickException(f"No staff account for {email}.")
    try:
        token, secret = issue_token(user, name, scopes)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Token {token.id} ({token.scopes}) for {user.email}:")
    click.echo(secret)
    click.echo("It is shown this once; only its hash is stored.", err=True)


@tokens.command("list")
def list_tokens() -> None:
    """List tokens (never their secrets)."""
    for token in all_tokens():
        state = "revoked" if token.revoked_at else "active"
        click.echo(f"{token.id}\t{state}\t{token.user.email}\t{token.scopes}\t{token.name}")


@tokens.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def revoke(token_id: int) -> None:
    """Revoke a token by its id (from `tokens list`)."""
    token = revoke_token(token_id)
    if token is None:
        raise click.ClickException(f"No token {token_id}.")
    click.echo(f"Token {token.id} ({token.name}) is revoked.")


def register(app: Flask) -> None:
    app.cli.add_command(tokens)
