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

from blogapp.api.cors import add_cors_headers, embed_origins
from blogapp.api.origins import normalize_page_url, origin_of
from blogapp.api.threads import external_thread
from blogapp.blog.lookup import visible_article_or_404
from blogapp.comments.area import article_key
from blogapp.comments.services import comments_closed
from blogapp.comments.settings import SiteSettings, load_settings
from blogapp.comments.stored import stored_page
from blogapp.comments.threads import ThreadPage, thread_page
from blogapp.database import read_only
from blogapp.embed.assets import bp
from blogapp.models import Article
from blogapp.models.base import utcnow
from blogapp.site import absolute_url, site_adapter, site_request, site_url, site_version

FRAGMENT_CACHE = "embed-fragment"
PAGE = re.compile(r"[1-9][0-9]{0,8}")  # one canonical spelling per page, as cpage


@dataclass(frozen=True)
class Thread:
    """A thread as the fragment names it: where it lives and what version it is at
    (*article* None: an allowed page nobody has commented on yet)."""

    page_url: str
    title: str
    article: Article | None


def requested_page(values: list[str]) -> int | None:
    if not values:
        return None
    if len(values) > 1 or not PAGE.fullmatch(values[0]):
        abort(404)
    return int(values[0])


def thread_for(raw: str) -> Thread:
    """Return the thread of the page at *raw*: one of this blog's articles, or a page of a
    site in BLOGAPP_EMBED_ORIGINS; anything else answers 404."""
    url = normalize_page_url(raw.split("#", 1)[0]) if raw else None
    if url is None:
        abort(404)
    base = site_url(current_app)
    if url.startswith(base + "/"):
        try:
            endpoint, values = site_adapter(current_app).match(url[len(base):], method="GET")
        except HTTPException:
            abort(404)
        if endpoint != "blog.article":
            abort(404)
        article = visible_article_or_404(values["slug"])
        return Thread(absolute_url("blog.article", slug=article.slug), article.title, article)
    if origin_of(url) not in embed_origins():
        abort(404)
    article = external_thread(url)
    return Thread(url, article.title if article else "", article)


def render_fragment(thread: Thread, settings: SiteSettings, page: int | None) -> str:
    fragment_url = absolute_url("embed.thread_fragment")

    def page_link(n: int) -> str:
        return fragment_url + "?" + urlencode({"url": thread.page_url, "page": n})

    def render(shown: ThreadPage, closed: bool) -> str:
        return render_template("embed/thread.html", thread=shown, page_url=thread.page_url,
                               title=thread.title, closed=closed, page_link=page_link,
                               settings=settings)

    article = thread.article
    if article is None:  # nothing to store: no comment, no version yet
        if page not in (None, 1):
            abort(404)
        with site_request(current_app._get_current_object()):
            return render(ThreadPage(roots=[], page=1, pages=1, total=0), False)
    closed = comments_closed(article, settings, utcnow())

    def render_page(number: int | None) -> tuple[str, ThreadPage]:
        shown = thread_page(article.id, article.comment_count, settings, number)
        return render(shown, closed), shown

    key = (site_version(current_app), article_key(article), closed, settings)
    return stored_page(FRAGMENT_CACHE, key, settings, page, render_page)


@bp.route("/embed/thread")
def thread_fragment() -> Response:
    with read_only():
        thread = thread_for(request.args.get("url", ""))
        page = requested_page(request.args.getlist("page"))
        html = render_fragment(thread, load_settings(current_app.config), page)
    response = Response(html, mimetype="text/html")
    response.set_etag(hashlib.sha256(html.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = "public, max-age=60"
    add_cors_headers(response)  # a listed site's page may fetch it too
    return response.make_conditional(request)
