"""The one place the blog's articles meet the comment engine (blogapp.comments.host)."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from sqlalchemy import select

from blogapp.comments.host import Target
from blogapp.extensions import db
from blogapp.models import Article, ArticleKind
from blogapp.site import external_url


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


class ArticleHost:
    """Articles take comments; their page is blog/article.html."""

    endpoint = "blog.article"

    def target(self, target_id: int) -> Target | None:
        article = db.session.get(Article, target_id)
        return target_of(article) if article is not None else None

    def find(self, slug: str) -> Target | None:
        """The article behind the page /<slug>; an external page's thread has no page here
        (its comments come through the API)."""
        if "\x00" in slug:  # PostgreSQL refuses a NUL in text; no slug holds one
            return None
        article = db.session.scalar(select(Article).where(
            Article.slug == slug, Article.kind == ArticleKind.POST.value))
        return target_of(article) if article is not None else None

    def render_page(self, target: Target, context: dict[str, Any], status: int) -> str:
        article = target.source if isinstance(target.source, Article) else (
            db.session.get(Article, target.id))
        return render_template("blog/article.html", **{**context, "article": article})
