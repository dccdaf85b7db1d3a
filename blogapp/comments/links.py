"""Signed one-click moderation links for notification mail.

A link carries a token signed with SECRET_KEY that names one comment, one action and the
status the comment had when the mail went out. It expires after seven days, works only
for the action in its URL, stops working once the comment has been moderated (by this
link or otherwise), and acts once: its use is recorded (``mail_link_uses``) in the same
transaction as the action, so it is refused afterwards even when the comment has gone
back to the status it had, and of two simultaneous uses the database lets one through
(the second insert of the same key waits for the first, then fails). Opening it shows a
confirmation; only the POST acts, and only the POST uses it up.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from blogapp.extensions import db
from blogapp.models import Comment, MailLinkUse
from blogapp.models.base import utcnow

SALT = "blogapp.moderation.mail-link"
MAX_AGE = 7 * 24 * 3600
LINK_ACTIONS = ("approve", "spam", "trash")
USED = ("This link has been used already (on {when} UTC): each link acts once. "
        "Moderate the comment from the queue instead.")


class LinkRefused(Exception):
    """The link cannot be used; the message says why, in words for the moderator."""


@dataclass(frozen=True)
class LinkGrant:
    comment_id: int
    action: str
    status: str
    link_id: str = ""  # what identifies this one link among all others
    expires_at: datetime | None = None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(comment: Comment, action: str) -> str:
    """Sign *action* on *comment* as it stands now."""
    if action not in LINK_ACTIONS:
        raise ValueError(f"no one-click link for {action!r}")
    return _serializer().dumps({"c": comment.id, "a": action, "s": comment.status})


def _link_id(data: dict, issued: datetime) -> str:
    """Digest what the signature covers, decoded: two spellings of one token (base64 has
    some slack) are one link, and two links differ in what they say or when."""
    canonical = json.dumps([data.get("c"), data.get("a"), data.get("s"),
                            int(issued.timestamp())])
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_token(token: str, comment_id: int, action: str) -> LinkGrant:
    """Return what *token* grants for *comment_id* and *action*, or raise LinkRefused."""
    try:
        data, issued = _serializer().loads(token, max_age=MAX_AGE, return_timestamp=True)
    except SignatureExpired as exc:
        raise LinkRefused("This link has expired (links work for 7 days). "
                          "Moderate the comment from the queue instead.") from exc
    except BadSignature as exc:
        raise LinkRefused("This link is not valid. It may have been cut short or "
                          "altered; moderate the comment from the queue instead.") from exc
    if not isinstance(data, dict) or data.get("c") != comment_id or data.get("a") != action:
        raise LinkRefused("This link was made for a different comment or action.")
    expires = issued.astimezone(UTC).replace(tzinfo=None) + timedelta(seconds=MAX_AGE)
    return LinkGrant(comment_id, action, str(data.get("s")), _link_id(data, issued), expires)


def check_current(grant: LinkGrant, comment: Comment | None) -> None:
    """Refuse a link whose comment is gone, has been moderated since the mail, or which
    has been used already."""
    if comment is None:
        raise LinkRefused("That comment no longer exists.")
    if comment.status != grant.status:
        raise LinkRefused(f"This comment has been moderated since the mail was sent; "
                          f"it is now {comment.status}.")
    used = db.session.scalar(select(MailLinkUse.used_at)
                             .where(MailLinkUse.link_id == grant.link_id))
    if used is not None:
        raise LinkRefused(USED.format(when=f"{used:%Y-%m-%d %H:%M}"))


def use_up(grant: LinkGrant) -> None:
    """Record the link's use in the open transaction (the action's commit keeps it);
    refuse when another request recorded it first."""
    db.session.add(MailLinkUse(link_id=grant.link_id, comment_id=grant.comment_id,
                               action=grant.action, used_at=utcnow(),
                               expires_at=grant.expires_at or utcnow()))
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise LinkRefused(USED.format(when="a moment ago")) from exc


def forget_expired(now: datetime | None = None) -> int:
    """Delete the records of links that have expired anyway; commit; return how many."""
    result = db.session.execute(delete(MailLinkUse)
                                .where(MailLinkUse.expires_at < (now or utcnow())))
    db.session.commit()
    return result.rowcount or 0
