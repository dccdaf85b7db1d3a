"""Refused comment posts answered before Flask: a spam wave's refusals cost little.

A stranger's post to an article's form (``POST {COMMENTS_URL_PREFIX}/<slug>/comments``,
form-encoded, no session and no comment of theirs on the page) that the form door refuses
before its fields are checked (sent from another site's page, comments closed, a missing,
forged or stale form token, the honeypot: blogapp.comments.views.early_refusal, which this
layer calls) is answered by the ``RefusedPosts`` WSGI layer. It reads the article and the
settings with one small query on its own connection (as the readers' pages do,
blogapp.blog.reader_connection) and parses the body as Werkzeug does.

The first such refusal of a kind (per version of the article, message and form choices)
is answered through Flask's own code inside a request context: the form door's
early_answer draws the page from the article's stored refusal frame, and Flask's
after-request hooks give the headers. The layer then keeps that form block with a slot
for each kept text field (blogapp.comments.area.respond_parts) and those headers; later
ones are the frame with the post's own values put in, escaped as the template escapes
them: the same bytes (tests/test_refused_posts.py), no request context.

Every other post goes on to Flask with its body as it came, and with the article row and
settings this layer read, so the view reads neither again."""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import parse_qsl

import werkzeug.formparser  # noqa: F401 (registers the "werkzeug.url_quote" error handler)
from flask import Flask, g
from sqlalchemy import bindparam, true
from werkzeug.datastructures import EnvironHeaders, MIMEAccept
from werkzeug.http import parse_accept_header

from blogapp.blog.comments_host import (
    FOUND_KEY,
    TARGETS,
    key_of_row,
    remember_target,
    target_of_row,
)
from blogapp.blog.lookup import version_is_visible
from blogapp.blog.reader_connection import ReaderConnection
from blogapp.comments.area import (
    EDIT_COOKIE,
    FRAME_CACHE,
    HELD_COOKIE,
    KEPT_FIELDS,
    REPLY_TARGET,
    Frame,
    fill_respond,
    frame_key,
    respond_parts,
    wanted_reply,
)
from blogapp.comments.entry import Entry, Refused
from blogapp.comments.forms import CommentForm, issue_form_token
from blogapp.comments.pipeline import (
    KNOWN_HISTORY_KEY,
    history_refusal,
    history_signature,
    submission_for,
)
from blogapp.comments.policy import CommentStatus, History
from blogapp.comments.services import (
    comments_closed,
    history_of,
    history_query,
    staff_of,
    with_staff,
)
from blogapp.comments.settings import PRE_READ_KEY, SiteSettings, settings_from_rows
from blogapp.comments.views import early_answer, early_refusal
from blogapp.errors import error_as_json
from blogapp.extensions import db
from blogapp.integers import parse_int
from blogapp.models import Article, SiteSetting
from blogapp.models.base import utcnow
from blogapp.render_cache import peek, store
from blogapp.security import cross_origin
from blogapp.site import site_version

FORM_TYPE = "application/x-www-form-urlencoded"
ANSWERS = "refused-post"
FRAME_BYTES = "refused-post/frame"
NOT_FOUND = "refused-post/404"
APPROVED = CommentStatus.APPROVED.value

# One round trip: the article's target row once per stored setting (once with no setting
# when none is stored), as the readers' pages read theirs. Its kind is checked with its
# visibility (version_is_visible: an external page's thread has no form here).
POST_FACTS = (TARGETS.add_columns(SiteSetting.key.label("setting_key"),
                                  SiteSetting.value.label("setting_value"))
              .outerjoin(SiteSetting, true())
              .where(Article.slug == bindparam("slug")))


@dataclass(frozen=True)
class StoredAnswer:
    """A refusal's form block with slots, and the headers Flask gave it."""

    parts: tuple[str, ...]
    status: str
    headers: tuple[tuple[str, str], ...]

    def __len__(self) -> int:  # what the render cache's budget counts
        return sum(len(p) for p in self.parts) + 64 * len(self.headers)


class FrameBytes(tuple):
    """A refusal frame's head and tail, encoded (a stored value)."""

    def __len__(self) -> int:  # what the render cache's budget counts
        return len(self[0]) + len(self[1])


