"""Where a comment thread from another system belongs here.

One function answers it for every importer, so when threads can belong to a page that is
not an article (keyed by its URL), only ``resolve_thread`` learns the new answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from blogapp.importers.lookup import (
    article_for_old_path,
    article_for_permalink,
    article_for_post_id,
    article_for_slug,
)

ARTICLE_PREFIX = "/articles/"
DATE_PATH_RE = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/?$")
# The WordPress Disqus plugin's thread identifier: "<post id> <guid>".
_WORDPRESS_IDENTIFIER_RE = re.compile(r"^(\d+) \S+$")


@dataclass(frozen=True)
class Target:
    """An article to hold the thread, or the reason there is none."""

    article_id: int | None
    reason: str = ""


def parse_map(value: str) -> tuple[str, str]:
    """Read one ``OLD_PREFIX=NEW_PREFIX`` option."""
    old, sep, new = value.partition("=")
    if not sep or not old:
        raise ValueError(f"--map wants OLD_PREFIX=NEW_PREFIX, not {value!r}")
    return old, new


def apply_maps(url: str, maps: Sequence[tuple[str, str]]) -> str:
    """Rewrite *url* with the first map whose old prefix it starts with."""
    for old, new in maps:
        if url.startswith(old):
            return new + url[len(old):]
    return url


def article_for_url(url: str, site_host: str) -> int | None:
    """The article an address points to: one of ours, or an imported post's old address."""
    parts = urlsplit(url)
    path = unquote(parts.path) or "/"
    if parts.netloc.lower() in ("", site_host) and path.startswith(ARTICLE_PREFIX):
        slug = path[len(ARTICLE_PREFIX):].strip("/")
        if slug and "/" not in slug:
            return article_for_slug(slug)
    post = parse_qs(parts.query).get("p", [""])[0]
    if path in ("/", "/index.php") and post.isascii() and post.isdigit():
        return article_for_post_id(str(int(post)))
    if DATE_PATH_RE.match(path):
        found = article_for_old_path(path)
        if found is not None:
            return found
    return article_for_permalink(url) if parts.netloc else None


def resolve_thread(url: str, identifier: str, *, site_host: str,
                   maps: Sequence[tuple[str, str]] = ()) -> Target:
    """Find the article for a thread of comments that lived at *url*."""
    mapped = apply_maps(url.strip(), maps)
    found = article_for_url(mapped, site_host)
    if found is None and mapped != url.strip():
        found = article_for_url(url.strip(), site_host)
    match = _WORDPRESS_IDENTIFIER_RE.match(identifier.strip())
    if found is None and match:
        found = article_for_post_id(match.group(1))
    if found is not None:
        return Target(found)
    if not url.strip():
        return Target(None, "the thread has no link")
    return Target(None, f"no article here has the address {mapped}"
                  + ("" if mapped != url.strip() or not maps else " (no --map matched)"))
