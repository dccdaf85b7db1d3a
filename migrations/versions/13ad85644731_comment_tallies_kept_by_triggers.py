"""comment tallies kept by triggers: counts per status and per (UTC day, status)

The moderation queue's tabs and the dashboard read these two small tables instead of
counting every comment. Triggers on ``comments`` keep them in the same transaction as
every insert, status change and delete, whatever path made it (ORM, bulk UPDATE, article
cascade, purge, COPY). See blogapp.comments.queue for the reasoning. Row-level triggers
on SQLite, statement-level ones over transition tables on PostgreSQL (see below why).

SQLite note for later migrations: ``batch_alter_table("comments")`` rebuilds the table
(copy, drop, rename), and dropping a table drops its triggers. A migration that batch-alters
``comments`` on SQLite must create the triggers below again.

Revision ID: 13ad85644731
Revises: d688cb060b4b
Create Date: 2026-11-27 03:44:21.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '13ad85644731'
down_revision = 'd688cb060b4b'
branch_labels = None
depends_on = None

# A comment's row in each tally exists while the comment does (the insert trigger or the
# backfill made it), so a delete takes it away with a plain UPDATE: it never creates a
# negative row, and it does nothing when the tallies were emptied first (as a test teardown
# may do). Adding is an upsert, so a status or a day seen for the first time gets its row.

# SQLite: row-level triggers (the only kind it has); it updates the tally rows in place, so
# each comment costs the same whatever the transaction holds.
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER comments_tally_insert AFTER INSERT ON comments
    BEGIN
        INSERT INTO comment_status_counts (status, n) VALUES (NEW.status, 1)
            ON CONFLICT (status) DO UPDATE SET n = comment_status_counts.n + 1;
        INSERT INTO comment_day_counts (day, status, n)
            VALUES (date(NEW.created_at), NEW.status, 1)
            ON CONFLICT (day, status) DO UPDATE SET n = comment_day_counts.n + 1;
    END
    """,
    """
    CREATE TRIGGER comments_tally_delete AFTER DELETE ON comments
    BEGIN
        UPDATE comment_status_counts SET n = n - 1 WHERE status = OLD.status;
        UPDATE comment_day_counts SET n = n - 1
            WHERE day = date(OLD.created_at) AND status = OLD.status;
    END
    """,
    """
    CREATE TRIGGER comments_tally_update AFTER UPDATE OF status, created_at ON comments
    WHEN OLD.status IS NOT NEW.status OR OLD.created_at IS NOT NEW.created_at
    BEGIN
        UPDATE comment_status_counts SET n = n - 1 WHERE status = OLD.status;
        UPDATE comment_day_counts SET n = n - 1
            WHERE day = date(OLD.created_at) AND status = OLD.status;
        INSERT INTO comment_status_counts (status, n) VALUES (NEW.status, 1)
            ON CONFLICT (status) DO UPDATE SET n = comment_status_counts.n + 1;
        INSERT INTO comment_day_counts (day, status, n)
            VALUES (date(NEW.created_at), NEW.status, 1)
            ON CONFLICT (day, status) DO UPDATE SET n = comment_day_counts.n + 1;
    END
    """,
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS comments_tally_update",
    "DROP TRIGGER IF EXISTS comments_tally_delete",
    "DROP TRIGGER IF EXISTS comments_tally_insert",
)

