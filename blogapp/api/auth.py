"""Who is calling a staff endpoint: a personal API token, or the admin's own session.

- ``Authorization: Bearer <token>``: the sha256 of the token names an api_tokens row; it
  must be unrevoked and its account active. Its scopes are the token's, narrowed to what
  the account's role may do (a moderator's token never publishes).
- The session cookie of a logged-in staff member (the admin's own JavaScript): every
  request but GET/HEAD must carry the session's CSRF token in ``X-CSRFToken``.

No credentials: 401 (with WWW-Authenticate); credentials without the scope: 403."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import g, request, session
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf
from sqlalchemy import select

from blogapp.api.errors import ApiError
from blogapp.extensions import db
from blogapp.models import ApiToken, User
from blogapp.models.api_token import hash_secret
from blogapp.models.base import utcnow

ROLE_SCOPES = {"owner": frozenset({"read", "moderate", "publish"}),
               "moderator": frozenset({"read", "moderate"})}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_TOKEN = 200


@dataclass(frozen=True)
class Caller:
    user: User
    scopes: frozenset[str]
    token_id: int | None  # None: the session


class Unauthorized(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(401, message, code="unauthorized")
        self.headers = {"WWW-Authenticate": 'Bearer realm="blogapp"'}


def _bearer(header: str) -> Caller:
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > MAX_TOKEN:
        raise Unauthorized('Send "Authorization: Bearer <token>".')
    token = db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == hash_secret(secret)))
    if token is None or not token.active:
        raise Unauthorized("This API token is unknown, revoked or its account disabled.")
    if request.method not in SAFE_METHODS:  # a write transaction anyway (no extra lock)
        token.last_used_at = utcnow()
    return Caller(token.user, token.scope_set & ROLE_SCOPES.get(token.user.role, frozenset()),
                  token.id)


def bearer_caller(header: str) -> Caller | None:
    """The caller a Bearer header names (None: not a valid token), for those who only ask
    (blogapp.readers_first never holds staff back)."""
    try:
        return _bearer(header)
    except Unauthorized:
        return None


def _session() -> Caller | None:
    if "_user_id" not in session or not current_user.is_authenticated:
        return None
    if request.method not in SAFE_METHODS:
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError:
            raise ApiError(403, "Send the page's CSRF token in X-CSRFToken.",
                           code="csrf") from None
    user = current_user._get_current_object()
    return Caller(user, ROLE_SCOPES.get(user.role, frozenset()), None)


def authenticate() -> Caller:
    header = request.headers.get("Authorization")
    caller = _bearer(header) if header else _session()
    if caller is None:
        raise Unauthorized("Log in, or send a personal API token as a Bearer token.")
    g.api_caller = caller
    return caller


def scope_required(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a caller holding *scope* (read, moderate or publish)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            caller = authenticate()
            if scope not in caller.scopes:
                raise ApiError(403, f"This needs the {scope!r} scope.",
                               code="insufficient_scope")
            return view(*args, **kwargs)

        wrapped.required_scope = scope  # read by the auth-matrix tests
        return wrapped

    return decorator


def caller() -> Caller:
    return g.api_caller
