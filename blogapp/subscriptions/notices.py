"""Subscription mail: the confirmation, and a notice for each comment that becomes approved.

Notices are queued by a session hook in the very transaction that approves a comment,
whichever door approves it (a post approved at once, Akismet's verdict, a moderator's
approve, not spam, restore or undo, a reply that approves its parent): the approval and
its mail commit together or not at all. Pending, spam and trash comments mail nobody.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from blogapp.comments.notify import quoted
from blogapp.comments.policy import CommentStatus
from blogapp.extensions import db
from blogapp.mail.outbox import Mail, mail_enabled, queue_mail
from blogapp.models import Article, Comment, OutboxMessage, Subscription, SubscriptionKind
from blogapp.site import external_url

APPROVED = CommentStatus.APPROVED.value
ACTIVE = "active"
PENDING_KEY = "blogapp.newly_approved"


def render_mail(name: str, **context) -> str:
    """Render a mail's HTML part: autoescaped, without any request's context."""
    return current_app.jinja_env.get_template(name).render(**context)


def queue_confirmation(email: str, article: Article | None) -> None:
    from blogapp.subscriptions.service import confirm_token

    app = current_app._get_current_object()
    site = app.config["SITE_NAME"]
    link = external_url(app, "subscriptions.confirm", token=confirm_token(email))
    title = article.title if article is not None else site
    text = "\n".join([
        f'Someone, hopefully you, asked {site} to mail this address about comments on '
        f'"{title}".',
        "",
        "To confirm, open this link and press the button on the page:",
        link,
        "",
        "If it was not you, ignore this mail: nothing else will be sent to you, and the",
        "request is forgotten in 7 days.",
    ]) + "\n"
    html = render_mail("mail/confirm.html", site=site, title=title, link=link)
    queue_mail(Mail(to=email, subject=f"[{site}] Please confirm your subscription",
                    text=text, html=html, kind="confirm"))


def recipients(comment: Comment, active: list[Subscription]) -> dict[str, Subscription]:
    """Each subscriber of *active* to mail about *comment*, once, its own author never."""
    found: dict[str, Subscription] = {}
    for sub in active:
        if sub.article_id == comment.article_id and sub.kind == SubscriptionKind.ALL.value:
            found.setdefault(sub.email, sub)
    for sub in active:  # "a reply to your comment" is the better reason to give
        if (comment.parent_id and sub.comment_id == comment.parent_id
                and sub.kind == SubscriptionKind.REPLIES.value):
            found[sub.email] = sub
    own = (comment.email or "").strip().lower()
    return {email: sub for email, sub in found.items() if email != own}


def queue_notices(comment: Comment, active: list[Subscription], session: Session) -> int:
    """Queue one notice per recipient of a newly approved comment, once per comment."""
    from blogapp.subscriptions.service import end_token, manage_token

    app = current_app._get_current_object()
    targets = recipients(comment, active)
    if not targets:
        return 0
    already = set(session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.comment_id == comment.id, OutboxMessage.kind == "reply")))
    targets = {e: s for e, s in targets.items() if e not in already}
    if not targets:
        return 0
    article = session.get(Article, comment.article_id)
    site = app.config["SITE_NAME"]
    page = (article.url if article.is_external and article.url  # a thread on another site
            else external_url(app, "blog.article", slug=article.slug))
    link = f"{page}#{comment.anchor}"
    author = comment.author or "Anonymous"
    for email, sub in targets.items():
        end_url = external_url(app, "subscriptions.unsubscribe", token=end_token(sub))
        manage_url = external_url(app, "subscriptions.manage", token=manage_token(email))
        if sub.kind == SubscriptionKind.REPLIES.value:
            heading = f'{author} replied to your comment on "{article.title}"'
            why = ("You get this mail because you asked to be notified of replies to your "
                   "comment on this article.")
            subject = f'[{site}] New reply to your comment on "{article.title}"'
        else:
            heading = f'{author} commented on "{article.title}"'
            why = ("You get this mail because you asked to be notified of every new comment "
                   "on this article.")
            subject = f'[{site}] New comment on "{article.title}"'
        text = "\n".join([heading, "", *quoted(comment.content), "", f"Read it and reply: {link}",
                          "", why, f"End this subscription: {end_url}",
                          f"All your subscriptions: {manage_url}"]) + "\n"
        html = render_mail("mail/notice.html", heading=heading, comment=comment,
                               link=link, why=why, end_url=end_url, manage_url=manage_url)
        queue_mail(Mail(to=email, subject=subject, text=text, html=html, kind="reply",
                        comment_id=comment.id,
                        headers={"List-Unsubscribe": f"<{end_url}>",
                                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}),
                   session)
    return len(targets)


def _became_approved(comment: Comment) -> bool:
    if comment.status != APPROVED:
        return False
    state = inspect(comment)
    if state.pending or not state.has_identity:
        return True  # a new row, approved at once
    history = state.attrs.status.history
    return bool(history.added) and APPROVED not in (history.deleted or ())


def _before_flush(session: Session, flush_context, instances) -> None:
    newly = [obj for obj in [*session.new, *session.dirty]
             if isinstance(obj, Comment) and _became_approved(obj)]
    if newly:
        session.info.setdefault(PENDING_KEY, []).extend(newly)


def _after_flush_postexec(session: Session, flush_context) -> None:
    newly = session.info.pop(PENDING_KEY, None)
    if not newly or not mail_enabled(current_app):
        return
    newly = [c for c in newly if c.status == APPROVED and c.id is not None]
    if not newly:
        return
    with session.no_autoflush:  # one query for every comment of the flush (an import...)
        active = list(session.scalars(select(Subscription).where(
            Subscription.status == ACTIVE,
            Subscription.article_id.in_({c.article_id for c in newly}))
            .order_by(Subscription.id)))
        for comment in newly if active else ():
            queue_notices(comment, active, session)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def register_notice_events() -> None:
    """Queue subscribers' notices in the transaction that approves a comment."""
    target = db.session
    if not event.contains(target, "before_flush", _before_flush):
        event.listen(target, "before_flush", _before_flush)
        event.listen(target, "after_flush_postexec", _after_flush_postexec)
        event.listen(target, "after_rollback", _after_rollback)
