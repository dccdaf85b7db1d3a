"""Authors' public profiles: the name on bylines, the author page's slug and a short bio."""

from __future__ import annotations

from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import Article, User, unique_user_slug
from blogapp.sanitize import normalize_text
from blogapp.services.article_content import bump_versions
from blogapp.slugs import slugify

MAX_BIO = 1000


class ProfileError(ValueError):
    """A profile the site cannot take; the message says why."""


def update_profile(user: User, display_name: str, slug: str, bio: str) -> None:
    """Change the byline, slug and bio; the author's articles show them; commit."""
    name = " ".join(normalize_text(display_name, multiline=False).split())
    if not name:
        raise ProfileError("A display name is needed: bylines show it.")
    wanted = slugify(slug, fallback="") if slug.strip() else slugify(name, fallback="author")
    if not wanted:
        raise ProfileError("The slug needs at least one letter or digit.")
    taken = db.session.scalar(select(User.id).where(User.slug == wanted, User.id != user.id))
    if slug.strip() and taken is not None:
        raise ProfileError(f"Another account's page is already /author/{wanted}.")
    user.display_name = name[:100]
    user.slug = unique_user_slug(db.session.connection(), wanted, exclude_id=user.id)
    user.bio = normalize_text(bio, multiline=True)[:MAX_BIO]
    bump_versions(db.session.scalars(select(Article.id).where(Article.author_id == user.id)))
    db.session.commit()
