"""Threads as JSON, from the same version-keyed store as the article page.

A thread page's JSON is the same for everyone but for the form's signed timestamp, so it
is stored per version of the article (blogapp.comments.stored) as the bytes before and
after the token, and every answer is those bytes joined around a fresh token."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import select

from blogapp.comments.area import article_key
from blogapp.comments.entry import MAX_CONTENT
from blogapp.comments.forms import SUBSCRIBE_CHOICES, issue_form_token
from blogapp.comments.policy import CommentStatus
from blogapp.comments.settings import SiteSettings
from blogapp.comments.stored import stored_page
from blogapp.comments.threads import PUBLIC_COLUMNS, Node, ThreadPage, thread_page
from blogapp.extensions import db
from blogapp.mail.outbox import mail_enabled
from blogapp.models import Article, Comment
from blogapp.site import absolute_url, site_version

CACHE_NAME = "api-thread"
TOKEN_SLOT = "\x00form-token\x00"
_SLOT_JSON = json.dumps(TOKEN_SLOT)


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC; the year always in four digits (strftime's %Y writes 888 for the
    year 888, which is no date-time)."""
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def avatar_url(seed: str) -> str:
    """An image drawn from the keyed hash (never from the email itself); held: neutral."""
    if not seed:
        return absolute_url("api.held_avatar")
    return absolute_url("api.avatar", seed=seed)


def comment_json(node: Node, permalink: str) -> dict:
    return {
        "id": node.id, "parent": node.parent_id, "author": node.author,
        "author_url": node.url or None, "avatar": avatar_url(node.avatar_seed),
        "html": node.content_html, "created": iso(node.created_at),
        "permalink": f"{permalink}#comment-{node.id}", "staff": node.staff,
        "replies": [comment_json(child, permalink) for child in node.children],
    }


def thread_address(article: Article, page: int | None = None) -> str:
    """The page a thread belongs to: the external page, or the article (its comment page)."""
    if article.is_external:
        return article.url or ""
    return absolute_url("blog.article", slug=article.slug, cpage=page)


def feed_url(article: Article) -> str:
    if article.is_external:
        return absolute_url("api.thread_feed", url=article.url)
    return absolute_url("api.article_feed", slug=article.slug)


def form_json(settings: SiteSettings, token: str) -> dict:
    """What a widget needs to draw the form; subscribe_comments: the "Notify me" choices
    offered (none while the site sends no mail, as the article page's form)."""
    return {"form_token": token, "require_name_email": settings.require_name_email,
            "max_length": MAX_CONTENT, "thread_depth": settings.thread_depth,
            "subscribe_comments": list(SUBSCRIBE_CHOICES) if mail_enabled(current_app) else []}


def thread_json(article: Article, thread: ThreadPage, settings: SiteSettings, closed: bool,
                token: str) -> dict:
    permalink = thread_address(article, thread.page)
    return {
        "thread": {"id": article.id, "url": thread_address(article), "title": article.title,
                   "open": not closed, "count": article.comment_count,
                   "feed": feed_url(article)},
        "comments": [comment_json(root, permalink) for root in thread.roots],
        "page": thread.page, "pages": thread.pages, "form": form_json(settings, token),
    }


def empty_thread_json(url: str, settings: SiteSettings, token: str) -> dict:
    """The thread of an allowed page nobody has commented on yet."""
    return {
        "thread": {"id": None, "url": url, "title": "", "open": True, "count": 0,
                   "feed": absolute_url("api.thread_feed", url=url)},
        "comments": [], "page": 1, "pages": 1, "form": form_json(settings, token),
    }


@dataclass(frozen=True)
class StoredThread:
    head: bytes
    tail: bytes

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)

    def body(self, token: str) -> bytes:
        return b"".join((self.head, json.dumps(token).encode(), self.tail))


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def thread_key(app: Flask, version, closed: bool, settings: SiteSettings) -> tuple:
    """All a thread's JSON depends on, but for its page number (blogapp.comments.stored)."""
    return (site_version(app), article_key(version), closed, settings)


def stored_thread(version, settings: SiteSettings, closed: bool,
                  page: int | None) -> StoredThread:
    """Return the stored JSON of thread page *page* (None: the default) of *version*."""
    key = thread_key(current_app._get_current_object(), version, closed, settings)

    def render(wanted: int | None) -> tuple[StoredThread, ThreadPage]:
        article = db.session.get(Article, version.id)
        thread = thread_page(article.id, article.comment_count, settings, wanted)
        text = encode(thread_json(article, thread, settings, closed, TOKEN_SLOT))
        head, _, tail = text.rpartition(_SLOT_JSON.encode())  # the form comes last
        return StoredThread(head, tail), thread

    return stored_page(CACHE_NAME, key, settings, page, render)


def thread_body(version, settings: SiteSettings, closed: bool, page: int | None,
                subject: int | str) -> bytes:
    token = issue_form_token(current_app.config["SECRET_KEY"], subject)
    return stored_thread(version, settings, closed, page).body(token)


def held_comment(comment_id: int, token: str) -> tuple[Node, int] | None:
    """The author's held comment as (node, article id) when it is still pending and
    *token* is its preview token; else None."""
    row = db.session.execute(
        select(*PUBLIC_COLUMNS, Comment.preview_token, Comment.article_id)
        .where(Comment.id == comment_id, Comment.status == CommentStatus.PENDING.value)
    ).first()
    if row is None or not row.preview_token or not token:
        return None
    if not secrets.compare_digest(row.preview_token.encode(), token.encode()):
        return None
    # Before approval nothing drawn from the email is shown (a neutral avatar).
    node = Node(id=row.id, parent_id=row.parent_id, depth=row.depth, author=row.author,
                url=row.url, avatar_seed="", content_html=row.content_html,
                created_at=row.created_at, held=True, user_id=row.user_id)
    return node, row.article_id
