"""Akismet checks owed by stored comments, and feedback owed to Akismet.

The comment row is the durable record: a comment is stored with spam_check "owed" before
anyone asks Akismet, so a check lost with a dying process is found again by
`flask --app wsgi comments recheck` (WordPress retries every 20 minutes, 100 at a time,
for 15 days; so does this, from cron).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from blogapp.comments.akismet import AkismetConfig, CommentData, check, submit
from blogapp.comments.host import Target
from blogapp.comments.policy import AkismetVerdict, CommentStatus, decide
from blogapp.comments.services import (
    bump_article,
    gather_history,
    set_visible_status,
    submission_of,
)
from blogapp.comments.settings import SiteSettings
from blogapp.comments.state import current_host
from blogapp.database import read_only
from blogapp.extensions import db
from blogapp.models import Comment
from blogapp.models.base import utcnow

log = logging.getLogger(__name__)

RETRY_STATES = (AkismetVerdict.OWED.value, AkismetVerdict.UNAVAILABLE.value)
RECHECK_MAX_AGE = timedelta(days=15)


def comment_data(comment: Comment, article: Target, config: AkismetConfig) -> CommentData:
    """Describe *comment* to Akismet; the permalink is the target's address (Target.url)."""
    permalink = article.url
    return CommentData(
        user_ip=comment.ip or "127.0.0.1", user_agent=comment.user_agent,
        referrer=comment.referrer, permalink=permalink,
        comment_type="reply" if comment.parent_id else "comment",
        comment_author=comment.author, comment_author_email=comment.email,
        comment_author_url=comment.url, comment_content=comment.content,
        comment_date_gmt=comment.created_at, comment_post_modified_gmt=article.updated_at,
    )


def run_spam_check(comment_id: int, config: AkismetConfig, settings: SiteSettings,
                   now: datetime | None = None) -> str | None:
    """Ask Akismet about one comment that still owes a check, apply the verdict, commit.

    Return the comment's status afterwards (None when nothing was owed).
    """
    now = now or utcnow()
    with read_only():  # everything but the verdict's own writes only reads
        comment = db.session.get(Comment, comment_id)
        if comment is None or comment.spam_check not in RETRY_STATES:
            db.session.rollback()
            return None
        article = current_host().target(comment.article_id)
        data = comment_data(comment, article, config)
        asked = submission_of(comment)
        history = gather_history(asked, settings, now, exclude_id=comment.id)
        db.session.rollback()  # hold no lock while Akismet thinks
    verdict, detail = check(config, data)
    if verdict is AkismetVerdict.DISABLED:
        verdict = AkismetVerdict.UNAVAILABLE
        detail = "Akismet is not configured"
    decision = decide(asked, settings.policy, history, verdict, now)
    if not decision.drop and _apply_at_once(comment_id, asked, verdict, detail, decision):
        return decision.status.value
    return _apply_after_reading(comment_id, asked, history, settings, verdict, detail, now)


def _reasons(decision, verdict: AkismetVerdict, detail: str) -> list[dict[str, str]]:
    reasons = [{"code": r.code, "message": r.message} for r in decision.reasons]
    if verdict is AkismetVerdict.UNAVAILABLE:
        reasons = [{"code": r["code"], "message": f"{r['message']}: {detail}"}
                   if r["code"] == "akismet-unavailable" else r for r in reasons]
    return reasons


def _apply_at_once(comment_id: int, asked, verdict: AkismetVerdict, detail: str,
                   decision) -> bool:
    """Write the verdict in one conditional UPDATE (and the article's count when it is
    approved); commit. False, and nothing written, when the row is no longer what was
    asked about (a moderator decided, the author edited, it was deleted)."""
    status = decision.status.value
    written = db.session.execute(
        update(Comment).where(
            Comment.id == comment_id, Comment.status == CommentStatus.PENDING.value,
            Comment.spam_check.in_(RETRY_STATES), Comment.author == asked.author,
            Comment.email == asked.email, Comment.content == asked.content,
        ).values(
            spam_check=verdict.value, spam_check_attempts=Comment.spam_check_attempts + 1,
            status=status, blatant=decision.blatant, updated_at=utcnow(),
            reasons_json=json.dumps(_reasons(decision, verdict, detail), ensure_ascii=False),
        ).execution_options(synchronize_session=False)).rowcount
    if written != 1:
        db.session.rollback()
        return False
    if status == CommentStatus.APPROVED.value:
        bump_article(asked.article_id, +1)
    db.session.commit()
    return True


def _apply_after_reading(comment_id: int, asked, history, settings: SiteSettings,
                         verdict: AkismetVerdict, detail: str, now: datetime) -> str | None:
    """The row changed while Akismet thought (or the verdict drops it): read it again."""
    comment = db.session.get(Comment, comment_id, populate_existing=True)
    if comment is None:  # deleted meanwhile
        return None
    comment.spam_check_attempts += 1
    comment.spam_check = verdict.value
    if comment.status != CommentStatus.PENDING.value:
        # A moderator decided meanwhile; their decision stands.
        db.session.commit()
        return comment.status
    submission = submission_of(comment)
    if (submission.author, submission.email) != (asked.author, asked.email):
        history = gather_history(submission, settings, now, exclude_id=comment.id)  # edited
    decision = decide(submission, settings.policy, history, verdict, now)
    if decision.drop:
        log.warning("Akismet discard: dropping blatant spam comment %s by %r on article %s: %r",
                    comment.id, comment.author, comment.article_id, comment.content[:2000])
        db.session.delete(comment)
        db.session.commit()
        return "dropped"
    comment.reasons = _reasons(decision, verdict, detail)
    comment.blatant = decision.blatant
    set_visible_status(comment, decision.status.value)
    db.session.commit()
    return comment.status


def owed_checks(limit: int = 100, now: datetime | None = None) -> list[int]:
    """Return ids of comments from the last 15 days whose spam check is still owed."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Comment.id).where(Comment.spam_check.in_(RETRY_STATES))
        .where(Comment.created_at >= now - RECHECK_MAX_AGE)
        .order_by(Comment.created_at).limit(limit)))


def send_feedback(comment_id: int, config: AkismetConfig) -> bool:
    """Send owed submit-spam / submit-ham for one comment; True when nothing is owed now."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.feedback_owed is None:
        return True
    article = current_host().target(comment.article_id)
    data, spam = comment_data(comment, article, config), comment.feedback_owed == "spam"
    db.session.commit()  # hold no lock while Akismet answers
    ok, detail = submit(config, data, spam=spam)
    comment = db.session.get(Comment, comment_id, populate_existing=True)
    if comment is None:
        return True
    if ok and comment.feedback_owed == ("spam" if spam else "ham"):
        comment.feedback_owed = None
    else:
        log.info("Akismet feedback for comment %s failed (%s); will retry", comment.id, detail)
    db.session.commit()
    return ok


def owed_feedback(limit: int = 100) -> list[int]:
    return list(db.session.scalars(
        select(Comment.id).where(Comment.feedback_owed.is_not(None))
        .order_by(Comment.updated_at).limit(limit)))
