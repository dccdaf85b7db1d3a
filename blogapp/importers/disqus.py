"""Read a Disqus export: threads keyed by page URL, and posts that name their thread.

Disqus writes every thread first and every post after, in no promised order, so a post
cannot be handed over with its thread while the file streams past. The reader therefore
spools what it reads into a small SQLite file in a temporary folder (one pass, memory
flat), then yields one thread at a time with its posts. Nothing is yielded until the
whole file has been read, so a damaged file stops the import before anything is stored.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from blogapp.comments.policy import CommentStatus
from blogapp.importers.model import ImportedComment, ImportedThread, ImportFileError, Skipped
from blogapp.importers.safe_xml import drop, iter_elements, text_of
from blogapp.importers.text import plain_text, single_line

NS = "http://disqus.com"
INTERNALS = "http://disqus.com/disqus-internals"
DSQ_ID = f"{{{INTERNALS}}}id"
_BATCH = 1000
_BREAK_RE = re.compile(r"<br\s*/?>[ \t]*\n?", re.I)
_PARAGRAPH_END_RE = re.compile(r"</p\s*>\s*", re.I)
_PARAGRAPH_START_RE = re.compile(r"<p(?:\s[^>]*)?>", re.I)

_SCHEMA = """
CREATE TABLE threads (seq INTEGER PRIMARY KEY, dsq_id TEXT UNIQUE, link TEXT,
                      identifier TEXT, title TEXT, line INTEGER);
CREATE TABLE posts (seq INTEGER PRIMARY KEY, thread TEXT, source_id TEXT, parent_id TEXT,
                    author TEXT, email TEXT, ip TEXT, created_at TEXT, content TEXT,
                    status TEXT, line INTEGER);
CREATE INDEX posts_thread ON posts (thread, seq);
"""


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def message_text(message: str) -> str:
    """Turn Disqus's HTML message into comment text (paragraphs as blank lines)."""
    text = _BREAK_RE.sub("\n", message.strip())
    text = _PARAGRAPH_END_RE.sub("\n\n", text)
    return _PARAGRAPH_START_RE.sub("", text).strip()


