"""import records: what was imported from a WordPress or Disqus export

One row per imported article or comment, keyed by (source, site, kind, source_id), so a
second import of the same export adds nothing and replies find their parents across runs.
The local ids are set to NULL when the article or comment is deleted here, so a deleted
item is not imported again. An article's row keeps its old permalink and
/YYYY/MM/DD/slug/ path for the 301 redirects (blogapp.importers.redirects).

Revision ID: 221bb93970f2
Revises: 3e34c1df92c6
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '221bb93970f2'
down_revision = '3e34c1df92c6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('site', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('source_url', sa.String(length=500), nullable=False),
    sa.Column('source_path', sa.String(length=500), nullable=False),
    sa.Column('source_author', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'site', 'kind', 'source_id', name='uq_import_records_key')
    )
    op.create_index('ix_import_records_lookup', 'import_records',
                    ['source', 'kind', 'source_id'], unique=False)
    op.create_index('ix_import_records_path', 'import_records', ['kind', 'source_path'],
                    unique=False)
    op.create_index('ix_import_records_url', 'import_records', ['kind', 'source_url'],
                    unique=False)
    op.create_index(op.f('ix_import_records_article_id'), 'import_records', ['article_id'],
                    unique=False)
    op.create_index(op.f('ix_import_records_comment_id'), 'import_records', ['comment_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_import_records_comment_id'), table_name='import_records')
    op.drop_index(op.f('ix_import_records_article_id'), table_name='import_records')
    op.drop_index('ix_import_records_url', table_name='import_records')
    op.drop_index('ix_import_records_path', table_name='import_records')
    op.drop_index('ix_import_records_lookup', table_name='import_records')
    op.drop_table('import_records')
