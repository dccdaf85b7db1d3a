"""Integers read from requests: ASCII digits, bounded, or a clear refusal.

Python's own readers take far more than a browser sends. ``str.isdigit`` passes ``"²"``,
which ``int()`` then refuses (a 500 where the check was meant to stop it); ``int()``
reads ``"٣"``, ``"1_000"`` and ``" +5"``; and a 20-digit id overflows the signed 64-bit
integers of SQLite and PostgreSQL (a 500 from the driver). So every integer a URL rule,
a query string or a form hands to the app goes through this module: ASCII digits within
the bounds the caller names (ids: within the id columns' range), else ``None`` (or
400/404 for query args).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, ValidationError

#: The largest id a row can have: the id columns are INTEGER, 32-bit on PostgreSQL (SQLite
#: stores 64 bits, but one schema serves both). A larger value names no row, and sent to
#: PostgreSQL as a parameter for such a column it fails the whole query.
MAX_ID = 2**31 - 1
_ASCII_INT = re.compile(r"-?[0-9]+")
_MAX_DIGITS = 19  # longer is out of every range here (and int() refuses 4,300 digits)
#: Bulk forms never name more rows than this (the queue's bulk actions cap at 500).
MAX_LIST = 1000


def _ascii_int(text: object) -> str | None:
    """*text* without surrounding spaces if it is an optional ``-`` and ASCII digits."""
    if not isinstance(text, str):
        return None
    text = text.strip(" ")
    return text if _ASCII_INT.fullmatch(text) else None


def parse_int(text: str | None, low: int = 0, high: int = MAX_ID) -> int | None:
    """Return the integer *text* spells in ASCII digits if it lies in [low, high], else None.

    Surrounding spaces are allowed (browsers never send them, people typing may);
    signs other than a leading ``-``, underscores, other scripts' digits and
    exponents are not."""
    digits = _ascii_int(text)
    if digits is None or len(digits.lstrip("-").lstrip("0")) > _MAX_DIGITS:
        return None
    value = int(digits)
    return value if low <= value <= high else None


def int_list(values: Iterable[str], low: int = 1, high: int = MAX_ID) -> list[int]:
    """Read a form's list of ids, dropping every value that cannot be one."""
    out = []
    for value in values:
        number = parse_int(value, low, high)
        if number is not None:
            out.append(number)
        if len(out) >= MAX_LIST:
            break
    return out


def query_int(name: str, default: int | None = None, *, low: int = 1,
              high: int = MAX_ID) -> int | None:
    """Read ``?name=`` from the query string.

    Absent or empty: *default*. Not a whole number in ASCII digits: 400. A number no row
    or page can have (outside [low, high]): 404."""
    text = request.args.get(name, "")
    if text == "":
        return default
    if _ascii_int(text) is None:
        abort(400, f"The {name!r} in the address must be a whole number.")
    value = parse_int(text, low, high)
    if value is None:
        abort(404)
    return value


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` for every rule: ASCII digits only, at most the largest id (MAX_ID).

    Werkzeug's own converter matches ``\\d+``, which in Python means any script's digits,
    and has no upper bound. A value outside this one matches no rule: 404."""

    regex = r"[0-9]+"  # not \d+: no rule takes another script's digits

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)

    def to_python(self, value: str) -> int:
        if parse_int(value, -MAX_ID, MAX_ID) is None:
            raise ValidationError()
        return super().to_python(value)


def register_converters(app: Flask) -> None:
    """Replace werkzeug's ``int`` converter app-wide (before any blueprint adds a rule)."""
    app.url_map.converters["int"] = BoundedIntConverter
