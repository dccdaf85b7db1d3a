"""Turn untrusted text into safe HTML.

nh3 (Ammonia) is the security gate: every HTML string returned here was produced by an
``nh3.Cleaner`` built from the allow-lists below. Work done before the gate (Markdown
rendering, paragraphs, linkifying) only shapes the markup; it never decides what is safe.
Every input reaches nh3 through ``bound_markup`` (blogapp.html_limits), so the cost of
each function here grows linearly with its input.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import nh3
from markdown_it import MarkdownIt

from blogapp.html_limits import bound_markup
from blogapp.linkify import EXTERNAL_REL, SITE_REL, Site, linkify, tokens, unescape_text
from blogapp.unicode_text import normalize as _normalize
from blogapp.unicode_text import normalize_text

__all__ = [
    "RenderedComment", "count_links", "normalize_text", "render_article", "render_comment",
    "render_excerpt", "render_plain", "rendered_comment", "strip_tags", "visible_text",
]

# -- Allow-lists ------------------------------------------------------------------------

#: WordPress's comment tags (``$allowedtags``); ``p`` and ``br`` come only from the text.
COMMENT_TAGS = frozenset(
    {"a", "abbr", "acronym", "b", "blockquote", "cite", "code", "del", "em", "i", "q", "s",
     "strike", "strong"}
)
COMMENT_BLOCK_TAGS = frozenset({"p", "br"})
COMMENT_ATTRIBUTES = MappingProxyType({
    "a": frozenset({"href", "title"}),
    "abbr": frozenset({"title"}),
    "acronym": frozenset({"title"}),
    "blockquote": frozenset({"cite"}),
    "del": frozenset({"datetime"}),
    "q": frozenset({"cite"}),
})
COMMENT_URL_SCHEMES = frozenset({"http", "https", "mailto"})
COMMENT_LINK_REL = EXTERNAL_REL  # links that leave the site; SITE_REL for its own

#: ``h1`` is the page title: Markdown ``#`` renders as ``h2``, a raw ``<h1>`` loses its tag.
ARTICLE_TAGS = frozenset(
    {"h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "blockquote", "a", "em",
     "strong", "b", "i", "code", "pre", "del", "s", "sup", "sub", "table", "thead", "tbody",
     "tr", "th", "td", "figure", "figcaption", "img"}
)
ARTICLE_ATTRIBUTES = MappingProxyType({
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
})
ARTICLE_URL_SCHEMES = frozenset({"http", "https", "mailto"})
ARTICLE_LINK_REL = "noopener"

#: Schemes for URL attributes nh3 does not check itself (``cite``) and for ``img src``.
CITE_URL_SCHEMES = frozenset({"http", "https"})
IMAGE_URL_SCHEMES = frozenset({"http", "https"})

#: Tags removed together with everything inside them (not merely unwrapped).
CONTENT_REMOVED_TAGS = frozenset(
    {"script", "style", "template", "iframe", "frame", "frameset", "object", "embed",
     "applet", "noscript", "noembed", "noframes", "xmp", "plaintext", "textarea", "title",
     "select", "svg", "math"}
)

# -- URL attribute checks nh3 does not do for us ----------------------------------------

_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):")
_URL_IGNORED_RE = re.compile(r"[\x00-\x20\x7f]")


def _scheme(url: str) -> str | None:
    """Return the lower-cased scheme a browser would see, or None for a relative URL."""
    match = _SCHEME_RE.match(_URL_IGNORED_RE.sub("", url).lower())
    return match.group(1) if match else None


def _filter_comment_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "cite" and _scheme(value) not in CITE_URL_SCHEMES:
        return None
    return value


def _filter_article_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and _scheme(value) not in IMAGE_URL_SCHEMES:
        return None
    return value


def _attributes(allowed: MappingProxyType[str, frozenset[str]]) -> dict[str, set[str]]:
    return {tag: set(names) for tag, names in allowed.items()}


_COMMENT_OPTIONS = {
    "clean_content_tags": set(CONTENT_REMOVED_TAGS),
    "attributes": _attributes(COMMENT_ATTRIBUTES),
    "attribute_filter": _filter_comment_attribute,
    "url_schemes": set(COMMENT_URL_SCHEMES),
    "link_rel": None,
}


@lru_cache(maxsize=8)
def _comment_pre(base: str | None) -> nh3.Cleaner:
    """First pass: reduce the input to the allowed inline tags, relative links made
    absolute against the site (or dropped without one), so the paragraph and link steps
    work on well-formed, escaped HTML. The gate below is what makes the result safe."""
    relative = ("rewrite_with_base", base) if base else "deny"
    return nh3.Cleaner(tags=set(COMMENT_TAGS), url_relative=relative, **_COMMENT_OPTIONS)


# The gate keeps only the two rel values the link step writes; relative URLs are gone by then.
_COMMENT_GATE = nh3.Cleaner(
    tags=set(COMMENT_TAGS | COMMENT_BLOCK_TAGS), url_relative="deny",
    tag_attribute_values={"a": {"rel": {EXTERNAL_REL, SITE_REL}}}, **_COMMENT_OPTIONS,
)
_ARTICLE_GATE = nh3.Cleaner(
    tags=set(ARTICLE_TAGS),
    clean_content_tags=set(CONTENT_REMOVED_TAGS),
    attributes=_attributes(ARTICLE_ATTRIBUTES),
    attribute_filter=_filter_article_attribute,
    url_schemes=set(ARTICLE_URL_SCHEMES),
    url_relative="pass_through",
    link_rel=ARTICLE_LINK_REL,
    set_tag_attribute_values={"img": {"loading": "lazy"}},
)
_TEXT_CLEANER = nh3.Cleaner(
    tags=set(), clean_content_tags=set(CONTENT_REMOVED_TAGS), attributes={}, link_rel=None
)
_LINK_COUNTER = nh3.Cleaner(tags={"a"}, attributes={"a": {"href"}}, link_rel=None,
                            clean_content_tags=set(CONTENT_REMOVED_TAGS))


def _clean(cleaner: nh3.Cleaner, fragment: str) -> str:
    """Run *cleaner* on *fragment* within html_limits' bounds."""
    return cleaner.clean(bound_markup(fragment))


