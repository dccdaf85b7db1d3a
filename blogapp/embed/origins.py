"""Which sites may embed threads: BLOGAPP_EMBED_ORIGINS, a comma-separated list of origins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit


def origin_of(url: str) -> str | None:
    """Return ``scheme://host[:port]`` of an absolute http(s) URL, lowercased, or None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme.lower()}://{host.lower()}{suffix}"


def embed_origins(config: Mapping[str, Any]) -> frozenset[str]:
    """Return the configured origins, normalized (a bad entry is left out)."""
    value = config.get("EMBED_ORIGINS") or ()
    entries: Iterable[str] = value.split(",") if isinstance(value, str) else value
    return frozenset(o for o in (origin_of(str(e)) for e in entries if str(e).strip()) if o)


def allowed_origin(config: Mapping[str, Any], origin: str | None) -> str | None:
    """Return *origin* (an Origin header's value) when it may embed, else None."""
    if not origin or origin == "null":
        return None
    normal = origin_of(origin)
    return origin if normal is not None and normal in embed_origins(config) else None
