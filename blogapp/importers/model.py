"""What an export holds, as plain values: the readers yield these, the store writes them.

No Flask and no database here, so a reader can be tested on a file alone and the store on
values alone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class SourceKind(enum.StrEnum):
    WORDPRESS = "wordpress"
    DISQUS = "disqus"


@dataclass(frozen=True)
class Source:
    """Where the items come from: ids are unique only within one kind and site."""

    kind: SourceKind
    site: str  # WordPress: the blog URL; Disqus: the forum's short name

    @property
    def label(self) -> str:
        return "WordPress" if self.kind is SourceKind.WORDPRESS else "Disqus"


class ImportFileError(Exception):
    """The file cannot be imported as it is; the message names the item at fault."""

    def __init__(self, message: str, *, item: str = "", line: int | None = None) -> None:
        where = ", ".join(part for part in (item, f"line {line}" if line else "") if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.item = item
        self.line = line


@dataclass(frozen=True)
class ImportedAuthor:
    """A WordPress author (``wp:author``): articles name it by login, comments by id."""

    source_id: str
    login: str
    email: str
    display_name: str


@dataclass(frozen=True)
class ImportedComment:
    source_id: str  # the export's id, or a key made from the content when it has none
    parent_id: str | None  # the parent's source_id, None for a top-level comment
    author: str
    email: str
    url: str
    ip: str
    created_at: datetime  # UTC, naive
    content: str  # the text as the commenter wrote it (what render_comment takes)
    status: str  # a CommentStatus value
    kind: str = "comment"  # "comment", "pingback", "trackback" or the export's own type
    user_ref: str | None = None  # the source author id of a staff comment
    line: int | None = None

    @property
    def label(self) -> str:
        return f"comment {self.source_id}"


@dataclass(frozen=True)
class ImportedArticle:
    source_id: str
    title: str
    slug: str  # what the source called it; made unique when stored
    body: str  # the article's body in blogapp's article format (see wordpress_html)
    excerpt: str
    status: str  # an ArticleStatus value
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    comments_open: bool
    author_login: str = ""
    permalink: str = ""  # the URL the article had on the old site
    old_path: str = ""  # /YYYY/MM/DD/slug/ on the old site, decoded
    comments: tuple[ImportedComment, ...] = ()
    notes: tuple[str, ...] = ()  # what changed on the way in (e.g. a private post as draft)
    line: int | None = None

    @property
    def label(self) -> str:
        title = self.title if len(self.title) <= 60 else self.title[:57] + "..."
        return f'post {self.source_id} ("{title}")'


@dataclass(frozen=True)
class ImportedThread:
    """A Disqus thread: the page it was on and its posts."""

    source_id: str
    url: str
    identifier: str
    title: str
    comments: tuple[ImportedComment, ...] = ()
    line: int | None = None

    @property
    def label(self) -> str:
        return f"thread {self.source_id} ({self.url})"


@dataclass(frozen=True)
class Skipped:
    """An item left out on purpose, and why."""

    item: str
    reason: str
    comments: int = 0  # comments left out with it


#: How many items a summary names for each reason (the rest are counted).
EXAMPLES = 10


@dataclass
class Group:
    """Items that share a reason: how many, and the first few by name."""

    count: int = 0
    comments: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, item: str, comments: int = 0) -> None:
        self.count += 1
        self.comments += comments
        if len(self.examples) < EXAMPLES:
            self.examples.append(item)


@dataclass
class Summary:
    """What an import did (or, in a dry run, would do). Its size does not grow with the file:
    skipped items and warnings are grouped by reason."""

    dry_run: bool = False
    articles_created: int = 0
    articles_existing: int = 0
    comments: dict[str, int] = field(default_factory=dict)  # created, by status
    comments_existing: int = 0
    skipped: dict[str, Group] = field(default_factory=dict)  # by reason
    warnings: dict[str, Group] = field(default_factory=dict)  # by message

    @property
    def comments_created(self) -> int:
        return sum(self.comments.values())

    @property
    def comments_skipped(self) -> int:
        return sum(group.comments for group in self.skipped.values())

    def counts(self) -> tuple:
        """The counters, to put back when a unit of work fails (see ``restore``)."""
        return (self.articles_created, self.articles_existing, dict(self.comments),
                self.comments_existing)

    def restore(self, counts: tuple) -> None:
        (self.articles_created, self.articles_existing, comments,
         self.comments_existing) = counts
        self.comments = dict(comments)

    def count_comment(self, status: str) -> None:
        self.comments[status] = self.comments.get(status, 0) + 1

    def skip(self, item: str, reason: str, comments: int = 0) -> None:
        self.skipped.setdefault(reason, Group()).add(item, comments)

    def warn(self, item: str, message: str) -> None:
        self.warnings.setdefault(message, Group()).add(item)
