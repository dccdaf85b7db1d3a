"""Keep nh3's work linear in its input, whatever the input.

nh3 parses with html5ever and serializes with it. Four shapes make that quadratic; each
costs tenths of a second at 64 KB and seconds at 500 KB:

- nesting: the tree builder walks the stack of open elements for most tags, and nothing
  caps its depth (browsers stop at 512; servo/html5ever#788), so 10,000 unclosed
  ``<div>``, ``<ul>`` or ``<span>`` mean 10,000 walks of a 10,000-deep stack;
- attributes: each attribute of a tag is compared with the ones before it;
- references that fail (``&&&``, ``&#x&#x``, ``&am ``, ``&amp=`` in an attribute) are read
  again, from a buffer that grows;
- escaping on output: for every ``&`` and every character from U+0080 to U+00BF (``£``,
  ``°``, ``«``, no-break space...) the serializer searches the rest of the text node or
  attribute value for the next ``<`` or ``>``.

``bound_markup`` rewrites the input so that none of these can grow with it, and only ever
removes markup or changes how the same text is spelled:

- an ``&`` that starts no reference becomes ``&amp;`` (the same text);
- a long run of text gets an empty comment ``<!---->`` before every MAX_SPECIALS-th
  ``&`` or U+0080-U+00BF character: nh3 drops comments, so the output is the same, in
  shorter text nodes;
- a tag that would nest deeper than MAX_DEPTH, or that has more than MAX_ATTRIBUTES
  attributes or an attribute value with more than MAX_SPECIALS such characters, gets its
  ``<`` escaped: it shows as text;
- ``<svg>``, ``<math>`` and ``<select>`` lose their start tag (nh3 removes them and their
  content; with the tag gone, their text shows and their markup goes). Inside them the
  tree builder tokenizes by other rules, which this module would otherwise have to guess.

It follows the HTML tokenizer exactly for everything else (the tag and attribute grammar,
comments, bogus comments, raw text and script data with its escapes), so the nesting it
counts is the nesting html5ever builds, up to the elements the tree builder adds itself
(table sections and rows, reopened formatting elements: a small factor). Nothing here
decides what is safe: nh3 still cleans every byte, and input within the limits comes back
unchanged.
"""

from __future__ import annotations

import re
from html.entities import html5 as _ENTITIES

MAX_DEPTH = 256  # open elements; browsers allow 512, real pages stay under 30
MAX_ATTRIBUTES = 64  # per tag
MAX_SPECIALS = 256  # "&" and U+0080-U+00BF characters per text node or attribute value

_VOID = frozenset({
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image",
    "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
})
_TEXT_ONLY = frozenset({"style", "xmp", "iframe", "noembed", "noframes", "textarea", "title"})
_FOREIGN = frozenset({"svg", "math", "select"})
_DROPPED_TAG = "<!---->"

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_TAG_NAME = re.compile(r"</?([A-Za-z][^\t\n\f\r />]*+)")
# An attribute as the tokenizer's attribute states read it; group 1 is its value. A quoted
# value may run to the end of the input: then no ">" follows, and the tag is lost, as the
# tokenizer loses it (eof-in-tag).
_ATTRIBUTE = (r"(?>[^\t\n\f\r />][^\t\n\f\r />=]*+)"
              r"(?>[\t\n\f\r ]*+=[\t\n\f\r ]*+"
              r"((?>\"[^\"]*+\"?+|'[^']*+'?+|[^\t\n\f\r >\"'][^\t\n\f\r >]*+)?))?")
_TAG_REST = re.compile(rf"(?:[\t\n\f\r /]++|{_ATTRIBUTE})*+>")
_NEXT_ATTRIBUTE = re.compile(rf"[\t\n\f\r /]*+{_ATTRIBUTE}")
_COMMENT_END = re.compile(r"-?>|.*?--!?>", re.S)
_MARKUP_START = re.compile(r"<[A-Za-z/!?]")  # any other "<" is text
_END_TAGS = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.I | re.A) for name in _TEXT_ONLY}
_SCRIPT_TOKEN = re.compile(r"<!--|--+>|</?script[\t\n\f\r />]", re.I | re.A)

