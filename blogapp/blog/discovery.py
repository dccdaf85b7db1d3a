"""What crawlers ask for first: /robots.txt and /sitemap.xml (sitemaps.org protocol).

The sitemap lists the front page, every article readers may see, and each category,
tag and author page that has at least one of them, with the newest change as lastmod.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, render_template
from sqlalchemy import func, select

from blogapp.blog.views import bp
from blogapp.extensions import db
from blogapp.models import Article, ArticleKind, ArticleStatus, Category, Tag, User
from blogapp.models.base import utcnow
from blogapp.models.taxonomy import article_categories, article_tags
from blogapp.site import absolute_url

SITEMAP_LIMIT = 50_000  # the protocol's most URLs per file


def w3c(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "+00:00"


def _visible(query, now):
    return (query.where(Article.status == ArticleStatus.PUBLISHED.value)
            .where(Article.kind == ArticleKind.POST.value)
            .where(Article.published_at <= now))


def sitemap_entries(now: datetime) -> list[tuple[str, datetime]]:
    """(absolute URL, last modified) for every page the sitemap names."""
    articles = db.session.execute(_visible(
        select(Article.slug, Article.updated_at), now)
        .order_by(Article.published_at.desc()).limit(SITEMAP_LIMIT)).all()
    entries = []
    if articles:
        entries.append((absolute_url("blog.index"), max(a.updated_at for a in articles)))
    entries += [(absolute_url("blog.article", slug=a.slug), a.updated_at) for a in articles]
    newest = func.max(Article.updated_at)
    archives = [
        ("blog.category", _visible(select(Category.slug, newest)
                                   .join(article_categories,
                                         article_categories.c.category_id == Category.id)
                                   .join(Article, Article.id == article_categories.c.article_id),
                                   now).group_by(Category.slug)),
        ("blog.tag", _visible(select(Tag.slug, newest)
                              .join(article_tags, article_tags.c.tag_id == Tag.id)
                              .join(Article, Article.id == article_tags.c.article_id),
                              now).group_by(Tag.slug)),
        ("blog.author", _visible(select(User.slug, newest)
                                 .join(Article, Article.author_id == User.id), now)
         .where(User.slug.is_not(None)).group_by(User.slug)),
    ]
    for endpoint, query in archives:
        rows = db.session.execute(query.order_by(newest.desc())).all()
        entries += [(absolute_url(endpoint, slug=slug), modified) for slug, modified in rows]
    return entries[:SITEMAP_LIMIT]


@bp.route("/sitemap.xml")
def sitemap():
    body = render_template("blog/sitemap.xml", entries=sitemap_entries(utcnow()), w3c=w3c)
    return Response(body, content_type="application/xml; charset=utf-8")


@bp.route("/robots.txt")
def robots():
    lines = ["User-agent: *", "Disallow: /admin", "Disallow: /login", "",
             f"Sitemap: {absolute_url('blog.sitemap')}", ""]
    return Response("\n".join(lines), content_type="text/plain; charset=utf-8")
