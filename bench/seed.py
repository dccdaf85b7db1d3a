"""Bench databases: migrate from empty, then bulk-load articles and threaded comments.

Rows go in through the driver (executemany on SQLite inside one transaction with
``synchronous=OFF``; COPY on PostgreSQL), with comment HTML rendered by the app's own
sanitizer once per distinct text, so seeding a million comments takes seconds, not hours.
The measured article ("bench-article", ~3 KB of Markdown, 100 approved threaded comments)
is the same in every database, so its page is byte-for-byte comparable across them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from blogapp import create_app
from blogapp.comments.avatars import avatar_seed
from blogapp.extensions import db
from blogapp.models import Role, User
from blogapp.models.base import utcnow
from blogapp.sanitize import render_article, render_comment

ARTICLE_SLUG = "bench-article"
STAFF_EMAIL = "bench-owner@example.com"
STAFF_PASSWORD = "bench password, not secret"
SEED_SECRET = "bench-seed-secret, 32 bytes or longer"
COMMENTS_PER_ARTICLE = 100
THREAD_DEPTH = 5  # the app's default thread_depth
BATCH = 20_000

# Share of each status among the filler comments of the scale databases (P4).
STATUS_MIX = (("approved", 0.85), ("pending", 0.05), ("spam", 0.07), ("trash", 0.03))

ARTICLE_TITLE = "What a Cache Key Should Know"
ARTICLE_BODY = """\
Every page a blog serves is built from a handful of facts: the article, the comments
readers left under it, and who is asking. Most of those facts change rarely. An article is
written once and edited a few times; a popular thread gains a comment every few minutes;
the reader's identity matters only for the form at the bottom of the page.

## Rendering once, serving many times

The cheapest work is the work that is never repeated. Markdown is turned into HTML when
the author saves, not when a reader visits. A comment is sanitized when it is written,
and the safe HTML is stored next to the text. By the time a reader asks for the page,
the expensive transformations are already done and the server only has to *assemble*.

Assembling still costs something. A template engine walks a tree of nodes, escapes
strings, formats dates and concatenates fragments. For a thread of a hundred comments
that is thousands of small operations, repeated for every reader, although the result
only changes when a comment is approved, edited or removed.

## A version number instead of a guess

The trick is to give the thread a version. Every change that readers can see bumps a
counter on the article, in the same transaction that makes the change. The rendered
thread is stored under a key that includes this counter:

```
comments:<article id>:<version>:<page>
```

A reader who arrives after a new comment was approved reads the new counter, misses the
cache once, renders the thread and stores it for everyone after them. Nothing is ever
invalidated by hand, and several processes (or several machines) agree on what is fresh
because the counter lives in the database they share.

## Letting the browser help

The same counter makes a good validator. Combined with the article's own revision it
forms an entity tag; a browser or a CDN that already holds the page sends it back in
`If-None-Match`, and the server can answer *304 Not Modified* after a single indexed
lookup, without rendering anything at all:

- the request names an article that exists and is published;
- the article's revision and comment version match the tag;
- nothing about the reader changes the page (no held comment of theirs to show).

## What not to cache

Some parts of the page are personal. The form carries a token that proves it was handed
out a few seconds before the post, and a reader whose comment is waiting for moderation
sees it in place with a note. Those parts must be rendered per request, or filled in
after the shared part is served. Keeping them small keeps the page fast.

## Measuring honestly

A number on its own means little: a laptop and a server differ by a factor of ten. The
useful figure is a ratio: how close does the real page come to a trivial application
that returns the same number of bytes through the same server? That ceiling moves with
the machine; the ratio does not, and it tells you how much of the budget the application
itself spends.

> Measure first, then cache what you measured, then measure again.

