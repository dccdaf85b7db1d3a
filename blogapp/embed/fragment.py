"""GET /embed/thread?url=...: a thread's approved comments as an HTML fragment, no script.

A static-site generator includes it at build time (inside the widget's
``<div data-blogapp-thread>``, where the Shadow DOM hides it from readers with JavaScript),
so readers without JavaScript and search engines get the comments. The fragment comes
from the same version-keyed cache as the article page (blogapp.comments.stored): a new,
approved or removed comment changes the thread's version, and with it the key."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, abort, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from blogapp.blog.lookup import visible_article_or_404
from blogapp.comments.display import ThreadPage, thread_page
from blogapp.comments.page import article_key
from blogapp.comments.stored import stored_page
from blogapp.database import read_only
from blogapp.discussion import SiteSettings, load_settings
from blogapp.embed.assets import bp
from blogapp.embed.origins import allowed_origin
from blogapp.models import Article
from blogapp.models.base import utcnow
from blogapp.services.comments import comments_closed
from blogapp.site import absolute_url, site_adapter, site_url, site_version

FRAGMENT_CACHE = "embed-fragment"
PAGE = re.compile(r"[1-9][0-9]{0,8}")  # one canonical spelling per page, as cpage
MAX_URL = 2000


@dataclass(frozen=True)
class Thread:
    """A thread as the fragment names it: where it lives and what version it is at."""

    page_url: str
    title: str
    key: tuple
    article: Article


def requested_page(values: list[str]) -> int | None:
    if not values:
        return None
    if len(values) > 1 or not PAGE.fullmatch(values[0]):
        abort(404)
    return int(values[0])


def thread_for(url: str) -> Thread:
    """Return the thread of the page at *url* (normalized), or answer 404."""
    url = url.split("#", 1)[0].split("?", 1)[0].strip()
    base = site_url(current_app)
    if not url or len(url) > MAX_URL or not url.startswith(base + "/"):
        abort(404)
    try:
        endpoint, values = site_adapter(current_app).match(url[len(base):], method="GET")
    except HTTPException:
        abort(404)
    if endpoint != "blog.article":
        abort(404)
    article = visible_article_or_404(values["slug"])
    return Thread(page_url=absolute_url("blog.article", slug=article.slug),
                  title=article.title, key=("article", article_key(article)), article=article)


def render_fragment(thread: Thread, settings: SiteSettings, page: int | None) -> str:
    closed = comments_closed(thread.article, settings, utcnow())
    fragment_url = absolute_url("embed.thread_fragment")

    def render(number: int | None) -> tuple[str, ThreadPage]:
        shown = thread_page(thread.article.id, thread.article.comment_count, settings, number)

        def page_link(n: int) -> str:
            return fragment_url + "?" + urlencode({"url": thread.page_url, "page": n})

        html = render_template("embed/thread.html", thread=shown, page_url=thread.page_url,
                               title=thread.title, closed=closed, page_link=page_link,
                               settings=settings)
        return html, shown

    key = (site_version(current_app), thread.key, closed, settings)
    return stored_page(FRAGMENT_CACHE, key, settings, page, render)


@bp.route("/embed/thread")
def thread_fragment() -> Response:
    with read_only():
        thread = thread_for(request.args.get("url", ""))
        page = requested_page(request.args.getlist("page"))
        html = render_fragment(thread, load_settings(current_app.config), page)
    response = Response(html, mimetype="text/html")
    response.set_etag(hashlib.sha256(html.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Vary"] = "Origin"
    origin = allowed_origin(current_app.config, request.headers.get("Origin"))
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
    return response.make_conditional(request)
