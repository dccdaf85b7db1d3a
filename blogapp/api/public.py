"""Public endpoints: threads, counts, held previews, avatars (posting: blogapp.api.posting).

Anyone may call them; listed embedding sites from a browser too (blogapp.api.cors)."""

from __future__ import annotations

import re

from flask import Response, current_app, request
from sqlalchemy import select

from blogapp.api.blueprint import bp
from blogapp.api.body import ident
from blogapp.api.errors import ApiError
from blogapp.api.origins import normalize_page_url
from blogapp.api.thread_json import (
    empty_thread_json,
    encode,
    held_comment,
    thread_address,
    thread_body,
)
from blogapp.api.threads import external_version, page_url_or_error
from blogapp.blog.lookup import visible_version_or_404
from blogapp.comments.avatars import identicon, neutral_avatar
from blogapp.comments.forms import issue_form_token
from blogapp.comments.services import comments_closed
from blogapp.comments.settings import load_settings
from blogapp.extensions import db
from blogapp.models import Article, ArticleKind
from blogapp.models.base import utcnow
from blogapp.site import site_url

PAGE = re.compile(r"[1-9][0-9]{0,8}")
SEED = re.compile(r"[0-9a-f]{32}")
MAX_COUNT_URLS = 100
JSON = "application/json"
PUBLIC: set[str] = set()  # endpoints that answer embedding sites (CORS headers)


def public(view):
    PUBLIC.add(f"{bp.name}.{view.__name__}")
    return view


def requested_page() -> int | None:
    """The thread page asked for (None: the default); one canonical spelling only."""
    values = request.args.getlist("page")
    if not values:
        return None
    if len(values) > 1 or not PAGE.fullmatch(values[0]):
        raise ApiError(400, "page must be written as a whole number from 1.",
                       code="invalid_page", fields={"page": "A whole number from 1."})
    return int(values[0])


def json_bytes(body: bytes, status: int = 200) -> Response:
    """A thread's JSON with the headers the middleware sends (blogapp.api.fast_threads)."""
    response = Response(body, status=status, mimetype=JSON)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def thread_response(version, subject: int | str, page: int | None) -> Response:
    settings = load_settings(current_app.config)
    closed = comments_closed(version, settings, utcnow())
    return json_bytes(thread_body(version, settings, closed, page, subject))


@bp.get("/threads/article/<slug>")
@public
def article_thread(slug: str):
    page = requested_page()
    version = visible_version_or_404(slug)
    return thread_response(version, version.id, page)


@bp.get("/threads")
@public
def page_thread():
    url = page_url_or_error(request.args.get("url"))
    page = requested_page()
    version = external_version(url)
    if version is None:
        if page not in (None, 1):
            raise ApiError(404, "This thread has no such page.", code="no_such_page")
        settings = load_settings(current_app.config)
        token = issue_form_token(current_app.config["SECRET_KEY"], url)
        return json_bytes(encode(empty_thread_json(url, settings, token)))
    return thread_response(version, url, page)


@bp.get("/counts")
@public
def counts():
    """Approved-comment counts for up to 100 pages: external pages, or the blog's own
    article addresses; a page with no thread counts 0."""
    wanted = request.args.getlist("url")
    if not wanted or len(wanted) > MAX_COUNT_URLS:
        raise ApiError(422, f"Give from 1 to {MAX_COUNT_URLS} url parameters.",
                       code="invalid_url", fields={"url": f"1 to {MAX_COUNT_URLS} addresses."})
    normal = {raw: normalize_page_url(raw) for raw in wanted}
    urls = {u for u in normal.values() if u}
    found = dict(db.session.execute(
        select(Article.url, Article.comment_count)
        .where(Article.kind == ArticleKind.EXTERNAL.value, Article.url.in_(urls))).all()
    ) if urls else {}
    prefix = site_url(current_app) + "/articles/"
    slugs = {u[len(prefix):].rstrip("/"): u for u in urls if u.startswith(prefix)}
    if slugs:
        now = utcnow()
        for slug, count in db.session.execute(
                Article.visible(now).with_only_columns(Article.slug, Article.comment_count)
                .where(Article.slug.in_(slugs)).order_by(None)):
            found[slugs[slug]] = count
    return {"counts": {raw: found.get(url, 0) if url else 0 for raw, url in normal.items()}}


@bp.get("/comments/<comment_id>/preview")
@public
def preview(comment_id: str):
    """The author's own held comment, named by the preview token the post returned."""
    from blogapp.api.thread_json import comment_json

    token = request.headers.get("X-Blogapp-Preview") or request.args.get("token") or ""
    found = held_comment(ident(comment_id), token) if len(token) <= 64 else None
    if found is None:
        raise ApiError(404, "No comment awaiting moderation has that id and token.",
                       code="not_found")
    node, article_id = found
    article = db.session.get(Article, article_id)
    return {"comment": comment_json(node, thread_address(article)), "status": "held"}


@bp.get("/avatars/<seed>.svg")
@public
def avatar(seed: str):
    if not SEED.fullmatch(seed):
        raise ApiError(404, "No such avatar.", code="not_found")
    return _svg(str(identicon(seed, 40)))


@bp.get("/avatars/held.svg")
@public
def held_avatar():
    return _svg(str(neutral_avatar(40)))


def _svg(markup: str) -> Response:
    svg = markup.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.get("/openapi.json")
@public
def openapi():
    from blogapp.api.openapi import document
    from blogapp.site import absolute_url

    return document(absolute_url("api.openapi").rsplit("/", 1)[0])
