"""Readers' browsers fetch library images here, from this site's own origin."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from blogapp.media.images import CONTENT_TYPES
from blogapp.media.storage import KEY_RE, StorageError, storage

bp = Blueprint("media", __name__)

#: A key names bytes that never change, so browsers and proxies may keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"


def _headers(key: str) -> dict[str, str]:
    return {"Cache-Control": IMMUTABLE, "ETag": f'"{key}"',
            "Content-Disposition": "inline", "X-Content-Type-Options": "nosniff"}


@bp.route("/media/<key>")
def file(key: str):
    if not KEY_RE.fullmatch(key):
        abort(404)
    if request.if_none_match.contains(key):
        return Response(status=304, headers=_headers(key))
    try:
        data = storage().get(key)
    except StorageError:
        abort(503, "The image store cannot be reached; try again in a moment.")
    if data is None:
        abort(404)
    content_type = CONTENT_TYPES[key.rsplit(".", 1)[1]]
    return Response(data, content_type=content_type, headers=_headers(key))
