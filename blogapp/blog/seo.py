"""What link previews and search engines read from an article's page: the canonical URL,
OpenGraph and Twitter card tags, and schema.org NewsArticle data as JSON-LD.

Every URL is absolute from SITE_URL (blogapp.urls), never from the request: the page is
stored once and served to every reader.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup

from blogapp.models import Article, Media
from blogapp.site import absolute_url, site_url

OG_IMAGE_WIDTH = 1280  # link previews ask for about 1200 px wide
# Inside <script>, "</script>" or "<!--" in a string would end or change the element;
# JSON may spell any character as \\uXXXX, so these never appear literally.
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: object) -> Markup:
    """Serialize *data* as JSON safe to place inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in _JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return Markup(text)


def iso(moment) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


@dataclass(frozen=True)
class PreviewImage:
    url: str
    width: int
    height: int
    alt: str


def preview_image(media: Media | None) -> PreviewImage | None:
    if media is None:
        return None
    rendition = media.rendition(OG_IMAGE_WIDTH)
    return PreviewImage(absolute_url("media.file", key=rendition.key), rendition.width,
                        rendition.height, media.alt)


def article_url(article: Article) -> str:
    return absolute_url("blog.article", slug=article.slug)


def author_url(article: Article) -> str | None:
    author = article.author
    return absolute_url("blog.author", slug=author.slug) if author and author.slug else None


def news_article(article: Article) -> dict:
    """The schema.org NewsArticle describing *article*."""
    config = current_app.config
    data: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": article_url(article)},
        "headline": article.title[:110],
        "datePublished": iso(article.published_at),
        "dateModified": iso(article.updated_at),
        "publisher": {"@type": "Organization", "name": config["SITE_NAME"],
                      "url": site_url(current_app._get_current_object()) + "/"},
    }
    if article.teaser:
        data["description"] = article.teaser
    if article.author is not None:
        person = {"@type": "Person", "name": article.author.display_name}
        if author_url(article):
            person["url"] = author_url(article)
        data["author"] = [person]
    else:
        data["author"] = [{"@type": "Organization", "name": config["SITE_NAME"]}]
    if article.featured is not None:
        data["image"] = [absolute_url("media.file", key=r.key)
                         for r in reversed(article.featured.renditions)]
    if article.categories:
        data["articleSection"] = [c.name for c in article.categories]
    if article.tags:
        data["keywords"] = [t.name for t in article.tags]
    return data


def register_seo(app) -> None:
    app.jinja_env.globals.update(absolute_url=absolute_url, script_json=script_json,
                                 news_article=news_article, preview_image=preview_image,
                                 article_url=article_url, iso=iso)
