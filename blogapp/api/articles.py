"""Owners' endpoints: articles listed, read, created, updated and published (scope
publish), through blogapp.services.articles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from blogapp.api.auth import caller, scope_required
from blogapp.api.blueprint import bp
from blogapp.api.body import field, ident, int_arg, json_body, wrong
from blogapp.api.errors import ApiError
from blogapp.api.thread_json import iso
from blogapp.extensions import db
from blogapp.models import Article, ArticleKind, ArticleStatus
from blogapp.services.articles import ArticleDraft, save_article, set_state
from blogapp.site import absolute_url

STATES = ("publish", "unpublish", "trash", "restore")
ACTIONS = ("draft", "publish", "schedule")
MAX_TITLE, MAX_BODY = 200, 500_000


def article_json(article: Article, full: bool = False) -> dict[str, Any]:
    out = {
        "id": article.id, "title": article.title, "slug": article.slug,
        "status": article.state_label, "comments_open": article.comments_open,
        "published_at": iso(article.published_at) if article.published_at else None,
        "updated": iso(article.updated_at), "comment_count": article.comment_count,
        "url": absolute_url("blog.article", slug=article.slug),
    }
    if full:
        out |= {"body": article.body_md, "excerpt": article.excerpt,
                "tags": ", ".join(tag.name for tag in article.tags)}
    return out


def _article(article_id: str) -> Article:
    article = db.session.get(Article, ident(article_id, "article"))
    if article is None or article.is_external:
        raise ApiError(404, "No article has that id.", code="not_found")
    return article


@bp.get("/articles")
@scope_required("publish")
def articles():
    limit = int_arg("limit", 20, 100)
    before = int_arg("cursor", 2**31 - 1, 2**31 - 1)
    rows = list(db.session.scalars(
        select(Article).where(Article.kind == ArticleKind.POST.value, Article.id < before)
        .order_by(Article.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"articles": [article_json(a) for a in rows],
            "next": str(rows[-1].id) if more else None}


@bp.get("/articles/<article_id>")
@scope_required("publish")
def article(article_id: str):
    return {"article": article_json(_article(article_id), full=True)}


def _draft(body: dict[str, Any], current: Article | None) -> ArticleDraft:
    def keep(name: str, kind: type, value: Any) -> Any:
        return field(body, name, kind, default=value)

    title = keep("title", str, current.title if current else None)
    if not title or not title.strip() or len(title) > MAX_TITLE:
        raise wrong({"title": f"Required, {MAX_TITLE} characters at most."})
    text = keep("body", str, current.body_md if current else "")
    if len(text) > MAX_BODY:
        raise wrong({"body": f"{MAX_BODY} characters at most."})
    published = current is not None and current.status == ArticleStatus.PUBLISHED.value
    action = keep("action", str, "publish" if published and not current.is_scheduled
                  else "schedule" if published else "draft")
    if action not in ACTIONS:
        raise wrong({"action": f"One of {', '.join(ACTIONS)}."})
    publish_at = None
    if action == "schedule":
        publish_at = _moment(field(body, "publish_at", str)) or (
            current.published_at if current else None)
        if publish_at is None:
            raise wrong({"publish_at": "Required to schedule (ISO 8601, UTC)."})
    return ArticleDraft(
        title=title, slug=keep("slug", str, current.slug if current else "")[:200],
        body_md=text, excerpt=keep("excerpt", str, current.excerpt if current else "")[:5000],
        comments_open=keep("comments_open", bool, current.comments_open if current else True),
        action=action, publish_at=publish_at,
        category_ids=tuple(c.id for c in current.categories) if current else (),
        tags=keep("tags", str, ", ".join(t.name for t in current.tags) if current else "")[:1000],
        featured_media_id=current.featured_media_id if current else None)


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise wrong({"publish_at": "An ISO 8601 date and time."}) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@bp.post("/articles")
@scope_required("publish")
def create_article():
    saved = save_article(_draft(json_body(), None), author_id=caller().user.id)
    return {"article": article_json(saved, full=True)}, 201


@bp.patch("/articles/<article_id>")
@scope_required("publish")
def update_article(article_id: str):
    current = _article(article_id)
    if current.status == ArticleStatus.TRASH.value:
        raise ApiError(409, "This article is in the trash: restore it first.", code="conflict")
    saved = save_article(_draft(json_body(), current), author_id=caller().user.id,
                         article=current)
    return {"article": article_json(saved, full=True)}


@bp.post("/articles/<article_id>/<action>")
@scope_required("publish")
def article_state(article_id: str, action: str):
    if action not in STATES:  # a plain string, not <any()>: every rule builds from "x"
        raise ApiError(404, f"No such action; one of {', '.join(STATES)}.", code="not_found")
    current = _article(article_id)
    set_state(current, action)
    return {"article": article_json(current, full=True)}


