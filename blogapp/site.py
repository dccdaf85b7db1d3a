"""The site's own address: absolute links and shared renders come from SITE_URL alone.

A request says where it thinks it is (Host, SCRIPT_NAME, the scheme, X-Forwarded-* through
ProxyFix), and ``url_for`` believes it. That is right for a page only its requester sees
and wrong for anything kept or sent to others: a stored reader page, the cached comment
list, the Atom feed, mail, a privacy export, Akismet's permalinks. Those are built here,
from the configured SITE_URL (checked and normalized by blogapp.config), so no request can
put another host or path prefix into them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.routing import MapAdapter


def site_url(app: Flask) -> str:
    """Return SITE_URL without a trailing slash, e.g. ``https://blog.example/news``."""
    return str(app.config["SITE_URL"]).rstrip("/")


def site_adapter(app: Flask) -> MapAdapter:
    """Return a URL builder bound to SITE_URL's scheme, host and path prefix."""
    parts = urlsplit(site_url(app))
    return app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                            url_scheme=parts.scheme)


def external_url(app: Flask, endpoint: str, **values: Any) -> str:
    """Return the absolute URL of *endpoint* on the configured site (no request needed)."""
    anchor = values.pop("_anchor", None)
    url = site_adapter(app).build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def absolute_url(endpoint: str, **values: Any) -> str:
    """Return the absolute URL of *endpoint* on the configured site, for the current app."""
    return external_url(current_app._get_current_object(), endpoint, **values)


@contextmanager
def site_request(app: Flask) -> Iterator[None]:
    """Run the block in a request built from SITE_URL alone.

    Inside it ``url_for`` builds links for the configured site, and a template that looks
    at the request, the session or cookies sees a reader with none: whatever request is
    being answered, what renders here is the same for everyone, so it may be stored."""
    context = app.test_request_context(base_url=site_url(app))
    context.url_adapter = site_adapter(app)  # SITE_URL even when SERVER_NAME differs
    with context:
        # A request nobody sent names no page: the nav marks nothing as the current page
        # (its path "/" would otherwise be the index's, on every stored article page).
        context.request.url_rule = None
        yield


def site_version(app: Flask) -> tuple[str, ...]:
    """Return what every rendered page depends on besides the database.

    That is the code and templates that render it (hashed once per process, so a deploy
    changes it), the site's address, name and tagline, and whether it sends mail (the
    forms offer the "Notify me" boxes only then). Stored pages and ETags carry it: after
    a deploy or a new SITE_URL no browser is told its old copy is current."""
    code = app.extensions.get("blogapp.code_version")
    if code is None:
        digest = hashlib.sha256()
        roots = [Path(app.root_path), Path(app.root_path, app.template_folder or "templates")]
        for root in roots:
            for path in sorted(root.rglob("*")):
                if path.suffix in {".py", ".html", ".xml"} and path.is_file():
                    digest.update(str(path.relative_to(root)).encode() + b"\0")
                    digest.update(path.read_bytes())
        code = app.extensions.setdefault("blogapp.code_version", digest.hexdigest()[:16])
    config = app.config
    return (code, str(config["SITE_URL"]), str(config["SITE_NAME"]),
            str(config["SITE_TAGLINE"]), "mail" if config.get("MAIL_SERVER") else "")
