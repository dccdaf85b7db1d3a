"""Categories (a managed list) and tags (made from the editor's comma-separated words)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from blogapp.extensions import db
from blogapp.models import Category, Tag
from blogapp.models.taxonomy import article_categories
from blogapp.sanitize import normalize_text
from blogapp.services.article_content import bump_versions
from blogapp.slugs import first_free, slugify

MAX_TAGS = 20
MAX_NAME = 100


class TaxonomyError(ValueError):
    """A name the list cannot take; the message says why."""


def parse_tags(text: str) -> list[tuple[str, str]]:
    """Return (name, slug) for each comma-separated tag, in order, once per slug."""
    found: dict[str, str] = {}
    for part in (text or "").split(","):
        name = " ".join(normalize_text(part, multiline=False).split())[:MAX_NAME].strip()
        slug = slugify(name, max_length=MAX_NAME, fallback="")
        if slug and slug not in found:
            found[slug] = name
    return [(name, slug) for slug, name in list(found.items())[:MAX_TAGS]]


def tags_for(text: str) -> list[Tag]:
    """Return the tags *text* names, creating the ones that do not exist yet."""
    wanted = parse_tags(text)
    slugs = [slug for _, slug in wanted]
    existing = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(slugs)))}
    tags = []
    for name, slug in wanted:
        tag = existing.get(slug)
        if tag is None:
            tag = existing[slug] = Tag(name=name, slug=slug)
            db.session.add(tag)
        tags.append(tag)
    return tags


def categories_by_ids(ids: Iterable[int]) -> list[Category]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(db.session.scalars(select(Category).where(Category.id.in_(wanted))))


def all_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.name)))


def _clean_name(name: str) -> str:
    name = " ".join(normalize_text(name, multiline=False).split())
    if not name:
        raise TaxonomyError("A category needs a name.")
    if len(name) > MAX_NAME:
        raise TaxonomyError(f"A category name has at most {MAX_NAME} characters.")
    return name


def _check_free(name: str, exclude_id: int | None) -> None:
    query = select(Category.id).where(func.lower(Category.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Category.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise TaxonomyError(f"There is already a category named “{name}”.")


def _category_slug(wanted: str, exclude_id: int | None) -> str:
    def taken(candidate: str) -> bool:
        query = select(Category.id).where(Category.slug == candidate)
        if exclude_id is not None:
            query = query.where(Category.id != exclude_id)
        return db.session.scalar(query) is not None

    return first_free(slugify(wanted, max_length=80, fallback="category"), taken)


def create_category(name: str, slug: str = "", description: str = "") -> Category:
    """Add a category and commit."""
    name = _clean_name(name)
    _check_free(name, None)
    category = Category(name=name, slug=_category_slug(slug or name, None),
                        description=normalize_text(description, multiline=True))
    db.session.add(category)
    db.session.commit()
    return category


def _article_ids(category: Category) -> list[int]:
    return list(db.session.scalars(select(article_categories.c.article_id)
                                   .where(article_categories.c.category_id == category.id)))


def update_category(category: Category, name: str, slug: str, description: str) -> None:
    """Rename a category (its articles' pages show the new name) and commit."""
    name = _clean_name(name)
    _check_free(name, category.id)
    category.name = name
    category.slug = _category_slug(slug or name, category.id)
    category.description = normalize_text(description, multiline=True)
    bump_versions(_article_ids(category))
    db.session.commit()


def delete_category(category: Category) -> None:
    """Delete a category (its articles stay, without it) and commit."""
    bump_versions(_article_ids(category))
    db.session.delete(category)
    db.session.commit()
