"""Links in comments, the way WordPress's make_clickable and wp_rel_ugc shape them.

Bare http(s) and www. addresses and bare email addresses become links; every link gets a
``rel``: ``nofollow ugc noopener`` when it leaves the site, ``ugc noopener`` when it points
at the site itself (same scheme, host and port as SITE_URL). Works on fragments that nh3
serialized, so text tokens are escaped and attribute values double-quoted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

EXTERNAL_REL = "nofollow ugc noopener"
SITE_REL = "ugc noopener"

# nh3 output quotes every attribute value with '"' and escapes '<' in text, so this
# splits it exactly into tags (odd indexes) and text (even indexes).
_TAG_SPLIT_RE = re.compile(r'(<(?:[^<>"]|"[^"]*")*>)')
_TAG_NAME_RE = re.compile(r"<(/?)([a-z][a-z0-9]*)")
_HREF_RE = re.compile(r'\shref="([^"]*)"')
_NO_LINKIFY_TAGS = frozenset({"a", "code"})
# A URL, or an email address as make_clickable finds one: after a space or a tag, a local
# part of letters, digits and ._+- and a domain with a dot and a two-letter ending.
_LINK_RE = re.compile(
    r"(?P<url>(?<![\w@./-])(?P<start>(?i:https?://|www\.))[^\s<>\"`]+)"
    r"|(?P<email>(?<!\S)[.0-9A-Za-z_+-]+@(?:[0-9A-Za-z-]+\.)+[0-9A-Za-z]{2,})"
)
_URL_TRAILING = ".,;:!?'*"
# A URL whose host a browser and urlsplit read alike: no backslash, no user name, no
# whitespace or control character anywhere.
_PLAIN_URL_RE = re.compile(r"(?i)(https?)://([^/?#\\@\x00-\x20\x7f]+)(?:[/?#][^\\\x00-\x20\x7f]*)?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Site:
    """The site's own origin, read from SITE_URL."""

    scheme: str
    host: str
    port: int
    base: str  # the URL relative links resolve against (ends with "/")

    @classmethod
    def parse(cls, site_url: str | None) -> Site | None:
        """Return the origin of *site_url*, or None when it is missing or not http(s)."""
        origin = _origin(site_url or "")
        if origin is None:
            return None
        return cls(*origin, base=site_url.rstrip("/") + "/")

    def owns(self, href: str) -> bool:
        """Tell whether *href* (an absolute URL) points at this site."""
        return _origin(href) == (self.scheme, self.host, self.port)


def _origin(url: str) -> tuple[str, str, int] | None:
    match = _PLAIN_URL_RE.fullmatch(url)
    if match is None:
        return None
    scheme = match.group(1).lower()
    try:
        parts = urlsplit(f"{scheme}://{match.group(2)}")
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:  # a port out of range, a bracket left open
        return None
    if not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port


def unescape_text(text: str) -> str:
    """Decode text that nh3 serialized: it writes only these four references in text."""
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", "\u00a0")
            .replace("&amp;", "&"))


def tokens(fragment: str) -> Iterator[tuple[bool, str]]:
    """Yield (is_tag, token) for the tags and text of a fragment nh3 serialized."""
    for index, token in enumerate(_TAG_SPLIT_RE.split(fragment)):
        if token:
            yield index % 2 == 1, token


def linkify(fragment: str, site: Site | None) -> str:
    """Turn bare URLs and emails into links and give every ``<a>`` its ``rel``."""
    out, skip_depth = [], 0
    for is_tag, token in tokens(fragment):
        if is_tag:
            match = _TAG_NAME_RE.match(token)
            if match and match.group(2) in _NO_LINKIFY_TAGS:
                skip_depth += -1 if match.group(1) else 1
            if match and match.group(2) == "a" and not match.group(1):
                href = _HREF_RE.search(token)
                token = _with_rel(token, html.unescape(href.group(1)) if href else "", site)
            out.append(token)
        else:
            out.append(token if skip_depth > 0 else _link_text(unescape_text(token), site))
    return "".join(out)


def rel_for(href: str, site: Site | None) -> str:
    return SITE_REL if site is not None and site.owns(href) else EXTERNAL_REL


def _with_rel(tag: str, href: str, site: Site | None) -> str:
    return f'{tag[:-1]} rel="{rel_for(href, site)}">'


def _link_text(text: str, site: Site | None) -> str:
    """Return escaped *text* with its URLs and email addresses wrapped in links."""
    out, position = [], 0
    for match in _LINK_RE.finditer(text):
        if match.group("email"):
            shown = match.group("email")
            href = f"mailto:{shown}"
        else:
            shown = _trim_url(match.group("url"))
            if len(shown) <= len(match.group("start")):
                continue
            href = shown if "://" in shown else f"https://{shown}"
        out.append(html.escape(text[position:match.start()], quote=False))
        out.append(f'<a href="{html.escape(href)}" rel="{rel_for(href, site)}">'
                   f"{html.escape(shown, quote=False)}</a>")
        position = match.start() + len(shown)
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)


def _trim_url(url: str) -> str:
    """Drop trailing punctuation and unbalanced ")" from a URL, in one pass from the end."""
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end:
        char = url[end - 1]
        if char in _URL_TRAILING:
            end -= 1
        elif char == ")" and closed > opened:
            closed -= 1
            end -= 1
        else:
            break
    return url[:end]
