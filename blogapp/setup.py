"""Registration steps the factory calls."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from blogapp.extensions import csrf, db, limiter, login_manager, migrate


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* from exactly BLOGAPP_PROXY_COUNT proxies (0: the socket's peer)."""
    from blogapp.security import SecureCookies

    app.wsgi_app = SecureCookies(app.wsgi_app)  # type: ignore[method-assign]
    count = app.config["PROXY_COUNT"]
    if count > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )


def register_extensions(app: Flask) -> None:
    from pathlib import Path

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from blogapp.auth.sessions import load_user

    login_manager.user_loader(load_user)


def register_blueprints(app: Flask) -> None:
    from blogapp.api.routes import bp as api_bp
    from blogapp.auth import bp as auth_bp
    from blogapp.blog import bp as blog_bp
    from blogapp.comments import bp as comments_bp
    from blogapp.embed import bp as embed_bp
    from blogapp.importers.redirects import bp as old_urls_bp
    from blogapp.media import bp as media_bp
    from blogapp.moderation import bp as moderation_bp

    app.register_blueprint(blog_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(embed_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(old_urls_bp)  # old WordPress addresses: 301 to imported articles


def register_template_helpers(app: Flask) -> None:
    from flask import session
    from flask_login import current_user

    from blogapp.avatars import identicon, neutral_avatar
    from blogapp.blog.seo import register_seo

    app.jinja_env.globals["identicon"] = identicon
    app.jinja_env.globals["neutral_avatar"] = neutral_avatar
    register_seo(app)

    @app.context_processor
    def staff_context() -> dict:
        # Readers have no login: don't wake Flask-Login (and rewrite their session) for them.
        staff = current_user if "_user_id" in session else None
        return {"staff_user": staff if staff is not None and staff.is_authenticated else None}
