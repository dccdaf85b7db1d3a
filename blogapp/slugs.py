"""URL slugs that keep letters of every script."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def slugify(text: str, max_length: int = 80, fallback: str = "article") -> str:
    """Make a URL slug that keeps letters of every script ("Über Straße" -> "über-straße")."""
    text = unicodedata.normalize("NFKC", text).lower()
    slug = _NON_WORD.sub("-", text).strip("-_")
    slug = re.sub(r"[-_]{2,}", "-", slug)[:max_length].strip("-_")
    return slug or fallback


def first_free(base: str, taken: Callable[[str], bool], max_length: int = 80) -> str:
    """Return *base*, or *base*-2, -3, … whichever *taken* says is free."""
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        suffix = f"-{n}"
        candidate = f"{base[:max_length - len(suffix)]}{suffix}"
    return candidate
