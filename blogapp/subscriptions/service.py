"""Subscribing to comments with double opt-in, and ending subscriptions (no Flask views).

An address must confirm once (a mailed link whose page POSTs) before it gets anything
else; subscriptions of an address that never confirms expire after 7 days. Every link is
signed with the app secret and bound to its purpose: confirm (7 days), end one
subscription (the List-Unsubscribe link), and see all of an address's subscriptions.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import delete, select, update

from blogapp.comments.entry import Accepted
from blogapp.extensions import db
from blogapp.models import (
    Article,
    Comment,
    SubscriberAddress,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
)
from blogapp.models.base import utcnow

CONFIRM_DAYS = 7
CONFIRM_RESEND = timedelta(hours=1)  # a second request within this sends no second mail
ACTIVE, UNCONFIRMED = SubscriptionStatus.ACTIVE.value, SubscriptionStatus.UNCONFIRMED.value
ENDED = SubscriptionStatus.ENDED.value
KINDS = frozenset(k.value for k in SubscriptionKind)


class SubscriptionError(ValueError):
    """A link that is forged, expired or names nothing."""


def _signer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def confirm_token(email: str) -> str:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt="subscription-confirm").dumps(email)


def end_token(subscription: Subscription) -> str:
    return _signer("subscription-end").dumps([subscription.id, subscription.email])


def manage_token(email: str) -> str:
    return _signer("subscriptions-manage").dumps(email)


def email_of_confirm_token(token: str) -> str:
    try:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                      salt="subscription-confirm").loads(
            token, max_age=CONFIRM_DAYS * 86400)
    except SignatureExpired:
        raise SubscriptionError("This confirmation link has expired (links last 7 days). "
                                "Subscribe again from the article to get a new one.") from None
    except BadSignature:
        raise SubscriptionError("This confirmation link is not valid.") from None


def subscription_of_end_token(token: str) -> Subscription:
    try:
        sub_id, email = _signer("subscription-end").loads(token)
    except (BadSignature, ValueError, TypeError):
        raise SubscriptionError("This unsubscribe link is not valid.") from None
    subscription = db.session.get(Subscription, sub_id)
    if subscription is None or subscription.email != email:
        raise SubscriptionError("This subscription no longer exists.")
    return subscription


def email_of_manage_token(token: str) -> str:
    try:
        email = _signer("subscriptions-manage").loads(token)
    except BadSignature:
        raise SubscriptionError("This link is not valid.") from None
    if not isinstance(email, str):
        raise SubscriptionError("This link is not valid.")
    return email


def subscribe(email: str, article_id: int, kind: str, comment_id: int | None = None,
              now: datetime | None = None) -> Subscription | None:
    """Subscribe *email* (the caller commits); mail a confirmation when its address has
    not confirmed yet. Return the subscription (an existing one when it is a repeat), or
    None when mail is off. The public service behind the form and the API."""
    from blogapp.mail.outbox import mail_enabled
    from blogapp.subscriptions.notices import queue_confirmation

    if kind not in KINDS:
        raise ValueError(f"unknown subscription kind {kind!r}")
    email = email.strip().lower()
    if not email or not mail_enabled(current_app):
        return None
    now = now or utcnow()
    expire_unconfirmed(now)
    address = db.session.get(SubscriberAddress, email)
    if address is None:
        address = SubscriberAddress(email=email, created_at=now)
        db.session.add(address)
    confirmed = address.confirmed_at is not None
    existing = db.session.scalar(select(Subscription).where(
        Subscription.email == email, Subscription.article_id == article_id,
        Subscription.kind == kind, Subscription.status != ENDED,
        Subscription.comment_id.is_(None) if kind == SubscriptionKind.ALL.value
        else Subscription.comment_id == comment_id))
    subscription = existing or Subscription(
        email=email, article_id=article_id, kind=kind,
        comment_id=comment_id if kind == SubscriptionKind.REPLIES.value else None,
        status=ACTIVE if confirmed else UNCONFIRMED, created_at=now)
    db.session.add(subscription)
    if not confirmed and (address.confirm_sent_at is None
                          or address.confirm_sent_at < now - CONFIRM_RESEND):
        address.confirm_sent_at = now
        db.session.flush()
        queue_confirmation(email, db.session.get(Article, article_id))
    return subscription


def confirm(email: str, now: datetime | None = None) -> int:
    """Confirm *email*: its subscriptions of the last 7 days start; commit; return how many."""
    now = now or utcnow()
    address = db.session.get(SubscriberAddress, email)
    if address is None:
        raise SubscriptionError("There is nothing to confirm for this address any more.")
    address.confirmed_at = address.confirmed_at or now
    started = db.session.execute(
        update(Subscription).where(Subscription.email == email, Subscription.status == UNCONFIRMED,
                                   Subscription.created_at >= now - timedelta(days=CONFIRM_DAYS))
        .values(status=ACTIVE), execution_options={"synchronize_session": False}).rowcount
    db.session.commit()
    return started


def end(subscription: Subscription, now: datetime | None = None) -> bool:
    """End one subscription; commit; return False when it had ended already."""
    if subscription.status == ENDED:
        return False
    subscription.status, subscription.ended_at = ENDED, now or utcnow()
    db.session.commit()
    return True


def end_all(email: str, now: datetime | None = None) -> int:
    count = db.session.execute(
        update(Subscription).where(Subscription.email == email, Subscription.status != ENDED)
        .values(status=ENDED, ended_at=now or utcnow()),
        execution_options={"synchronize_session": False}).rowcount
    db.session.commit()
    return count


def subscriptions_of(email: str) -> list[tuple[Subscription, Article, Comment | None]]:
    rows = db.session.execute(
        select(Subscription, Article, Comment).join(Article, Article.id == Subscription.article_id)
        .outerjoin(Comment, Comment.id == Subscription.comment_id)
        .where(Subscription.email == email.strip().lower())
        .order_by(Subscription.created_at, Subscription.id))
    return [tuple(row) for row in rows]


def expire_unconfirmed(now: datetime | None = None) -> int:
    """Forget subscriptions left unconfirmed for 7 days (the caller commits)."""
    cutoff = (now or utcnow()) - timedelta(days=CONFIRM_DAYS)
    return db.session.execute(
        delete(Subscription).where(Subscription.status == UNCONFIRMED,
                                   Subscription.created_at < cutoff),
        execution_options={"synchronize_session": False}).rowcount


def subscribe_from_post(outcome: Accepted, email: str, kind: str | None) -> Subscription | None:
    """Subscribe a comment's author as they asked in the form; commit. A comment judged
    spam or trash subscribes nobody (no confirmation mail can be had by posting spam)."""
    if not kind or not outcome.shown or not email:
        return None
    subscription = subscribe(email, outcome.target_id, kind, comment_id=outcome.comment_id)
    db.session.commit()
    return subscription
