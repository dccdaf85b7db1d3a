"""Security headers: a nonce-based Content Security Policy and friends."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, request


def csp_nonce() -> str:
    """Return this request's script nonce (created on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def security_headers(config: Mapping[str, Any], https: bool,
                     nonce: str | None = None) -> list[tuple[str, str]]:
    """The headers every response carries. A page that asked for no nonce runs no inline
    script, so its policy names none (a nonce nobody needs would only be one to leak)."""
    scripts = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    policy = (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self'; "
        "img-src 'self' https: data:; "
        "object-src 'none'; "
        "base-uri 'self'; "
        "form-action 'self'; "
        f"frame-ancestors {config['FRAME_ANCESTORS']}"
    )
    headers = [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "SAMEORIGIN"),
    ]
    if https:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def cross_origin(headers: Mapping[str, str], host: str) -> bool:
    """Tell whether a browser sent this request from another site's page.

    Browsers since 2023 say so in Sec-Fetch-Site; older ones send Origin on every POST,
    compared here with the Host the request came to. A request with neither did not come
    from a browser's cross-site form (the approach of Go's http.CrossOriginProtection)."""
    site = headers.get("Sec-Fetch-Site")
    if site:
        return site not in ("same-origin", "none")
    origin = headers.get("Origin")
    if not origin:
        return False
    return origin == "null" or urlsplit(origin).netloc.lower() != host.lower()


def register_security_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def set_headers(response: Response) -> Response:
        for name, value in security_headers(app.config, request.is_secure,
                                            g.get("csp_nonce")):
            response.headers.setdefault(name, value)
        return response


class SecureCookies:
    """WSGI middleware: mark every cookie Secure on responses to HTTPS requests.

    It sits inside ProxyFix, so it sees the scheme the client used; per response, so one
    HTTPS request never changes what plain-HTTP answers carry (and it catches the session
    and remember-me cookies, which Flask and Flask-Login add after every hook ran)."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status, headers, exc_info=None):
            headers = [
                (name, value + "; Secure")
                if name.lower() == "set-cookie" and "; secure" not in value.lower()
                else (name, value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)
