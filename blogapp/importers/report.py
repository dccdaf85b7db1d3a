"""The summary an import prints: counts, then each skip and warning with its reason."""

from __future__ import annotations

from blogapp.comments.policy import CommentStatus
from blogapp.importers.model import Group, Summary

_STATUS_ORDER = [s.value for s in CommentStatus]


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _groups(title: str, groups: dict[str, Group]) -> list[str]:
    if not groups:
        return []
    total = sum(group.count for group in groups.values())
    lines = [f"{title}: {total:,}"]
    for reason, group in groups.items():
        lines.append(f"  {group.count:,} x {reason}")
        lines.extend(f"      {example}" for example in group.examples)
        if group.count > len(group.examples):
            lines.append(f"      ... and {group.count - len(group.examples):,} more")
    return lines


def summary_lines(summary: Summary, seconds: float) -> list[str]:
    """Describe what the run did (or, dry, would do) in plain lines."""
    verb = "would be created" if summary.dry_run else "created"
    by_status = ", ".join(f"{summary.comments[s]:,} {s}" for s in _STATUS_ORDER
                          if summary.comments.get(s))
    lines = ["Dry run: nothing was written."] if summary.dry_run else []
    lines.append(f"Articles: {summary.articles_created:,} {verb}, "
                 f"{summary.articles_existing:,} already here")
    lines.append(f"Comments: {summary.comments_created:,} {verb}"
                 + (f" ({by_status})" if by_status else "")
                 + f", {summary.comments_existing:,} already imported")
    if summary.comments_skipped:
        lines.append(f"Comments left out: {summary.comments_skipped:,} (see Skipped)")
    lines.extend(_groups("Skipped", summary.skipped))
    lines.extend(_groups("Warnings", summary.warnings))
    rate = summary.comments_created / seconds if seconds > 0 else 0.0
    lines.append(f"Took {seconds:.1f} s ({rate:,.0f} comments/s).")
    return lines


def progress_label(summary: Summary, seconds: float) -> str:
    articles = summary.articles_created + summary.articles_existing
    rate = summary.comments_created / seconds if seconds > 0 else 0.0
    return (f"{_count(articles, 'article')}, {_count(summary.comments_created, 'comment')}"
            f" ({rate:,.0f}/s)")
