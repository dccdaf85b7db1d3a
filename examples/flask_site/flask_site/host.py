"""The one place this site's posts meet the comment engine (blogapp.comments.Host)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template

from blogapp.comments import Target
from blogapp.comments.services import ensure_thread
from blogapp.extensions import db
from blogapp.models import Article
from blogapp.site import external_url


@dataclass(frozen=True)
class Post:
    slug: str
    title: str
    body: str


POSTS = {post.slug: post for post in (
    Post("hello", "Hello, world", "The first post of a site that is not a blog."),
    Post("tides", "Reading the tides", "High water comes about fifty minutes later each day."),
)}


class PostsHost:
    """Posts take comments; their page is post.html."""

    endpoint = "pages.post"

    def target(self, target_id: int) -> Target | None:
        thread = db.session.get(Article, target_id)  # the engine's thread row
        post = POSTS.get(thread.slug) if thread is not None else None
        return self._target(post, thread) if post else None

    def find(self, slug: str) -> Target | None:
        post = POSTS.get(slug)
        return self._target(post, ensure_thread(post.slug, post.title)) if post else None

    def render_page(self, target: Target, context: dict[str, Any], status: int) -> str:
        return render_template("post.html", post=POSTS[target.slug], **context)

    def _target(self, post: Post, thread: Article) -> Target:
        return Target(
            id=thread.id, slug=post.slug, title=post.title,
            url=external_url(current_app._get_current_object(), self.endpoint, slug=post.slug),
            comment_count=thread.comment_count,
            version=(thread.created_at, thread.updated_at, thread.comments_version))
