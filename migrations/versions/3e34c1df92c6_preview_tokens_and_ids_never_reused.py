"""preview tokens on comments; ids never handed out twice (AUTOINCREMENT on SQLite)

A held comment is shown to its author by a signed cookie. It used to name bare row ids,
and SQLite hands the highest id out again after a delete, so an old cookie could show a
later stranger's held comment. Now the cookie names (id, preview token) pairs, the token
being 128 random bits stored on the row, and comments, articles and audit_log are
AUTOINCREMENT tables on SQLite (PostgreSQL's sequences never go back).

SQLite can only add AUTOINCREMENT by rebuilding a table (batch_alter_table with
recreate="always"). Two things go with that:

- Foreign keys must be off, or DROP TABLE would apply every ON DELETE to the rows that
  refer to the table; migrations/env.py turns them off for every migration, and this one
  refuses to run on SQLite when they are on.
- Dropping ``comments`` drops its tally triggers (migration 13ad85644731): they are
  created again here, from that migration's own statements. The rebuild copies rows
  into a table without triggers, so the tallies stay as they were.

Revision ID: 3e34c1df92c6
Revises: 13ad85644731
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import context, op
from alembic.script import ScriptDirectory
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e34c1df92c6'
down_revision = '13ad85644731'
branch_labels = None
depends_on = None

TALLIES = '13ad85644731'
# 128 random bits as 32 hex digits, like blogapp.models.comment.new_preview_token.
RANDOM_TOKEN = {
    "sqlite": "lower(hex(randomblob(16)))",
    "postgresql": "replace(CAST(gen_random_uuid() AS TEXT), '-', '')",
}


def _tally_migration():
    return ScriptDirectory.from_config(context.config).get_revision(TALLIES).module


def _sqlite_rebuild_ready():
    if op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("SQLite's foreign keys are on: rebuilding tables would cascade "
                           "deletes. Run this through `flask db upgrade` (migrations/env.py "
                           "turns them off).")


def _rebuild(table, autoincrement, changes=None):
    with op.batch_alter_table(table, recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}) as batch:
        if changes:
            changes(batch)


def _add_token(batch):
    batch.add_column(sa.Column('preview_token', sa.String(length=32), nullable=True))
    batch.create_index('ix_comments_preview_token', ['preview_token'], unique=True)


def _drop_token(batch):
    batch.drop_index('ix_comments_preview_token')
    batch.drop_column('preview_token')


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_rebuild_ready()
        for statement in _tally_migration().SQLITE_DROP:
            op.execute(statement)
        _rebuild('articles', True)
        _rebuild('comments', True, _add_token)
        _rebuild('audit_log', True)
        for statement in _tally_migration().SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        with op.batch_alter_table('comments') as batch:
            _add_token(batch)
    # Every existing comment gets a token (old cookies named bare ids: they show nothing).
    op.execute(f"UPDATE comments SET preview_token = {RANDOM_TOKEN[dialect]} "
               "WHERE preview_token IS NULL")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild_ready()
        for statement in _tally_migration().SQLITE_DROP:
            op.execute(statement)
        _rebuild('audit_log', False)
        _rebuild('comments', False, _drop_token)
        _rebuild('articles', False)
        for statement in _tally_migration().SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        with op.batch_alter_table('comments') as batch:
            _drop_token(batch)
