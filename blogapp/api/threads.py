"""Threads the API serves: an article's, or an external page's keyed by its URL.

An external page's thread is an articles row of kind "external" (see the migration
c12a01a9e001): its comments, counts, cache version and moderation are an article's, and
no listing, feed, sitemap, export or article page shows it. It is created by the first
accepted post for an allowed page; before that the thread reads as empty."""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from blogapp.api.cors import embed_origins
from blogapp.api.errors import ApiError
from blogapp.api.origins import normalize_page_url, origin_of
from blogapp.blog.lookup import VERSION_COLUMNS
from blogapp.extensions import db
from blogapp.models import Article, ArticleKind, ArticleStatus, Comment
from blogapp.models.base import utcnow
from blogapp.unicode_text import normalize_text

MAX_TITLE = 200
EXTERNAL = ArticleKind.EXTERNAL.value


def page_url_or_error(raw: object, status: int = 404) -> str:
    """Return the normalized address of an allowed page; else raise (*status* for a page
    of a site not allowed: 404 on reads, 403 on posts; 422 for no address at all)."""
    url = normalize_page_url(raw) if isinstance(raw, str) else None
    if url is None:
        raise ApiError(422, "Give the page's absolute address (http:// or https://).",
                       code="invalid_url", fields={"url": "Not an absolute http(s) address."})
    if origin_of(url) not in embed_origins():
        raise ApiError(status, "This blog keeps no comments for that site's pages.",
                       code="unknown_thread")
    return url


def external_version(url: str):
    """The version columns of the thread for *url*, or None while it has no row."""
    return db.session.connection().execute(
        VERSION_COLUMNS.add_columns(Article.title, Article.comment_count)
        .where(Article.url == url, Article.kind == EXTERNAL)).first()


def external_thread(url: str) -> Article | None:
    return db.session.scalar(select(Article).where(Article.url == url,
                                                   Article.kind == EXTERNAL))


def thread_slug(url: str) -> str:
    return "ext-" + hashlib.sha256(url.encode()).hexdigest()[:40]


def create_external_thread(url: str, title: str) -> Article:
    """Return the thread for *url*, creating it (committed) if no request did first."""
    now = utcnow()
    title = normalize_text(title, multiline=False)[:MAX_TITLE]
    article = Article(title=title or url[:MAX_TITLE], slug=thread_slug(url),
                      url=url, kind=EXTERNAL, status=ArticleStatus.PUBLISHED.value,
                      published_at=now, created_at=now, updated_at=now, comments_open=True)
    db.session.add(article)
    try:
        db.session.commit()
    except IntegrityError:  # another post created it meanwhile
        db.session.rollback()
        found = external_thread(url)
        if found is None:
            raise
        return found
    current_app.logger.info("external thread %s created for %s", article.id, url)
    return article


def discard_empty_thread(article_id: int) -> None:
    """Delete an external thread that has no comment at all (its first post was refused);
    commit."""
    db.session.rollback()
    has_comment = db.session.scalar(select(Comment.id).where(Comment.article_id == article_id)
                                    .limit(1))
    if has_comment is None:
        db.session.execute(delete(Article).where(Article.id == article_id,
                                                 Article.kind == EXTERNAL))
    db.session.commit()
