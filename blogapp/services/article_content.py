"""An article's derived content, made at save time: the HTML body (library images drawn
from the media table), the summary listings and previews show, and the record of which
library images the article uses."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from blogapp.extensions import db
from blogapp.media.library import media_by_keys, referenced_digests
from blogapp.models import Article, ArticleMedia, Media
from blogapp.sanitize import LibraryImage, render_article, summarize, typeset_text

MEDIA_PREFIX = "/media/"


def library_image(media: Media) -> LibraryImage:
    return LibraryImage(tuple((f"{MEDIA_PREFIX}{r.key}", r.width, r.height)
                              for r in media.renditions), media.alt)


def render_body(markdown: str) -> str:
    """Render *markdown* as an article body, with its library images' renditions."""
    found = media_by_keys(referenced_digests(markdown))
    return render_article(markdown, {digest: library_image(m) for digest, m in found.items()})


def make_summary(excerpt: str, body_html: str) -> str:
    """The excerpt with smart quotes, else the body's first 55 words."""
    return typeset_text(excerpt) if excerpt.strip() else summarize(body_html)


def apply_content(article: Article) -> None:
    """Fill body_html and summary from the article's Markdown and excerpt; record the
    library images it uses (its body's and its featured image)."""
    article.body_html = render_body(article.body_md)
    article.summary = make_summary(article.excerpt, article.body_html)
    db.session.flush()
    used = {m.id for m in media_by_keys(referenced_digests(article.body_md)).values()}
    if article.featured_media_id is not None:
        used.add(article.featured_media_id)
    db.session.execute(delete(ArticleMedia).where(ArticleMedia.article_id == article.id))
    db.session.add_all(ArticleMedia(article_id=article.id, media_id=media_id)
                       for media_id in sorted(used))


def refresh_articles(article_ids: Iterable[int]) -> None:
    """Render articles again (an image's alt text changed) and give their pages a new
    version; commit."""
    ids = sorted(set(article_ids))
    for article in db.session.scalars(select(Article).where(Article.id.in_(ids))):
        apply_content(article)
        article.comments_version += 1
    db.session.commit()


def bump_versions(article_ids: Iterable[int]) -> None:
    """Give articles' pages a new version (their byline, categories or image changed);
    the caller commits."""
    ids = sorted(set(article_ids))
    for article in db.session.scalars(select(Article).where(Article.id.in_(ids))):
        article.comments_version += 1
