"""Streaming XML that an export file cannot turn against the importer.

Both exports are read with lxml's ``iterparse`` (libxml2), element by element, and each
element is dropped once read, so memory stays flat however large the file. The parser
expands no entity (``resolve_entities=False``: billion laughs and external entities stay
inert references), loads no DTD and touches no network; and a file that declares a
DOCTYPE at all is refused before its first element is read, as WordPress's own importer
does (neither WordPress nor Disqus writes one). libxml2 2.14 (lxml 6.2) may stop at an
entity declaration's amplification before that first element: the prolog read so far
then still names the DOCTYPE as the reason.
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


class PrologReader:
    """A binary stream that keeps the first bytes the parser reads (its prolog)."""

    KEPT = 64 * 1024

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.head = b""

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        if len(self.head) < self.KEPT:
            self.head += data[:self.KEPT - len(self.head)]
        return data

    def doctype_line(self) -> int | None:
        """The line of a DOCTYPE in what was read, None when there is none."""
        at = self.head.find(b"<!DOCTYPE")
        return None if at < 0 else self.head.count(b"\n", 0, at) + 1


DOCTYPE_REFUSED = ("the file declares a DOCTYPE, which exports never do; refused "
                   "(entity declarations could expand or read other files)")


def iter_elements(stream: BinaryIO) -> Iterator[tuple[str, etree._Element]]:
    """Yield ("start" | "end", element) pairs; refuse a DOCTYPE; name the line of an error."""
    stream = PrologReader(stream)
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
                    raise ImportFileError(DOCTYPE_REFUSED, line=element.sourceline)
            yield event, element
    except etree.XMLSyntaxError as exc:
        doctype = None if checked else stream.doctype_line()
        if doctype is not None:  # the parser stopped inside the DOCTYPE itself
            raise ImportFileError(DOCTYPE_REFUSED, line=doctype) from None
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
