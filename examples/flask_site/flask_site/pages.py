"""The site's pages: a home page and one page per post, comments under each post."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from blogapp.comments import render_article_page
from blogapp.comments.area import requested_cpage
from flask_site.host import POSTS, PostsHost

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    return render_template("home.html", posts=POSTS.values())


@bp.route("/posts/<slug>")
def post(slug: str):
    target = PostsHost().find(slug)
    if target is None:
        abort(404)
    body, status = render_article_page(target, cpage=requested_cpage(request.args))
    return body, status
