"""Error pages: in the site's layout, or JSON by Accept (always JSON under /api/).

The JSON shape is the API's: {"error": code, "message": text, "fields": {}}."""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from blogapp.api.errors import error_json
from blogapp.extensions import db


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def error_response(status: int, title: str, message: str, code: str | None = None) -> Response:
    if request.path.startswith("/api/") or wants_json():
        return error_json(status, message or title, code)
    return make_response(render_template("errors/error.html", status=status, title=title,
                                         message=message), status)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(
            400,
            "Your form expired",
            "The form's security token was missing or stale. Go back, reload the page "
            "and send it again.",
            code="csrf",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {404: "Page not found", 403: "Forbidden", 405: "Method not allowed",
                  413: "Too much data", 429: "Too many requests"}
        title = titles.get(error.code or 500, error.name)
        response = error_response(error.code or 500, title, error.description or "")
        allowed = getattr(error, "valid_methods", None)
        if allowed:  # a 405 names what the URL does take
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError):
        db.session.rollback()
        return error_response(500, "Something went wrong",
                              "The error has been logged. Please try again in a moment.")
