"""Reading JSON bodies and query values without ever answering 500."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request

from blogapp.api.errors import ApiError
from blogapp.integers import MAX_ID, parse_int

DIGITS = re.compile(r"[1-9][0-9]{0,8}")


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415 / 400 / 422 (a 413 comes from Werkzeug)."""
    if request.mimetype != "application/json":
        raise ApiError(415, "Send JSON (Content-Type: application/json).",
                       code="unsupported_media_type")
    try:
        body = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError):
        raise ApiError(400, "The body is not valid JSON.", code="malformed_json") from None
    if not isinstance(body, dict):
        raise ApiError(422, "The body must be a JSON object.", code="unprocessable")
    return body


def wrong(fields: dict[str, str]) -> ApiError:
    return ApiError(422, "Some fields are missing or have the wrong type.",
                    code="unprocessable", fields=fields)


def field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = None,
          required: bool = False) -> Any:
    """Return body[name] when it has type *kind* (bool is never an int); else raise 422."""
    if name not in body or body[name] is None:
        if required:
            raise wrong({name: "Required."})
        return default
    value = body[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise wrong({name: "Wrong type."})
    if not isinstance(value, kinds):
        raise wrong({name: "Wrong type."})
    return value


def int_arg(name: str, default: int, top: int) -> int:
    """A query value of canonical digits from 1 to *top*, else 400."""
    values = request.args.getlist(name)
    if not values:
        return default
    if len(values) > 1 or not DIGITS.fullmatch(values[0]) or int(values[0]) > top:
        raise ApiError(400, f"{name} must be a whole number from 1 to {top}.",
                       code="bad_request", fields={name: f"1 to {top}."})
    return int(values[0])


def id_list(value: Any, top: int) -> list[int]:
    if (not isinstance(value, list) or not 1 <= len(value) <= top
            or not all(type(v) is int and 0 < v < 2**31 for v in value)):
        raise wrong({"ids": f"A list of 1 to {top} comment ids."})
    return value


def ident(value: str, what: str = "comment") -> int:
    """A row id from the path: ASCII digits up to the largest id, else 404.

    Path ids are plain strings in the API's rules (not ``<int:>``): Werkzeug answers 405
    rather than 404 when an ``<int:>`` rule refuses a number too large for it."""
    number = parse_int(value, 1, MAX_ID) if value.isascii() and value.isdigit() else None
    if number is None:
        raise ApiError(404, f"No {what} has that id.", code="not_found")
    return number
