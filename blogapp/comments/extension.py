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
from blogapp.comments.state import EXTENSION, CommentsState
from blogapp.comments.views import bp

__all__ = ["Comments", "CommentsState"]


class Comments:
    """Mount the comment engine on a Flask app.

    ``host`` tells the engine about the pages that take comments (see
    blogapp.comments.host.Host). The engine's tables come with its migrations
    (``flask db upgrade``, Flask-Migrate's ``migrate.init_app(app, db, directory=...)``
    pointing at blogapp's migrations)."""

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
        apply_defaults(app.config)
        state = CommentsState(host=host)
        app.extensions[EXTENSION] = state
        app.register_blueprint(bp, url_prefix=app.config["COMMENTS_URL_PREFIX"] or None)
        app.jinja_env.globals.update(identicon=identicon, neutral_avatar=neutral_avatar,
                                     comments_endpoint=host.endpoint)
        cli.register(app)
        if not config_from_mapping(app.config).enabled:
            app.logger.warning("Akismet is not configured (AKISMET_API_KEY, AKISMET_BLOG_URL): "
                               "comments are screened by local rules only.")
