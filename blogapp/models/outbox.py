"""The mail outbox: one row per message the site sends, kept until it is delivered."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blogapp.extensions import db
from blogapp.models.base import utcnow


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for its first try (next_try_at)
    SENDING = "sending"  # claimed by a sender until lease_until
    SENT = "sent"
    FAILED = "failed"  # a try failed; tried again at next_try_at
    GAVE_UP = "gave_up"  # MAIL_MAX_ATTEMPTS tries failed, or the server refused for good


class OutboxMessage(db.Model):
    __tablename__ = "mail_outbox"
    __table_args__ = (
        Index("ix_mail_outbox_status_next_try", "status", "next_try_at"),
        Index("ix_mail_outbox_recipient", "recipient"),
        Index("ix_mail_outbox_comment_kind", "comment_id", "kind"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # held, author, confirm, reply, test
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    headers_json: Mapped[str] = mapped_column(Text, default="{}")
    # Fixed when queued: every try of this row sends the same Message-ID, so a message
    # delivered twice (a sender killed after the server's 250) is recognizably one.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    comment_id: Mapped[int | None] = mapped_column(default=None)  # what it is about, if any
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def headers(self) -> dict[str, str]:
        return json.loads(self.headers_json or "{}")

    @headers.setter
    def headers(self, value: dict[str, str]) -> None:
        self.headers_json = json.dumps(value, ensure_ascii=False)
