"""The comment engine as a Flask extension: what init_app sets up on any app."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from blogapp.comments import Comments, Target, comments_state
from blogapp.comments.config import DEFAULTS
from blogapp.extensions import db


class Pages:
    """The smallest host: no pages at all."""

    endpoint = "pages.page"

    def target(self, target_id: int) -> Target | None:
        return None

    def find(self, slug: str) -> Target | None:
        return None

    def render_page(self, target: Target, context: dict[str, Any], status: int) -> str:
        return ""


def bare_app(**config: Any) -> Flask:
    app = Flask("host")
    app.config.update(SECRET_KEY="k" * 32, SQLALCHEMY_DATABASE_URI="sqlite://", **config)
    db.init_app(app)
    return app


# Keys that were read with no default anywhere before the engine became an extension.
@pytest.mark.parametrize(("key", "default"), [
    ("MODERATION_PER_PAGE", 20), ("MAIL_NOTIFY_AUTHORS", False),
    ("SITE_URL", "http://localhost"), ("AKISMET_BLOG_LANG", "en"),
])
def test_init_app_gives_every_key_a_default(monkeypatch, key, default):
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"BLOGAPP_{name}", raising=False)
    app = bare_app()
    Comments(app, host=Pages())
    assert app.config[key] == default
    assert set(DEFAULTS) <= set(app.config)


@pytest.mark.parametrize(("env", "value", "key", "expected"), [
    ("AKISMET_API_KEY", "abc", "AKISMET_API_KEY", "abc"),
    ("MAIL_PORT", "2525", "MAIL_PORT", 2525),
    ("MAIL_USE_TLS", "yes", "MAIL_USE_TLS", True),
    ("SITE_URL", "https://site.example", "SITE_URL", "https://site.example"),
    ("BLOGAPP_MODERATION_PER_PAGE", "50", "MODERATION_PER_PAGE", 50),
    ("BLOGAPP_COMMENTS_URL_PREFIX", "/posts", "COMMENTS_URL_PREFIX", "/posts"),
])
def test_the_environment_names_keep_working(monkeypatch, env, value, key, expected):
    monkeypatch.setenv(env, value)
    app = bare_app()
    Comments().init_app(app, host=Pages())
    assert app.config[key] == expected


def test_the_app_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("MAIL_SERVER", "smtp.env.example")
    app = bare_app(MAIL_SERVER=None)  # mail explicitly off
    Comments(app, host=Pages())
    assert app.config["MAIL_SERVER"] is None


def test_the_form_door_is_mounted_under_the_configured_prefix():
    app = bare_app(COMMENTS_URL_PREFIX="/posts")
    Comments(app, host=Pages())
    rules = {r.endpoint: r.rule for r in app.url_map.iter_rules()}
    assert rules["comments.post_comment"] == "/posts/<slug>/comments"


def test_each_app_keeps_its_own_state():
    one, two = bare_app(), bare_app()
    Comments(one, host=Pages())
    Comments(two, host=Pages())
    first, second = comments_state(one), comments_state(two)
    assert first is not second
    assert first.pool() is not second.pool()
    assert first.akismet is not second.akismet
    first.close()
    second.close()


def test_init_app_without_a_host_says_what_is_missing():
    with pytest.raises(TypeError, match="host="):
        Comments().init_app(bare_app())
    with pytest.raises(TypeError, match="render_page"):
        Comments().init_app(bare_app(), host=object())


def test_init_app_before_the_database_says_so():
    with pytest.raises(RuntimeError, match="db.init_app"):
        Comments(Flask("host"), host=Pages())


def test_the_state_is_asked_for_on_an_app_without_the_engine():
    with pytest.raises(RuntimeError, match="init_app"):
        comments_state(bare_app())
