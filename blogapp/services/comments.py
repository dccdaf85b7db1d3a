"""The comment pipeline: one entry point for the form, the API and moderators' replies."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from blogapp.avatars import avatar_seed
from blogapp.discussion import SiteSettings
from blogapp.extensions import db
from blogapp.models import Article, Comment, User
from blogapp.models.base import utcnow
from blogapp.models.comment import new_preview_token
from blogapp.policy import (
    REASON_HONEYPOT,
    AkismetVerdict,
    CommentStatus,
    History,
    Reason,
    Submission,
    Verdict,
    decide,
    refuse,
)
from blogapp.sanitize import (
    count_links,
    render_comment,
    render_plain,
    rendered_comment,
    visible_text,
)
from blogapp.unicode_text import fold

APPROVED = CommentStatus.APPROVED.value


@dataclass(frozen=True)
class CommentInput:
    """A submission as plain values, already normalized and shape-checked by a form."""

    article_id: int
    author: str
    email: str
    url: str
    content: str
    parent_id: int | None = None
    ip: str = ""
    user_agent: str = ""
    referrer: str = ""
    honeypot: bool = False
    user_id: int | None = None  # set for staff replies, which are published at once


class CommentRefused(Exception):
    """The submission cannot be stored; *field* names the form field at fault, if any;
    *retry_after* says in how many seconds the same post would be taken (a flood)."""

    def __init__(self, status_code: int, message: str, field: str | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.field = field
        self.retry_after = retry_after


def comments_closed(article: Article, settings: SiteSettings, now: datetime) -> bool:
    if not article.comments_open:
        return True
    if settings.close_after_days and article.published_at is not None:
        return article.published_at < now - timedelta(days=settings.close_after_days)
    return False


def submit_comment(data: CommentInput, settings: SiteSettings, *, secret: str,
                   akismet_configured: bool, site_url: str | None = None,
                   now: datetime | None = None) -> Comment:
    """Check, decide and store a comment; commit. Raise CommentRefused when it can't be."""
    return store_comment(prepare_comment(data, settings, secret=secret, site_url=site_url,
                                         akismet_configured=akismet_configured, now=now))


def prepare_comment(data: CommentInput, settings: SiteSettings, *, secret: str,
                    akismet_configured: bool, site_url: str | None = None,
                    now: datetime | None = None) -> Comment:
    """Check and decide a comment, reading only; return it unsaved for store_comment.

    The cheap refusals come first (closed, a missing parent, a flood, a duplicate: indexed
    queries on the text as typed), then a honeypot catch is kept as escaped plain text;
    only a post that is left is rendered and sanitized (*site_url*: see render_comment).
    Raise CommentRefused when it can't be posted."""
    now = now or utcnow()
    article = db.session.get(Article, data.article_id)
    if article is None or not article.is_visible(now):
        raise CommentRefused(404, "This article does not exist or is not published.")
    if comments_closed(article, settings, now):
        raise CommentRefused(403, "Comments are closed on this article.")
    depth = _thread_depth(data, article, settings)

    staff = data.user_id is not None
    submission = Submission(
        article_id=article.id, parent_id=data.parent_id, author=data.author, email=data.email,
        url=data.url, content=data.content, content_html="", ip=data.ip,
        user_agent=data.user_agent, link_count=0,
    )
    history = gather_history(submission, settings, now, reader=not staff)
    if not staff:
        refusal = refuse(submission, settings.policy, history, now)
        if refusal is not None:
            raise CommentRefused(refusal.status_code, refusal.message,
                                 retry_after=refusal.retry_after)

    if staff:
        html = render_comment(data.content, site_url)
        verdict = Verdict(CommentStatus.APPROVED, (Reason("staff", "Written by a moderator"),))
        spam_check = AkismetVerdict.DISABLED
    elif data.honeypot:
        html = render_plain(data.content)  # rendered for real if a moderator rescues it
        verdict = Verdict(CommentStatus.SPAM, (
            Reason(REASON_HONEYPOT, "Filled in the hidden field that only robots see"),))
        spam_check = AkismetVerdict.DISABLED
    else:
        submission = with_rendering(submission, site_url)
        html = submission.content_html
        spam_check = (AkismetVerdict.OWED if akismet_configured and settings.akismet_enabled
                      else AkismetVerdict.DISABLED)
        verdict = decide(submission, settings.policy, history, spam_check, now)

    comment = Comment(
        article_id=article.id, parent_id=data.parent_id, depth=depth,
        author=data.author, email=data.email, url=data.url,
        avatar_seed=avatar_seed(secret, data.email, data.author),
        content=data.content, content_html=html, status=verdict.status.value,
        spam_check=spam_check.value, spam_check_attempts=0, blatant=verdict.blatant,
        ip=data.ip, user_agent=data.user_agent[:255], referrer=data.referrer[:255],
        user_id=data.user_id, created_at=now, updated_at=now,
        preview_token=new_preview_token(),  # the author's held preview names it (page.py)
    )
    comment.reasons = [{"code": r.code, "message": r.message} for r in verdict.reasons]
    return comment


