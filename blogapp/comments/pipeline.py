"""The comment pipeline: every door (the form, the JSON API, the embed, moderators'
replies, the importer) calls submit(), which runs every check in one place.

The order is the cost order: the target (visible, open), the form token and the honeypot
(screen(): no database work), the shape a door cannot be trusted with (length, an empty
text), the thread, then the database refusals (a flood, a duplicate: indexed queries on
the text as typed); only a post that is left is rendered and sanitized, then decided.

Transactions: a reader's post checks in a reading transaction (``read_only()``: on SQLite
no write lock) and ends it before the INSERT, so the writing transaction holds the INSERT
and the article's counter UPDATE alone. A moderator's reply and an import check and write
in one transaction, with their audit rows. Jobs (spam check, mail) go out after the commit.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import Row, insert, null, select
from sqlalchemy.exc import IntegrityError

from blogapp.comments import jobs
from blogapp.comments.akismet import config_from_mapping
from blogapp.comments.avatars import avatar_seed
from blogapp.comments.entry import (
    MAX_CONTENT,
    Accepted,
    Door,
    Entry,
    Refused,
    too_long,
)
from blogapp.comments.forms import check_form_token
from blogapp.comments.policy import (
    AkismetVerdict,
    CommentStatus,
    History,
    Reason,
    Submission,
    Verdict,
    decide,
    refuse,
)
from blogapp.comments.services import (
    bump_article,
    comments_closed,
    gather_history,
    set_visible_status,
    submission_of,
)
from blogapp.comments.settings import SiteSettings, load_settings
from blogapp.comments.state import current_host
from blogapp.comments.threads import (
    comment_place,
    landing_count,
    landing_page,
    page_for,
    page_of,
)
from blogapp.database import read_only
from blogapp.extensions import db
from blogapp.models import AuditEntry, Comment
from blogapp.models.base import utcnow
from blogapp.models.comment import new_preview_token
from blogapp.sanitize import render_comment, rendered_comment, visible_text
from blogapp.site import site_url

__all__ = ["Accepted", "Door", "Entry", "Refused", "admit", "form_token_refusal",
           "history_refusal", "reader_history", "revise", "screen", "submission_for",
           "submit"]

APPROVED, PENDING = CommentStatus.APPROVED, CommentStatus.PENDING
GONE = Refused("not_found", 404, "This article does not exist or is not published.")
CLOSED = Refused("closed", 403, "Comments are closed on this article.")
PARENT_GONE = "The comment you are replying to is not available."
HONEYPOT = Refused("honeypot", 400, (
    "The form's hidden field (one people never see, left empty by browsers) was filled in, "
    "as robots do, so this was not posted. Your comment is kept below: please send it "
    "again."))


class _Refusal(Exception):
    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.message)
        self.refused = refused


def admit(target_id: int, *, door: Door, settings: SiteSettings | None = None,
          now: datetime | None = None) -> Refused | None:
    """Say why *target_id* takes no comment through *door* now (gone, closed), or None.

    submit() runs it first; a door that checks shape may ask it before, so a closed
    article answers 403 whatever the post holds."""
    settings = settings or load_settings(current_app.config)
    now = now or utcnow()
    target = current_host().target(target_id)
    if target is None or (door is not Door.IMPORT and not target.visible):
        return GONE
    if door.reader and comments_closed(target, settings, now):
        return CLOSED
    return None


def submit(entry: Entry, *, door: Door, now: datetime | None = None,
           settings: SiteSettings | None = None,
           history: History | None = None) -> Accepted | Refused:
    """Check, decide and store *entry*; commit; send what is owed after the commit.

    *settings*: the discussion settings the door already read in this request (default:
    read them); *history*: the entry's reader_history(), when the door read it first."""
    settings = settings or load_settings(current_app.config)
    clock = None if now is None else now.replace(tzinfo=UTC).timestamp()  # the form token's
    now = entry.created_at if door is Door.IMPORT and entry.created_at else (now or utcnow())
    reading = read_only() if door.reader else nullcontext()
    try:
        with reading:
            comment, parent = _prepare(entry, door, settings, now, clock, history)
            if door.reader and db.session().in_transaction():
                db.session.commit()  # end the reading transaction; the insert takes its own
        approved_parent, page = _store(comment, entry, door, parent, settings)
    except _Refusal as refusal:
        db.session.rollback()
        return refusal.refused
    _dispatch(comment, door, approved_parent)
    return _accepted(comment, settings, page)


