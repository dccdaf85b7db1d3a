"""The widget's files: /embed.js, /embed.css and /embed/count.js from static/.

Served as written (no build step), gzipped once per process for browsers that accept it,
with an ETag and a short public Cache-Control: the addresses are unversioned, since host
pages paste them once. Any page may load them (CORS ``*`` and a cross-origin resource
policy), so they work under a host's COEP and with Subresource Integrity; they are public
and carry no credentials."""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, request

bp = Blueprint("embed", __name__)
ASSETS = {"embed.js": "text/javascript", "embed.css": "text/css", "count.js": "text/javascript"}
WIDGET = ("embed.js", "embed.css")  # what a host page loads for a thread
WIDGET_BUDGET = 10 * 1024  # bytes, gzipped together (Isso's client is ~20 KB)
CACHE_CONTROL = "public, max-age=3600, stale-while-revalidate=86400"
_lock = threading.Lock()


@dataclass(frozen=True)
class Asset:
    mtime: int
    body: bytes
    gzipped: bytes
    etag: str


def asset(name: str) -> Asset:
    """Return static/*name* with its gzipped bytes and ETag (re-read when the file changes)."""
    path = Path(current_app.static_folder or "static", name)
    mtime = path.stat().st_mtime_ns
    cache: dict[str, Asset] = current_app.extensions.setdefault("blogapp.embed_assets", {})
    found = cache.get(name)
    if found is None or found.mtime != mtime:
        body = path.read_bytes()
        found = Asset(mtime, body, gzip.compress(body, 9, mtime=0),
                      hashlib.sha256(body).hexdigest()[:20])
        with _lock:
            cache[name] = found
    return found


def widget_gzip_bytes(static: Path) -> int:
    """Return the gzipped size of the widget's files in *static*, as they are served."""
    return sum(len(gzip.compress((static / name).read_bytes(), 9, mtime=0)) for name in WIDGET)


def serve(name: str) -> Response:
    item = asset(name)
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    etag = item.etag + ("-gz" if gzipped else "")
    response = Response(item.gzipped if gzipped else item.body,
                        mimetype=ASSETS[name], headers={"Vary": "Accept-Encoding"})
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@bp.route("/embed.js")
def embed_js() -> Response:
    return serve("embed.js")


@bp.route("/embed.css")
def embed_css() -> Response:
    return serve("embed.css")


@bp.route("/embed/count.js")
def count_js() -> Response:
    return serve("count.js")
