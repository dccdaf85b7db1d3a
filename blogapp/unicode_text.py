"""Normalize what people type, in time linear in its length.

Unicode normalization puts each run of combining marks in canonical order, and CPython
sorts a run with a quadratic sort: 64 KB of alternating accents took four seconds, and a
form field may carry a megabyte before its length is checked. Like the Stream-Safe Text
Format of Unicode's UAX #15, a COMBINING GRAPHEME JOINER (U+034F, invisible) is put after
every MAX_COMBINING_RUN marks in a row, so no run grows with the input. Real text never
stacks that many marks on one letter.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

MAX_COMBINING_RUN = 30  # UAX #15's limit
COMBINING_GRAPHEME_JOINER = "\u034f"
#: Starters (combining class 0) whose decomposition begins with combining marks.
_DECOMPOSE_TO_MARKS = "\u0f73\u0f75\u0f81\uff9e\uff9f"
#: Every character with a non-zero combining class lies below this.
COMBINING_PLANES_END = 0x20000

_LINE_BREAK_RE = re.compile(r"\r\n|[\r\u2028\u2029]")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # Cc and Cs but \t \n
_FORMAT_RE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                        r"\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")


@cache
def _marks() -> tuple[dict[int, str], re.Pattern[str]]:
    """Map each combining character to U+0001, and match a run too long, in order."""
    points = [cp for cp in range(0x300, COMBINING_PLANES_END) if unicodedata.combining(chr(cp))]
    points += map(ord, _DECOMPOSE_TO_MARKS)
    ranges: list[list[int]] = []
    for cp in sorted(points):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    marks = "".join(f"{chr(a)}-{chr(b)}" if a != b else chr(a) for a, b in ranges)
    run = re.compile(f"[{marks}]{{{MAX_COMBINING_RUN}}}(?=[{marks}])")
    return dict.fromkeys(points, "\x01"), run


def stream_safe(value: str) -> str:
    """Put a combining grapheme joiner after every MAX_COMBINING_RUN marks in a row."""
    if value.isascii():
        return value
    table, run = _marks()
    if "\x01" * (MAX_COMBINING_RUN + 1) not in value.translate(table):
        return value  # the common case, checked at C speed
    return run.sub(lambda m: m.group() + COMBINING_GRAPHEME_JOINER, value)


def normalize(value: str, *, multiline: bool) -> str:
    """Drop control characters and surrogates, unify line breaks, compose to NFC."""
    value = _LINE_BREAK_RE.sub("\n", value)
    if not multiline:
        value = value.replace("\n", " ").replace("\t", " ")
    value = _CONTROL_RE.sub("", value)
    return unicodedata.normalize("NFC", stream_safe(value))


def normalize_text(value: str, *, multiline: bool, keep_indent: bool = False) -> str:
    """Return a form field value with NFC, no control characters and no outer whitespace.

    Tabs and newlines survive only when ``multiline``; otherwise each becomes a space.
    Format characters (zero-width space/joiner, bidi marks) are kept: emoji sequences
    and right-to-left text need them.
    """
    value = normalize(value, multiline=multiline)
    # Markdown needs the first line's indentation (an opening indented code block).
    return value.lstrip("\n").rstrip() if keep_indent else value.strip()


def fold(value: str) -> str:
    """Return *value* as key matching compares it: NFKC, case-folded, invisible marks gone.

    Full-width and other compatibility forms read as their plain letters, and soft
    hyphens, zero-width and bidi characters hide nothing: ``ｈａｌｆ\u200bway`` folds to
    ``halfway``."""
    value = unicodedata.normalize("NFKC", stream_safe(value)).casefold()
    return _FORMAT_RE.sub("", unicodedata.normalize("NFKC", value))
