"""Fixtures of the example site's tests (this folder is put on sys.path by pytest, so
``flask_site`` imports from here)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_migrate import upgrade

from blogapp.comments import comments_state
from blogapp.extensions import db
from blogapp.paths import MIGRATIONS
from flask_site import create_app

STAFF_PASSWORD = "a staff password for tests"


@pytest.fixture
def app(tmp_path) -> Flask:
    app = create_app({
        "TESTING": True, "SECRET_KEY": "s" * 32,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "STAFF_PASSWORD": STAFF_PASSWORD, "SPAM_CHECK_MODE": "inline",
        "DISCUSSION_FORM_MIN_SECONDS": 0, "DISCUSSION_FLOOD_SECONDS": 0,
    })
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))  # what `flask --app flask_site db upgrade` runs
    yield app
    comments_state(app).close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()