def revise(comment: Comment, text: str, *, door: Door = Door.FORM,
           settings: SiteSettings | None = None, now: datetime | None = None) -> Accepted | Refused:
    """Replace a reader's own comment's text through a post's checks; commit; send what
    is owed (blogapp.comments.own_edit says whether this browser may).

    The same limits, sanitizer, policy and Akismet as submit(); its own approval counts
    as the author's approved comment before, so a typo fix stays published, and an edit
    that reads as spam goes back to pending (or to the trash). The audit row
    "author_edit" keeps the old text for moderators."""
    settings = settings or load_settings(current_app.config)
    now = now or utcnow()
    try:
        _check_text(text)
    except _Refusal as refusal:
        return refusal.refused
    submission = with_rendering(replace(submission_of(comment), content=text),
                                site_url(current_app))
    history = gather_history(submission, settings, now, exclude_id=comment.id)
    history = replace(history, approved_before=history.approved_before
                      or comment.status == APPROVED)
    spam_check = _akismet_owed(door, settings)
    verdict = decide(submission, settings.policy, history, spam_check, now)
    old_text, old_status = comment.content, comment.status
    comment.content, comment.content_html = text, submission.content_html
    comment.spam_check, comment.spam_check_attempts = spam_check.value, 0
    comment.blatant = verdict.blatant
    comment.reasons = [{"code": r.code, "message": r.message} for r in verdict.reasons]
    comment.edited_at = now
    set_visible_status(comment, verdict.status.value)
    if old_status == verdict.status == APPROVED:
        bump_article(comment.article_id, 0)  # the page shows the new text
    _audit(comment.id, None, "author_edit", old_status, comment.status, old_text)
    db.session.commit()
    _dispatch(comment, door, None)
    return _accepted(comment, settings)


def _accepted(comment: Comment, settings: SiteSettings, page: int | None = None) -> Accepted:
    """What the door answers; *page*: where the comment landed, if the caller knows."""
    status = CommentStatus(comment.status)
    if status not in (APPROVED, PENDING):
        page = None
    elif page is None:
        with read_only():  # the comment is committed; what follows only reads
            db.session.commit()
            page = page_of(comment, settings)
    return Accepted(
        comment_id=comment.id, status=status, page=page, target_id=comment.article_id,
        reasons=tuple(Reason(r["code"], r["message"]) for r in comment.reasons),
        preview_token=comment.preview_token)


