"""The one place the blog's articles meet the comment engine (blogapp.comments.host)."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context, render_template, request
from sqlalchemy import bindparam, select
from werkzeug.exceptions import NotFound

from blogapp.comments.host import Target
from blogapp.extensions import db
from blogapp.models import Article, ArticleKind, ArticleStatus, User
from blogapp.models.base import utcnow
from blogapp.site import external_url

#: What a Target is made of: one row, no ORM object (a post's lookup skips the body).
TARGET_COLUMNS = (
    Article.id, Article.slug, Article.title, Article.kind, Article.url, Article.status,
    Article.comments_open, Article.published_at, Article.created_at, Article.updated_at,
    Article.comment_count, Article.comments_version, User.id.label("owner_id"),
    User.email.label("owner_email"), User.active.label("owner_active"),
)


def target_of(article: Article) -> Target:
    """Describe *article* to the comment engine (no query: its author is joined)."""
    author = article.author if article.author is not None and article.author.active else None
    return Target(
        id=article.id, slug=article.slug, title=article.title,
        # an external page's thread (blogapp.api.threads) lives at that page's address
        url=article.url if article.is_external and article.url else external_url(
            current_app._get_current_object(), "blog.article", slug=article.slug),
        comments_open=article.comments_open, visible=article.is_visible(),
        published_at=article.published_at, updated_at=article.updated_at,
        comment_count=article.comment_count,
        owner_email=author.email if author else None, owner_id=author.id if author else None,
        version=(article.created_at, article.updated_at, article.comments_version),
        source=article,
    )

TARGETS = select(*TARGET_COLUMNS).outerjoin(User, User.id == Article.author_id)
BY_ID = TARGETS.where(Article.id == bindparam("id"))
BY_SLUG = TARGETS.where(Article.slug == bindparam("slug"),
                        Article.kind == ArticleKind.POST.value)
#: Where a layer before Flask leaves the BY_SLUG row it read for this request
#: (blogapp.blog.refused_posts), so the view does not read it again.
FOUND_KEY = "blogapp.comments_host.found"


def key_of_row(row) -> tuple:
    """Target.key of the target a TARGET_COLUMNS row describes (no app context needed)."""
    return (row.id, row.created_at, row.updated_at, row.comments_version)


def target_of_row(row) -> Target:
    """Describe an article from its TARGET_COLUMNS row (source None: render_page loads the
    article when a page is drawn)."""
    external = row.kind == ArticleKind.EXTERNAL.value
    owner = row.owner_id is not None and row.owner_active
    return Target(
        id=row.id, slug=row.slug, title=row.title,
        url=row.url if external and row.url else external_url(
            current_app._get_current_object(), "blog.article", slug=row.slug),
        comments_open=row.comments_open,
        visible=row.status == ArticleStatus.PUBLISHED.value and row.published_at is not None
        and row.published_at <= utcnow(),
        published_at=row.published_at, updated_at=row.updated_at,
        comment_count=row.comment_count,
        owner_email=row.owner_email if owner else None, owner_id=row.owner_id if owner else None,
        version=(row.created_at, row.updated_at, row.comments_version),
    )


def remember_target(target: Target) -> None:
    """Keep *target* for the rest of this request (the pipeline asks for it by id)."""
    _targets()[target.id] = target


def _targets() -> dict[int, Target]:
    """The targets this request looked up (a post names its article twice: by slug in
    the view, by id in the pipeline); outside a request nothing is kept."""
    if not has_request_context():
        return {}
    if "comment_targets" not in g:
        g.comment_targets = {}
    return g.comment_targets


class ArticleHost:
    """Articles take comments; their page is blog/article.html."""

    endpoint = "blog.article"

    def target(self, target_id: int) -> Target | None:
        known = _targets().get(target_id)
        return known if known is not None else self._lookup(BY_ID, {"id": target_id})

    def find(self, slug: str) -> Target | None:
        """The article behind the page /<slug>; an external page's thread has no page here
        (its comments come through the API)."""
        if "\x00" in slug:  # PostgreSQL refuses a NUL in text; no slug holds one
            return None
        found = request.environ.get(FOUND_KEY) if has_request_context() else None
        if found is not None and found.slug == slug:
            target = target_of_row(found)
            remember_target(target)
            return target
        return self._lookup(BY_SLUG, {"slug": slug})

    def _lookup(self, statement, params: dict) -> Target | None:
        row = db.session.execute(statement, params).first()
        if row is None:
            return None
        target = target_of_row(row)
        remember_target(target)
        return target

    def render_page(self, target: Target, context: dict[str, Any], status: int) -> str:
        article = _still_there(target)
        return render_template("blog/article.html", **{**context, "article": article})

    def render_refusal(self, target: Target, context: dict[str, Any], status: int) -> str:
        """A refused post's page: the site's frame around the form (no article body, no
        comments to load)."""
        _still_there(target)
        return render_template("blog/refused.html", **context)


def _still_there(target: Target) -> Article:
    """The target's article; NotFound where it was deleted since the request looked it up
    (the 404 page says so and keeps the poster's text)."""
    article = target.source if isinstance(target.source, Article) else (
        db.session.get(Article, target.id))
    if article is None:
        raise NotFound()
    return article
