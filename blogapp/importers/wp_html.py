"""WordPress post bodies in and out of blogapp's article format.

WordPress stores a classic post as HTML whose paragraphs are implied: a blank line starts
one, a single newline is a line break, and the theme adds the ``<p>`` and ``<br>`` when it
shows the post. blogapp stores Markdown, which would misread such text (``*``, ``_``,
indented lines, ``1.`` at a line start). So an imported body is made explicit here, then
written so that Markdown passes it through untouched: CommonMark keeps an HTML block that
starts with a block-level tag verbatim up to the first blank line, and the body has none.
The article renderer's allow-list (``blogapp.sanitize.render_article``) still decides what
is safe; nothing here does.
"""

from __future__ import annotations

import html
import re

# Tags that end a paragraph: text on either side of one is a paragraph of its own.
BLOCK_TAGS = frozenset(
    {"address", "area", "article", "aside", "audio", "blockquote", "caption", "col",
     "colgroup", "dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption",
     "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
     "hr", "legend", "li", "main", "map", "math", "menu", "nav", "ol", "option", "p", "pre",
     "section", "select", "source", "summary", "table", "tbody", "td", "tfoot", "th",
     "thead", "tr", "ul", "video"}
)
VOID_BLOCK_TAGS = frozenset({"area", "col", "hr", "source"})
_VOID_INLINE_TAGS = frozenset({"br", "embed", "img", "input", "link", "meta", "param",
                               "track", "wbr"})
# Where lone text becomes a paragraph even without a blank line (as in WordPress).
_WRAPPING_CONTAINERS = frozenset({None, "blockquote"})
# Where text never becomes a paragraph of its own: a paragraph cannot hold one.
_NO_PARAGRAPH_CONTAINERS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre"})
# Raw text kept byte for byte (the allow-list removes the last three with their content).
_RAW_RE = re.compile(r"<(pre|script|style|textarea)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_TAG_RE = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:[^<>"']|"[^"]*"|'[^']*')*>""")
_HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")
_BR_END_RE = re.compile(r"<br\s*/?>\s*$", re.I)
_BR_SPACE_RE = re.compile(r"(<br\s*/?>)[ \t]+(?=\S)", re.I)
_CAPTION_RE = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.I | re.S)
_CAPTION_ATTR_RE = re.compile(r"""caption=(?:"([^"]*)"|'([^']*)')""", re.I)
_CAPTION_MEDIA_RE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$",
                               re.I | re.S)
