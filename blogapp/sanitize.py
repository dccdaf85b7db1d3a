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
from collections.abc import Mapping
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
    # srcset and sizes pass only as the media library renders them (see _filter_article_attribute).
    "img": frozenset({"src", "alt", "title", "width", "height", "srcset", "sizes"}),
})
ARTICLE_URL_SCHEMES = frozenset({"http", "https", "mailto"})
ARTICLE_LINK_REL = "noopener"

#: Schemes for URL attributes nh3 does not check itself (``cite``) and for ``img src``.
CITE_URL_SCHEMES = frozenset({"http", "https"})
IMAGE_URL_SCHEMES = frozenset({"http", "https"})

#: A media library rendition, served by this site (the only relative image source).
MEDIA_PATH_RE = re.compile(r"/media/[0-9a-f]{32}(?:-w[0-9]{1,5})?\.(?:jpg|png|webp)")
_SRCSET_CANDIDATE_RE = re.compile(r"\s*(\S+) ([0-9]{1,5})w\s*")
#: The one ``sizes`` value articles carry: the column is 46rem wide less its padding.
ARTICLE_IMAGE_SIZES = "(min-width: 46rem) 44rem, calc(100vw - 2rem)"

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


def _media_srcset(value: str) -> bool:
    """Tell whether every candidate of a srcset is a library rendition ("<path> <n>w")."""
    candidates = value.split(",")
    for candidate in candidates:
        match = _SRCSET_CANDIDATE_RE.fullmatch(candidate)
        if match is None or not MEDIA_PATH_RE.fullmatch(match.group(1)):
            return False
    return bool(candidates)


def _filter_article_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag != "img":
        return value
    if attribute == "src" and _scheme(value) not in IMAGE_URL_SCHEMES \
            and not MEDIA_PATH_RE.fullmatch(value):
        return None
    if attribute == "srcset" and not _media_srcset(value):
        return None
    if attribute == "sizes" and value != ARTICLE_IMAGE_SIZES:
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


@dataclass(frozen=True)
class LibraryImage:
    """What an article needs to draw a media library image: its renditions, narrowest
    first, as (path, width, height), and the library's alt text."""

    renditions: tuple[tuple[str, int, int], ...]
    alt: str = ""

    @property
    def default(self) -> tuple[str, int, int]:
        """The rendition for browsers that ignore srcset: the widest up to 1280 px."""
        fitting = [r for r in self.renditions if r[1] <= 1280]
        return fitting[-1] if fitting else self.renditions[0]


_LIBRARY_DIGEST_RE = re.compile(r"/media/([0-9a-f]{32})(?:-w[0-9]{1,5})?\.(?:jpg|png|webp)")

# Smart quotes and dashes ("typographer") touch text only: code spans and blocks, URLs and
# raw HTML keep their characters.
_MARKDOWN = MarkdownIt("commonmark", {"html": True, "typographer": True}).enable(
    ["table", "strikethrough", "replacements", "smartquotes"])
_TYPOGRAPHER = MarkdownIt("zero", {"typographer": True}).enable(["replacements", "smartquotes"])


def _attributes_html(attributes: list[tuple[str, str]]) -> str:
    return "".join(f' {name}="{html.escape(value)}"' for name, value in attributes)


def _render_image(renderer, tokens, index, options, env) -> str:
    """Draw an image; a library image gets its renditions, size and, alone in its
    paragraph, a figure with its title as the caption."""
    token = tokens[index]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    src = str(token.attrGet("src") or "")
    title = token.attrGet("title")
    match = _LIBRARY_DIGEST_RE.fullmatch(src)
    image = env.get("images", {}).get(match.group(1)) if match else None
    if image is None:
        attributes = [("src", src), ("alt", alt)] + ([("title", str(title))] if title else [])
        return f"<img{_attributes_html(attributes)}>"
    path, width, height = image.default
    srcset = ", ".join(f"{p} {w}w" for p, w, _ in image.renditions)
    full_width, full_height = image.renditions[-1][1:]
    attributes = [("src", path), ("srcset", srcset), ("sizes", ARTICLE_IMAGE_SIZES),
                  ("width", str(full_width)), ("height", str(full_height)),
                  ("alt", alt or image.alt)]
    tag = f"<img{_attributes_html(attributes)}>"
    if token.meta.get("figure") and title:
        return f"{tag}<figcaption>{html.escape(str(title), quote=False)}</figcaption>"
    return tag


_MARKDOWN.add_render_rule("image", _render_image)


def _mark_figures(parsed, images: Mapping[str, LibraryImage]) -> None:
    """Turn a paragraph holding one library image alone into a <figure>."""
    for index in range(len(parsed) - 2):
        opening, inline, closing = parsed[index:index + 3]
        if opening.type != "paragraph_open" or opening.hidden or inline.type != "inline":
            continue
        children = inline.children or []
        if len(children) != 1 or children[0].type != "image":
            continue
        match = _LIBRARY_DIGEST_RE.fullmatch(str(children[0].attrGet("src") or ""))
        if match is None or match.group(1) not in images:
            continue
        children[0].meta["figure"] = True
        opening.tag = closing.tag = "figure"


def render_article(markdown: str, images: Mapping[str, LibraryImage] | None = None) -> str:
    """Render an article's Markdown body as safe HTML; ``#`` headings become ``<h2>``.

    *images* maps media library digests to their renditions, so that ``/media/...``
    images are drawn with srcset, sizes, width and height."""
    env: dict[str, object] = {"images": images or {}}
    parsed = _MARKDOWN.parse(_normalize(markdown, multiline=True), env)
    for token in parsed:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
    _mark_figures(parsed, images or {})
    return _clean(_ARTICLE_GATE, _MARKDOWN.renderer.render(parsed, _MARKDOWN.options, env))


def typeset_text(text: str) -> str:
    """Return plain *text* with smart quotes and dashes, as articles get them (no markup:
    the result is text, to be escaped on output)."""
    text = normalize_text(text, multiline=True)
    if not text:
        return ""
    parsed = _TYPOGRAPHER.parseInline(text)
    return "".join(child.content for token in parsed for child in (token.children or [])
                   if child.type == "text")


def summarize(html_text: str, words: int = 55) -> str:
    """Return the opening *words* words of an HTML body as plain text ("…" when cut)."""
    found = strip_tags(html_text).split(" ")
    if len(found) <= words:
        return " ".join(found)
    return " ".join(found[:words]).rstrip(",;:.—–-") + "…"


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