def _prepare(entry: Entry, door: Door, settings: SiteSettings, now: datetime,
             clock: float | None, history: History | None) -> tuple[Comment, Row | None]:
    """Run every check, reading only; return the comment unsaved and the comment it
    replies to (None: a new thread). Raise _Refusal.

    A form post whose history the refused-posts layer read, starting a new thread, reads
    nothing here: no reading transaction is begun."""
    config = current_app.config
    refused = admit(entry.target_id, door=door, settings=settings, now=now)
    if refused is not None:
        raise _Refusal(refused)
    if door.reader:
        refused = screen(entry, settings, clock)
        if refused is not None:
            raise _Refusal(refused)
    _check_text(entry.content)
    depth, parent = _thread_depth(entry, door, settings)
    submission = submission_for(entry)
    if door is Door.STAFF:
        history = None
    elif history is None:
        history = gather_history(submission, settings, now)
    if door.reader:
        refused = history_refusal(submission, settings, history, now)
        if refused is not None:
            raise _Refusal(refused)
    url = site_url(current_app)
    spam_check = AkismetVerdict.DISABLED
    if door is Door.STAFF:
        html = render_comment(entry.content, url)
        verdict = Verdict(APPROVED, (Reason("staff", "Written by a moderator"),))
    elif door is Door.IMPORT and entry.status is not None:
        html = render_comment(entry.content, url)
        verdict = Verdict(CommentStatus(entry.status),
                          (Reason("imported", "Imported with this status"),))
    else:  # a reader's post, or an import without a status of its own: the policy decides
        submission = with_rendering(submission, url)
        html = submission.content_html
        spam_check = _akismet_owed(door, settings)
        verdict = decide(submission, settings.policy, history, spam_check, now)

    comment = Comment(
        article_id=entry.target_id, parent_id=entry.parent_id, depth=depth,
        author=entry.author, email=entry.email, url=entry.url,
        avatar_seed=avatar_seed(config["SECRET_KEY"], entry.email, entry.author),
        content=entry.content, content_html=html, status=verdict.status.value,
        spam_check=spam_check.value, spam_check_attempts=0, blatant=verdict.blatant,
        ip=entry.ip, user_agent=entry.user_agent[:255], referrer=entry.referrer[:255],
        user_id=entry.user_id, created_at=now, updated_at=now,
        preview_token=new_preview_token(),  # the author's held preview names it
    )
    comment.reasons = [{"code": r.code, "message": r.message} for r in verdict.reasons]
    return comment, parent


def screen(entry: Entry, settings: SiteSettings, clock: float | None = None, *,
           secret: str | None = None) -> Refused | None:
    """Say why a reader's *entry* is refused before any database work (the form token,
    then the honeypot), or None. submit() asks it of every reader door, after admit(); a
    door may ask it before (blogapp.comments.views.early_answer), with the same answer.
    *secret*: the app's SECRET_KEY, for a caller outside an app context.

    A honeypot catch is refused, not stored: it costs no write, and the rare person whose
    browser filled the hidden field keeps their text and sends it again."""
    refused = form_token_refusal(entry, settings, clock, secret=secret)
    if refused is None and entry.honeypot:
        return HONEYPOT
    return refused


def form_token_refusal(entry: Entry, settings: SiteSettings, clock: float | None = None, *,
                       secret: str | None = None) -> Refused | None:
    """Say why *entry*'s form token is refused (forged, too fresh, too old, for another
    target), or None. submit() asks it of every reader door; a door that must write before
    submit() (the API creating an external page's thread) asks it first."""
    subject = entry.token_subject if entry.token_subject is not None else entry.target_id
    complaint = check_form_token(secret or current_app.config["SECRET_KEY"], entry.form_token,
                                 subject, settings.form_min_seconds,
                                 settings.form_max_age_hours, now=clock)
    return Refused("form_token", 400, complaint) if complaint else None


def submission_for(entry: Entry) -> Submission:
    """The policy's view of *entry*, before its text is rendered."""
    return Submission(
        article_id=entry.target_id, parent_id=entry.parent_id, author=entry.author,
        email=entry.email, url=entry.url, content=entry.content or "", content_html="",
        ip=entry.ip, user_agent=entry.user_agent, link_count=0,
    )


#: Where a layer before Flask leaves the history it read for this request's entry.
KNOWN_HISTORY_KEY = "blogapp.comments.history"


def history_signature(entry: Entry) -> tuple:
    """What the history of *entry* is read for (its SELECT's parameters but the time)."""
    return (entry.target_id, entry.parent_id or 0, entry.author, entry.email, entry.ip,
            entry.content or "")


def known_history(environ, entry: Entry) -> History | None:
    """The history a layer before Flask read for this very entry, or None."""
    found = environ.get(KNOWN_HISTORY_KEY)
    if found is None or found[0] != history_signature(entry):
        return None
    return found[1]


