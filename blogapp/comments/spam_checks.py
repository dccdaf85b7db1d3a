"""Akismet checks owed by stored comments, and feedback owed to Akismet.

The comment row is the durable record: a comment is stored with spam_check "owed" before
anyone asks Akismet, so a check lost with a dying process is found again by
`flask --app wsgi comments recheck` (WordPress retries every 20 minutes, 100 at a time,
for 15 days; so does this, from cron).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from blogapp.comments.akismet import AkismetConfig, CommentData, check, submit
from blogapp.comments.host import Target
from blogapp.comments.policy import AkismetVerdict, CommentStatus, History, Submission, decide
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


#: How many owed checks one batch reads, asks about and writes at most (WordPress's
#: cron rechecks 100 at a time): the batch's reading transaction, the site's settings,
#: each article and the write transaction with its count are shared by all of them.
BATCH = 50

Ask = Callable[[AkismetConfig, list[CommentData]], list[tuple[AkismetVerdict, str]]]


def ask_each(config: AkismetConfig, data: list[CommentData]) -> list[tuple[AkismetVerdict, str]]:
    """Ask Akismet about each comment in turn (the jobs ask several at once)."""
    return [check(config, one) for one in data]


@dataclass
class _Owed:
    """One comment of a batch, as it was asked about."""

    comment_id: int
    asked: Submission
    data: CommentData
    history: History
    verdict: AkismetVerdict = AkismetVerdict.OWED
    detail: str = ""


def run_spam_check(comment_id: int, config: AkismetConfig, settings: SiteSettings,
                   now: datetime | None = None) -> str | None:
    """Ask Akismet about one comment that still owes a check, apply the verdict, commit.

    Return the comment's status afterwards (None when nothing was owed)."""
    return run_spam_checks([comment_id], config, settings, now)[comment_id]


def run_spam_checks(comment_ids: list[int], config: AkismetConfig, settings: SiteSettings,
                    now: datetime | None = None, *, ask: Ask = ask_each
                    ) -> dict[int, str | None]:
    """Ask Akismet about comments that still owe a check and apply each verdict.

    One reading transaction loads them all (one SELECT, each target once, one history
    SELECT each) and ends before Akismet is asked; one write transaction then applies
    every verdict that still fits its row (one conditional UPDATE each, each article's
    count once) and commits. A row that changed meanwhile (a moderator decided, the
    author edited, it was deleted) or a verdict that drops the comment is applied on its
    own after reading the row again. Return each id's status afterwards (None: nothing
    was owed)."""
    now = now or utcnow()
    results: dict[int, str | None] = dict.fromkeys(comment_ids)
    owed = _load_owed(comment_ids, config, settings, now)
    if not owed:
        return results
    for item, (verdict, detail) in zip(owed, ask(config, [o.data for o in owed]), strict=True):
        if verdict is AkismetVerdict.DISABLED:
            verdict, detail = AkismetVerdict.UNAVAILABLE, "Akismet is not configured"
        item.verdict, item.detail = verdict, detail
    decisions = {o.comment_id: decide(o.asked, settings.policy, o.history, o.verdict, now)
                 for o in owed}
    written = _apply_at_once([o for o in owed if not decisions[o.comment_id].drop], decisions)
    for item in owed:
        if item.comment_id in written:
            results[item.comment_id] = decisions[item.comment_id].status.value
        else:
            results[item.comment_id] = _apply_after_reading(
                item.comment_id, item.asked, item.history, settings, item.verdict,
                item.detail, now)
    return results


def _load_owed(comment_ids: list[int], config: AkismetConfig, settings: SiteSettings,
               now: datetime) -> list[_Owed]:
    """Read what Akismet will be asked about, in one transaction that ends before."""
    with read_only():  # everything but the verdicts' own writes only reads
        comments = db.session.scalars(
            select(Comment).where(Comment.id.in_(comment_ids),
                                  Comment.spam_check.in_(RETRY_STATES))
            .order_by(Comment.id)).all()
        host, targets = current_host(), {}
        owed = []
        for comment in comments:
            if comment.article_id not in targets:
                targets[comment.article_id] = host.target(comment.article_id)
            asked = submission_of(comment)
            owed.append(_Owed(
                comment.id, asked, comment_data(comment, targets[comment.article_id], config),
                gather_history(asked, settings, now, exclude_id=comment.id)))
        db.session.rollback()  # hold no lock while Akismet thinks
    return owed


def _reasons(decision, verdict: AkismetVerdict, detail: str) -> list[dict[str, str]]:
    reasons = [{"code": r.code, "message": r.message} for r in decision.reasons]
    if verdict is AkismetVerdict.UNAVAILABLE:
        reasons = [{"code": r["code"], "message": f"{r['message']}: {detail}"}
                   if r["code"] == "akismet-unavailable" else r for r in reasons]
    return reasons


def _apply_at_once(owed: list[_Owed], decisions: dict) -> set[int]:
    """Write each verdict in one conditional UPDATE and each article's approved count once;
    commit. Return the ids written: a row no longer what was asked about (a moderator
    decided, the author edited, it was deleted) is left as it is, for the caller."""
    written: set[int] = set()
    approved: Counter[int] = Counter()
    for item in owed:
        decision, asked = decisions[item.comment_id], item.asked
        status = decision.status.value
        reasons = _reasons(decision, item.verdict, item.detail)
        done = db.session.execute(
            update(Comment).where(
                Comment.id == item.comment_id, Comment.status == CommentStatus.PENDING.value,
                Comment.spam_check.in_(RETRY_STATES), Comment.author == asked.author,
                Comment.email == asked.email, Comment.content == asked.content,
            ).values(
                spam_check=item.verdict.value,
                spam_check_attempts=Comment.spam_check_attempts + 1,
                status=status, blatant=decision.blatant, updated_at=utcnow(),
                reasons_json=json.dumps(reasons, ensure_ascii=False),
            ).execution_options(synchronize_session=False)).rowcount
        if done == 1:
            written.add(item.comment_id)
            if status == CommentStatus.APPROVED.value:
                approved[asked.article_id] += 1
    for article_id, n in sorted(approved.items()):
        bump_article(article_id, +n)
    if written:
        db.session.commit()
    else:
        db.session.rollback()
    return written


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