The rest is bookkeeping: counts kept by the same transaction that changes them, indexes
that match the queries, and pagination that does not scan what it skips.
"""

COMMENT_TEXTS = (
    "Great write-up, thanks. The part about version numbers finally made it click for me.",
    "I disagree a little: a cache that is never invalidated by hand still needs a plan for "
    "memory. What happens when a thousand articles each keep ten versions around?",
    "We did exactly this at work and our page times went from 180 ms to 9 ms. The trick "
    "was keeping the personal bits out of the cached fragment.",
    "Could you say more about the CDN part? Does the ETag survive when the reader is "
    "logged in?\n\nWe have staff accounts that see extra buttons on every page.",
    "Nice. See also https://example.org/caching-notes for a longer discussion of "
    "validators and weak tags.",
    "The quote at the end is the whole article in one line.",
    "<em>Measure first</em> is easier said than done when the staging machine is a toy.",
    "Honest question: why not just put the whole page in Redis and be done with it?",
    "Because the form token is per reader, I think. You would serve someone else's token.",
    "A counter per article is neat. We used updated_at instead and got bitten by clock "
    "skew between two app servers, so the counter is the better idea.",
    "Typo in the third section: \"validators\" is spelled right but the heading says "
    "\"Letting the browser help\" twice in the RSS version.",
    "Thanks for not recommending a home-made queue for once.",
    "This is the kind of post I bookmark. <strong>Ratios</strong> over raw numbers, yes.",
    "How do you count the 304s in your logs? Ours show them as cache hits at the edge, "
    "so the origin never sees most of them.",
    "Short and useful. More like this, please!",
    "I tried the fragment cache with a hundred comments and the template time dropped "
    "to almost nothing; the remaining cost was the session cookie, oddly enough.\n\n"
    "Turning off the session for anonymous readers fixed that.",
    "Is the comment version bumped when a comment is edited by a moderator, or only when "
    "it is approved?",
    "Edited too, I would hope, since readers see the edit.",
    "Pagination that does not scan what it skips: keyset pagination, for anyone "
    "searching for the term.",
    "Printed this out for our team meeting. Old school, I know.",
)
AUTHORS = (
    "Ada", "Brook", "Chen Wei", "Dara", "Elif", "Farid", "Gwen", "Hiro", "Ines", "Jonas",
    "Kofi", "Lena", "Mateo", "Noor", "Olu", "Priya", "Quinn", "Rosa", "Sami", "Tove",
)

COMMENT_COLUMNS = (
    "id", "article_id", "parent_id", "depth", "author", "email", "url", "avatar_seed",
    "content", "content_html", "status", "reasons_json", "spam_check", "spam_check_attempts",
    "blatant", "feedback_owed", "ip", "user_agent", "referrer", "user_id", "created_at",
    "updated_at",
)
ARTICLE_COLUMNS = (
    "id", "title", "slug", "body_md", "body_html", "excerpt", "status", "published_at",
    "comments_open", "author_id", "created_at", "updated_at", "comment_count",
    "comments_version",
)


@dataclass(frozen=True)
class Seeded:
    articles: int
    comments: int
    by_status: dict[str, int]
    seconds: float


def bench_app(url: str, instance: Path) -> Flask:
    """An app bound to the bench database (for migrating and seeding, not for serving)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SEED_SECRET,
                       "INSTANCE_PATH": str(instance), "BLOGAPP_ENV": "production",
                       "SITE_URL": "http://blog.bench"})