def _flag(element: etree._Element, name: str, label: str) -> bool:
    value = text_of(element.find(_tag(name))).strip().lower()
    if value in ("", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise ImportFileError(f"{name} is {value!r}, not true or false", item=label,
                          line=element.sourceline)


def _date(element: etree._Element, label: str) -> datetime:
    value = text_of(element.find(_tag("createdAt"))).strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ImportFileError(f"createdAt {value!r} is not a date", item=label,
                              line=element.sourceline) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _ref(element: etree._Element, name: str) -> str:
    child = element.find(_tag(name))
    return (child.get(DSQ_ID) or "").strip() if child is not None else ""


class DisqusReader:
    """Iterate over a Disqus export's threads with their posts (after one spooling pass)."""

    def __init__(self, stream: BinaryIO, spool_dir: Path) -> None:
        self.stream = stream
        self.site = ""  # the forum's short name
        self.threads_read = 0
        self.posts_read = 0
        self._spool = sqlite3.connect(spool_dir / "disqus-spool.sqlite3")
        self._spool.executescript(_SCHEMA)

    def close(self) -> None:
        self._spool.close()

    def __iter__(self) -> Iterator[ImportedThread | Skipped]:
        self._read()
        yield from self._threads()
        yield from self._orphans()

    # -- pass 1: the file into the spool ------------------------------------------------

    def _read(self) -> None:
        threads, posts = [], []
        root = None
        for event, element in iter_elements(self.stream):
            if event == "start":
                if root is None:
                    root = element
                    self._check_root(root)
                continue
            if element.getparent() is not root:
                continue
            if element.tag == _tag("thread"):
                threads.append(self._thread_row(element))
            elif element.tag == _tag("post"):
                posts.append(self._post_row(element))
            elif element.tag == _tag("category") and not self.site:
                self.site = single_line(text_of(element.find(_tag("forum"))))
            drop(element)
            if len(threads) >= _BATCH or len(posts) >= _BATCH:
                self._flush(threads, posts)
        self._flush(threads, posts)
        self._spool.commit()

    def _check_root(self, root: etree._Element) -> None:
        if root.tag == "rss":
            raise ImportFileError("this is a WordPress export: use `import wordpress`")
        if root.tag != _tag("disqus"):
            raise ImportFileError(f"wrong format: the file starts with <{root.tag}>, a Disqus "
                                  f"export starts with <disqus xmlns=\"{NS}\">",
                                  line=root.sourceline)

    def _flush(self, threads: list, posts: list) -> None:
        self._spool.executemany("INSERT OR IGNORE INTO threads (dsq_id, link, identifier, "
                                "title, line) VALUES (?, ?, ?, ?, ?)", threads)
        self._spool.executemany("INSERT INTO posts (thread, source_id, parent_id, author, "
                                "email, ip, created_at, content, status, line) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", posts)
        self.threads_read += len(threads)
        self.posts_read += len(posts)
        threads.clear()
        posts.clear()

    def _thread_row(self, element: etree._Element) -> tuple:
        if not self.site:
            self.site = single_line(text_of(element.find(_tag("forum"))))
        dsq_id = (element.get(DSQ_ID) or "").strip()
        if not dsq_id:
            raise ImportFileError("a thread has no dsq:id", line=element.sourceline)
        return (dsq_id, text_of(element.find(_tag("link"))).strip(),
                single_line(text_of(element.find(_tag("id")))),
                single_line(plain_text(text_of(element.find(_tag("title"))))),
                element.sourceline)

    def _post_row(self, element: etree._Element) -> tuple:
        dsq_id = (element.get(DSQ_ID) or "").strip()
        label = f"post {dsq_id or '(no id)'}"
        thread = _ref(element, "thread")
        if not thread:
            raise ImportFileError("the post names no thread", item=label,
                                  line=element.sourceline)
        spam = _flag(element, "isSpam", label)
        deleted = _flag(element, "isDeleted", label)
        held = element.find(_tag("isApproved")) is not None and not _flag(
            element, "isApproved", label)
        status = (CommentStatus.SPAM if spam else CommentStatus.TRASH if deleted
                  else CommentStatus.PENDING if held else CommentStatus.APPROVED)
        created = _date(element, label)
        author = element.find(_tag("author"))
        name = single_line(text_of(author.find(_tag("name")))) if author is not None else ""
        if not name and author is not None:
            name = single_line(text_of(author.find(_tag("username"))))
        email = single_line(text_of(author.find(_tag("email")))) if author is not None else ""
        content = message_text(text_of(element.find(_tag("message"))))
        source_id = dsq_id or "sha256:" + hashlib.sha256("\x00".join(
            (thread, name, email, created.isoformat(), content)).encode(
                "utf-8", "surrogatepass")).hexdigest()[:32]
        return (thread, source_id, _ref(element, "parent") or None, name, email,
                single_line(text_of(element.find(_tag("ipAddress")))), created.isoformat(),
                content, status.value, element.sourceline)

    # -- pass 2: one thread at a time ----------------------------------------------------

    def _threads(self) -> Iterator[ImportedThread]:
        threads = self._spool.execute(
            "SELECT dsq_id, link, identifier, title, line FROM threads ORDER BY seq")
        for dsq_id, link, identifier, title, line in threads:
            posts = self._spool.execute(
                "SELECT source_id, parent_id, author, email, ip, created_at, content, status, "
                "line FROM posts WHERE thread = ? ORDER BY seq", (dsq_id,)).fetchall()
            if not posts:
                continue
            yield ImportedThread(
                source_id=dsq_id, url=link, identifier=identifier, title=title, line=line,
                comments=tuple(
                    ImportedComment(source_id=sid, parent_id=parent, author=author,
                                    email=email, url="", ip=ip,
                                    created_at=datetime.fromisoformat(created),
                                    content=content, status=status, line=post_line)
                    for sid, parent, author, email, ip, created, content, status, post_line
                    in posts))

    def _orphans(self) -> Iterator[Skipped]:
        rows = self._spool.execute(
            "SELECT thread, count(*) FROM posts WHERE thread NOT IN "
            "(SELECT dsq_id FROM threads) GROUP BY thread ORDER BY min(seq)")
        for thread, count in rows:
            yield Skipped(f"{count} posts of thread {thread}",
                          "their thread is not in the file", count)