def reader_history(entry: Entry, settings: SiteSettings, now: datetime,
                   known: History | None = None) -> History:
    """What the policy knows of a reader's *entry* from the database (gather_history);
    *known*: the facts of its SELECT, read a moment before by the refused-posts layer."""
    return gather_history(submission_for(entry), settings, now, known=known)


def history_refusal(submission: Submission, settings: SiteSettings, history: History,
                    now: datetime) -> Refused | None:
    """Why a reader's post is refused for what the database holds (a duplicate, a flood),
    or None: the policy's refuse(), as the door answers it."""
    refusal = refuse(submission, settings.policy, history, now)
    if refusal is None:
        return None
    return Refused(refusal.code, refusal.status_code, refusal.message,
                   retry_after=refusal.retry_after)


def with_rendering(submission: Submission, site_url: str | None) -> Submission:
    """Return *submission* with its safe HTML, its link count and what it reads as."""
    rendered = rendered_comment(submission.content, site_url)
    return replace(submission, content_html=rendered.html, link_count=rendered.links,
                   content_text=rendered.text, author_text=visible_text(submission.author))


def _akismet_owed(door: Door, settings: SiteSettings) -> AkismetVerdict:
    """Whether a reader's text waits for Akismet's verdict (the check runs as a job)."""
    if door.reader and config_from_mapping(current_app.config).enabled and (
            settings.akismet_enabled):
        return AkismetVerdict.OWED
    return AkismetVerdict.DISABLED


def _check_text(content: str) -> None:
    """What every door must hold to, whatever its own shape checks (the API's are its own)."""
    if not content.strip():
        raise _Refusal(Refused("required", 400, "Please type your comment text.", "comment"))
    if len(content) > MAX_CONTENT:
        raise _Refusal(Refused("too_long", 400, too_long(MAX_CONTENT), "comment"))


def _thread_depth(entry: Entry, door: Door,
                  settings: SiteSettings) -> tuple[int, Row | None]:
    """The new comment's depth, and the place of the comment it replies to
    (threads.comment_place; None: a new thread)."""
    if entry.parent_id is None:
        return 1, None
    parent = comment_place(entry.parent_id)
    allowed = {APPROVED, PENDING} if door is Door.STAFF else {APPROVED}
    if door is Door.IMPORT:
        allowed = set(CommentStatus)
    if parent is None or parent.article_id != entry.target_id or parent.status not in allowed:
        raise _Refusal(Refused("parent", 400, PARENT_GONE, "comment_parent"))
    if door is not Door.IMPORT and parent.depth >= settings.thread_depth:
        raise _Refusal(Refused(
            "depth", 400, f"Replies can nest {settings.thread_depth} levels deep at most; "
            "reply to an earlier comment in this thread.", "comment_parent"))
    return parent.depth + 1, parent


