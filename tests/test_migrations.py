"""The schema comes from the Alembic migrations, and they match the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
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


TALLIES = "13ad85644731"
SEED = [  # rows written at the tallies revision, before preview tokens and AUTOINCREMENT
    "INSERT INTO users (id, email, display_name, password_hash, role, active, created_at) "
    "VALUES (1, 'o@example.org', 'Owner', 'x', 'owner', TRUE, '2026-11-01 10:00:00')",
    "INSERT INTO articles (id, title, slug, body_md, body_html, excerpt, status, "
    "comments_open, author_id, created_at, updated_at, comment_count, comments_version) "
    "VALUES (1, 'T', 't', '', '', '', 'published', TRUE, 1, '2026-11-01 10:00:00', "
    "'2026-11-01 10:00:00', 1, 1)",
    *(f"INSERT INTO comments (id, article_id, parent_id, depth, author, email, url, "
      f"avatar_seed, content, content_html, status, reasons_json, spam_check, "
      f"spam_check_attempts, blatant, ip, user_agent, referrer, user_id, created_at, "
      f"updated_at) VALUES ({n}, 1, {parent}, {depth}, 'a', 'a@example.org', '', '', 'c', "
      f"'<p>c</p>', '{status}', '[]', 'disabled', 0, FALSE, '', '', '', NULL, "
      f"'2026-11-0{n} 10:00:00', '2026-11-0{n} 10:00:00')"
      for n, parent, depth, status in ((1, "NULL", 1, "approved"), (2, 1, 2, "pending"),
                                       (3, 1, 2, "spam"))),
    "INSERT INTO audit_log (id, comment_id, user_id, action, from_status, to_status, note, "
    "created_at) VALUES (1, 2, 1, 'edit', 'pending', 'pending', '', '2026-11-05 10:00:00')",
]


def tallies(conn) -> dict[str, int]:
    return dict(conn.execute(sa.text("SELECT status, n FROM comment_status_counts "
                                     "WHERE n <> 0")).all())


def triggers(conn) -> set[str]:
    if conn.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = ("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                 "AND tgrelid = 'comments'::regclass")
    return set(conn.execute(sa.text(query)).scalars())


def test_preview_tokens_and_autoincrement_keep_rows_references_and_triggers(app):
    """The rebuild (on SQLite) copies every row, keeps every reference (foreign keys off:
    no ON DELETE fires), gives each comment a token, and brings the tally triggers back."""
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision=TALLIES)
        with db.engine.begin() as conn:
            expected_triggers = triggers(conn)
            for statement in SEED:
                conn.execute(sa.text(statement))
            if conn.dialect.name == "postgresql":  # explicit ids: move the sequences on
                for table in ("users", "articles", "comments", "audit_log"):
                    conn.execute(sa.text(f"SELECT setval('{table}_id_seq', 3)"))
            before = tallies(conn)
        upgrade()
        with db.engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT id, parent_id, status, preview_token FROM "
                                        "comments ORDER BY id")).all()
            assert [(r.id, r.parent_id, r.status) for r in rows] == [
                (1, None, "approved"), (2, 1, "pending"), (3, 1, "spam")]
            assert len({r.preview_token for r in rows}) == 3
            assert all(len(r.preview_token) == 32 for r in rows)
            assert conn.execute(sa.text("SELECT comment_id FROM audit_log")).scalar() == 2
            assert conn.execute(sa.text("SELECT author_id FROM articles")).scalar() == 1
            assert triggers(conn) == expected_triggers and tallies(conn) == before
            # The triggers work: a delete, an insert and a status change are counted.
            conn.execute(sa.text("DELETE FROM comments WHERE id = 3"))
            conn.execute(sa.text("UPDATE comments SET status = 'approved' WHERE id = 2"))
            conn.execute(sa.text(SEED[2].replace("VALUES (1, 1, NULL", "VALUES (4, 1, NULL")))
            assert tallies(conn) == {"approved": 3}
        downgrade(revision=TALLIES)  # and back: rows, references and triggers again
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM comments")).scalar() == 3
            assert conn.execute(sa.text("SELECT comment_id FROM audit_log")).scalar() == 2
            assert triggers(conn) == expected_triggers and tallies(conn) == {"approved": 3}
        upgrade()


@pytest.mark.parametrize("model", ["Comment", "Article", "AuditEntry"])
def test_ids_are_never_handed_out_twice(app, model):
    """SQLite reuses the highest rowid after a delete unless the table is AUTOINCREMENT."""
    from blogapp import models
    from tests.factories import make_article

    with app.app_context():
        article = make_article("Ids")
        make = {
            "Article": lambda n: models.Article(title=f"A{n}", slug=f"a-{n}"),
            "Comment": lambda n: models.Comment(article_id=article.id, content="c",
                                                content_html="c", status="pending"),
            "AuditEntry": lambda n: models.AuditEntry(action="note"),
        }[model]
        rows = [make(n) for n in range(3)]
        db.session.add_all(rows)
        db.session.commit()
        newest = rows[-1].id
        db.session.delete(rows[-1])
        db.session.commit()
        again = make(9)
        db.session.add(again)
        db.session.commit()
        assert again.id > newest
