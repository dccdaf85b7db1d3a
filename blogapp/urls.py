"""Absolute URLs from the configured SITE_URL, never from the request.

Feeds, the sitemap, canonical links and OpenGraph tags must name the site the same way
whichever host or scheme a request came through (a stored page is served to everyone), so
they are built from SITE_URL (e.g. ``BLOGAPP_SITE_URL=https://news.example``), else
SERVER_NAME, else the development address, as blogapp.notify does for mail.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.routing import MapAdapter

DEFAULT_SITE_URL = "http://127.0.0.1:5000"
_ADAPTER_KEY = "blogapp.absolute_urls"


def site_url(app: Flask) -> str:
    """Return the site's base URL without a trailing slash."""
    configured = app.config.get("SITE_URL")
    if configured:
        return str(configured).rstrip("/")
    if app.config.get("SERVER_NAME"):
        return f"{app.config['PREFERRED_URL_SCHEME']}://{app.config['SERVER_NAME']}"
    return DEFAULT_SITE_URL


def _adapter(app: Flask) -> MapAdapter:
    adapter = app.extensions.get(_ADAPTER_KEY)
    if adapter is None:
        parts = urlsplit(site_url(app))
        adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                   url_scheme=parts.scheme or "http")
        app.extensions[_ADAPTER_KEY] = adapter
    return adapter


def absolute_url(endpoint: str, **values: Any) -> str:
    """Build the absolute URL of *endpoint* on the configured site."""
    return _adapter(current_app).build(endpoint, values, force_external=True)