# CommonMark's HTML block kind 6: a line opening with one of these tags starts a block
# that ends only at a blank line.
_MARKDOWN_HTML_BLOCK_RE = re.compile(
    r"</?(?:address|article|aside|blockquote|caption|dd|details|dialog|div|dl|dt|fieldset|"
    r"figcaption|figure|footer|form|h[1-6]|header|hr|li|main|menu|nav|ol|p|section|summary|"
    r"table|tbody|td|tfoot|th|thead|tr|ul)(?:\s|/?>|$)", re.I)


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split HTML into ("raw" | "tag" | "text", source) pieces, in order."""
    pieces: list[tuple[str, str]] = []
    position = 0
    for raw in _RAW_RE.finditer(text):
        pieces.extend(_tag_tokens(text[position:raw.start()]))
        pieces.append(("raw", raw.group()))
        position = raw.end()
    pieces.extend(_tag_tokens(text[position:]))
    return pieces


def _tag_tokens(text: str) -> list[tuple[str, str]]:
    pieces, position = [], 0
    for match in _TAG_RE.finditer(text):
        if match.start() > position:
            pieces.append(("text", text[position:match.start()]))
        pieces.append(("tag", match.group()))
        position = match.end()
    if position < len(text):
        pieces.append(("text", text[position:]))
    return pieces


def _tag_name(tag: str) -> tuple[bool, str]:
    match = _TAG_RE.match(tag)
    return (bool(match.group(1)), match.group(2).lower()) if match else (False, "")


def _is_block(kind: str, source: str) -> bool:
    return kind == "raw" or (kind == "tag" and _tag_name(source)[1] in BLOCK_TAGS)


def _lines(paragraph: str) -> str:
    """Turn the newlines of one paragraph into line breaks (none after an existing one).

    A line break followed by spaces starts a new source line, as WordPress writes it."""
    lines = _BR_SPACE_RE.sub("\\1\n", paragraph).split("\n")
    out = lines[0]
    for line in lines[1:]:
        out += ("\n" if _BR_END_RE.search(out) else "<br>\n") + line.strip()
    return out


def _paragraphs(run: str, container: str | None) -> str:
    """Shape the inline run between two block boundaries."""
    paragraphs = [p.strip() for p in _BLANK_LINE_RE.split(run.strip()) if p.strip()]
    if not paragraphs:
        return "\n" if "\n" in run else run
    shaped = [_lines(p) for p in paragraphs]
    lead = "\n" if run[:len(run) - len(run.lstrip())].count("\n") else ""
    tail = "\n" if run[len(run.rstrip()):].count("\n") else ""
    if container in _NO_PARAGRAPH_CONTAINERS:
        joiner = "</p>\n<p>" if container == "p" else "<br>\n<br>\n"
        return lead + joiner.join(shaped) + tail
    if container in _WRAPPING_CONTAINERS or len(shaped) > 1:
        # An inline element the run leaves open (or closes from before it) holds a block:
        # its own paragraphs stay unwrapped (see _balanced); a run that closes all it
        # opens is shaped as WordPress does, an element spanning two paragraphs included.
        spanning = not _balanced(run)
        return lead + "\n".join(f"<p>{p}</p>" if not spanning or _balanced(p) else p
                                for p in shaped) + tail
    return lead + shaped[0] + tail


def _balanced(text: str) -> bool:
    """Tell whether every inline element opened in *text* closes within it, and nothing
    else closes. An element that does not (``<a href>`` around a ``<p>``: HTML lets a
    link hold blocks) spans the block boundary: a ``<p>`` around its start tag would
    split it, and the browser's parser would make a new empty link of each half on every
    round trip."""
    open_tags: list[str] = []
    for match in _TAG_RE.finditer(text):
        closing, name = bool(match.group(1)), match.group(2).lower()
        if name in _VOID_INLINE_TAGS or match.group().endswith("/>"):
            continue
        if not closing:
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            return False
    return not open_tags


def _captions(text: str) -> str:
    """Turn ``[caption]<img> text[/caption]`` shortcodes into figures."""

    def figure(match: re.Match) -> str:
        media = _CAPTION_MEDIA_RE.match(match.group(2))
        if media is None:
            return match.group(2)
        attribute = _CAPTION_ATTR_RE.search(match.group(1))
        caption = media.group(2).strip() or (
            html.escape(html.unescape(attribute.group(1) or attribute.group(2)), quote=False)
            if attribute else "")
        figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
        return f"<figure>{media.group(1).strip()}{figcaption}</figure>"

    return _CAPTION_RE.sub(figure, text)


def autop(content: str) -> str:
    """Make a classic WordPress body's implied paragraphs and line breaks explicit.

    Blank lines start paragraphs; single newlines become ``<br>``; text standing alone at
    the top level or in a blockquote becomes a paragraph; block elements and ``<pre>``
    are kept as they are. Applying it twice changes nothing more."""
    content = _captions(_HTML_COMMENT_RE.sub("", content.replace("\r\n", "\n")
                                             .replace("\r", "\n")))
    out: list[str] = []
    stack: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(_paragraphs("".join(run), stack[-1] if stack else None))
            run.clear()

    for kind, source in _tokens(content):
        if not _is_block(kind, source):
            run.append(source)
            continue
        flush()
        out.append(source)
        closing, name = _tag_name(source) if kind == "tag" else (False, "")
        if kind == "raw" or name in VOID_BLOCK_TAGS or source.endswith("/>"):
            continue
        if closing:
            if name in stack:
                while stack.pop() != name:
                    pass
        else:
            if stack and stack[-1] == "p":  # a block start closes an open paragraph
                stack.pop()
            stack.append(name)
    flush()
    return "".join(out).strip()


def markdown_inert(body_html: str) -> str:
    """Write HTML so that the Markdown renderer passes it through as it is.

    Blank lines (which would end CommonMark's HTML block) are removed between elements and
    written as ``&#10;`` inside ``<pre>``; a body that does not open with a block-level tag
    is wrapped in a ``<div>`` (which the allow-list then drops)."""
    pieces, position = [], 0
    for raw in _RAW_RE.finditer(body_html):
        pieces.append(_BLANK_LINE_RE.sub("\n", body_html[position:raw.start()]))
        pieces.append(re.sub(r"\n(?=[ \t]*\n)", "&#10;", raw.group()))
        position = raw.end()
    pieces.append(_BLANK_LINE_RE.sub("\n", body_html[position:]))
    text = "".join(pieces).strip()
    if text and not _MARKDOWN_HTML_BLOCK_RE.match(text):
        text = f"<div>\n{text}\n</div>"
    return text


def has_blocks(content: str) -> bool:
    """Tell a block-editor body (explicit HTML, never autop'd by WordPress) from a classic one."""
    return "<!-- wp:" in content


def article_body(content: str) -> str:
    """Return a WordPress ``post_content`` as a blogapp article body (see the module doc)."""
    if has_blocks(content):
        content = _HTML_COMMENT_RE.sub("", content.replace("\r\n", "\n"))
    else:
        content = autop(content)
    return markdown_inert(content)


def wordpress_content(body_html: str) -> str:
    """Return stored article HTML so that WordPress's autop adds nothing to it on display.

    Newlines in running text (insignificant in HTML) become spaces and those between
    elements stay single, so no blank line or stray line break is left to turn into a
    paragraph or a ``<br>``; ``<pre>`` is kept byte for byte."""
    pieces = _tokens(body_html.replace("\r\n", "\n"))
    out = []
    for index, (kind, source) in enumerate(pieces):
        if kind != "text":
            out.append(source)
        elif source.strip():
            out.append(re.sub(r"[ \t]*\n\s*", " ", source))
        elif "\n" in source:
            near_block = any(0 <= i < len(pieces) and _is_block(*pieces[i])
                             for i in (index - 1, index + 1))
            out.append("\n" if near_block else " ")
        else:
            out.append(source)
    return "".join(out).strip()