def with_rendering(submission: Submission, site_url: str | None) -> Submission:
    """Return *submission* with its safe HTML, its link count and what it reads as."""
    rendered = rendered_comment(submission.content, site_url)
    return replace(submission, content_html=rendered.html, link_count=rendered.links,
                   content_text=rendered.text, author_text=visible_text(submission.author))


def store_comment(comment: Comment) -> Comment:
    """Insert a prepared comment (and count it when visible); commit.

    A reader's post reads in a transaction of its own and ends it before this, so on
    SQLite the write lock is held for the INSERT and one UPDATE only, not for the checks.
    """
    db.session.add(comment)
    if comment.status == APPROVED:
        bump_article(comment.article_id, +1)
    try:
        db.session.commit()
    except IntegrityError:  # the article or the parent was deleted meanwhile
        db.session.rollback()
        raise CommentRefused(404, "This article or the comment you reply to is gone.") from None
    return comment


def _thread_depth(data: CommentInput, article: Article, settings: SiteSettings) -> int:
    if data.parent_id is None:
        return 1
    parent = db.session.get(Comment, data.parent_id)
    if parent is None or parent.article_id != article.id or parent.status != APPROVED:
        raise CommentRefused(400, "The comment you are replying to is not available.",
                             field="comment_parent")
    if parent.depth >= settings.thread_depth:
        raise CommentRefused(
            400, f"Replies can nest {settings.thread_depth} levels deep at most; "
            "reply to an earlier comment in this thread.", field="comment_parent")
    return parent.depth + 1


def gather_history(submission: Submission, settings: SiteSettings, now: datetime,
                   exclude_id: int | None = None, *, reader: bool = True) -> History:
    """Collect the database facts the policy needs (indexed queries and the staff list).

    A *reader*'s post (not a moderator's reply) is checked against the staff accounts'
    emails and names; staff replies never count as a reader's approved comment."""
    policy = settings.policy
    approved_before = False
    if submission.email and submission.author:
        query = select(Comment.id).where(
            Comment.author == submission.author, Comment.email == submission.email,
            Comment.status == APPROVED, Comment.user_id.is_(None))
        if exclude_id is not None:
            query = query.where(Comment.id != exclude_id)
        approved_before = db.session.scalar(query.limit(1)) is not None
    last_post_at = None
    if policy.flood_seconds and exclude_id is None:
        who = [Comment.ip == submission.ip] if submission.ip else []
        if submission.email:
            who.append(Comment.email == submission.email)
        if who:
            last_post_at = db.session.scalar(
                select(func.max(Comment.created_at)).where(or_(*who)).where(
                    Comment.created_at >= now - timedelta(seconds=policy.flood_seconds)))
    duplicate = False
    if policy.duplicate_check and exclude_id is None:
        duplicate = db.session.scalar(
            select(Comment.id).where(
                Comment.article_id == submission.article_id,
                Comment.parent_id.is_(None) if submission.parent_id is None
                else Comment.parent_id == submission.parent_id,
                Comment.author == submission.author, Comment.email == submission.email,
                Comment.content == submission.content,
            ).limit(1)) is not None
    staff_email = staff_name = False
    if reader and (submission.email or submission.author):
        staff_email, staff_name = _staff_identity(submission.email, submission.author)
    return History(approved_before=approved_before, last_post_at=last_post_at,
                   duplicate=duplicate, staff_email=staff_email, staff_name=staff_name)


def _staff_identity(email: str, author: str) -> tuple[bool, bool]:
    """Tell whether *email*, and whether *author*, is a staff account's (any case, width
    or spacing; disabled accounts included)."""
    email_key, name_key = fold(email.strip()), _name_key(author)
    same_email = same_name = False
    for staff_email, staff_name in db.session.execute(select(User.email, User.display_name)):
        same_email = same_email or bool(email_key) and fold(staff_email.strip()) == email_key
        same_name = same_name or bool(name_key) and _name_key(staff_name) == name_key
    return same_email, same_name


def _name_key(name: str) -> str:
    return " ".join(fold(name).split())


def bump_article(article_id: int, delta: int) -> None:
    """Change an article's approved-comment count and its cache version, in SQL."""
    db.session.execute(
        update(Article).where(Article.id == article_id).values(
            comment_count=Article.comment_count + delta,
            comments_version=Article.comments_version + 1,
        )
    )


def set_visible_status(comment: Comment, new_status: str) -> str:
    """Move *comment* to *new_status*, keeping the article's count; return the old status."""
    old = comment.status
    if old == new_status:
        return old
    comment.status = new_status
    comment.updated_at = utcnow()
    if old == APPROVED:
        bump_article(comment.article_id, -1)
    elif new_status == APPROVED:
        bump_article(comment.article_id, +1)
    return old


def submission_of(comment: Comment) -> Submission:
    """Rebuild the policy's view of a stored comment (for a later spam check)."""
    return Submission(
        article_id=comment.article_id, parent_id=comment.parent_id, author=comment.author,
        email=comment.email, url=comment.url, content=comment.content,
        content_html=comment.content_html, ip=comment.ip, user_agent=comment.user_agent,
        link_count=count_links(comment.content_html),
        content_text=visible_text(comment.content), author_text=visible_text(comment.author),
    )
