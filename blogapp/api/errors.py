"""One JSON shape for every error under /api: {"error", "message", "fields"}."""

from __future__ import annotations

from flask import Response, jsonify

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large",
         415: "unsupported_media_type", 422: "unprocessable", 429: "too_many_requests",
         500: "server_error"}


def code_for(status: int) -> str:
    return CODES.get(status, "error")


class ApiError(Exception):
    """An answer other than success; the blueprint's handler turns it into JSON."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 fields: dict[str, str] | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or code_for(status)
        self.fields = fields or {}
        self.retry_after = retry_after
        self.headers: dict[str, str] = {}


def error_json(status: int, message: str, code: str | None = None,
               fields: dict[str, str] | None = None,
               retry_after: int | None = None) -> Response:
    response = jsonify(error=code or code_for(status), message=message, fields=fields or {})
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def api_error_response(error: ApiError) -> Response:
    response = error_json(error.status, error.message, error.code, error.fields,
                          error.retry_after)
    response.headers.update(error.headers)
    return response
