"""Rows and requests for the moderation tests."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from blogapp.comments.entry import Accepted, Door, Entry
from blogapp.comments.pipeline import submit
from blogapp.comments.services import set_visible_status
from blogapp.extensions import db
from blogapp.models import Article, AuditEntry, Comment
from blogapp.models.base import utcnow
from tests.conftest import csrf_from
from tests.factories import make_article

#: Quiet the form-level defences so tests can post many comments quickly.
QUIET = {"DISCUSSION_FLOOD_SECONDS": 0, "DISCUSSION_FORM_MIN_SECONDS": 0,
         "SPAM_CHECK_MODE": "inline"}
UNDO_RE = re.compile(r'name="entries" value="(\d+)"')


def new_article(app: Flask, title: str = "Night buses", days_old: int = 60) -> int:
    with app.app_context():
        return make_article(title, published_at=utcnow() - timedelta(days=days_old)).id


def add_comment(app: Flask, article_id: int, status: str = "pending", *,
                author: str = "Ann Reader", email: str = "ann@example.org",
                content: str | None = None, ip: str = "203.0.113.7", url: str = "",
                spam_check: str | None = None, created_at: datetime | None = None,
                parent_id: int | None = None) -> int:
    """Store a comment through the pipeline (a new author: held), then move it."""
    with app.app_context():
        # The IMPORT door: the policy decides (no status given), no token, no mail sent.
        outcome = submit(
            Entry(target_id=article_id, author=author, email=email, url=url,
                  content=content or f"Comment by {author} at {utcnow().isoformat()}",
                  ip=ip, user_agent="pytest", parent_id=parent_id, created_at=created_at),
            door=Door.IMPORT)
        assert isinstance(outcome, Accepted), outcome
        comment = db.session.get(Comment, outcome.comment_id)
        if spam_check is not None:
            comment.spam_check = spam_check
        set_visible_status(comment, status)
        db.session.commit()
        return comment.id


def bulk_comments(app: Flask, article_id: int, count: int, status: str = "pending", *,
                  created_at: datetime | None = None, step: timedelta = timedelta(seconds=1),
                  **fields) -> None:
    """Insert *count* comments in one statement, oldest first; the last is at *created_at*."""
    if count == 0:
        return
    newest = created_at or utcnow()
    rows = [{"article_id": article_id, "author": f"Bot {i}", "email": f"bot{i}@spam.example",
             "url": "", "content": f"cheap pills {i}", "content_html": f"<p>cheap pills {i}</p>",
             "status": status, "ip": "198.51.100.9", "created_at": newest - (count - 1 - i) * step,
             "updated_at": newest - (count - 1 - i) * step, **fields} for i in range(count)]
    with app.app_context():
        db.session.execute(insert(Comment), rows)
        db.session.commit()


def get(app: Flask, comment_id: int) -> Comment:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        db.session.expunge(comment)
        return comment


def status_of(app: Flask, comment_id: int) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Comment.status).where(Comment.id == comment_id))


def approved_count(app: Flask, article_id: int) -> int:
    with app.app_context():
        return db.session.get(Article, article_id).comment_count


def audit_rows(app: Flask, comment_id: int | None = None) -> list[tuple]:
    with app.app_context():
        query = select(AuditEntry.action, AuditEntry.from_status, AuditEntry.to_status,
                       AuditEntry.user_id)
        if comment_id is not None:
            query = query.where(AuditEntry.comment_id == comment_id)
        return [tuple(row) for row in db.session.execute(query.order_by(AuditEntry.id))]


def token(client: FlaskClient, url: str = "/admin/comments") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def act(client: FlaskClient, action: str, *ids: int, row: bool = False, **extra):
    """Post the queue form as a browser does: a row button, or the bulk select."""
    data = {"csrf_token": token(client), "next": "/admin/comments", **extra}
    if row:
        data["row_action"] = f"{action}:{ids[0]}"
    else:
        data.update(action=action, ids=[str(i) for i in ids])
    return client.post("/admin/comments/action", data=data)


def press_undo(client: FlaskClient, page: str = "/admin/comments"):
    """Follow the redirect after an action, find its Undo button and press it."""
    html = client.get(page).get_data(as_text=True)
    entries = UNDO_RE.findall(html)
    assert entries, "no Undo button on the page"
    return client.post("/admin/comments/undo", data={
        "csrf_token": csrf_from(html), "entries": entries, "next": page})


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value") or "y"
            elif kind != "submit":
                self.values[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.removeprefix("\n") \
                if not self.values[self._textarea] else data


def form_values(html: str) -> dict[str, str]:
    """The values a browser would send for the fields in *html* (one form per page)."""
    reader = _FormReader()
    reader.feed(html)
    return reader.values
