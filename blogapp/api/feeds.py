"""Atom feeds of approved comments: per thread (an article's or a page's) and site-wide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, make_response, render_template, request
from sqlalchemy import and_, or_, select

from blogapp.api.blueprint import bp
from blogapp.api.errors import ApiError
from blogapp.api.public import public
from blogapp.api.thread_json import thread_address
from blogapp.api.threads import external_thread, page_url_or_error
from blogapp.blog.lookup import visible_article_or_404
from blogapp.blog.seo import iso
from blogapp.comments.policy import CommentStatus
from blogapp.comments.settings import load_settings
from blogapp.comments.threads import page_of
from blogapp.extensions import db
from blogapp.models import Article, ArticleKind, ArticleStatus, Comment
from blogapp.models.base import utcnow
from blogapp.site import absolute_url, site_request

FEED_ENTRIES = 50


@dataclass(frozen=True)
class Entry:
    title: str
    link: str
    author: str
    url: str
    html: str
    created_at: datetime
    updated_at: datetime


def _entries(comments: list[Comment], articles: dict[int, Article]) -> list[Entry]:
    settings = load_settings(current_app.config)
    out = []
    for comment in comments:
        article = articles[comment.article_id]
        page = None if article.is_external else page_of(comment, settings)
        link = f"{thread_address(article, page)}#comment-{comment.id}"
        out.append(Entry(f"{comment.author or 'Anonymous'} on {article.title}", link,
                         comment.author, comment.url, comment.content_html,
                         comment.created_at, comment.updated_at))
    return out


def _feed(comments: list[Comment], articles: dict[int, Article], title: str, alternate: str,
          self_url: str):
    entries = _entries(comments, articles)
    updated = max((e.updated_at for e in entries), default=utcnow())
    with site_request(current_app._get_current_object()):
        body = render_template("api/comments.atom.xml", entries=entries, feed_title=title,
                               alternate=alternate, self_url=self_url, updated=updated,
                               iso=iso)
    response = make_response(body)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response


def _latest(*conditions) -> list[Comment]:
    return list(db.session.scalars(
        select(Comment).where(Comment.status == CommentStatus.APPROVED.value, *conditions)
        .order_by(Comment.created_at.desc(), Comment.id.desc()).limit(FEED_ENTRIES)))


def _thread_feed(article: Article, self_url: str):
    comments = _latest(Comment.article_id == article.id)
    return _feed(comments, {article.id: article}, f"Comments on {article.title}",
                 thread_address(article), self_url)


@bp.get("/threads/article/<slug>/feed.atom")
@public
def article_feed(slug: str):
    article = visible_article_or_404(slug)
    return _thread_feed(article, absolute_url("api.article_feed", slug=slug))


@bp.get("/threads/feed.atom")
@public
def thread_feed():
    url = page_url_or_error(request.args.get("url"))
    article = external_thread(url)
    if article is None:
        raise ApiError(404, "Nobody has commented on this page yet.", code="unknown_thread")
    return _thread_feed(article, absolute_url("api.thread_feed", url=url))


@bp.get("/comments/feed.atom")
@public
def site_feed():
    now = utcnow()
    visible = select(Article.id).where(
        Article.status == ArticleStatus.PUBLISHED.value, Article.published_at <= now,
        or_(Article.kind == ArticleKind.EXTERNAL.value,
            and_(Article.kind == ArticleKind.POST.value)))
    comments = _latest(Comment.article_id.in_(visible))
    ids = {c.article_id for c in comments}
    articles = {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_(ids)))}
    return _feed(comments, articles, f"Comments on {current_app.config['SITE_NAME']}",
                 absolute_url("blog.index"), absolute_url("api.site_feed"))
