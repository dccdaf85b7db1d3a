"""Lists of published articles, as the index, archives and feeds show them."""

from __future__ import annotations

from flask import current_app, make_response, render_template
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import selectinload

from blogapp.extensions import db
from blogapp.models import Article, ArticleKind, ArticleStatus
from blogapp.models.base import utcnow
from blogapp.site import site_request


def visible_where(condition: ColumnElement[bool] | None = None, now=None):
    """The articles readers may see (matching *condition*), newest first, with what the
    listings show loaded alongside."""
    query = Article.visible(now).options(selectinload(Article.featured),
                                         selectinload(Article.categories))
    return query if condition is None else query.where(condition)


def count_visible(condition: ColumnElement[bool] | None, now) -> int:
    query = (select(func.count(Article.id))
             .where(Article.status == ArticleStatus.PUBLISHED.value)
             .where(Article.kind == ArticleKind.POST.value)
             .where(Article.published_at <= now))
    if condition is not None:
        query = query.where(condition)
    return db.session.scalar(query) or 0


def atom_response(articles, title: str, alternate: str, self_url: str):
    """Answer an Atom feed of *articles* (ids and links absolute from SITE_URL)."""
    updated = max((a.updated_at for a in articles), default=utcnow())
    with site_request(current_app._get_current_object()):  # links on SITE_URL, not Host
        body = render_template("blog/feed.atom.xml", articles=articles, feed_title=title,
                               alternate=alternate, self_url=self_url, updated=updated)
    response = make_response(body)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response


