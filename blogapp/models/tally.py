"""Comment tallies kept by database triggers, so counting never scans the comments.

The migration that creates these tables also creates the triggers on ``comments`` that
keep them; see ``blogapp.comments.queue`` for why. Nothing in the app writes them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from blogapp.extensions import db


class CommentStatusCount(db.Model):
    """How many comments have each status (a row may hold 0, or be absent: read as 0)."""

    __tablename__ = "comment_status_counts"

    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int]


class CommentDayCount(db.Model):
    """How many comments created on each UTC day have each status now."""

    __tablename__ = "comment_day_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int]
