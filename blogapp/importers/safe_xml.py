"""Streaming XML that an export file cannot turn against the importer.

Both exports are read with lxml's ``iterparse`` (libxml2), element by element, and each
element is dropped once read, so memory stays flat however large the file. The parser
expands no entity (``resolve_entities=False``: billion laughs and external entities stay
inert references), loads no DTD and touches no network; and a file that declares a
DOCTYPE at all is refused before its first element is read, as WordPress's own importer
does (neither WordPress nor Disqus writes one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from blogapp.importers.model import ImportFileError


class CountingReader:
    """A binary stream that counts the bytes the parser has read (for the progress bar)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.consumed += len(data)
        return data


def iter_elements(stream: BinaryIO) -> Iterator[tuple[str, etree._Element]]:
    """Yield ("start" | "end", element) pairs; refuse a DOCTYPE; name the line of an error."""
    events = etree.iterparse(
        stream, events=("start", "end"), resolve_entities=False, load_dtd=False,
        no_network=True, dtd_validation=False, attribute_defaults=False, huge_tree=False,
        remove_comments=True, remove_pis=True, recover=False)
    checked = False
    try:
        for event, element in events:
            if not checked:
                checked = True
                info = element.getroottree().docinfo
                if info.doctype or info.internalDTD is not None:
                    raise ImportFileError(
                        "the file declares a DOCTYPE, which exports never do; refused "
                        "(entity declarations could expand or read other files)",
                        line=element.sourceline)
            yield event, element
    except etree.XMLSyntaxError as exc:
        raise ImportFileError(
            f"the file is not well-formed XML (truncated or damaged?): {exc.msg}",
            line=exc.lineno) from None


def drop(element: etree._Element) -> None:
    """Free an element that has been read, and the siblings read before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def text_of(element: etree._Element | None) -> str:
    """Return an element's text (CDATA included), '' when absent."""
    if element is None:
        return ""
    return "".join(element.itertext()) if len(element) else (element.text or "")
