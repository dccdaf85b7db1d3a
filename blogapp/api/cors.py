"""Cross-origin rules for the public API (BLOGAPP_EMBED_ORIGINS).

A listed site's pages may read threads and counts and post comments from the browser:
their responses name the page's Origin in Access-Control-Allow-Origin (never ``*``, never
with credentials: the widget keeps its own tokens), and a preflight is answered for GET
and POST with the headers the widget sends. Every other origin gets no CORS headers, its
preflight a 403, and its posts a 403 (blogapp.api.public). Staff endpoints are never
cross-origin."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from blogapp.api.errors import ApiError
from blogapp.api.origins import normalize_origin
from blogapp.site import site_url

ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Content-Type, X-Blogapp-Preview"
PREFLIGHT_MAX_AGE = "86400"


def embed_origins(app: Flask | None = None) -> tuple[str, ...]:
    return (app or current_app).config["EMBED_ORIGINS"]


def own_origin() -> str:
    """The origin of SITE_URL: blogapp's own pages may call the API too."""
    scheme_and_host = "/".join(site_url(current_app).split("/", 3)[:3])
    return normalize_origin(scheme_and_host) or ""


def request_origin() -> str | None:
    """The Origin a browser sent, normalized (None: none sent; "" for "null" or junk)."""
    value = request.headers.get("Origin")
    if value is None:
        return None
    return normalize_origin(value) or ""


def origin_allowed(origin: str | None) -> bool:
    return bool(origin) and (origin in embed_origins() or origin == own_origin())


def require_post_origin() -> None:
    """Refuse a post a browser sent from a page of a site not listed (403).

    A request with no Origin did not come from a browser's page (every browser sends
    Origin with a cross-origin or POST fetch), unless Sec-Fetch-Site says otherwise."""
    origin = request_origin()
    if origin is None:
        site = request.headers.get("Sec-Fetch-Site")
        if site in (None, "same-origin", "none"):
            return
    elif origin_allowed(origin):
        return
    raise ApiError(403, "This site may not post comments here: its address is not in "
                        "the embedding sites this blog allows.", code="origin_not_allowed")


def add_cors_headers(response: Response) -> Response:
    """Name an allowed Origin in the answer of a public endpoint."""
    response.vary.add("Origin")
    origin = request_origin()
    if origin and origin_allowed(origin):
        response.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    return response


def preflight() -> Response:
    """Answer an OPTIONS preflight: the allowed methods and headers, or a 403."""
    origin = request_origin()
    if not origin_allowed(origin):
        raise ApiError(403, "This site may not call the API from a browser.",
                       code="origin_not_allowed")
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
    response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
