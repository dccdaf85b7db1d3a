"""What goes into the comment pipeline and what comes out of it (plain values, no Flask)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from blogapp.comments.policy import CommentStatus, Reason

# WordPress's limits (wp_get_comment_fields_max_lengths): one definition for every door.
MAX_AUTHOR, MAX_EMAIL, MAX_URL, MAX_CONTENT = 245, 100, 200, 65_525


def too_long(limit: int) -> str:
    """The words for a field over its limit (WTForms' Length says the same)."""
    return f"Field cannot be longer than {limit} characters."


class Door(enum.StrEnum):
    """How a comment arrives. The door decides what is skipped, nothing else:
    STAFF skips the refusals, the form token and Akismet (a moderator's reply is published
    and audited in the same transaction); IMPORT skips the same, keeps the given date and
    status (without one, the policy decides) and sends no jobs. The three reader doors
    skip nothing."""

    FORM = "form"
    API = "api"
    EMBED = "embed"
    STAFF = "staff"
    IMPORT = "import"

    @property
    def reader(self) -> bool:
        return self in READER_DOORS


READER_DOORS = frozenset({Door.FORM, Door.API, Door.EMBED})


@dataclass(frozen=True)
class Entry:
    """A submission as plain values, already normalized and shape-checked by its door."""

    target_id: int
    author: str
    email: str
    url: str
    content: str
    parent_id: int | None = None
    ip: str = ""
    user_agent: str = ""
    referrer: str = ""
    honeypot: bool = False
    form_token: str = ""  # the signed timestamp the reader doors hand out with the form
    # What the form token is bound to when it is not the target: an external page's address
    # (the API hands out its form before the first post creates the page's thread).
    token_subject: str | None = None
    user_id: int | None = None  # STAFF: the moderator writing
    status: CommentStatus | None = None  # IMPORT: the status it had where it came from
    created_at: datetime | None = None  # IMPORT: when it was written


@dataclass(frozen=True)
class Accepted:
    """Stored. *page* is the comment page that shows it (None: no page shows it)."""

    comment_id: int
    status: CommentStatus
    reasons: tuple[Reason, ...]
    page: int | None
    target_id: int
    preview_token: str  # lets its author see it while it is held

    @property
    def shown(self) -> bool:
        return self.status in (CommentStatus.APPROVED, CommentStatus.PENDING)


@dataclass(frozen=True)
class Refused:
    """Not stored: *code* is stable for machines, *message* is for people, *field* names
    the field at fault (None: the whole post); *retry_after* is in seconds (a flood)."""

    code: str
    status_code: int
    message: str
    field: str | None = None
    retry_after: int | None = None
