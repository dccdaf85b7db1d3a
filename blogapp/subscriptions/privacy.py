"""Subscriptions and mail in a reader's privacy export and erasure (by email address)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from blogapp.extensions import db
from blogapp.models import Article, OutboxMessage, SubscriberAddress, Subscription


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def export_mail_data(email: str) -> dict[str, Any]:
    """The address's confirmation, subscriptions and every message queued to it."""
    needle = email.strip().lower()
    address = db.session.get(SubscriberAddress, needle)
    subscriptions = [{
        "id": sub.id, "article": title, "kind": sub.kind, "comment_id": sub.comment_id,
        "status": sub.status, "created_at": _iso(sub.created_at), "ended_at": _iso(sub.ended_at),
    } for sub, title in db.session.execute(
        select(Subscription, Article.title).join(Article, Article.id == Subscription.article_id)
        .where(Subscription.email == needle).order_by(Subscription.id))]
    mail = [{
        "id": row.id, "kind": row.kind, "subject": row.subject, "status": row.status,
        "attempts": row.attempts, "created_at": _iso(row.created_at),
        "sent_at": _iso(row.sent_at), "text": row.body_text,
    } for row in db.session.scalars(select(OutboxMessage).where(
        func.lower(OutboxMessage.recipient) == needle).order_by(OutboxMessage.id))]
    return {
        "subscriber_address": None if address is None else {
            "confirmed_at": _iso(address.confirmed_at), "created_at": _iso(address.created_at)},
        "subscriptions": subscriptions,
        "mail": mail,
    }


def erase_mail_data(email: str) -> int:
    """Delete the address's confirmation, subscriptions and messages (the caller commits);
    return how many rows went."""
    needle = email.strip().lower()
    gone = 0
    for statement in (delete(Subscription).where(Subscription.email == needle),
                      delete(SubscriberAddress).where(SubscriberAddress.email == needle),
                      delete(OutboxMessage).where(func.lower(OutboxMessage.recipient) == needle)):
        gone += db.session.execute(statement, execution_options={
            "synchronize_session": False}).rowcount
    return gone
