"""Decide what happens to a new comment: refuse it, or approve, hold, spam or trash it.

Plain Python on purpose: the app gathers the facts (the submission, the discussion
settings, the author's history, Akismet's verdict, the clock) and this module answers
with a verdict and every reason that led to it.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from blogapp.unicode_text import fold


class CommentStatus(enum.StrEnum):
    APPROVED = "approved"
    PENDING = "pending"
    SPAM = "spam"
    TRASH = "trash"


class AkismetVerdict(enum.StrEnum):
    HAM = "ham"
    SPAM = "spam"
    DISCARD = "discard"  # blatant spam
    UNAVAILABLE = "unavailable"  # check failed, timed out or the key was refused
    OWED = "owed"  # not checked yet; will be checked off the request path
    DISABLED = "disabled"  # no key configured or turned off


REASON_MANUAL_APPROVAL = "manual-approval"
REASON_NEW_AUTHOR = "new-author"
REASON_KNOWN_AUTHOR = "known-author"
REASON_LINKS = "links"
REASON_MODERATION_KEY = "moderation-key"
REASON_DISALLOWED_KEY = "disallowed-key"
REASON_AKISMET_HAM = "akismet-ham"
REASON_AKISMET_SPAM = "akismet-spam"
REASON_AKISMET_DISCARD = "akismet-discard"
REASON_AKISMET_UNAVAILABLE = "akismet-unavailable"
REASON_AKISMET_OWED = "akismet-owed"
REASON_STAFF_IDENTITY = "staff-impersonation"
# Not produced here: the form checks these, and the app may record them with the same shape.
REASON_HONEYPOT = "honeypot"
REASON_TIMESTAMP = "timestamp"

# Reasons that hold a comment for moderation when nothing sends it to spam or trash.
HOLD_CODES = frozenset(
    {
        REASON_MANUAL_APPROVAL,
        REASON_NEW_AUTHOR,
        REASON_LINKS,
        REASON_MODERATION_KEY,
        REASON_AKISMET_UNAVAILABLE,
        REASON_AKISMET_OWED,
        REASON_STAFF_IDENTITY,
    }
)

DISCARD_AS_SPAM = "spam"
DISCARD_DROP = "drop"

FLOOD_MESSAGE = "You are posting comments too quickly. Slow down."  # WordPress's words
DUPLICATE_MESSAGE = "Duplicate comment detected; it looks as though you've already said that!"


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


def flood_message(seconds: int) -> str:
    """Return WordPress's flood message with the wait in seconds."""
    unit = "second" if seconds == 1 else "seconds"
    return f"{FLOOD_MESSAGE[:-1]}: you can post again in {seconds} {unit}."


@dataclass(frozen=True)
class Submission:
    """A comment as the policy sees it. The rendering facts (``content_html``,
    ``link_count``, ``content_text``) are filled in once the cheap refusals have passed."""

    article_id: int
    parent_id: int | None
    author: str
    email: str
    url: str
    content: str
    content_html: str
    ip: str
    user_agent: str
    link_count: int
    #: What the text and the name read as, tags removed and entities decoded.
    content_text: str = ""
    author_text: str = ""


@dataclass(frozen=True)
class DiscussionSettings:
    manual_approval: bool = False  # WordPress ships "must be manually approved" off
    auto_approve_known_authors: bool = True  # ... and "previously approved author" on
    max_links: int = 2
    moderation_keys: tuple[str, ...] = ()
    disallowed_keys: tuple[str, ...] = ()
    flood_seconds: int = 15
    duplicate_check: bool = True
    akismet_discard: str = DISCARD_AS_SPAM


@dataclass(frozen=True)
class History:
    approved_before: bool = False
    last_post_at: datetime | None = None
    duplicate: bool = False
    #: A reader's post whose email, or name, is a staff account's.
    staff_email: bool = False
    staff_name: bool = False


@dataclass(frozen=True)
class Verdict:
    status: CommentStatus
    reasons: tuple[Reason, ...]
    blatant: bool = False
    drop: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        """Return the reason codes in order."""
        return tuple(reason.code for reason in self.reasons)


@dataclass(frozen=True)
class Refusal:
    code: str
    status_code: int
    message: str
    retry_after: int | None = None  # seconds, for a 429


# Fields WordPress searches for moderation and disallowed keys, with moderator-facing names.
_KEY_FIELDS: tuple[tuple[str, str], ...] = (
    ("author", "author name"),
    ("email", "author email"),
    ("url", "author URL"),
    ("content", "comment text"),
    ("ip", "IP address"),
    ("user_agent", "user agent"),
)


def parse_keys(text: str) -> tuple[str, ...]:
    """Split a one-key-per-line setting into trimmed, non-blank, de-duplicated keys."""
    keys: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        key = line.strip()
        if key and key.casefold() not in seen:
            seen.add(key.casefold())
            keys.append(key)
    return tuple(keys)


def refuse(
    submission: Submission, settings: DiscussionSettings, history: History, now: datetime
) -> Refusal | None:
    """Return why the submission must be turned away before it is stored, or None."""
    if settings.duplicate_check and history.duplicate:
        return Refusal("duplicate", 409, DUPLICATE_MESSAGE)
    if settings.flood_seconds > 0 and history.last_post_at is not None:
        elapsed = _naive_utc(now) - _naive_utc(history.last_post_at)
        left = timedelta(seconds=settings.flood_seconds) - elapsed
        if left > timedelta(0):
            seconds = min(settings.flood_seconds, max(1, math.ceil(left.total_seconds())))
            return Refusal("flood", 429, flood_message(seconds), retry_after=seconds)
    return None


