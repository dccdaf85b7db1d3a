"""Comment pages kept in the render cache: what a stranger can make it hold, and how.

Two things are stored per version of an article (blogapp.render_cache): a plain reader's
whole page (blogapp.blog.reader_pages) and the comment list other readers' pages embed
(blogapp.comments.area). Both are bounded and made the same way:

- **Keyed by real page numbers.** Beside the pages of a version sits its PageCount. The
  bare article URL is its default page, stored once under that page's number, so the
  entries of a version are at most its real pages (plus the count). A comment page past
  the last raises NoSuchCommentPage (a 404) before anything is stored; a ``cpage`` that is
  not written canonically never gets this far (blogapp.comments.area.requested_cpage).
- **Rendered from SITE_URL alone** (blogapp.site.site_request): links, the session and
  cookies in the template are those of a request nobody sent, so the bytes are the same
  whoever asked first and however their request named the host, path prefix or scheme.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sized
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app

from blogapp.comments.settings import SiteSettings
from blogapp.comments.threads import NoSuchCommentPage, ThreadPage, default_page
from blogapp.render_cache import peek, store
from blogapp.site import site_request

V = TypeVar("V", bound=Sized)


@dataclass(frozen=True)
class PageCount:
    """How many comment pages a version of an article has, and which one it opens on."""

    pages: int
    default: int

    def __len__(self) -> int:
        return 64  # about the bytes it holds, for the cache's budget

    def resolve(self, cpage: int | None) -> int:
        """Return the real page *cpage* names (None: the default), or raise a 404."""
        if cpage is None:
            return self.default
        if 1 <= cpage <= self.pages:
            return cpage
        raise NoSuchCommentPage()


def counts_name(name: str) -> str:
    return f"{name}/pages"


def peek_page(name: str, key: Hashable, cpage: int | None, app: Flask) -> Sized | None:
    """Return what is stored for comment page *cpage* of the version *key*, or None.

    Used outside Flask by the readers' middleware: it never renders or stores."""
    if cpage is None:
        count = peek(counts_name(name), key, app)
        if not isinstance(count, PageCount):
            return None
        cpage = count.default
    return peek(name, (key, cpage), app)


def stored_page(name: str, key: Hashable, settings: SiteSettings, cpage: int | None,
                render: Callable[[int | None], tuple[V, ThreadPage]]) -> V:
    """Return what is stored for comment page *cpage* of the version *key*.

    On a miss, *render(page)* runs inside a request built from SITE_URL and returns the
    value with the thread page it shows; it raises NoSuchCommentPage for a page past the
    last, and then nothing is stored."""
    count = peek(counts_name(name), key)
    page = count.resolve(cpage) if isinstance(count, PageCount) else cpage
    if page is not None:
        value = peek(name, (key, page))
        if value is not None:
            return value  # type: ignore[return-value]
    with site_request(current_app._get_current_object()):
        value, thread = render(page)
    store(counts_name(name), key, PageCount(thread.pages, default_page(settings, thread.pages)))
    store(name, (key, thread.page), value)
    return value
