"""mail outbox, comment subscriptions, commenters' own edits

- ``mail_outbox``: one row per message the site sends (blogapp/mail/), queued, sending
  (claimed with a lease), sent, failed (with its next try) or gave_up.
- ``subscriber_addresses``: double opt-in per address (blogapp/subscriptions/).
- ``comment_subscriptions``: replies to a reader's comment, or every comment on an article.
- ``comments.edited_at``, ``comments.author_deleted_at``: a commenter's own edit or deletion
  (blogapp/comments/own_edit.py); the old texts are in the audit log.

Revision ID: c14a0e7b0001
Revises: 8dbc635c202c
Create Date: 2026-12-01 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c14a0e7b0001'
down_revision = '8dbc635c202c'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table rebuild on SQLite): the comment tally triggers stay.
    op.add_column('comments', sa.Column('edited_at', sa.DateTime(), nullable=True))
    op.add_column('comments', sa.Column('author_deleted_at', sa.DateTime(), nullable=True))
    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=400), nullable=False),
        sa.Column('body_text', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=True),
        sa.Column('headers_json', sa.Text(), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(), nullable=False),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('comment_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_status_next_try', ['status', 'next_try_at'],
                              unique=False)
        batch_op.create_index('ix_mail_outbox_recipient', ['recipient'], unique=False)
        batch_op.create_index('ix_mail_outbox_comment_kind', ['comment_id', 'kind'],
                              unique=False)
    op.create_table(
        'subscriber_addresses',
        sa.Column('email', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirm_sent_at', sa.DateTime(), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('email'),
    )
    op.create_table(
        'comment_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=100), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('comment_subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_comment_subscriptions_email', ['email'], unique=False)
        batch_op.create_index('ix_comment_subscriptions_article_kind',
                              ['article_id', 'kind', 'status'], unique=False)
        batch_op.create_index('ix_comment_subscriptions_comment', ['comment_id', 'status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('comment_subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_subscriptions_comment')
        batch_op.drop_index('ix_comment_subscriptions_article_kind')
        batch_op.drop_index('ix_comment_subscriptions_email')
    op.drop_table('comment_subscriptions')
    op.drop_table('subscriber_addresses')
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_comment_kind')
        batch_op.drop_index('ix_mail_outbox_recipient')
        batch_op.drop_index('ix_mail_outbox_status_next_try')
    op.drop_table('mail_outbox')
    # Plain DROP COLUMN (SQLite 3.35+), so that SQLite keeps the tally triggers.
    op.execute("ALTER TABLE comments DROP COLUMN author_deleted_at")
    op.execute("ALTER TABLE comments DROP COLUMN edited_at")
