"""Plain text out of the HTML-ish fields of an export (titles, names, excerpts)."""

from __future__ import annotations

import html

import nh3

from blogapp.sanitize import normalize_text

# No tag survives; script and style go with their content.
_NO_TAGS = nh3.Cleaner(tags=set(), attributes={}, link_rel=None,
                       clean_content_tags={"script", "style", "template", "textarea"})


def plain_text(value: str) -> str:
    """Return the text a reader saw: tags removed, entities decoded, lines kept.

    WordPress shows titles, names and excerpts as HTML, so "Tom &amp; Jerry" is
    "Tom & Jerry" and "<b>x</b>" is "x"; blogapp stores them as text and escapes on
    output."""
    return normalize_text(html.unescape(_NO_TAGS.clean(value)), multiline=True)


def single_line(value: str) -> str:
    """Return *value* on one line, as a form's text field would store it."""
    return normalize_text(value, multiline=False)