@dataclass(frozen=True)
class StoredPage:
    """A whole answer Flask gave: the 404 for no such article."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def __len__(self) -> int:  # what the render cache's budget counts
        return len(self.body) + 64 * len(self.headers)


@dataclass(frozen=True)
class Post:
    """What the layer read of one post."""

    row: object
    settings: SiteSettings
    closed: bool
    fields: dict[str, list[str]]
    values: dict[str, str]
    refused: Refused | None


class RefusedPosts:
    """WSGI middleware: answer strangers' comment posts refused before any history."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        prefix = app.config["COMMENTS_URL_PREFIX"] or ""
        self.prefix = f"{prefix.rstrip('/')}/"
        self.personal = (app.config["SESSION_COOKIE_NAME"],
                         app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
                         HELD_COOKIE, EDIT_COOKIE)
        self.limit = app.config.get("MAX_CONTENT_LENGTH")
        self.facts: ReaderConnection | None = None
        self.replies: ReaderConnection | None = None
        self.filters = {name: tuple(getattr(CommentForm, name).kwargs.get("filters", ()))
                        for name in (*KEPT_FIELDS, "contact_fax")}

    def __call__(self, environ, start_response):
        slug = self.slug(environ)
        body = None if slug is None else self.body(environ)
        if body is None:
            return self.wsgi_app(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)  # whoever answers reads it as it came
        rows = self.lookup(slug)
        if rows is not None and not (rows and version_is_visible(rows[0], utcnow())):
            return self.not_found(environ, start_response)
        post = self.read(environ, rows, body) if rows else None
        if post is not None:
            environ[FOUND_KEY], environ[PRE_READ_KEY] = post.row, post.settings
            if post.refused is not None:
                answer = self.stored_answer(environ, post) or self.flask_answer(environ, post)
                if answer is not None:
                    return answer(environ, start_response)
                environ["wsgi.input"] = io.BytesIO(body)
        return self.wsgi_app(environ, start_response)

    @property
    def secret(self) -> str:
        return self.app.config["SECRET_KEY"]

    def slug(self, environ) -> str | None:
        """The slug of a plain stranger's form post to an article, or None."""
        if environ["REQUEST_METHOD"] != "POST":
            return None
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.prefix) or not path.endswith("/comments"):
            return None
        if environ.get("QUERY_STRING"):
            return None
        content_type = environ.get("CONTENT_TYPE", "")
        if content_type.split(";", 1)[0].strip().lower() != FORM_TYPE:
            return None
        cookies = environ.get("HTTP_COOKIE", "")
        if cookies and any(name in cookies for name in self.personal):
            return None
        try:  # WSGI hands the path over as latin-1; slugs may hold any letter
            slug = path[len(self.prefix):-len("/comments")].encode("latin-1").decode("utf-8")
        except UnicodeError:
            return None
        if not slug or "/" in slug or "\x00" in slug:
            return None
        return slug

    def body(self, environ) -> bytes | None:
        """The request's body when its length is given and within the limit, else None
        (Flask answers: 411, 413, or a chunked body)."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if length < 0 or (self.limit is not None and length > self.limit):
            return None
        body = environ["wsgi.input"].read(length)
        if len(body) != length:
            environ["wsgi.input"] = io.BytesIO(body)
            return None
        return body

    def read(self, environ, rows: list, body: bytes) -> Post:
        """The post's article (*rows*: POST_FACTS' of a visible one), settings and the
        refusal the form door would give before its fields are checked (or None)."""
        now = utcnow()
        row, settings = rows[0], settings_of(self.app, rows)
        closed = comments_closed(row, settings, now)
        try:  # as Werkzeug parses a form body (werkzeug.formparser)
            pairs = parse_qsl(body.decode(), keep_blank_values=True,
                              errors="werkzeug.url_quote")
        except (UnicodeError, ValueError):
            return Post(row, settings, closed, {}, {}, None)  # Flask answers
        fields: dict[str, list[str]] = {}
        for name, value in pairs:
            fields.setdefault(name, []).append(value)
        values = self.values(fields)
        entry = Entry(  # as blogapp.comments.views.entry_from_form makes it
            target_id=row.id, author=values["author"], email=values["email"].lower(),
            url=values["url"], content=values["comment"],
            parent_id=parse_int(first(fields, "comment_parent").strip(), 0) or None,
            ip=environ.get("REMOTE_ADDR") or "", honeypot=bool(values["contact_fax"]),
            form_token=first(fields, "form_token"))
        refused = early_refusal(
            cross_site=cross_origin(EnvironHeaders(environ), environ.get("HTTP_HOST", "")),
            closed=closed, entry=entry, settings=settings, secret=self.secret)
        if refused is None:
            found = self.history(entry, settings, now)
            if found is None:
                return Post(row, settings, closed, fields, values, None)
            history, staff = found
            refused = history_refusal(submission_for(entry), settings, history, now)
            if refused is None:  # the view decides: with the staff facts, not read again
                history = with_staff(history, submission_for(entry), staff)
                environ[KNOWN_HISTORY_KEY] = (history_signature(entry), history)
        return Post(row, settings, closed, fields, values, refused)

    def history(self, entry: Entry, settings: SiteSettings,
                now) -> tuple[History, list[tuple[str, str]]] | None:
        """What the history's SELECT says of *entry* (the staff facts apart), and the
        staff accounts it brought along for them (None: the database can't be asked, or
        there is nothing to ask)."""
        submission = submission_for(entry)
        asked = history_query(submission, settings, now,
                              staff=bool(submission.email or submission.author))
        if asked is None:
            return None  # nothing to ask: no flood window, no duplicate check, no name or email
        statement, params = asked
        assert self.facts is not None  # lookup() ran first
        try:
            rows = self.facts.run_query(self.facts.query_for(statement), **params)
        except ReaderConnection.Failed:
            return None
        found = rows[0]._asdict()
        return history_of(found), staff_of(found) or []

    def values(self, fields: dict[str, list[str]]) -> dict[str, str]:
        """Each text field as the form holds it: its first value through its filters."""
        values = {}
        for name, filters in self.filters.items():
            value = fields[name][0] if fields.get(name) else None
            for keep in filters:
                value = keep(value)
            values[name] = value or ""
        return values

    def key(self, environ, post: Post, replying) -> tuple | None:
        """What a stored answer depends on besides the kept texts (None: none is kept):
        among it *replying*, the comment the form replies to (reply_row)."""
        if replying is False:
            return None
        chosen = [v for v in post.fields.get("subscribe_comments", ()) if v]
        consent = first(post.fields, "wp-comment-cookies-consent") not in ("", "false")
        has_text = bool(post.values["comment"]) if post.closed else True
        refused = post.refused  # its message is a slot of the stored block
        return (self.frame_key(post), (refused.code, refused.status_code, refused.field),
                consent, "replies" in chosen[:3],
                "all" in chosen[:3], has_text, environ.get("wsgi.url_scheme") == "https",
                tuple(replying) if replying else None)

    def reply_row(self, post: Post):
        """The (id, author) row of the approved comment the form replies to, None (a new
        thread), or False (the database can't be asked)."""
        comment_id = wanted_reply(first(post.fields, "comment_parent") or "0")
        if comment_id is None:
            return None
        if self.replies is None:
            with self.app.app_context():
                self.replies = ReaderConnection(db.engine, REPLY_TARGET)
        try:
            rows = self.replies.run(id=comment_id, article=post.row.id, approved=APPROVED,
                                    depth=post.settings.thread_depth)
        except ReaderConnection.Failed:
            return False
        return rows[0] if rows else None

    def frame_key(self, post: Post) -> tuple:
        """The key of the article's refusal frame (blogapp.comments.area.refusal_frame)."""
        return frame_key(self.app, key_of_row(post.row), post.closed, post.settings)

    def stored_answer(self, environ, post: Post):
        """The refusal from the stored frame and form block, or None (not stored yet)."""
        key = self.key(environ, post, self.reply_row(post))
        if key is None:
            return None
        stored = peek(ANSWERS, key, self.app)
        frame = self.frame_bytes(key[0]) if stored else None
        if not isinstance(stored, StoredAnswer) or frame is None:
            return None
        values = {**post.values, "form-token": issue_form_token(self.secret, post.row.id),
                  "message": post.refused.message}
        body = b"".join((frame[0], fill_respond(stored.parts, values).encode(), frame[1]))
        headers = [*stored.headers, ("Content-Length", str(len(body)))]
        if post.refused.retry_after:
            headers.append(("Retry-After", str(post.refused.retry_after)))

        def answer(environ, start_response):
            start_response(stored.status, headers)
            return [body]

        return answer

    def frame_bytes(self, key: tuple) -> tuple[bytes, bytes] | None:
        """The article's refusal frame (head, tail) as bytes, kept beside it, or None."""
        found = peek(FRAME_BYTES, key, self.app)
        if found is not None:
            return found
        frame = peek(FRAME_CACHE, key, self.app)
        if not isinstance(frame, Frame) or frame[1] is None:
            return None
        found = FrameBytes((frame[0].encode(), frame[1].encode()))
        with self.app.app_context():
            store(FRAME_BYTES, key, found)
        return found

    def flask_answer(self, environ, post: Post):
        """The form door's response, drawn by Flask's code; keep its form block for the
        next refusal of the kind. None: the door hands the post on after all."""
        with self.app.request_context(environ):
            target = target_of_row(post.row)
            remember_target(target)
            form = CommentForm(require_name_email=post.settings.require_name_email)
            answer, _ = early_answer(target, post.settings, form)
            if answer is None:
                g.pop("comment_targets", None)
                return None
            response = self.app.process_response(self.app.make_response(answer))
            replying = self.reply_row(post)
            key = self.key(environ, post, replying)
            headers = tuple((k, v) for k, v in response.headers.items()
                            if k not in ("Content-Length", "Retry-After"))
            if key is not None and reusable(headers):
                parts = respond_parts(target, post.settings, post.closed, form, replying)
                store(ANSWERS, key, StoredAnswer(parts, response.status, headers))
            return response

    def lookup(self, slug: str) -> list | None:
        """POST_FACTS' rows for *slug* ([]: no such article; None: the database can't be
        asked, and Flask answers, or 500s)."""
        if self.facts is None:
            with self.app.app_context():
                self.facts = ReaderConnection(db.engine, POST_FACTS)
        try:
            return self.facts.run(slug=slug)
        except ReaderConnection.Failed:
            return None

    def not_found(self, environ, start_response):
        """No article readers may see: Flask's 404 for a stranger, kept per site version
        and per kind (JSON or HTML, as blogapp.errors answers by Accept) once it drew one."""
        accept = parse_accept_header(environ.get("HTTP_ACCEPT"), MIMEAccept)
        key = (site_version(self.app), error_as_json(environ.get("PATH_INFO", ""), accept),
               environ.get("wsgi.url_scheme") == "https")
        stored = peek(NOT_FOUND, key, self.app)
        if isinstance(stored, StoredPage):
            start_response(stored.status, list(stored.headers))
            return [stored.body]
        answered: list = []

        def keep(status, headers, exc_info=None):
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        chunks = self.wsgi_app(environ, keep)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status, headers = answered
        if status.startswith("404") and reusable(headers):
            with self.app.app_context():
                store(NOT_FOUND, key, StoredPage(status, tuple(headers), body))
        return [body]


def reusable(headers) -> bool:
    """Whether an answer with *headers* may be sent again to others: no cookie, and no
    script nonce (which must be new for every answer)."""
    return not any(k.lower() == "set-cookie" or "nonce-" in v for k, v in headers)


def first(fields: dict[str, list[str]], name: str) -> str:
    """A field's first value, as WTForms reads one ("" when absent)."""
    values = fields.get(name)
    return values[0] if values else ""


def settings_of(app: Flask, rows: list) -> SiteSettings:
    """The settings in force, from POST_FACTS' rows."""
    return settings_from_rows(app.config, [(row.setting_key, row.setting_value)
                                           for row in rows if row.setting_key is not None])


def register_refused_posts(app: Flask) -> None:
    """Put the layer right around Flask, beside the readers' pages (inside ProxyFix)."""
    app.wsgi_app = RefusedPosts(app, app.wsgi_app)  # type: ignore[method-assign]
