"""Pages readers see."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template, request
from sqlalchemy import func, select

from blogapp.extensions import db
from blogapp.models import Article, ArticleStatus
from blogapp.models.base import utcnow

bp = Blueprint("blog", __name__)


def visible_article_or_404(slug: str) -> Article:
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None or not article.is_visible():
        abort(404)
    return article


@bp.route("/")
def index():
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    now = utcnow()
    total = db.session.scalar(
        select(func.count(Article.id))
        .where(Article.status == ArticleStatus.PUBLISHED.value)
        .where(Article.published_at <= now)
    )
    articles = db.session.scalars(
        Article.visible(now).limit(per_page).offset((page - 1) * per_page)
    ).all()
    if page > 1 and not articles:
        abort(404)
    pages = max(1, -(-total // per_page))
    return render_template("blog/index.html", articles=articles, page=page, pages=pages)


@bp.route("/articles/<slug>")
def article(slug: str):
    from blogapp.comments.page import render_article_page

    return render_article_page(visible_article_or_404(slug))


@bp.route("/feed.atom")
def feed():
    articles = db.session.scalars(Article.visible().limit(20)).all()
    updated = max((a.updated_at for a in articles), default=utcnow())
    body = render_template("blog/feed.atom.xml", articles=articles, updated=updated)
    response = make_response(body)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response
