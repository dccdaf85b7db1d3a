"""Housekeeping: delete old spam and trash, anonymize old IP addresses, in batches.

Each batch is its own transaction, so emptying 20,000 spam comments never holds one
long lock and a crash halfway keeps what was done.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from blogapp.comments.links import forget_expired
from blogapp.comments.policy import CommentStatus
from blogapp.comments.settings import SiteSettings
from blogapp.extensions import db
from blogapp.models import AuditEntry, Comment
from blogapp.models.base import utcnow

BATCH_SIZE = 500


def anonymize_ip(ip: str) -> str:
    """Cut an address to its network: IPv4 to /24 (last octet 0), IPv6 to /48."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def delete_in_batches(status: str, older_than: datetime | None = None,
                      batch_size: int = BATCH_SIZE) -> int:
    """Delete every comment in *status* (last changed before *older_than*); return count."""
    total = 0
    while True:
        query = select(Comment.id).where(Comment.status == status)
        if older_than is not None:
            query = query.where(Comment.updated_at < older_than)
        ids = list(db.session.scalars(query.order_by(Comment.id).limit(batch_size)))
        if not ids:
            return total
        # Replies to deleted comments lose their parent (the FK would do it; say it here).
        db.session.execute(update(Comment).where(Comment.parent_id.in_(ids))
                           .values(parent_id=None),
                           execution_options={"synchronize_session": False})
        db.session.execute(delete(Comment).where(Comment.id.in_(ids)),
                           execution_options={"synchronize_session": False})
        db.session.commit()
        total += len(ids)


def anonymize_ips(older_than: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Anonymize the IPs of comments created before *older_than*; return rows changed."""
    changed, last_id = 0, 0
    while True:
        rows = db.session.execute(
            select(Comment.id, Comment.ip).where(
                Comment.created_at < older_than, Comment.id > last_id, Comment.ip != "",
                # already cut to a network: IPv4 x.y.z.0, IPv6 ending in "::"
                Comment.ip.not_like("%.0"), Comment.ip.not_like("%::"))
            .order_by(Comment.id).limit(batch_size)).all()
        if not rows:
            return changed
        last_id = rows[-1].id
        updates = [{"id": row.id, "ip": anonymize_ip(row.ip)} for row in rows
                   if anonymize_ip(row.ip) != row.ip]
        if updates:
            db.session.execute(update(Comment), updates)
        db.session.commit()
        changed += len(updates)


def empty(status: str, actor_id: int | None) -> int:
    """Delete all of the spam or trash now, in batches; one audit row for the lot."""
    deleted = delete_in_batches(status)
    db.session.add(AuditEntry(comment_id=None, user_id=actor_id, action=f"empty_{status}",
                              from_status=status, to_status=None,
                              note=f"Deleted {deleted} comments permanently",
                              created_at=utcnow()))
    db.session.commit()
    return deleted


@dataclass(frozen=True)
class PurgeReport:
    spam: int
    trash: int
    ips: int


def purge(settings: SiteSettings, now: datetime | None = None) -> PurgeReport:
    """Apply the configured ages (0 turns a step off); record one audit row."""
    now = now or utcnow()

    def cutoff(days: int) -> datetime:
        return now - timedelta(days=days)

    spam = (delete_in_batches(CommentStatus.SPAM.value, cutoff(settings.purge_spam_days))
            if settings.purge_spam_days > 0 else 0)
    trash = (delete_in_batches(CommentStatus.TRASH.value, cutoff(settings.purge_trash_days))
             if settings.purge_trash_days > 0 else 0)
    ips = anonymize_ips(cutoff(settings.anonymize_ip_days)) if settings.anonymize_ip_days > 0 \
        else 0
    forget_expired(now)  # records of one-click links that have expired anyway
    report = PurgeReport(spam, trash, ips)
    if spam or trash or ips:
        db.session.add(AuditEntry(comment_id=None, user_id=None, action="purge",
                                  note=f"Deleted {spam} spam and {trash} trashed comments; "
                                  f"anonymized {ips} IP addresses", created_at=now))
        db.session.commit()
    return report
