"""The API blueprint with every route attached, and the hooks every answer passes."""

from __future__ import annotations

from flask import Response, request

from blogapp.api import articles, feeds, moderation, posting, public  # noqa: F401
from blogapp.api.blueprint import bp
from blogapp.api.cors import add_cors_headers, preflight
from blogapp.api.public import PUBLIC


@bp.before_request
def answer_preflight():
    if request.method == "OPTIONS":
        return preflight()
    return None


@bp.after_request
def cross_origin_headers(response: Response) -> Response:
    if request.endpoint in PUBLIC:
        add_cors_headers(response)
    return response


__all__ = ["bp"]
