"""publishing: media library, categories and tags, author slugs and bios, revisions

New tables: media, article_media, categories, tags, article_categories, article_tags,
article_revisions. New columns: articles.summary, articles.featured_media_id,
users.slug (unique index, filled from display names here), users.bio.

Columns are added with plain ALTER TABLE (not batch mode): on SQLite a batch rebuild of
``articles`` or ``users`` drops the old table while foreign keys are enforced, which would
cascade to comments and null their references. ``ADD COLUMN ... REFERENCES`` with a NULL
default is valid on both engines, and SQLite 3.35+ drops such columns natively.

Revision ID: 8dbc635c202c
Revises: da31d7c9bf00
Create Date: 2026-11-28 09:00:00.000000

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8dbc635c202c'
down_revision = 'da31d7c9bf00'
branch_labels = None
depends_on = None


def _slugify(text):
    """The app's slugify as of this revision (migrations do not import app code)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    slug = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_")
    slug = re.sub(r"[-_]{2,}", "-", slug)[:80].strip("-_")
    return slug or "author"


def upgrade():
    op.create_table('media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('alt', sa.String(length=500), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('variants_json', sa.Text(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('article_media',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['media_id'], ['media.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'media_id')
    )
    op.create_index('ix_article_media_media_id', 'article_media', ['media_id'], unique=False)
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('article_categories',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'category_id')
    )
    op.create_index('ix_article_categories_category_id', 'article_categories', ['category_id'],
                    unique=False)
    op.create_table('article_tags',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'tag_id')
    )
    op.create_index('ix_article_tags_tag_id', 'article_tags', ['tag_id'], unique=False)
    op.create_table('article_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_article_revisions_article_created', 'article_revisions',
                    ['article_id', 'created_at'], unique=False)

    op.add_column('articles', sa.Column('summary', sa.Text(), nullable=False,
                                        server_default=''))
    # Media in use (featured included) are never deleted, so the reference needs no
    # ON DELETE action (SQLite's reflection could not read one on an added column).
    op.execute('ALTER TABLE articles ADD COLUMN featured_media_id INTEGER REFERENCES media (id)')
    op.add_column('users', sa.Column('slug', sa.String(length=100), nullable=True))
    op.add_column('users', sa.Column('bio', sa.Text(), nullable=False, server_default=''))

    users = sa.table('users', sa.column('id', sa.Integer), sa.column('display_name', sa.String),
                     sa.column('slug', sa.String))
    conn = op.get_bind()
    taken = set()
    for user_id, name in conn.execute(sa.select(users.c.id, users.c.display_name)
                                      .order_by(users.c.id)).all():
        base = candidate = _slugify(name)
        n = 1
        while candidate in taken:
            n += 1
            candidate = f"{base[:75]}-{n}"
        taken.add(candidate)
        conn.execute(users.update().where(users.c.id == user_id).values(slug=candidate))
    op.create_index('ix_users_slug', 'users', ['slug'], unique=True)


def downgrade():
    op.drop_index('ix_users_slug', table_name='users')
    op.execute('ALTER TABLE users DROP COLUMN bio')
    op.execute('ALTER TABLE users DROP COLUMN slug')
    op.execute('ALTER TABLE articles DROP COLUMN featured_media_id')
    op.execute('ALTER TABLE articles DROP COLUMN summary')
    op.drop_index('ix_article_revisions_article_created', table_name='article_revisions')
    op.drop_table('article_revisions')
    op.drop_index('ix_article_tags_tag_id', table_name='article_tags')
    op.drop_table('article_tags')
    op.drop_index('ix_article_categories_category_id', table_name='article_categories')
    op.drop_table('article_categories')
    op.drop_table('tags')
    op.drop_table('categories')
    op.drop_index('ix_article_media_media_id', table_name='article_media')
    op.drop_table('article_media')
    op.drop_table('media')
