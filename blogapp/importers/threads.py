"""Plan a thread's import: which comments are new, who replies to whom, how deep.

Reading only. A reply's parent is found in the same batch, or among the comments an
earlier run imported (so threads grow across runs); a reply to a pingback or trackback
(which are not imported) hangs from that one's parent instead; a reply whose parent is
nowhere is bad input, named, and nothing of the article is stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from blogapp.importers.lookup import COMMENT, comment_depths, records
from blogapp.importers.model import ImportedComment, ImportFileError, Source, Summary

#: Comment types stored as readers' comments; the rest are skipped with a reason.
COMMENT_KINDS = frozenset({"comment"})
SKIP_REASONS = {
    "pingback": "pingbacks are not imported: blogapp does not receive pingbacks",
    "trackback": "trackbacks are not imported: blogapp does not receive trackbacks",
}


@dataclass
class ThreadPlan:
    new: list[ImportedComment] = field(default_factory=list)  # in file order
    # source id -> the parent: a new comment's source id, a stored comment's id, or None
    parents: dict[str, str | int | None] = field(default_factory=dict)
    depths: dict[str, int] = field(default_factory=dict)

    def levels(self) -> Iterator[list[ImportedComment]]:
        """Yield the new comments parents first: every level after the one it replies to."""
        by_depth: dict[int, list[ImportedComment]] = {}
        for comment in self.new:
            by_depth.setdefault(self.depths[comment.source_id], []).append(comment)
        for depth in sorted(by_depth):
            yield by_depth[depth]


def plan_thread(source: Source, article_id: int | None, comments: Sequence[ImportedComment],
                label: str, summary: Summary) -> ThreadPlan:
    """Decide what importing *comments* into *article_id* (None: not created yet) does."""
    by_id: dict[str, ImportedComment] = {}
    for comment in comments:
        if comment.source_id in by_id:
            raise ImportFileError(f"comment id {comment.source_id} appears twice",
                                  item=label, line=comment.line)
        by_id[comment.source_id] = comment
    done = records(source, COMMENT, by_id)
    summary.comments_existing += len(done)
    passed = {sid: c for sid, c in by_id.items() if c.kind not in COMMENT_KINDS}
    plan = ThreadPlan(new=[c for c in comments
                           if c.source_id not in done and c.source_id not in passed])
    for sid, comment in passed.items():
        if sid not in done:
            summary.skip(f"{label}, {comment.label}", SKIP_REASONS.get(
                comment.kind, f"comments of type {comment.kind!r} are not imported"), 1)
    new_ids = {c.source_id for c in plan.new}
    outside = {c.parent_id for c in plan.new if c.parent_id and c.parent_id not in by_id}
    stored = {**records(source, COMMENT, outside), **done}
    depths = comment_depths(local for local in stored.values() if local is not None)

    def parent_of(comment: ImportedComment) -> str | int | None:
        parent, seen = comment.parent_id, set()
        while parent is not None:
            if parent in new_ids:
                return parent
            if parent in stored:
                local = stored[parent]
                if local is not None and local in depths and depths[local][0] == article_id:
                    return local
                summary.warn(f"{label}, {comment.label}", "its parent was deleted here (or "
                             "is on another page): imported as a top-level comment")
                return None
            if parent in passed and parent not in seen:
                seen.add(parent)
                summary.warn(f"{label}, {comment.label}", "replies to a pingback or "
                             "trackback, which is not imported: attached to its parent")
                parent = passed[parent].parent_id
                continue
            raise ImportFileError(
                f"{comment.label} replies to comment {parent}, which is neither in the file "
                "nor imported before", item=label, line=comment.line)
        return None

    for comment in plan.new:
        plan.parents[comment.source_id] = parent_of(comment)

    _set_depths(plan, depths, by_id, label)
    return plan


def _set_depths(plan: ThreadPlan, stored: dict[int, tuple[int, int]],
                by_id: dict[str, ImportedComment], label: str) -> None:
    """Give every new comment its depth (1 at the top), walking each chain once."""
    for comment in plan.new:
        chain: list[str] = []
        on_chain: set[str] = set()
        source_id: str = comment.source_id
        while source_id not in plan.depths:
            if source_id in on_chain:
                raise ImportFileError(
                    f"comments {', '.join(chain[chain.index(source_id):])} reply to each "
                    "other in a circle", item=label, line=by_id[source_id].line)
            chain.append(source_id)
            on_chain.add(source_id)
            parent = plan.parents[source_id]
            if parent is None or isinstance(parent, int):
                base = 0 if parent is None else stored[parent][1]
                break
            source_id = parent
        else:
            base = plan.depths[source_id]
        for offset, member in enumerate(reversed(chain), start=1):
            plan.depths[member] = base + offset