_SPECIAL = re.compile("[&\u0080-\u00bf]")
_SPECIALS_CHUNK = re.compile(
    f"(?:[^&\u0080-\u00bf]*+[&\u0080-\u00bf]){{{MAX_SPECIALS}}}[^&\u0080-\u00bf]*+")
_NO_REFERENCE = re.compile(r"&(?![#A-Za-z])")
_NO_NUMBER = re.compile(r"&#(?![0-9]|[xX][0-9A-Fa-f])")
_NAMED = re.compile(r"&(?!amp;|lt;|gt;|quot;)([A-Za-z][A-Za-z0-9]*+;?)")
_NAMES = frozenset(_ENTITIES)
_PREFIXES = frozenset(name[:i] for name in _NAMES for i in range(1, len(name) + 1))

Edit = tuple[int, int, str]  # replace html[start:end] with the text


def bound_markup(html: str) -> str:
    """Return *html* rewritten so that nh3 parses and serializes it in linear time."""
    if "&" in html:
        html = _escape_stray_ampersands(html)
    return _apply(html, _Scanner(html).edits())


def _apply(html: str, edits: list[Edit]) -> str:
    if not edits:
        return html
    pieces, last = [], 0
    for start, end, text in edits:
        pieces.append(html[last:start])
        pieces.append(text)
        last = end
    pieces.append(html[last:])
    return "".join(pieces)


def _escape_stray_ampersands(html: str) -> str:
    html = _NO_REFERENCE.sub("&amp;", html)
    html = _NO_NUMBER.sub("&amp;#", html)
    return _NAMED.sub(_named_reference, html)


def _named_reference(match: re.Match[str]) -> str:
    """Keep ``&name`` when an entity name starts it (the tokenizer's longest match)."""
    return match.group() if _longest_name(match.group(1)) else "&amp;" + match.group(1)


def _longest_name(run: str) -> str:
    """Return the longest entity name that *run* starts with ('' when none)."""
    longest = ""
    for end in range(1, len(run) + 1):
        prefix = run[:end]
        if prefix not in _PREFIXES:
            break
        if prefix in _NAMES:
            longest = prefix
    return longest


