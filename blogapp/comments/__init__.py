"""The comment engine: one pipeline behind every door (the form, the JSON API, the embed,
moderators' replies, the importer), moderation services, and the commenters' pages.

A Flask app mounts it with ``Comments().init_app(app, host=...)``; see README, "Using the
comment engine in your Flask app". The names below are its public interface. They load
on first use: the engine's models module imports blogapp.comments.policy, and that must
not pull in the whole engine while the models are still being defined.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC = {
    "Accepted": "entry", "Door": "entry", "Entry": "entry", "Refused": "entry",
    "MAX_CONTENT": "entry",
    "Comments": "extension",
    "CommentsState": "state", "comments_state": "state",
    "Host": "host", "Target": "host",
    "admit": "pipeline", "submit": "pipeline",
    "CommentStatus": "policy", "Reason": "policy",
    "DETAIL_COOKIES": "area", "FORM_TOKEN_SLOT": "area", "HELD_COOKIE": "area",
    "render_article_page": "area",
    "issue_form_token": "forms",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'blogapp.comments' has no attribute {name!r}")
    value = getattr(import_module(f"blogapp.comments.{module}"), name)
    globals()[name] = value
    return value
