"""Error pages in the site's layout (JSON for clients that ask for it)."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from blogapp.extensions import db


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def error_response(status: int, title: str, message: str):
    if wants_json() or request.path.startswith("/api/"):
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(
            400,
            "Your form expired",
            "The form's security token was missing or stale. Go back, reload the page "
            "and send it again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {404: "Page not found", 403: "Forbidden", 405: "Method not allowed",
                  413: "Too much data", 429: "Too many requests"}
        title = titles.get(error.code or 500, error.name)
        response = error_response(error.code or 500, title, error.description or "")
        return response

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError):
        db.session.rollback()
        return error_response(500, "Something went wrong",
                              "The error has been logged. Please try again in a moment.")
