"""Refused comment posts answered before Flask: a spam wave's refusals cost little.

A stranger's post to an article's form (``POST {COMMENTS_URL_PREFIX}/<slug>/comments``,
form-encoded, no session and no comment of theirs on the page) that will be refused
before any history is read (sent from another site's page, comments closed, a missing,
forged or stale form token, the honeypot) is answered by the ``RefusedPosts`` WSGI layer.
It reads the article and the settings with one small query on its own connection (as the
readers' pages do, blogapp.blog.reader_connection); only when a refusal is certain does it
push a request context and answer through the form door's own early_answer
(blogapp.comments.views), so the page, status and headers are those Flask would give,
drawn from the article's stored refusal frame. Every other post goes on to Flask with its
body as it came (and the article and settings this layer read, so the view reads neither
again)."""

from __future__ import annotations

import io
from urllib.parse import parse_qs

from flask import Flask, g
from sqlalchemy import bindparam, true
from werkzeug.datastructures import EnvironHeaders

from blogapp.blog.comments_host import FOUND_KEY, TARGETS, remember_target, target_of_row
from blogapp.blog.lookup import version_is_visible
from blogapp.blog.reader_connection import ReaderConnection
from blogapp.comments.area import EDIT_COOKIE, HELD_COOKIE
from blogapp.comments.forms import CommentForm, check_form_token
from blogapp.comments.services import comments_closed
from blogapp.comments.settings import PRE_READ_KEY, SiteSettings, settings_from_rows
from blogapp.extensions import db
from blogapp.models import Article, ArticleKind, SiteSetting
from blogapp.models.base import utcnow
from blogapp.security import cross_origin

FORM_TYPE = "application/x-www-form-urlencoded"

# One round trip: the article's target row once per stored setting (once with no setting
# when none is stored), as the readers' pages read theirs.
POST_FACTS = (TARGETS.add_columns(SiteSetting.key.label("setting_key"),
                                          SiteSetting.value.label("setting_value"))
              .outerjoin(SiteSetting, true())
              .where(Article.slug == bindparam("slug"),
                     Article.kind == ArticleKind.POST.value))


class RefusedPosts:
    """WSGI middleware: answer certain refusals of strangers' comment posts."""

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

    def __call__(self, environ, start_response):
        slug = self.slug(environ)
        if slug is None:
            return self.wsgi_app(environ, start_response)
        body = self.body(environ)
        if body is None:
            return self.wsgi_app(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)  # whoever answers reads it as it came
        rows = self.lookup(slug)
        if rows and version_is_visible(rows[0], utcnow()):
            settings = settings_of(self.app, rows)
            environ[FOUND_KEY], environ[PRE_READ_KEY] = rows[0], settings
            if self.suspect(environ, body, rows[0], settings):
                answer = self.refusal(environ, rows[0], settings)
                if answer is not None:
                    return answer(environ, start_response)
                environ["wsgi.input"] = io.BytesIO(body)
        return self.wsgi_app(environ, start_response)

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
        return body if len(body) == length else None

    def lookup(self, slug: str) -> list:
        if self.facts is None:
            with self.app.app_context():
                self.facts = ReaderConnection(db.engine, POST_FACTS)
        try:
            return self.facts.run(slug=slug)
        except ReaderConnection.Failed:  # the database went away: Flask answers (or 500s)
            return []

    def suspect(self, environ, body: bytes, row, settings: SiteSettings) -> bool:
        """Tell whether the post may be refused before any history (approximately: the
        refusal itself is decided by the form door, which may still hand it on)."""
        if cross_origin(EnvironHeaders(environ), environ.get("HTTP_HOST", "")):
            return True
        if comments_closed(row, settings, utcnow()):
            return True
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        if any(value.strip() for value in fields.get("contact_fax", ())):
            return True
        token = fields.get("form_token", [""])
        return len(token) != 1 or check_form_token(
            self.app.config["SECRET_KEY"], token[0], row.id, settings.form_min_seconds,
            settings.form_max_age_hours) is not None

    def refusal(self, environ, row, settings: SiteSettings):
        """The form door's response to a refused post, or None when it hands it on."""
        from blogapp.comments.views import early_answer

        with self.app.request_context(environ):
            target = target_of_row(row)
            remember_target(target)
            form = CommentForm(require_name_email=settings.require_name_email)
            answer = early_answer(target, settings, form)
            if answer is None:
                g.pop("comment_targets", None)
                return None
            return self.app.process_response(self.app.make_response(answer))


def settings_of(app: Flask, rows: list) -> SiteSettings:
    """The settings in force, from POST_FACTS' rows."""
    return settings_from_rows(app.config, [(row.setting_key, row.setting_value)
                                           for row in rows if row.setting_key is not None])


def register_refused_posts(app: Flask) -> None:
    """Put the layer right around Flask, beside the readers' pages (inside ProxyFix)."""
    app.wsgi_app = RefusedPosts(app, app.wsgi_app)  # type: ignore[method-assign]


