"""Issuing and revoking personal API tokens (the admin page and the CLI call these)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import ApiToken, User
from blogapp.models.api_token import SCOPES, hash_secret, new_secret
from blogapp.models.base import utcnow


class TokenError(ValueError):
    """The token cannot be issued as asked."""


def issue_token(user: User, name: str, scopes: Iterable[str]) -> tuple[ApiToken, str]:
    """Create a token for *user*; return the row and the secret (shown once, never
    stored); commit."""
    wanted = sorted(set(scopes), key=SCOPES.index) if set(scopes) <= set(SCOPES) else None
    if not wanted:
        raise TokenError(f"Choose scopes among {', '.join(SCOPES)}.")
    name = " ".join((name or "").split())[:100]
    if not name:
        raise TokenError("Give the token a name (what it is for).")
    if "publish" in wanted and not user.is_owner:
        raise TokenError("Only an owner's token may publish.")
    secret = new_secret()
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_secret(secret),
                     scopes=" ".join(wanted), created_at=utcnow())
    db.session.add(token)
    db.session.commit()
    return token, secret


def revoke_token(token_id: int) -> ApiToken | None:
    """Revoke the token (it stops working at once); commit. None: no such token."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def all_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
