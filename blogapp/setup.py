"""Registration steps the factory calls."""

from __future__ import annotations

from flask import Flask, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from blogapp.api.routes import bp as api_bp
from blogapp.auth import bp as auth_bp
from blogapp.auth.sessions import load_user
from blogapp.blog import bp as blog_bp
from blogapp.blog.comments_host import ArticleHost
from blogapp.blog.seo import register_seo
from blogapp.comments import Comments
from blogapp.cookie_sessions import register_sessions
from blogapp.embed import bp as embed_bp
from blogapp.extensions import csrf, db, limiter, login_manager
from blogapp.importers.redirects import bp as old_urls_bp
from blogapp.media import bp as media_bp
from blogapp.migrating import register_migrations
from blogapp.moderation import bp as moderation_bp
from blogapp.security import SecureCookies
from blogapp.subscriptions import bp as subscriptions_bp
from blogapp.theme import register_theme


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* from exactly BLOGAPP_PROXY_COUNT proxies (0: the socket's peer)."""
    app.wsgi_app = SecureCookies(app.wsgi_app)  # type: ignore[method-assign]
    count = app.config["PROXY_COUNT"]
    if count > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    register_sessions(app)  # Flask's cookie sessions, no signing work without a cookie
    register_migrations(app)  # Flask-Migrate, bound when `flask db` or a migration runs
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    Comments().init_app(app, host=ArticleHost())  # the comment engine, the blog its host


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(blog_bp)
    app.register_blueprint(embed_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(subscriptions_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(old_urls_bp)  # old WordPress addresses: 301 to imported articles


def register_template_helpers(app: Flask) -> None:
    register_seo(app)
    register_theme(app)

    @app.context_processor
    def staff_context() -> dict:
        # Readers have no login: don't wake Flask-Login (and rewrite their session) for them.
        staff = current_user if "_user_id" in session else None
        return {"staff_user": staff if staff is not None and staff.is_authenticated else None}
