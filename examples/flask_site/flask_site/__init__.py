"""A small site that is not a blog: a few posts of its own, with comments from blogapp's
comment engine under each, and a moderation queue for its staff.

Run it with ``flask --app flask_site run`` after ``flask --app flask_site db upgrade``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from blogapp.comments import Comments
from blogapp.extensions import db
from blogapp.paths import MIGRATIONS
from flask_site import pages, staff
from flask_site.host import PostsHost


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=os.environ.get("FLASK_SITE_SECRET_KEY", "change-me-" + "x" * 32),
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "FLASK_SITE_DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'site.sqlite3'}"),
        SITE_NAME="Flask site",
        SITE_URL=os.environ.get("SITE_URL", "http://127.0.0.1:5000"),
        # The engine's form door sits under the posts: POST /posts/<slug>/comments.
        COMMENTS_URL_PREFIX="/posts",
        COMMENTS_QUEUE_ENDPOINT="staff.queue",
        # The staff password (one shared login is enough for this example).
        STAFF_PASSWORD=os.environ.get("FLASK_SITE_STAFF_PASSWORD"),
    )
    app.config.update(config or {})
    db.init_app(app)
    Migrate(app, db, directory=str(MIGRATIONS))  # the engine's tables: flask db upgrade
    CSRFProtect(app)  # the site's own forms; the engine's form door is exempted by it
    Comments(app, host=PostsHost())
    app.register_blueprint(pages.bp)
    app.register_blueprint(staff.bp)
    return app
