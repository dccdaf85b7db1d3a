"""Origins and page addresses: which sites may embed threads, and one spelling per page.

An external page's thread is keyed by its address normalized: scheme and host lowercased,
the default port dropped, an empty path written "/", no query, no fragment. Only pages
whose origin is in BLOGAPP_EMBED_ORIGINS have threads. No Flask here."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import idna

MAX_URL = 1000  # articles.url
DEFAULT_PORTS = {"http": 80, "https": 443}


def _host(netloc: str) -> tuple[str, int | None] | None:
    """Split and check a netloc without user info; None when it is not a host[:port]."""
    if "@" in netloc or not netloc:
        return None
    parts = urlsplit(f"//{netloc}")
    try:
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    if ":" in host:  # an IPv6 literal
        return f"[{host}]", port
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
    if not all(c.isalnum() or c in "-._" for c in host):
        return None
    return host.lower(), port


def _parts(value: str):
    if (not isinstance(value, str) or len(value) > MAX_URL
            or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value)):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None
    host = _host(parts.netloc)
    if host is None:
        return None
    name, port = host
    netloc = name if port in (None, DEFAULT_PORTS[scheme]) else f"{name}:{port}"
    return scheme, netloc, parts


def normalize_origin(value: str) -> str | None:
    """Return ``scheme://host[:port]`` for an origin (a path of "/" at most), else None."""
    found = _parts(value)
    if found is None:
        return None
    scheme, netloc, parts = found
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return f"{scheme}://{netloc}"


def normalize_page_url(value: str) -> str | None:
    """Return the one spelling of a page's address that keys its thread, else None."""
    found = _parts(value)
    if found is None:
        return None
    scheme, netloc, parts = found
    url = urlunsplit((scheme, netloc, parts.path or "/", "", ""))
    return url if len(url) <= MAX_URL else None


def origin_of(url: str) -> str:
    """The origin of a normalized page address."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
