"""The comment engine as a Flask extension: ``Comments(app, host=...)`` or ``init_app``.

Everything the engine keeps between requests lives on ``app.extensions["comments"]`` (a
CommentsState): the host, the job pool, the Akismet clients. Two apps in one process share
nothing.
"""

from __future__ import annotations

from flask import Flask

from blogapp.comments import cli
from blogapp.comments.akismet import config_from_mapping
from blogapp.comments.avatars import identicon, neutral_avatar
from blogapp.comments.config import apply_defaults
from blogapp.comments.host import Host
from blogapp.comments.own_edit_views import bp as own_comments_bp
from blogapp.comments.state import EXTENSION, CommentsState
from blogapp.comments.views import bp
from blogapp.database import register_database
from blogapp.integers import register_converters
from blogapp.theme import plural, time_tag

__all__ = ["Comments", "CommentsState"]


class Comments:
    """Mount the comment engine on a Flask app.

    ``host`` tells the engine about the pages that take comments (see
    blogapp.comments.host.Host). Before it, bind blogapp.extensions.db to the app (and a
    CSRFProtect if the app has one: the engine's form door is exempted from it, as it
    carries a signed form token instead). The tables come with blogapp's migrations
    (Migrate(app, db, directory=str(blogapp.paths.MIGRATIONS)); ``flask db upgrade``)."""

    def __init__(self, app: Flask | None = None, host: Host | None = None) -> None:
        self.host = host
        if app is not None:
            self.init_app(app, host=host)

    def init_app(self, app: Flask, host: Host | None = None) -> None:
        host = host or self.host
        if host is None:
            raise TypeError("Comments.init_app needs host=: the pages that take comments "
                            "(see blogapp.comments.host.Host)")
        if not isinstance(host, Host):
            raise TypeError(f"{host!r} lacks what a comments host needs: endpoint, target(), "
                            "find() and render_page() (see blogapp.comments.host.Host)")
        if "sqlalchemy" not in app.extensions:
            raise RuntimeError("Call db.init_app(app) (blogapp.extensions.db) before "
                               "Comments.init_app: the engine's models live on it.")
        apply_defaults(app.config)
        state = CommentsState(host=host)
        app.extensions[EXTENSION] = state
        register_database(app)  # SQLite: readers read without the write lock (database.py)
        register_converters(app)  # the engine's <int:...> rules take bounded ASCII digits only
        app.register_blueprint(bp, url_prefix=app.config["COMMENTS_URL_PREFIX"] or None)
        app.register_blueprint(own_comments_bp)  # /comments/<id>/edit: a reader's own
        if "csrf" in app.extensions:  # the host's CSRFProtect: see CommentForm for why
            app.extensions["csrf"].exempt(bp)
            app.extensions["csrf"].exempt(own_comments_bp)  # the edit cookie guards these
        app.jinja_env.globals.update(identicon=identicon, neutral_avatar=neutral_avatar,
                                     comments_endpoint=host.endpoint)
        # What the engine's own templates use; a host's theme may have its own.
        app.jinja_env.globals.setdefault("time_tag", time_tag)
        app.jinja_env.filters.setdefault("plural", plural)
        cli.register(app)
        if not config_from_mapping(app.config).enabled:
            app.logger.warning("Akismet is not configured (AKISMET_API_KEY, AKISMET_BLOG_URL): "
                               "comments are screened by local rules only.")
