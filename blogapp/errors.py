"""Error pages: in the site's layout, or JSON by Accept (always JSON under /api/).

The JSON shape is the API's: {"error": code, "message": text, "fields": {}}."""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException, InternalServerError

from blogapp.api.errors import error_json
from blogapp.extensions import db


def wants_json(accept: MIMEAccept | None = None) -> bool:
    """Whether the request's Accept (or *accept*, parsed by a layer before Flask) prefers
    JSON to HTML."""
    accept = accept if accept is not None else request.accept_mimetypes
    best = accept.best_match(["application/json", "text/html"])
    return best == "application/json" and accept[best] > accept["text/html"]


def error_as_json(path: str, accept: MIMEAccept | None = None) -> bool:
    """Whether an error answers JSON: always under /api/, else by Accept."""
    return path.startswith("/api/") or wants_json(accept)


# What each staff role may do, for the 403 page a staff member meets on a page of the other.
ROLE_CAN = {
    "moderator": ("see the dashboard", "moderate comments: approve, unapprove, spam, trash, "
                  "reply, edit", "change your own account and password"),
    "owner": ("everything a moderator may", "write and publish articles", "manage media, "
              "categories, discussion settings, users and privacy requests",
              "read the audit log"),
}


def error_response(status: int, title: str, message: str,
                   code: str | None = None, kept: str = "") -> Response:
    """The error page (JSON for API paths); *kept*: a text the person sent, shown back to
    copy (a comment whose article was deleted while it was posted)."""
    if error_as_json(request.path):
        return error_json(status, message or title, code)
    role = _staff_role() if status == 403 else None
    if role == "moderator":  # every page a moderator is refused is an owner's
        title, message = "Not for your role", (
            "You are signed in as a moderator; this page is for the site’s owners.")
    return make_response(render_template(
        "errors/error.html", status=status, title=title, message=message, kept=kept, role=role,
        role_can=ROLE_CAN.get(role or "", ())), status)


def _staff_role() -> str | None:
    from flask import session
    from flask_login import current_user

    if "_user_id" not in session or not current_user.is_authenticated:
        return None
    return str(current_user.role)


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
