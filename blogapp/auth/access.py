"""Role checks for staff views and safe redirect targets."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort
from flask_login import current_user, login_required

from blogapp.models import Role


def role_required(role: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a logged-in user holding *role* (anonymous: login page; wrong role: 403)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = role  # read by the permission-matrix tests
        return wrapped

    return decorator


owner_required = role_required(Role.OWNER)
staff_required = role_required(Role.MODERATOR)


def safe_next(target: str | None) -> str | None:
    """Return *target* when it is a local path, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
