"""An import run: a reader feeds the store, one item at a time, and the summary counts.

Plain arguments in, a Summary out (filled in place, so a caller still has it when an
ImportFileError stops the run); the CLI only translates.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from blogapp.comments.settings import SiteSettings
from blogapp.importers.disqus import DisqusReader
from blogapp.importers.model import (
    ImportedArticle,
    ImportedAuthor,
    ImportedThread,
    Skipped,
    Source,
    SourceKind,
    Summary,
)
from blogapp.importers.safe_xml import CountingReader
from blogapp.importers.store import ImportStore
from blogapp.importers.targets import resolve_thread
from blogapp.importers.wxr import WxrReader

Progress = Callable[[int], None]  # told the bytes read so far


@dataclass(frozen=True)
class RunOptions:
    secret: str
    settings: SiteSettings
    now: datetime
    on_progress: Progress | None = None


def import_wordpress(stream: BinaryIO, summary: Summary, options: RunOptions) -> None:
    """Import a WXR file's posts (and their comments) into *summary*'s run."""
    counting = CountingReader(stream)
    reader = WxrReader(counting)
    store: ImportStore | None = None
    for item in reader:
        if store is None:
            store = ImportStore(Source(SourceKind.WORDPRESS, reader.site),
                                secret=options.secret, settings=options.settings,
                                now=options.now, summary=summary)
        if isinstance(item, ImportedAuthor):
            store.add_author(item)
        elif isinstance(item, Skipped):
            summary.skip(item.item, item.reason, item.comments)
        elif isinstance(item, ImportedArticle):
            store.article(item)
        if options.on_progress:
            options.on_progress(counting.consumed)


def import_disqus(stream: BinaryIO, summary: Summary, options: RunOptions, *,
                  site_host: str, maps: Sequence[tuple[str, str]] = ()) -> None:
    """Import a Disqus export's posts into the articles their threads' URLs name."""
    counting = CountingReader(stream)
    with tempfile.TemporaryDirectory(prefix="blogapp-disqus-") as spool:
        reader = DisqusReader(counting, Path(spool))
        try:
            store: ImportStore | None = None
            for item in reader:
                if store is None:
                    store = ImportStore(Source(SourceKind.DISQUS, reader.site),
                                        secret=options.secret, settings=options.settings,
                                        now=options.now, summary=summary)
                if isinstance(item, Skipped):
                    summary.skip(item.item, item.reason, item.comments)
                elif isinstance(item, ImportedThread):
                    store.thread(item, lambda t: resolve_thread(
                        t.url, t.identifier, site_host=site_host, maps=maps))
                if options.on_progress:
                    options.on_progress(counting.consumed)
        finally:
            reader.close()
