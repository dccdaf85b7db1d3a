"""Pages readers see."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.orm import selectinload

from blogapp.blog.comments_host import target_of
from blogapp.blog.listing import atom_response, count_visible, visible_where
from blogapp.blog.lookup import visible_version_or_404
from blogapp.blog.reader_pages import current as etag_is_current
from blogapp.blog.reader_pages import plain_response
from blogapp.comments.area import (
    article_etag,
    plain_reader,
    render_article_page,
    requested_cpage,
)
from blogapp.comments.settings import load_settings
from blogapp.extensions import db
from blogapp.integers import query_int
from blogapp.models import Article
from blogapp.models.base import utcnow
from blogapp.site import absolute_url

bp = Blueprint("blog", __name__)


@bp.route("/")
def index():
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    page = query_int("page", 1)
    now = utcnow()
    total = count_visible(None, now)
    pages = max(1, -(-total // per_page))
    if page > pages:  # also keeps the OFFSET below within the database's integers
        abort(404)
    articles = db.session.scalars(
        visible_where(None, now).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return render_template("blog/index.html", articles=articles, page=page, pages=pages,
                           page_url=lambda n: url_for("blog.index", page=n if n > 1 else None))


@bp.route("/articles/<slug>")
def article(slug: str):
    version = visible_version_or_404(slug)
    cpage = requested_cpage(request.args)
    settings = load_settings(current_app.config)
    if plain_reader():  # usually answered by ReaderPages before Flask; see reader_pages
        return plain_response(current_app._get_current_object(), version, settings, cpage)
    etag = article_etag(version, settings)
    if etag and etag_is_current(request.headers.get("If-None-Match"), etag):
        response = make_response("", 304)
    else:
        article = db.session.get(Article, version.id)
        body, status = render_article_page(target_of(article), settings=settings, cpage=cpage)
        response = make_response(body, status)
    if etag:
        response.set_etag(etag)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


@bp.get("/articles/<slug>/comments")
def comments_address(slug: str):
    """The comment form posts here; a reload, bookmark or shared link of it (the address a
    refused post leaves in the bar) lands on the article's form instead of a 405."""
    return redirect(url_for("blog.article", slug=slug) + "#respond", code=303)


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers that ignore the page's icon link ask here."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/feed.atom")
def feed():
    articles = db.session.scalars(visible_where().options(selectinload(Article.tags))
                                  .limit(20)).all()
    return atom_response(articles, current_app.config["SITE_NAME"], absolute_url("blog.index"),
                         absolute_url("blog.feed"))
