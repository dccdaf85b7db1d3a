"""Flask's signed-cookie sessions, opened without signing work when there is no cookie.

Readers have no session (the comment form is signed on its own: blogapp.comments.forms),
so most requests that reach Flask bring no session cookie; Flask's interface still builds
its signing serializer (a key derivation) for each. This one hands out an empty session
first and signs as Flask does once there is something to read or to write."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def register_sessions(app: Flask) -> None:
    app.session_interface = CookieSessions()
