"""an index for an article's threads by status: (article_id, status, parent_id, created_at)

A post counts the approved threads before the one it lands in, and every comment page
lists an article's approved threads in order. Without this index SQLite served
"parent_id IS NULL" from the parent_id index and walked every thread of every article,
held spam included, so a post's cost grew with the table.

Revision ID: e17a0c0f0001
Revises: c12a01a9e001
Create Date: 2026-12-01 17:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e17a0c0f0001'
down_revision = 'c12a01a9e001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_comments_article_status_parent_created', 'comments',
                    ['article_id', 'status', 'parent_id', 'created_at'])


def downgrade():
    op.drop_index('ix_comments_article_status_parent_created', table_name='comments')
