"""blogapp: a Flask blog engine with a WordPress-grade comment subsystem."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from blogapp import cli, errors, security
from blogapp.api.fast_threads import register_api_threads
from blogapp.blog.reader_pages import register_reader_pages
from blogapp.blog.refused_posts import register_refused_posts
from blogapp.config import load_config
from blogapp.integers import register_converters
from blogapp.mail.pump import register_mail
from blogapp.paths import STATIC, TEMPLATES
from blogapp.readers_first import register_readers_first
from blogapp.setup import (
    register_blueprints,
    register_extensions,
    register_proxy,
    register_template_helpers,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, errors, CLI, headers."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("BLOGAPP_INSTANCE_PATH")
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC),
                instance_path=os.path.abspath(instance_path) if instance_path else None)
    load_config(app, config)
    register_converters(app)  # bounded ASCII <int:...>, before any rule is added
    register_extensions(app)
    register_reader_pages(app)  # WSGI layers, innermost first: readers' pages,
    register_refused_posts(app)  # refused comment posts,
    register_api_threads(app)  # the API's thread JSON,
    register_proxy(app)  # then secure cookies and ProxyFix,
    register_readers_first(app)  # outermost: each request's time, for readers first
    register_blueprints(app)
    register_template_helpers(app)
    errors.register_error_handlers(app)
    cli.register_cli(app)
    security.register_security_headers(app)
    register_mail(app)
    return app
