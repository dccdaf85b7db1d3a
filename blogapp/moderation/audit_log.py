"""The audit log for owners: every moderator action, newest first, keyset pages."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from blogapp.auth.access import owner_required
from blogapp.extensions import db
from blogapp.integers import query_int
from blogapp.models import AuditEntry
from blogapp.moderation.blueprint import bp
from blogapp.moderation.comment_page import user_names

PER_PAGE = 50


@bp.route("/audit")
@owner_required
def audit():
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    before = query_int("before")
    if before is not None:
        query = query.where(AuditEntry.id < before)
    # Actions are short ASCII words; anything else names none (and a NUL would fail the
    # query on PostgreSQL, which stores no NUL in text).
    action = request.args.get("action", "").strip()[:32]
    if not action.isascii() or not action.isprintable():
        action = ""
    if action:
        query = query.where(AuditEntry.action == action)
    rows = list(db.session.scalars(query.limit(PER_PAGE + 1)))
    older = rows[PER_PAGE - 1].id if len(rows) > PER_PAGE else None
    rows = rows[:PER_PAGE]
    return render_template("moderation/audit.html", entries=rows, older=older, action=action,
                           names=user_names({e.user_id for e in rows}))
