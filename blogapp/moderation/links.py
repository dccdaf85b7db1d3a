"""Signed one-click moderation links for notification mail.

A link carries a token signed with SECRET_KEY that names one comment, one action and the
status the comment had when the mail went out. It expires after seven days, works only
for the action in its URL, and stops working once the comment has been moderated
(by this link or otherwise). Opening it shows a confirmation; only the POST acts.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from blogapp.models import Comment

SALT = "blogapp.moderation.mail-link"
MAX_AGE = 7 * 24 * 3600
LINK_ACTIONS = ("approve", "spam", "trash")


class LinkRefused(Exception):
    """The link cannot be used; the message says why, in words for the moderator."""


@dataclass(frozen=True)
class LinkGrant:
    comment_id: int
    action: str
    status: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(comment: Comment, action: str) -> str:
    """Sign *action* on *comment* as it stands now."""
    if action not in LINK_ACTIONS:
        raise ValueError(f"no one-click link for {action!r}")
    return _serializer().dumps({"c": comment.id, "a": action, "s": comment.status})


def read_token(token: str, comment_id: int, action: str) -> LinkGrant:
    """Return what *token* grants for *comment_id* and *action*, or raise LinkRefused."""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE)
    except SignatureExpired as exc:
        raise LinkRefused("This link has expired (links work for 7 days). "
                          "Moderate the comment from the queue instead.") from exc
    except BadSignature as exc:
        raise LinkRefused("This link is not valid. It may have been cut short or "
                          "altered; moderate the comment from the queue instead.") from exc
    if not isinstance(data, dict) or data.get("c") != comment_id or data.get("a") != action:
        raise LinkRefused("This link was made for a different comment or action.")
    return LinkGrant(comment_id, action, str(data.get("s")))


def check_current(grant: LinkGrant, comment: Comment | None) -> None:
    """Refuse a link whose comment is gone or has been moderated since the mail."""
    if comment is None:
        raise LinkRefused("That comment no longer exists.")
    if comment.status != grant.status:
        raise LinkRefused(f"This comment has been moderated since the mail was sent; "
                          f"it is now {comment.status}.")
