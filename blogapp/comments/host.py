"""What the comment engine needs from the site it is mounted in, and nothing more.

A host app passes an object with this shape to ``Comments(app, host=...)``. The engine asks
it for the page a comment belongs to (a *target*) and lets it draw that page around the
comment area; it never imports the host's models or templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Target:
    """A page that takes comments, as the host describes it.

    *slug* is what the host's URLs name it by (the engine's form posts to
    ``{COMMENTS_URL_PREFIX}/<slug>/comments``); *comments_open* is the page's own switch
    (closing after N days is the engine's setting); *visible* says whether readers may see
    it now; *version* changes whenever the page's own content does (it keys the engine's
    stored comment lists, beside the comments' own version)."""

    id: int
    slug: str
    title: str
    url: str
    comments_open: bool = True
    visible: bool = True
    published_at: datetime | None = None
    updated_at: datetime | None = None
    comment_count: int = 0  # its approved comments (the engine keeps the count)
    #: Who hears about approved comments when MAIL_NOTIFY_AUTHORS is on (None: no one).
    owner_email: str | None = None
    owner_id: int | None = None
    version: tuple = ()
    #: The host's own object for this target (its render_page may use it); the engine
    #: never reads it.
    source: Any = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple:
        """What identifies this version of the target and of its visible comments."""
        return (self.id, *self.version)


@runtime_checkable
class Host(Protocol):
    #: The endpoint of a target's page; called with slug= (and cpage=, replytocom=).
    endpoint: str

    def target(self, target_id: int) -> Target | None:
        """Return the target with this id, or None."""

    def find(self, slug: str) -> Target | None:
        """Return the target readers reach by *slug*, or None."""

    def render_page(self, target: Target, context: dict[str, Any], status: int) -> str:
        """Render the target's page with the comment area in it.

        *context* holds what ``comments/area.html`` needs (``{% include
        "comments/area.html" %}`` where the comments go); pass it to the template."""

    # Optional: ``render_refusal(target, context, status) -> str``, the page of a refused
    # post (a missing field, a stale form, a flood, comments closed): the site's frame
    # around ``{{ respond }}``, the form with the poster's text kept and what was wrong.
    # A host without it gets the target's whole page again (render_page, the form in
    # comments/area.html). Its page is stored and served to every stranger refused on
    # that target, so it must draw the same for every one of them.