class _Scanner:
    """Read *html* as the tokenizer does, collecting the edits that bound_markup makes."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.out: list[Edit] = []
        self.stack: list[str] = []
        self.text_from = 0  # where the current run of text began

    def edits(self) -> list[Edit]:
        html = self.html
        position = 0
        while (start := _MARKUP_START.search(html, position)) is not None:
            position = self._token(start.start())
            if position == -1:
                break
        self._split_text(self.text_from, len(html))
        return sorted(self.out)  # runs of text add their edits when they end

    def _token(self, at: int) -> int:
        """Read the markup at *at* (a "<"); return where to look for the next "<", or -1."""
        html = self.html
        if html.startswith("<!--", at):
            end = _COMMENT_END.match(html, at + 4)
            return self._markup(at, None if end is None else end.end())
        if html.startswith(("<!", "<?"), at) or (
                html.startswith("</", at) and not self._letter(at + 2)):
            if html.startswith("</>", at):
                return self._markup(at, at + 3)
            end = html.find(">", at)  # a bogus comment or a doctype
            return self._markup(at, None if end == -1 else end + 1)
        name_match = _TAG_NAME.match(html, at)
        rest = _TAG_REST.match(html, name_match.end())
        if rest is None:  # the input ends inside this tag, which the tokenizer drops
            return self._markup(at, None)
        name = name_match.group(1).translate(_ASCII_LOWER)
        closing = html[at + 1] == "/"
        opens = not closing and name not in _VOID
        end = rest.end()
        costly, literal = self._attributes(name_match.end(), end)
        if closing and costly:  # an end tag's attributes mean nothing: drop them
            self._markup(at, end)
            self.out.append((at, end, f"</{name_match.group(1)}>"))
        elif costly or opens and len(self.stack) >= MAX_DEPTH:
            self.out.append((at, at + 1, "&lt;"))  # text now: read on from the "<"
            return html.find("<", at + 1)
        elif opens and name in _FOREIGN:
            self._markup(at, end)
            self.out.append((at, end, _DROPPED_TAG))
            return html.find("<", end)
        else:
            self._markup(at, end)
            self.out.extend(literal)
        if closing:
            if self.stack and self.stack[-1] == name:
                self.stack.pop()
            return html.find("<", end)
        if not opens:
            return html.find("<", end)
        self.stack.append(name)
        if name == "plaintext":  # the rest is its text, which nh3 removes
            self.text_from = None
            return -1
        if name in _TEXT_ONLY or name == "script":
            self.text_from = None  # raw text, not split (and removed by nh3)
            content_end = self._script_end(end) if name == "script" else self._text_end(name, end)
            return -1 if content_end is None else content_end  # its end tag, read next
        return html.find("<", end)

    def _markup(self, at: int, end: int | None) -> int:
        """Close the run of text before markup html[at:end]; None: it runs to the end."""
        self._split_text(self.text_from, at)
        if end is None:
            self.text_from = None
            return -1
        self.text_from = end
        return self.html.find("<", end)

    def _letter(self, index: int) -> bool:
        return index < len(self.html) and self.html[index] in _LETTERS

    def _split_text(self, start: int | None, end: int) -> None:
        """Put an empty comment before every MAX_SPECIALS-th special character of a run."""
        if start is None or end - start < MAX_SPECIALS:
            return
        while (chunk := _SPECIALS_CHUNK.match(self.html, start, end)) is not None:
            start = chunk.end()  # anchored: a failed search must not retry at each position
            if start >= end:
                break
            self.out.append((start, start, _DROPPED_TAG))

    def _attributes(self, start: int, end: int) -> tuple[bool, list[Edit]]:
        """Read the attributes in html[start:end]: is the tag too costly to parse, and
        which ``&`` do its values keep literally (``&amp=``: read twice by the tokenizer)?"""
        html = self.html
        has_ampersand = html.find("&", start, end) != -1
        if end - start <= min(2 * MAX_ATTRIBUTES, MAX_SPECIALS) and not has_ampersand:
            return False, []  # too short to hold too many of either
        literal: list[Edit] = []
        position, count = start, 0
        while (match := _NEXT_ATTRIBUTE.match(html, position, end)) is not None:
            position = match.end()
            count += 1
            if count > MAX_ATTRIBUTES:
                return True, []
            value_start, value_end = match.span(1)
            if value_end - value_start > MAX_SPECIALS and len(
                    _SPECIAL.findall(html, value_start, value_end)) > MAX_SPECIALS:
                return True, []
            if has_ampersand and html.find("&", value_start, value_end) != -1:
                literal.extend(_literal_ampersands(html, value_start, value_end))
        return False, literal

    def _text_end(self, name: str, position: int) -> int | None:
        """Return where the end tag of raw text element *name* starts, or None."""
        match = _END_TAGS[name].search(self.html, position)
        return None if match is None else match.start()

    def _script_end(self, position: int) -> int | None:
        """Return where the script's end tag starts, following script data's escapes."""
        state = "data"  # "escaped" after <!--, "double" after <!-- <script>
        while (match := _SCRIPT_TOKEN.search(self.html, position)) is not None:
            token = match.group()
            if token == "<!--":
                state = "escaped" if state == "data" else state
                position = match.start() + 2  # its dashes may end it at once: <!-->
            elif token.startswith("-"):
                state = "data"
                position = match.end()
            elif token.startswith("</"):
                if state != "double":
                    return match.start()
                state = "escaped"
                position = match.end()
            else:
                state = "double" if state == "escaped" else state
                position = match.end()
        return None


def _literal_ampersands(html: str, start: int, end: int) -> list[Edit]:
    """Return edits writing ``&amp;`` for each ``&`` an attribute value keeps as it is.

    In an attribute, a reference without ";" followed by "=" or a letter or digit stays
    literal text (``&amp=``, ``&notx``); spelled ``&amp;`` it reads the same."""
    edits = []
    for reference in _NAMED.finditer(html, start, end):
        name = _longest_name(reference.group(1))
        after = reference.start(1) + len(name)
        following = html[after: after + 1] if after < end else ""
        if name and not name.endswith(";") and (
                following == "=" or (following.isascii() and following.isalnum())):
            edits.append((reference.start(), reference.start() + 1, "&amp;"))
    return edits
