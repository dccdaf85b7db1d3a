"""Archive pages: one category's, one tag's or one author's published articles, paged,
each with an Atom feed.

An archive with no article readers may see answers 404, so a tag given only to drafts,
or an account that never published, is not shown to anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, render_template, url_for
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import selectinload

from blogapp.blog.listing import atom_response, count_visible, visible_where
from blogapp.blog.views import bp
from blogapp.extensions import db
from blogapp.integers import query_int
from blogapp.models import Article, Category, Tag, User
from blogapp.models.base import utcnow
from blogapp.site import absolute_url

FEED_ENTRIES = 20


@dataclass(frozen=True)
class Archive:
    kind: str  # "category", "tag" or "author": also the view's endpoint name
    name: str
    slug: str
    description: str
    condition: ColumnElement[bool]

    @property
    def heading(self) -> str:
        return {"category": "Category", "tag": "Tag", "author": "Articles by"}[self.kind]

    @property
    def feed_endpoint(self) -> str:
        return f"blog.{self.kind}_feed"


def find_archive(kind: str, slug: str) -> Archive:
    if kind == "category":
        category = db.session.scalar(select(Category).where(Category.slug == slug))
        if category is not None:
            return Archive(kind, category.name, category.slug, category.description,
                           Article.categories.any(Category.id == category.id))
    elif kind == "tag":
        tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
        if tag is not None:
            return Archive(kind, tag.name, tag.slug, "", Article.tags.any(Tag.id == tag.id))
    elif kind == "author":
        user = db.session.scalar(select(User).where(User.slug == slug))
        if user is not None:
            return Archive(kind, user.display_name, user.slug or "", user.bio,
                           Article.author_id == user.id)
    abort(404)


def archive_page(kind: str, slug: str):
    archive = find_archive(kind, slug)
    page = query_int("page", 1)
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    now = utcnow()
    total = count_visible(archive.condition, now)
    if total == 0 or (page - 1) * per_page >= total:
        abort(404)
    articles = db.session.scalars(visible_where(archive.condition, now)
                                  .limit(per_page).offset((page - 1) * per_page)).all()
    return render_template("blog/archive.html", archive=archive, articles=articles, page=page,
                           pages=-(-total // per_page),
                           page_url=lambda n: url_for(f"blog.{kind}", slug=slug,
                                                      page=n if n > 1 else None))


def archive_feed(kind: str, slug: str):
    archive = find_archive(kind, slug)
    articles = db.session.scalars(visible_where(archive.condition).options(
        selectinload(Article.tags)).limit(FEED_ENTRIES)).all()
    if not articles:
        abort(404)
    title = f"{current_app.config['SITE_NAME']}: {archive.heading} {archive.name}"
    return atom_response(articles, title, absolute_url(f"blog.{kind}", slug=slug),
                         absolute_url(archive.feed_endpoint, slug=slug))


@bp.route("/category/<slug>")
def category(slug: str):
    return archive_page("category", slug)


@bp.route("/category/<slug>/feed.atom")
def category_feed(slug: str):
    return archive_feed("category", slug)


@bp.route("/tag/<slug>")
def tag(slug: str):
    return archive_page("tag", slug)


@bp.route("/tag/<slug>/feed.atom")
def tag_feed(slug: str):
    return archive_feed("tag", slug)


@bp.route("/author/<slug>")
def author(slug: str):
    return archive_page("author", slug)


@bp.route("/author/<slug>/feed.atom")
def author_feed(slug: str):
    return archive_feed("author", slug)