# PostgreSQL: statement-level triggers over transition tables, so one statement (a COPY of
# 20,000 rows, a bulk UPDATE, an article's cascade) adds its net change to each tally row
# once. Row-level triggers would update the same tally row once per comment, and inside one
# transaction each update leaves a row version the next one has to step over: loading
# 200,000 comments in one transaction took 50 times longer that way.
# Upserts go in key order, so concurrent statements lock the tally rows in one order.
POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION comments_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO comment_status_counts AS t (status, n)
                SELECT status, count(*) FROM new_rows GROUP BY status ORDER BY status
                ON CONFLICT (status) DO UPDATE SET n = t.n + EXCLUDED.n;
            INSERT INTO comment_day_counts AS t (day, status, n)
                SELECT created_at::date, status, count(*) FROM new_rows
                GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (day, status) DO UPDATE SET n = t.n + EXCLUDED.n;
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE comment_status_counts AS t SET n = t.n - gone.n
                FROM (SELECT status, count(*) AS n FROM old_rows GROUP BY status) AS gone
                WHERE t.status = gone.status;
            UPDATE comment_day_counts AS t SET n = t.n - gone.n
                FROM (SELECT created_at::date AS day, status, count(*) AS n FROM old_rows
                      GROUP BY 1, 2) AS gone
                WHERE t.day = gone.day AND t.status = gone.status;
        ELSE  -- UPDATE: the net change per key; nothing to write when status and day stay
            INSERT INTO comment_status_counts AS t (status, n)
                SELECT status, sum(d) FROM (
                    SELECT status, 1 AS d FROM new_rows
                    UNION ALL SELECT status, -1 FROM old_rows) AS moved
                GROUP BY status HAVING sum(d) <> 0 ORDER BY status
                ON CONFLICT (status) DO UPDATE SET n = t.n + EXCLUDED.n;
            INSERT INTO comment_day_counts AS t (day, status, n)
                SELECT day, status, sum(d) FROM (
                    SELECT created_at::date AS day, status, 1 AS d FROM new_rows
                    UNION ALL SELECT created_at::date, status, -1 FROM old_rows) AS moved
                GROUP BY day, status HAVING sum(d) <> 0 ORDER BY day, status
                ON CONFLICT (day, status) DO UPDATE SET n = t.n + EXCLUDED.n;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION comments_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM comment_status_counts;
        DELETE FROM comment_day_counts;
        RETURN NULL;
    END
    $$
    """,
    # One trigger per event: PostgreSQL allows transition tables only on single-event
    # triggers, and not with an UPDATE OF column list (hence the net change above).
    """
    CREATE TRIGGER comments_tally_insert AFTER INSERT ON comments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_tally()
    """,
    """
    CREATE TRIGGER comments_tally_delete AFTER DELETE ON comments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_tally()
    """,
    """
    CREATE TRIGGER comments_tally_update AFTER UPDATE ON comments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_tally()
    """,
    # TRUNCATE (also TRUNCATE articles CASCADE) fires no delete triggers: empty the tallies.
    """
    CREATE TRIGGER comments_tally_truncate AFTER TRUNCATE ON comments
    FOR EACH STATEMENT EXECUTE FUNCTION comments_tally_truncate()
    """,
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS comments_tally_truncate ON comments",
    "DROP TRIGGER IF EXISTS comments_tally_update ON comments",
    "DROP TRIGGER IF EXISTS comments_tally_delete ON comments",
    "DROP TRIGGER IF EXISTS comments_tally_insert ON comments",
    "DROP FUNCTION IF EXISTS comments_tally_truncate()",
    "DROP FUNCTION IF EXISTS comments_tally()",
)

DAY_OF = {"sqlite": "date(created_at)", "postgresql": "CAST(created_at AS DATE)"}


def _dialect() -> str:
    name = op.get_bind().dialect.name
    if name not in DAY_OF:
        raise NotImplementedError(f"comment tally triggers are written for SQLite and "
                                  f"PostgreSQL, not {name}")
    return name


def upgrade():
    dialect = _dialect()
    op.create_table('comment_status_counts',
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('status')
    )
    op.create_table('comment_day_counts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'status')
    )
    # Triggers first: on PostgreSQL, CREATE TRIGGER locks out writers to comments until
    # this migration commits, so no comment slips between the backfill and the triggers.
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRESQL_TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO comment_status_counts (status, n) "
               "SELECT status, count(*) FROM comments GROUP BY status")
    day = DAY_OF[dialect]
    op.execute(f"INSERT INTO comment_day_counts (day, status, n) "
               f"SELECT {day}, status, count(*) FROM comments GROUP BY {day}, status")


def downgrade():
    for statement in SQLITE_DROP if _dialect() == "sqlite" else POSTGRESQL_DROP:
        op.execute(statement)
    op.drop_table('comment_day_counts')
    op.drop_table('comment_status_counts')
