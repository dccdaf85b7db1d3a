"""external page threads (articles of kind "external", keyed by URL); API tokens

An external page's comment thread is an articles row of kind "external" whose url is the
page's normalized address: comments, counts, cache versions and moderation work on it
unchanged, and every listing selects kind "post" only. API tokens are stored as the
sha256 of the secret the owner was shown once.

Revision ID: c12a01a9e001
Revises: c14a0e7b0001
Create Date: 2026-12-01 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c12a01a9e001'
down_revision = 'c14a0e7b0001'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both engines (no table rebuild on SQLite).
    op.add_column('articles', sa.Column('kind', sa.String(length=16), nullable=False,
                                        server_default='post'))
    op.add_column('articles', sa.Column('url', sa.String(length=1000), nullable=True))
    op.create_index('ix_articles_url', 'articles', ['url'], unique=True)
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash'),
    sqlite_autoincrement=True,
    )
    op.create_index('ix_api_tokens_user_id', 'api_tokens', ['user_id'], unique=False)


def downgrade():
    op.drop_index('ix_api_tokens_user_id', table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index('ix_articles_url', table_name='articles')
    op.drop_column('articles', 'url')  # SQLite 3.35+ drops columns in place
    op.drop_column('articles', 'kind')
