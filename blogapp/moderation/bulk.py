"""Bulk actions beyond one page: every comment a tab, search and article filter match.

The action runs through ``moderate`` in batches of its limit (one transaction and one
audit row per comment each), walking the matches by id so comments the action moves out
of the tab are not met twice. Undo names the audit rows as spans of consecutive ids, so
the session cookie stays small however many comments were touched."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func

from blogapp.comments.moderation import MAX_IDS, ActionError, moderate, undo
from blogapp.comments.queue import QueueFilter, filtered
from blogapp.extensions import db
from blogapp.models import AuditEntry, Comment

MAX_UNDO = 200_000  # audit rows one Undo may name


def matching_count(spec: QueueFilter) -> int:
    return db.session.scalar(filtered(spec).with_only_columns(func.count(Comment.id))) or 0


def moderate_matching(spec: QueueFilter, action: str, actor_id: int | None, *,
                      site_url: str | None = None) -> tuple[list[AuditEntry], int]:
    """Apply *action* to every comment *spec* matches; return (audit rows, comments met)."""
    entries: list[AuditEntry] = []
    met, after = 0, 0
    while True:
        ids = list(db.session.scalars(
            filtered(spec).with_only_columns(Comment.id).where(Comment.id > after)
            .order_by(Comment.id).limit(MAX_IDS)))
        db.session.rollback()  # end the read; each batch is its own transaction
        if not ids:
            return entries, met
        met += len(ids)
        after = ids[-1]
        entries.extend(moderate(ids, action, actor_id, site_url=site_url))


def spans(ids: Iterable[int]) -> list[str]:
    """``[3, 4, 5, 9]`` -> ``["3-5", "9-9"]``."""
    out: list[list[int]] = []
    for i in sorted(set(ids)):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [f"{a}-{b}" for a, b in out]


def span_ids(values: Iterable[str]) -> list[int]:
    """The ids that ``spans`` wrote (malformed spans are skipped), at most MAX_UNDO."""
    ids: list[int] = []
    for value in values:
        first, _, last = value.partition("-")
        if not (first.isascii() and first.isdigit() and last.isascii() and last.isdigit()):
            continue
        a, b = int(first), int(last)
        if a > b or len(ids) + (b - a + 1) > MAX_UNDO:
            continue
        ids.extend(range(a, b + 1))
    return ids


def undo_many(entry_ids: list[int], actor_id: int | None, *,
              site_url: str | None = None) -> list[AuditEntry]:
    """Undo audit rows in batches; ActionError when none could be undone."""
    done: list[AuditEntry] = []
    for start in range(0, len(entry_ids), MAX_IDS):
        try:
            done.extend(undo(entry_ids[start:start + MAX_IDS], actor_id, site_url=site_url))
        except ActionError:
            continue
    if not done:
        raise ActionError("Nothing to undo: the comments changed since.")
    return done
