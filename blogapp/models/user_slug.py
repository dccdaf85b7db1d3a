"""Every account gets an author slug when it is created, whichever path creates it
(the invitation form, the command line, a test factory, an importer)."""

from __future__ import annotations

from sqlalchemy import event, select

from blogapp.models.user import User
from blogapp.slugs import first_free, slugify


def unique_user_slug(connection, wanted: str, exclude_id: int | None = None) -> str:
    """Return a slug made from *wanted* that no other account uses."""

    def taken(candidate: str) -> bool:
        query = select(User.id).where(User.slug == candidate)
        if exclude_id is not None:
            query = query.where(User.id != exclude_id)
        return connection.execute(query).first() is not None

    return first_free(slugify(wanted, max_length=80, fallback="author"), taken)


@event.listens_for(User, "before_insert")
def _fill_slug(_mapper, connection, user: User) -> None:
    if not user.slug:
        user.slug = unique_user_slug(connection, user.display_name or "author")