def _store(comment: Comment, entry: Entry, door: Door, parent: Row | None,
           settings: SiteSettings) -> tuple[int | None, int | None]:
    """Insert *comment* (and count it when visible); for STAFF approve a held parent and
    write the audit rows; commit. Return the id of a parent approved by replying, and the
    comment page the comment is shown on (None: not shown), counted in the transaction
    that stores it (before the insert: a new thread lands after every approved one). On a
    database server a held or spam comment from a reader's door is stored by one
    statement instead (_insert_counted): it has no counter to move and no audit row."""
    approved_parent = None
    shown = comment.status in (APPROVED.value, PENDING.value) and door is not Door.IMPORT
    if comment.status != APPROVED and door not in (Door.STAFF, Door.IMPORT) \
            and db.engine.dialect.name != "sqlite":
        comment.id, page = _insert_counted(comment, entry, parent, settings, shown)
        return None, page
    page = landing_page(entry.target_id, parent, settings) if shown else None
    if door is Door.STAFF and entry.parent_id is not None:
        held = db.session.get(Comment, entry.parent_id, with_for_update=True)
        if held is None or held.status not in (APPROVED, PENDING):
            raise _Refusal(Refused("parent", 400, PARENT_GONE, "comment_parent"))
        if held.status == PENDING:
            set_visible_status(held, APPROVED.value)
            _audit(held.id, entry.user_id, "approve", PENDING, APPROVED,
                   "Approved by replying")
            approved_parent = held.id
    try:
        if comment.status == APPROVED or door is Door.STAFF:
            db.session.add(comment)  # through the session: an approval's notices queue
        else:
            comment.id = _insert(comment)
        if comment.status == APPROVED:
            bump_article(comment.article_id, +1)
        if door is Door.STAFF:
            db.session.flush()
            _audit(comment.id, entry.user_id, "reply", None, comment.status,
                   f"Reply to comment #{entry.parent_id}" if entry.parent_id else "Comment")
        db.session.commit()
    except IntegrityError:  # the article or the parent was deleted meanwhile
        db.session.rollback()
        raise _Refusal(Refused("gone", 404, "This article or the comment you reply to is "
                               "gone.")) from None
    return approved_parent, page


def _insert(comment: Comment) -> int:
    """Insert a held or spam *comment* with one statement (no unit of work: nobody is
    told of it, so no session hook needs to see it); return its id. The object stays
    detached, with the values it was given."""
    state = comment.__dict__
    values = {name: state[name] for name in _COLUMNS if name in state}
    return db.session.execute(_INSERT, values).inserted_primary_key[0]


def _insert_counted(comment: Comment, entry: Entry, parent: Row | None,
                    settings: SiteSettings, shown: bool) -> tuple[int, int | None]:
    """On a database server, a held or spam *comment*'s INSERT and the count of the page it
    lands on (when *shown*) in one statement of its own, on an autocommit connection: one
    round trip where a transaction takes four (BEGIN, the count, the INSERT, COMMIT).
    The count sees the table as it was before the insert, as landing_page does. Return
    the comment's id and its page."""
    count = None
    if shown:
        statement, params = landing_count(entry.target_id, parent)
        count = statement.params(params).scalar_subquery()  # values bound here: an "id"
        # given to execute() would name the INSERT's id column
    if db.session().in_transaction():
        db.session.commit()  # a thread's root looked up: end that reading transaction
    state = comment.__dict__
    inserted = _INSERT.values({name: state[name] for name in _COLUMNS if name in state}) \
        .returning(Comment.id).cte("inserted")
    counted = select(inserted.c.id, count if count is not None else null())
    try:
        with db.engine.connect() as conn:
            row = conn.execution_options(isolation_level="AUTOCOMMIT").execute(counted).one()
    except IntegrityError:  # the article or the parent was deleted meanwhile
        raise _Refusal(Refused("gone", 404, "This article or the comment you reply to is "
                               "gone.")) from None
    return row[0], page_for(row[1], settings) if count is not None else None


_COLUMNS = tuple(c.key for c in Comment.__table__.columns if c.key != "id")
_INSERT = insert(Comment.__table__)


def _audit(comment_id: int, actor_id: int | None, action: str, from_status: str | None,
           to_status: str | None, note: str) -> None:
    db.session.add(AuditEntry(comment_id=comment_id, user_id=actor_id, action=action,
                              from_status=from_status, to_status=to_status, note=note,
                              created_at=utcnow()))


def _dispatch(comment: Comment, door: Door, approved_parent: int | None) -> None:
    if door is Door.IMPORT:
        return
    if approved_parent is not None:
        jobs.dispatch("notify_author", approved_parent)  # as moderate() does on approve
    if comment.spam_check == AkismetVerdict.OWED.value:
        jobs.dispatch("spam_check", comment.id)
    elif comment.status == PENDING.value:
        jobs.dispatch("notify", comment.id)
