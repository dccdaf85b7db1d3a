"""Old WordPress addresses answer 301 with the imported article's address.

``/?p=ID`` (WordPress's plain permalink, also what its ``guid`` holds) and
``/YYYY/MM/DD/slug/`` (its date permalink) are looked up in the import records. Only an
article readers may see is redirected to, and only to its own page on this site, so no
address can be made to send a reader elsewhere; anything else is a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from sqlalchemy import select

from blogapp.blog.lookup import version_is_visible
from blogapp.extensions import db
from blogapp.importers.lookup import article_for_old_path, article_for_post_id
from blogapp.models import Article
from blogapp.models.base import utcnow

bp = Blueprint("old_urls", __name__)

#: The paths WordPress answers ``?p=ID`` on.
POST_QUERY_PATHS = frozenset({"/", "/index.php"})
_MAX_ID_DIGITS = 18


def _moved(article_id: int | None):
    if article_id is None:
        abort(404)
    row = db.session.execute(
        select(Article.slug, Article.status, Article.published_at, Article.kind)
        .where(Article.id == article_id)).first()
    if row is None or not version_is_visible(row, utcnow()):
        abort(404)
    return redirect(url_for("blog.article", slug=row.slug), 301)


@bp.before_app_request
def old_post_query():
    """Answer ``/?p=ID`` before the front page does (the two share a path)."""
    if request.path not in POST_QUERY_PATHS or "p" not in request.args \
            or request.method not in ("GET", "HEAD"):
        return None
    value = request.args.get("p", "")
    if not (value.isascii() and value.isdigit()) or len(value) > _MAX_ID_DIGITS:
        abort(404)
    return _moved(article_for_post_id(str(int(value))))


@bp.route("/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>/"
          "<int(fixed_digits=2):day>/<slug>/", strict_slashes=False)
def dated_permalink(year: int, month: int, day: int, slug: str):
    return _moved(article_for_old_path(f"/{year:04d}/{month:02d}/{day:02d}/{slug}/"))
