"""staff session tokens, users never reuse ids, single-use mail links

- ``users.session_token``: each account's session generation (blogapp.auth.sessions);
  every existing account gets its own random token, so every cookie issued before this
  migration (which named the bare user id) stops working: staff log in again once.
- ``users`` is rebuilt on SQLite with AUTOINCREMENT, so a deleted account's id is never
  handed out again (sessions and audit rows name accounts by id). PostgreSQL's sequences
  never reuse ids already.
- ``mail_link_uses``: one row per one-click moderation link used (blogapp.comments.links).

Revision ID: da31d7c9bf00
Revises: 221bb93970f2
Create Date: 2026-11-28 09:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'da31d7c9bf00'
down_revision = '221bb93970f2'
branch_labels = None
depends_on = None

USERS = sa.table("users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(USERS.c.id)).all():
        conn.execute(USERS.update().where(USERS.c.id == user_id)
                     .values(session_token=secrets.token_urlsafe(32)))
    # The rebuild keeps every reference to users: migrations/env.py runs migrations on
    # SQLite with foreign keys off, and checks them afterwards.
    with op.batch_alter_table("users", recreate="always" if sqlite else "auto",
                              table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64),
                              nullable=False)
    op.create_table('mail_link_uses',
    sa.Column('link_id', sa.String(length=64), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('link_id')
    )
    with op.batch_alter_table('mail_link_uses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_link_uses_expires_at'), ['expires_at'],
                              unique=False)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('mail_link_uses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_link_uses_expires_at'))
    op.drop_table('mail_link_uses')
    with op.batch_alter_table("users", recreate="always" if sqlite else "auto",
                              table_kwargs={"sqlite_autoincrement": False}) as batch_op:
        batch_op.drop_column("session_token")
