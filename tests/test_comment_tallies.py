"""The comment tallies the triggers keep equal a fresh count of the comments, whatever path
changed them: the submit service, bulk inserts, moderator actions, bulk UPDATEs, deletes,
article deletes (ON DELETE CASCADE), purge, privacy erasure, rollbacks, the migration."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from flask import Flask, current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, text, update

from blogapp.comments import privacy, purge
from blogapp.comments.moderation import moderate
from blogapp.comments.queue import STATUSES, pending_count, status_counts
from blogapp.comments.settings import load_settings
from blogapp.extensions import db
from blogapp.models import Article, Comment, CommentDayCount, CommentStatus, CommentStatusCount
from blogapp.models.base import utcnow
from blogapp.moderation.dashboard import daily_counts
from blogapp.services.articles import delete_article, set_state
from tests.moderation_helpers import QUIET, add_comment, bulk_comments, new_article

APPROVED, PENDING = CommentStatus.APPROVED.value, CommentStatus.PENDING.value
SPAM, TRASH = CommentStatus.SPAM.value, CommentStatus.TRASH.value


@pytest.fixture
def app_config():
    return dict(QUIET)


@dataclass(frozen=True)
class Tallies:
    by_status: dict[str, int]
    by_day: dict[tuple[date, str], int]


def recount() -> Tallies:
    """Count the comments themselves, day by day in Python (an independent oracle)."""
    rows = db.session.execute(select(Comment.status, Comment.created_at)).all()
    by_status = Counter(status for status, _ in rows)
    by_day = Counter((created.date(), status) for status, created in rows)
    return Tallies(dict(by_status), dict(by_day))


def stored() -> Tallies:
    """Read both tally tables; a row holding 0 means the same as no row."""
    statuses = db.session.execute(select(CommentStatusCount.status, CommentStatusCount.n)).all()
    days = db.session.execute(
        select(CommentDayCount.day, CommentDayCount.status, CommentDayCount.n)).all()
    assert all(n >= 0 for *_, n in [*statuses, *days]), (statuses, days)
    return Tallies({status: n for status, n in statuses if n},
                   {(day, status): n for day, status, n in days if n})


def assert_tallies_match(app: Flask, when: str) -> None:
    with app.app_context():
        expected, actual = recount(), stored()
        assert actual.by_status == expected.by_status, when
        assert actual.by_day == expected.by_day, when
        # ... and the functions the pages call agree with them.
        assert status_counts() == {s: expected.by_status.get(s, 0) for s in STATUSES}, when
        assert pending_count() == expected.by_status.get(PENDING, 0), when
        start = datetime.combine(utcnow().date() - timedelta(days=29), time())
        wanted: dict[date, tuple[int, int]] = {}
        for (day, status), n in expected.by_day.items():
            if day >= start.date():
                total, spam = wanted.get(day, (0, 0))
                wanted[day] = (total + n, spam + (n if status == SPAM else 0))
        assert daily_counts(start) == wanted, when


# --- a moderation day, one step at a time --------------------------------------------------

@dataclass
class World:
    app: Flask
    now: datetime
    articles: list[int] = field(default_factory=list)

    def ids(self, status: str | None = None, article_id: int | None = None) -> list[int]:
        with self.app.app_context():
            query = select(Comment.id).order_by(Comment.id)
            if status is not None:
                query = query.where(Comment.status == status)
            if article_id is not None:
                query = query.where(Comment.article_id == article_id)
            return list(db.session.scalars(query))


def submitted(w: World) -> None:
    for n, status in enumerate((PENDING, APPROVED, APPROVED, SPAM, TRASH, PENDING)):
        add_comment(w.app, w.articles[n % 2], status, content=f"submitted {n}",
                    author=f"Reader {n}", email=f"reader{n}@example.org",
                    created_at=w.now - timedelta(days=n, minutes=5))


def bulk_inserted(w: World) -> None:
    bulk_comments(w.app, w.articles[0], 30, SPAM, created_at=w.now, step=timedelta(hours=5))
    bulk_comments(w.app, w.articles[1], 12, APPROVED, created_at=w.now - timedelta(days=40),
                  step=timedelta(hours=11))


def inserted_around_midnight(w: World) -> None:
    midnight = datetime.combine(w.now.date() - timedelta(days=3), time())
    rows = [{"article_id": w.articles[0], "content": "edge", "content_html": "<p>edge</p>",
             "status": status, "created_at": moment, "updated_at": moment}
            for status, moment in ((PENDING, midnight - timedelta(microseconds=1)),
                                   (PENDING, midnight), (SPAM, midnight),
                                   (SPAM, midnight + timedelta(hours=23, minutes=59)))]
    with w.app.app_context():
        db.session.execute(insert(Comment), rows)
        db.session.commit()


def one_approved(w: World) -> None:
    with w.app.app_context():
        assert moderate(w.ids(PENDING)[:1], "approve", None)


def many_trashed(w: World) -> None:
    with w.app.app_context():
        assert len(moderate(w.ids(SPAM)[:20], "trash", None)) == 20


def restored_by_bulk_update(w: World) -> None:
    with w.app.app_context():
        db.session.execute(update(Comment).where(Comment.status == TRASH)
                           .values(status=PENDING, updated_at=utcnow()))
        db.session.commit()


def moved_to_another_day(w: World) -> None:
    with w.app.app_context():
        comment = db.session.get(Comment, w.ids(SPAM)[0])
        comment.created_at -= timedelta(days=2)
        db.session.commit()


def erased_for_privacy(w: World) -> None:  # changes neither status nor day
    with w.app.app_context():
        assert privacy.erase("reader1@example.org", keep_text=False, actor_id=None,
                             secret=current_app.config["SECRET_KEY"]) == 1


def rolled_back(w: World) -> None:
    with w.app.app_context():
        db.session.execute(update(Comment).values(status=SPAM))
        db.session.execute(delete(Comment).where(Comment.status == SPAM))
        db.session.rollback()


def one_deleted_permanently(w: World) -> None:
    with w.app.app_context():
        assert moderate(w.ids(SPAM)[:1], "delete", None)


def one_deleted_by_the_orm(w: World) -> None:
    with w.app.app_context():
        db.session.delete(db.session.get(Comment, w.ids(APPROVED)[0]))
        db.session.commit()


def article_deleted_with_its_comments(w: World) -> None:
    assert w.ids(article_id=w.articles[1])
    with w.app.app_context():
        article = db.session.get(Article, w.articles[1])
        set_state(article, "trash")
        delete_article(article)
    assert not w.ids(article_id=w.articles[1])


def spam_emptied(w: World) -> None:
    with w.app.app_context():
        assert purge.empty(SPAM, None) > 0


def purged_by_age(w: World) -> None:
    old = w.ids(PENDING)[:2]
    assert old
    with w.app.app_context():
        db.session.execute(update(Comment).where(Comment.id.in_(old))
                           .values(status=TRASH, updated_at=w.now - timedelta(days=90)))
        db.session.commit()
        report = purge.purge(load_settings(current_app.config), now=utcnow())
    assert report.trash == len(old)


STEPS: list[Callable[[World], None]] = [
    submitted, bulk_inserted, inserted_around_midnight, one_approved, many_trashed,
    restored_by_bulk_update, moved_to_another_day, erased_for_privacy, rolled_back,
    one_deleted_permanently, one_deleted_by_the_orm, article_deleted_with_its_comments,
    spam_emptied, purged_by_age,
]


def test_tallies_match_a_recount_after_every_step(app):
    world = World(app, utcnow(), [new_article(app, "First"), new_article(app, "Second")])
    assert_tallies_match(app, "empty")
    for step in STEPS:
        step(world)
        assert_tallies_match(app, f"after {step.__name__}")
    assert world.ids(), "the steps should leave some comments behind"


# --- any sequence of changes ---------------------------------------------------------------

STATUS = st.sampled_from([s.value for s in CommentStatus])
OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("insert"), STATUS, st.integers(0, 40), st.integers(1, 5)),
    st.tuples(st.just("set"), STATUS, st.integers(0, 1000)),
    st.tuples(st.just("bulk_set"), STATUS, STATUS),
    st.tuples(st.just("delete"), st.integers(0, 1000)),
    st.tuples(st.just("move"), st.integers(0, 1000), st.integers(-3, 3)),
    st.tuples(st.just("delete_article"), st.integers(0, 1)),
), min_size=1, max_size=12)


def apply(operation: tuple, articles: list[int], now: datetime) -> None:
    kind, *args = operation
    ids = list(db.session.scalars(select(Comment.id).order_by(Comment.id)))
    if kind == "insert" and articles:
        status, days_ago, count = args
        created = now - timedelta(days=days_ago, hours=days_ago)
        db.session.execute(insert(Comment), [
            {"article_id": articles[n % len(articles)], "content": "x", "content_html": "x",
             "status": status, "created_at": created, "updated_at": created}
            for n in range(count)])
    elif kind == "set" and ids:
        db.session.get(Comment, ids[args[1] % len(ids)]).status = args[0]
    elif kind == "bulk_set":
        db.session.execute(update(Comment).where(Comment.status == args[0])
                           .values(status=args[1]))
    elif kind == "delete" and ids:
        db.session.execute(delete(Comment).where(Comment.id == ids[args[0] % len(ids)]))
    elif kind == "move" and ids:
        comment = db.session.get(Comment, ids[args[0] % len(ids)])
        comment.created_at += timedelta(days=args[1])
    elif kind == "delete_article" and articles:
        gone = articles.pop(args[0] % len(articles))
        db.session.execute(delete(Article).where(Article.id == gone))
    db.session.commit()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_sequence_of_changes_keeps_the_tallies_right(app, operations):
    with app.app_context():
        db.session.execute(delete(Comment))  # the previous example's rows, through the triggers
        db.session.execute(delete(Article))
        db.session.commit()
    assert_tallies_match(app, "emptied")
    articles = [new_article(app, "One"), new_article(app, "Two")]
    with app.app_context():
        now = utcnow()
        for operation in operations:
            apply(operation, articles, now)
    assert_tallies_match(app, f"after {operations}")


# --- the migration and the odd statements ------------------------------------------------------

def test_the_migration_counts_the_comments_already_there(app):
    from flask_migrate import downgrade, upgrade

    article_id = new_article(app)
    with app.app_context():
        downgrade(revision="d688cb060b4b")  # before the tallies: no tables, no triggers
    bulk_comments(app, article_id, 7, SPAM, step=timedelta(hours=9))
    bulk_comments(app, article_id, 3, PENDING, created_at=utcnow() - timedelta(days=3))
    with app.app_context():
        upgrade()
    assert_tallies_match(app, "after the upgrade")
    with app.app_context():
        assert status_counts() == {PENDING: 3, APPROVED: 0, SPAM: 7, TRASH: 0}


def test_postgresql_truncate_empties_the_tallies(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("TRUNCATE is PostgreSQL's")
    bulk_comments(app, new_article(app), 5, SPAM)
    with app.app_context():
        db.session.execute(text("TRUNCATE comments CASCADE"))
        db.session.commit()
        assert stored() == Tallies({}, {})
    bulk_comments(app, new_article(app, "Again"), 2, PENDING)
    assert_tallies_match(app, "after a truncate and new comments")


def test_postgresql_copy_counts_its_rows(app):
    """The bench seeds with COPY, which fires the statement triggers like an INSERT."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("COPY is PostgreSQL's")
    article_id = new_article(app)
    columns = ("article_id", "depth", "author", "email", "url", "avatar_seed", "content",
               "content_html", "status", "reasons_json", "spam_check", "spam_check_attempts",
               "blatant", "ip", "user_agent", "referrer", "created_at", "updated_at")
    now = utcnow()
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY comments ({', '.join(columns)}) FROM STDIN") as copy:
                for n in range(50):
                    created = now - timedelta(hours=7 * n)
                    copy.write_row((article_id, 1, "", "", "", "", "x", "x",
                                    (SPAM, APPROVED)[n % 2], "[]", "disabled", 0, False, "",
                                    "", "", created, created))
            raw.commit()
        finally:
            raw.close()
    assert_tallies_match(app, "after COPY")
    with app.app_context():
        assert status_counts()[SPAM] == status_counts()[APPROVED] == 25