# -- Paragraphs -------------------------------------------------------------------------

_BLANK_LINE_RE = re.compile(r"\n(?:[ \t]*\n)+")
_PARAGRAPH, _LINE = "\x00", "\x01"  # cannot occur: control characters are removed first


def _autop(fragment: str) -> str:
    """Wrap text in ``<p>``: a blank line starts a paragraph, a newline becomes ``<br>``."""
    marked = []
    for is_tag, token in tokens(fragment):
        if is_tag and token.startswith(("<blockquote", "</blockquote")):
            marked.append(f"{_PARAGRAPH}{token}{_PARAGRAPH}")
        elif is_tag:
            marked.append(token)
        else:
            marked.append(_BLANK_LINE_RE.sub(_PARAGRAPH, token).replace("\n", _LINE))
    blocks = []
    for chunk in "".join(marked).split(_PARAGRAPH):
        chunk = chunk.strip(f" \t\n{_LINE}")
        if chunk.startswith(("<blockquote", "</blockquote")):
            blocks.append(chunk)
        elif chunk:
            blocks.append(f"<p>{chunk.replace(_LINE, '<br>')}</p>")
    return "".join(blocks)


# -- Public API -------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedComment:
    html: str  # safe HTML
    text: str  # what it reads as: tags removed, entities decoded (see visible_text)
    links: int  # its <a href> elements (see count_links)


def render_comment(text: str, site_url: str | None = None) -> str:
    """Render a reader's comment as safe HTML, the way WordPress renders comments.

    *site_url* (SITE_URL) is the site's own address: relative links are made absolute
    against it, and links to it get no ``nofollow``. Without it relative links are dropped."""
    return rendered_comment(text, site_url).html


def rendered_comment(text: str, site_url: str | None = None) -> RenderedComment:
    """Render a comment as render_comment does, with what it reads as and its links."""
    site = Site.parse(site_url)
    text = normalize_text(text, multiline=True)
    # Character references such as "&#1;" decode to controls, so strip those again.
    fragment = _normalize(_clean(_comment_pre(site.base if site else None), text),
                          multiline=True)
    safe = _clean(_COMMENT_GATE, _autop(linkify(fragment, site)))
    plain = unescape_text("".join(token for is_tag, token in tokens(fragment) if not is_tag))
    return RenderedComment(safe, plain, _links_in(safe))


def render_plain(text: str) -> str:
    """Render text as escaped paragraphs and line breaks, with no markup and no links.

    For text that is not worth sanitizing (a comment caught by the honeypot): it is all
    escaped, so it is safe as it stands and costs one pass."""
    text = normalize_text(text, multiline=True)
    paragraphs = _BLANK_LINE_RE.split(text)
    return "".join(f"<p>{html.escape(p.strip(), quote=False).replace(chr(10), '<br>')}</p>"
                   for p in paragraphs if p.strip())


_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def render_article(markdown: str) -> str:
    """Render an article's Markdown body as safe HTML; ``#`` headings become ``<h2>``."""
    env: dict[str, object] = {}
    tokens_ = _MARKDOWN.parse(_normalize(markdown, multiline=True), env)
    for token in tokens_:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
    return _clean(_ARTICLE_GATE, _MARKDOWN.renderer.render(tokens_, _MARKDOWN.options, env))


def render_excerpt(text: str) -> str:
    """Render text as one escaped paragraph with no markup; empty text renders as ''."""
    text = normalize_text(text, multiline=False)
    return f"<p>{html.escape(text)}</p>" if text else ""


_BLOCK_BOUNDARY_RE = re.compile(
    r"</?(?:p|br|hr|li|h[1-6]|blockquote|pre|div|tr|td|th|figcaption)\b", re.IGNORECASE
)


def strip_tags(html_text: str) -> str:
    """Return the plain text of an HTML fragment, whitespace collapsed.

    The result is not HTML: entities are decoded, so escape it on output (Jinja does).
    """
    spaced = _BLOCK_BOUNDARY_RE.sub(lambda match: f" {match.group()}", html_text)
    text = unescape_text(_clean(_TEXT_CLEANER, spaced))
    return " ".join(_normalize(text, multiline=False).split())


def visible_text(text: str) -> str:
    """Return what a reader's *text* reads as: tags removed, entities decoded.

    ``<b>half</b>way`` and ``&#104;alfway`` both read "halfway"; moderation and
    disallowed keys are matched against this as well as against the text as typed."""
    return unescape_text(_clean(_TEXT_CLEANER, normalize_text(text, multiline=True)))


# nh3 writes '"' inside a value as &quot;, so this finds the attribute and nothing else.
_HREF_ATTRIBUTE_RE = re.compile(r'\shref="')


def _links_in(serialized: str) -> int:
    """Count the ``<a href>`` tags of HTML that nh3 serialized."""
    return sum(1 for is_tag, token in tokens(serialized)
               if is_tag and token.startswith("<a ") and _HREF_ATTRIBUTE_RE.search(token))


def count_links(html_text: str) -> int:
    """Count the ``<a href>`` elements in HTML (mailto links included, as WordPress does)."""
    return _links_in(_clean(_LINK_COUNTER, html_text))
