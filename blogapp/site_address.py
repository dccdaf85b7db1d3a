"""The site's own address, for rendering links in stored comments.

It comes from SITE_URL, else SERVER_NAME, else the development address, the same way
blogapp.notify builds mail links; never from the request, since the HTML is stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_SITE_URL = "http://127.0.0.1:5000"


def site_url(config: Mapping[str, Any]) -> str:
    """Return the site's base URL without a trailing slash."""
    configured = config.get("SITE_URL")
    if configured:
        return str(configured).rstrip("/")
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME', 'http')}://{config['SERVER_NAME']}"
    return DEFAULT_SITE_URL