def decide(
    submission: Submission,
    settings: DiscussionSettings,
    history: History,
    akismet: AkismetVerdict,
    now: datetime,
) -> Verdict:
    """Evaluate every rule, then pick the status by precedence: trash, spam, hold, approve."""
    drop = settings.akismet_discard == DISCARD_DROP
    fields = _folded_fields(submission) if (settings.disallowed_keys
                                            or settings.moderation_keys) else {}
    reasons = (
        *_key_reasons(fields, settings.disallowed_keys, REASON_DISALLOWED_KEY, "disallowed key"),
        *_akismet_reasons(akismet),
        *_staff_reasons(history),
        *_approval_reasons(settings, history),
        *_link_reasons(submission, settings),
        *_key_reasons(fields, settings.moderation_keys, REASON_MODERATION_KEY, "moderation key"),
    )
    codes = {reason.code for reason in reasons}
    if REASON_DISALLOWED_KEY in codes:
        return Verdict(CommentStatus.TRASH, reasons)
    if akismet is AkismetVerdict.SPAM:
        return Verdict(CommentStatus.SPAM, reasons)
    if akismet is AkismetVerdict.DISCARD:
        return Verdict(CommentStatus.SPAM, reasons, blatant=True, drop=drop)
    if codes & HOLD_CODES:
        return Verdict(CommentStatus.PENDING, reasons)
    return Verdict(CommentStatus.APPROVED, reasons)


def _approval_reasons(settings: DiscussionSettings, history: History) -> list[Reason]:
    """Apply WordPress's "manually approved" and "previously approved author" options."""
    if settings.manual_approval:
        return [Reason(REASON_MANUAL_APPROVAL, "Comment must be manually approved")]
    if not settings.auto_approve_known_authors or history.staff_email or history.staff_name:
        return []  # a post in a staff member's name is held for that reason instead
    if history.approved_before:
        return [Reason(REASON_KNOWN_AUTHOR, "Author has a previously approved comment")]
    return [Reason(REASON_NEW_AUTHOR, "Author has no previously approved comment")]


def _link_reasons(submission: Submission, settings: DiscussionSettings) -> list[Reason]:
    limit = settings.max_links
    if limit <= 0 or submission.link_count < limit:
        return []
    noun = "link" if submission.link_count == 1 else "links"
    message = f"Contains {submission.link_count} {noun} (hold at {limit} or more)"
    return [Reason(REASON_LINKS, message)]


def _staff_reasons(history: History) -> list[Reason]:
    """Hold a reader's post that uses a staff account's email or name (WordPress holds it).

    Such a post is never a known author's: the staff member's own comments are theirs."""
    if history.staff_email:
        return [Reason(REASON_STAFF_IDENTITY, "Uses the email address of a staff account")]
    if history.staff_name:
        return [Reason(REASON_STAFF_IDENTITY, "Uses the name of a staff account")]
    return []


def _folded_fields(submission: Submission) -> dict[str, tuple[str, ...]]:
    """Each checked field as key matching reads it: as typed, and as it reads once tags
    are removed and entities decoded (name and text), folded (NFKC, case, invisibles)."""
    seen = {"author": (submission.author, submission.author_text),
            "content": (submission.content, submission.content_text)}
    return {attr: tuple(fold(v) for v in seen.get(attr, (str(getattr(submission, attr) or ""),))
                        if v)
            for attr, _ in _KEY_FIELDS}


def _key_reasons(
    fields: dict[str, tuple[str, ...]], keys: tuple[str, ...], code: str, label: str
) -> list[Reason]:
    """Return one reason per key found in any checked field (see _folded_fields)."""
    reasons = []
    for key, needle in _folded_keys(keys):
        found = [name for attr, name in _KEY_FIELDS
                 if any(needle in value for value in fields[attr])]
        if found:
            reasons.append(Reason(code, f"Matches {label} “{key}” in {', '.join(found)}"))
    return reasons


@lru_cache(maxsize=16)
def _folded_keys(keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Return each non-blank key beside its folded form, once per settings value."""
    pairs = ((key.strip(), fold(key.strip())) for key in keys)
    return tuple((key, needle) for key, needle in pairs if needle)


def _akismet_reasons(akismet: AkismetVerdict) -> list[Reason]:
    if akismet is AkismetVerdict.HAM:
        return [Reason(REASON_AKISMET_HAM, "Akismet found no spam")]
    if akismet is AkismetVerdict.SPAM:
        return [Reason(REASON_AKISMET_SPAM, "Akismet classified the comment as spam")]
    if akismet is AkismetVerdict.DISCARD:
        return [Reason(REASON_AKISMET_DISCARD, "Akismet flagged the comment as blatant spam")]
    if akismet is AkismetVerdict.UNAVAILABLE:
        message = "Spam check unavailable; held until Akismet can be reached"
        return [Reason(REASON_AKISMET_UNAVAILABLE, message)]
    if akismet is AkismetVerdict.OWED:
        message = "Spam check not done yet; held until Akismet answers"
        return [Reason(REASON_AKISMET_OWED, message)]
    return []


def _naive_utc(moment: datetime) -> datetime:
    """Return *moment* as naive UTC, the way blogapp stores timestamps."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
