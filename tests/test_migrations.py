"""The schema comes from the Alembic migrations, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from blogapp.extensions import db


def test_migrations_built_every_table(app):
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"alembic_version", "users", "articles", "comments", "site_settings",
            "audit_log"} <= tables


def test_models_have_no_changes_missing_from_migrations(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"


def test_downgrade_and_upgrade_round_trip(app):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() in ([], ["alembic_version"])
        upgrade()
        assert "comments" in inspect(db.engine).get_table_names()
