"""Row factories for tests (they commit, as a service would)."""

from __future__ import annotations

from datetime import datetime, timedelta

from blogapp.extensions import db
from blogapp.models import Article
from blogapp.models.base import utcnow
from blogapp.services.articles import ArticleDraft, save_article


def make_article(title: str = "An article", body: str = "Body text.", *, action: str = "publish",
                 comments_open: bool = True, published_at: datetime | None = None,
                 slug: str = "") -> Article:
    """Create an article inside an app context; *published_at* backdates it."""
    article = save_article(
        ArticleDraft(title=title, slug=slug, body_md=body, excerpt="", comments_open=comments_open,
                     action=action, publish_at=published_at),
        author_id=None,
    )
    if published_at is not None and action == "publish":
        article.published_at = published_at
        db.session.commit()
    return article


def backdated(minutes: int) -> datetime:
    return utcnow() - timedelta(minutes=minutes)
