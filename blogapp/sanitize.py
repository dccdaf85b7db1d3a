"""Turn untrusted text into safe HTML.

nh3 (Ammonia) is the security gate: every HTML string returned here was produced by an
``nh3.Cleaner`` built from the allow-lists below. Work done before the gate (Markdown
rendering, paragraphs, linkifying) only shapes the markup; it never decides what is safe.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from types import MappingProxyType

import nh3
from markdown_it import MarkdownIt

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
COMMENT_LINK_REL = "nofollow ugc noopener"

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

# -- Text normalization -----------------------------------------------------------------

_LINE_BREAK_RE = re.compile(r"\r\n|[\r\u2028\u2029]")


def _normalize(value: str, *, multiline: bool) -> str:
    """Drop control characters and surrogates, unify line breaks, compose to NFC."""
    value = _LINE_BREAK_RE.sub("\n", value)
    if not multiline:
        value = value.replace("\n", " ").replace("\t", " ")
    kept = "\n\t" if multiline else ""
    value = "".join(
        ch for ch in value
        if ch in kept or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    return unicodedata.normalize("NFC", value)


def normalize_text(value: str, *, multiline: bool, keep_indent: bool = False) -> str:
    """Return a form field value with NFC, no control characters and no outer whitespace.

    Tabs and newlines survive only when ``multiline``; otherwise each becomes a space.
    Format characters (zero-width space/joiner, bidi marks) are kept: emoji sequences
    and right-to-left text need them.
    """
    value = _normalize(value, multiline=multiline)
    # Markdown needs the first line's indentation (an opening indented code block).
    return value.lstrip("\n").rstrip() if keep_indent else value.strip()


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
    "url_relative": "deny",
}
# First pass: reduce the input to the allowed inline tags so the paragraph and link steps
# work on well-formed, escaped HTML. The gate below is what makes the result safe.
_COMMENT_PRE = nh3.Cleaner(tags=set(COMMENT_TAGS), link_rel=None, **_COMMENT_OPTIONS)
_COMMENT_GATE = nh3.Cleaner(
    tags=set(COMMENT_TAGS | COMMENT_BLOCK_TAGS), link_rel=COMMENT_LINK_REL, **_COMMENT_OPTIONS
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

# -- Shaping serialized nh3 output: tokens, links, paragraphs ---------------------------

# nh3 output quotes every attribute value with '"' and escapes '<' in text, so this
# splits it exactly into tags (odd indexes) and text (even indexes).
_TAG_SPLIT_RE = re.compile(r'(<(?:[^<>"]|"[^"]*")*>)')
_TAG_NAME_RE = re.compile(r"<(/?)([a-z][a-z0-9]*)")
_URL_RE = re.compile(r"(?<![\w@./-])(https?://|www\.)[^\s<>\"`]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'*"
_NO_LINKIFY_TAGS = frozenset({"a", "code"})
_BLANK_LINE_RE = re.compile(r"\n(?:[ \t]*\n)+")
_PARAGRAPH, _LINE = "\x00", "\x01"  # cannot occur: control characters are removed first


def _tokens(fragment: str) -> Iterator[tuple[bool, str]]:
    for index, token in enumerate(_TAG_SPLIT_RE.split(fragment)):
        if token:
            yield index % 2 == 1, token


def _trim_url(url: str) -> str:
    while url and (url[-1] in _URL_TRAILING or (url[-1] == ")" and url.count(")") >
                                                  url.count("("))):
        url = url[:-1]
    return url


def _link_text(text: str) -> str:
    """Return escaped ``text`` with its http(s) and www. URLs wrapped in links."""
    out, position = [], 0
    for match in _URL_RE.finditer(text):
        url = _trim_url(match.group())
        if len(url) <= len(match.group(1)):
            continue
        href = url if "://" in url else f"https://{url}"
        out.append(html.escape(text[position:match.start()], quote=False))
        out.append(f'<a href="{html.escape(href)}">{html.escape(url, quote=False)}</a>')
        position = match.start() + len(url)
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)


def _linkify(fragment: str) -> str:
    out, skip_depth = [], 0
    for is_tag, token in _tokens(fragment):
        if is_tag:
            match = _TAG_NAME_RE.match(token)
            if match and match.group(2) in _NO_LINKIFY_TAGS:
                skip_depth += -1 if match.group(1) else 1
            out.append(token)
        else:
            out.append(token if skip_depth > 0 else _link_text(html.unescape(token)))
    return "".join(out)


def _autop(fragment: str) -> str:
    """Wrap text in ``<p>``: a blank line starts a paragraph, a newline becomes ``<br>``."""
    marked = []
    for is_tag, token in _tokens(fragment):
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


def render_comment(text: str) -> str:
    """Render a reader's comment as safe HTML, the way WordPress renders comments."""
    text = normalize_text(text, multiline=True)
    # Character references such as "&#1;" decode to controls, so strip those again.
    fragment = _normalize(_COMMENT_PRE.clean(text), multiline=True)
    return _COMMENT_GATE.clean(_autop(_linkify(fragment)))


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


def _mark_figures(tokens, images: Mapping[str, LibraryImage]) -> None:
    """Turn a paragraph holding one library image alone into a <figure>."""
    for index in range(len(tokens) - 2):
        opening, inline, closing = tokens[index:index + 3]
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
    tokens = _MARKDOWN.parse(_normalize(markdown, multiline=True), env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
    _mark_figures(tokens, images or {})
    return _ARTICLE_GATE.clean(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env))


def typeset_text(text: str) -> str:
    """Return plain *text* with smart quotes and dashes, as articles get them (no markup:
    the result is text, to be escaped on output)."""
    text = normalize_text(text, multiline=True)
    if not text:
        return ""
    tokens = _TYPOGRAPHER.parseInline(text)
    return "".join(child.content for token in tokens for child in (token.children or [])
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
    text = html.unescape(_TEXT_CLEANER.clean(spaced))
    return " ".join(_normalize(text, multiline=False).split())


class _LinkCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and any(name == "href" for name, _ in attrs):
            self.count += 1


def count_links(html_text: str) -> int:
    """Count the ``<a href>`` elements in sanitized HTML."""
    counter = _LinkCounter()
    counter.feed(html_text)
    counter.close()
    return counter.count