def reset_database(url: str) -> None:
    """Empty the bench database: delete the SQLite file, or drop PostgreSQL's public schema."""
    sa_url = sa.make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        path = Path(sa_url.database or "")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    if "bench" not in (sa_url.database or ""):
        raise SystemExit(f"refusing to wipe database {sa_url.database!r}: the bench only wipes "
                         "databases whose name contains 'bench' (e.g. blogapp_bench)")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def migrate(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


class _Pools:
    """Distinct texts rendered once by the app's sanitizer; rows pick from these."""

    def __init__(self) -> None:
        self.texts = [(t, render_comment(t)) for t in COMMENT_TEXTS]
        self.authors = [
            (name, f"{name.split()[0].lower()}@example.org",
             f"https://{name.split()[0].lower()}.example.net" if i % 3 == 0 else "",
             avatar_seed(SEED_SECRET, f"{name.split()[0].lower()}@example.org", name))
            for i, name in enumerate(AUTHORS)
        ]


def _reasons(status: str) -> str:
    return {
        "approved": '[{"code": "known-author", "message": "Approved before"}]',
        "pending": '[{"code": "new-author", "message": "First comment by this author"}]',
        "spam": '[{"code": "akismet-spam", "message": "Akismet says spam"}]',
        "trash": '[{"code": "moderator", "message": "Trashed by a moderator"}]',
    }[status]


def _pick_status(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for status, share in STATUS_MIX:
        acc += share
        if x < acc:
            return status
    return STATUS_MIX[0][0]


def thread_rows(article_id: int, first_id: int, count: int, start: datetime,
                rng: random.Random, pools: _Pools, *, mixed: bool) -> list[tuple]:
    """Return *count* comment rows for one article: about a third start a thread, the rest
    reply to an earlier approved comment no deeper than the thread limit."""
    rows: list[tuple] = []
    open_parents: list[tuple[int, int]] = []  # (id, depth) of approved comments
    for n in range(count):
        cid = first_id + n
        status = _pick_status(rng) if mixed else "approved"
        parent_id, depth = None, 1
        if open_parents and rng.random() < 0.65:
            parent_id, parent_depth = rng.choice(open_parents[-12:])
            depth = parent_depth + 1
        author, email, url, seed = pools.authors[rng.randrange(len(pools.authors))]
        text, html = pools.texts[rng.randrange(len(pools.texts))]
        created = start + timedelta(minutes=7 * n, seconds=rng.randrange(60))
        rows.append((
            cid, article_id, parent_id, depth, author, email, url, seed, text, html, status,
            _reasons(status), "ham" if status == "approved" else "spam" if status == "spam"
            else "disabled", 1, False, None, f"203.0.113.{cid % 250 + 1}",
            "Mozilla/5.0 (bench)", "", None, created, created,
        ))
        if status == "approved" and depth < THREAD_DEPTH:
            open_parents.append((cid, depth))
    return rows


def _insert(conn, table: str, columns: tuple[str, ...], rows: list[tuple], dialect: str) -> None:
    cursor = conn.cursor()
    try:
        if dialect == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def _staff_user() -> int:
    user = User(email=STAFF_EMAIL, display_name="Bench Owner", role=Role.OWNER.value)
    user.set_password(STAFF_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user.id


def seed(app: Flask, articles: int, comments_per_article: int = COMMENTS_PER_ARTICLE,
         *, log=print) -> Seeded:
    """Load *articles* published articles; the first is the measured one (100 approved
    threaded comments), the others carry a mix of approved, pending, spam and trash."""
    import time

    began = time.perf_counter()
    rng = random.Random(7)
    pools = _Pools()
    with app.app_context():
        author_id = _staff_user()
        body_html = render_article(ARTICLE_BODY)
        dialect = db.engine.dialect.name
        # One article an hour up to now, its comments over the following ~12 hours, so
        # that "the last 30 days" holds what a busy site's last month would.
        base = (utcnow() - timedelta(hours=articles, minutes=7 * comments_per_article + 60)
                ).replace(second=0, microsecond=0)
        raw = db.engine.raw_connection()
        try:
            if dialect == "sqlite":
                raw.cursor().execute("PRAGMA synchronous=OFF")
                # blogapp's connections leave transactions to the caller (database.py):
                # without this BEGIN every row would be a transaction of its own.
                raw.cursor().execute("BEGIN")
            by_status: dict[str, int] = {}
            article_rows: list[tuple] = []
            pending: list[tuple] = []
            next_id = 1
            total = 0
            for index in range(articles):
                article_id = index + 1
                start = base + timedelta(hours=index)
                rows = thread_rows(article_id, next_id, comments_per_article, start, rng, pools,
                                   mixed=index > 0)
                next_id += len(rows)
                approved = sum(1 for r in rows if r[10] == "approved")
                for r in rows:
                    by_status[r[10]] = by_status.get(r[10], 0) + 1
                slug = ARTICLE_SLUG if index == 0 else f"{ARTICLE_SLUG}-{article_id}"
                title = ARTICLE_TITLE if index == 0 else f"{ARTICLE_TITLE} ({article_id})"
                article_rows.append((
                    article_id, title, slug, ARTICLE_BODY, body_html, "", "published",
                    start, True, author_id, start, start, approved, approved,
                ))
                pending.extend(rows)
                if len(pending) >= BATCH or index == articles - 1:
                    _insert(raw, "articles", ARTICLE_COLUMNS, article_rows, dialect)
                    _insert(raw, "comments", COMMENT_COLUMNS, pending, dialect)
                    total += len(pending)
                    if total // 200_000 != (total - len(pending)) // 200_000:
                        log(f"  seeded {total:,} comments over {index + 1:,} articles")
                    article_rows, pending = [], []
            cursor = raw.cursor()
            if dialect == "postgresql":
                for table in ("articles", "comments"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
            raw.commit()
            # A maintained database has statistics (PostgreSQL's autovacuum gathers them).
            if dialect == "postgresql":
                cursor.close()
                raw.driver_connection.autocommit = True  # VACUUM refuses a transaction
                cursor = raw.cursor()
                cursor.execute("VACUUM ANALYZE")
            else:
                cursor.execute("ANALYZE")
                raw.commit()
            cursor.close()
        finally:
            raw.close()
            db.engine.dispose()
    return Seeded(articles=articles, comments=total, by_status=by_status,
                  seconds=time.perf_counter() - began)


def article_slugs(count: int) -> Iterator[str]:
    """Slugs of the seeded articles, the measured one first."""
    yield ARTICLE_SLUG
    for article_id in range(2, count + 1):
        yield f"{ARTICLE_SLUG}-{article_id}"
