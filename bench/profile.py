"""`python -m bench.profile P1|P1-304|P2|P2-off|R-<kind>`: where one request's time goes,
in-process.

R-<kind> profiles a refused post: closed, bad-token, missing-token, honeypot, flood,
duplicate, cross-site, unknown (the article does not exist); P2-off is P2 with Akismet
off. Each post comes from its own address and email, as in the bench (flood control and
the duplicate check on).

Seeds the bench article (SQLite under bench/work/, or --url), drives the app's own test
client, and prints: milliseconds per request, the SQL statements per request with their
time, and a pyinstrument call tree (`pip install pyinstrument` into the venv). No server
and no network, so the figures are the application's own cost, without gunicorn's.
The same switches as the bench apply: flood and duplicate checks off, a loopback Akismet.
"""

from __future__ import annotations

import argparse
import os
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event

from bench import seed
from bench.run import ARTICLE_PATH, INPUT_RE, WORK

REFUSALS = {  # kind: (the answer's status, what the post changes)
    "closed": 403, "bad-token": 400, "missing-token": 400, "honeypot": 400, "flood": 429,
    "duplicate": 409, "cross-site": 403, "unknown": 404,
}
WORKLOADS = ("P1", "P1-304", "P2", "P2-off", *(f"R-{k}" for k in REFUSALS))


def build_app(url: str, spam_mode: str, akismet_url: str | None):
    from blogapp import create_app

    akismet = {"AKISMET_API_KEY": "test-key", "AKISMET_BLOG_URL": "http://blog.bench/",
               "AKISMET_API_URL": akismet_url} if akismet_url else {"AKISMET_API_KEY": ""}
    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-profile-secret, 32 bytes or longer",
        "INSTANCE_PATH": str(WORK / "instance"), "BLOGAPP_ENV": "production",
        "SITE_URL": "http://blog.bench",
        "DISCUSSION_FORM_MIN_SECONDS": 0, "SPAM_CHECK_MODE": spam_mode, **akismet,
        "PROXY_COUNT": 1,  # each post from its own address (X-Forwarded-For)
    })


def workload(app, name: str) -> Callable[[int], None]:
    """Return a function doing request number *n* of workload *name*."""
    if name == "P1":
        def get_page(n: int) -> None:
            response = app.test_client().get(ARTICLE_PATH)  # a new reader: no cookies
            assert response.status_code == 200, response.status_code
        return get_page

    client = app.test_client()
    page = client.get(ARTICLE_PATH)
    html = page.get_data(as_text=True)
    if name == "P1-304":
        etag = page.headers.get("ETag")
        if not etag:
            print("the app sends no ETag: P1-304 profiles a full 200 page")

        def conditional(n: int) -> None:
            response = client.get(ARTICLE_PATH, headers={"If-None-Match": etag or '"none"'})
            assert response.status_code in (200, 304), response.status_code
        return conditional

    token = re.search(INPUT_RE.format(name="form_token"), html).group(1)
    action = re.search(r'action="([^"]+)"[^>]*id="commentform"', html).group(1)
    kind = name.removeprefix("R-") if name.startswith("R-") else None
    if kind == "closed":
        from blogapp.extensions import db
        from blogapp.models import Article

        with app.app_context():
            db.session.get(Article, 1).comments_open = False
            db.session.commit()
    expected = REFUSALS.get(kind, 303)

    def post(n: int) -> None:
        who = f"{n % 250}.{n // 250 % 250}" if kind != "flood" else "0.0"
        fields = {"form_token": token, "author": f"Bench Reader {n}",
                  "email": f"reader{n}@example.org", "url": "https://reader.example.org/",
                  "comment_parent": "1" if n % 4 == 0 else "0", "contact_fax": "",
                  "comment": f"Profiled comment {n}: caching and versions, "
                             f"again {'on ' * (n % 9)}"}
        headers = {"X-Forwarded-For": f"10.9.{who}"}
        path = action
        if kind == "duplicate":
            fields.update(author="Bench Reader", email="reader@example.org",
                          comment="The same comment again", comment_parent="0")
        elif kind == "bad-token":
            fields["form_token"] = "1." + token[2:-4] + "AAAA"
        elif kind == "missing-token":
            del fields["form_token"]
        elif kind == "honeypot":
            fields["contact_fax"] = "+1 555 0100"
        elif kind == "cross-site":
            headers["Origin"] = "http://evil.example"
        elif kind == "unknown":
            path = action.replace(seed.ARTICLE_SLUG, f"no-such-article-{n}")
        # wrk and robots send no cookies: a fresh client, so no held-comment cookie
        response = app.test_client(use_cookies=False).post(path, data=fields,
                                                           headers=headers)
        want = 303 if (kind in ("duplicate", "flood") and n < 20) else expected
        if kind in ("duplicate", "flood") and n < 20:
            want = response.status_code  # the first of them is stored
        assert response.status_code == want, (response.status_code,
                                               response.get_data(as_text=True)[:500])
    return post


class SqlLog:
    """Count and time each distinct statement the requests run (this thread's); count
    those of background jobs apart."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.background: Counter[str] = Counter()
        self._thread = threading.get_ident()

    def __enter__(self) -> SqlLog:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, *args) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, *args) -> None:
        key = " ".join(statement.split())[:150]
        if threading.get_ident() != self._thread:
            self.background[key] += 1
            return
        self.count[key] += 1
        self.seconds[key] += time.perf_counter() - conn.info.pop("bench_started")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n")[0])
    p.add_argument("workload", choices=WORKLOADS)
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--spam-mode", default="thread", choices=("inline", "thread"))
    p.add_argument("--url", help="a bench database to use as it is (default: seed a fresh one)")
    p.add_argument("--no-tree", action="store_true",
                   help="skip the call tree (for counting instructions: see bench/profiles/)")
    args = p.parse_args(argv)

    from blogapp.comments.jobs import wait_for_jobs
    from blogapp.extensions import db
    from tests.akismet_server import FakeAkismet

    url = args.url or "sqlite:///" + str(WORK / "profile.sqlite3")
    if not args.url:
        seed.reset_database(url)
        seed_app = seed.bench_app(url, WORK / "instance")
        seed.migrate(seed_app)
        seed.seed(seed_app, 1)
    akismet = FakeAkismet().start()
    try:
        app = build_app(url, args.spam_mode,
                        None if args.workload == "P2-off" else akismet.url)
        do = workload(app, args.workload)
        for n in range(20):
            do(n)
        began, cpu = time.perf_counter(), time.process_time()
        for n in range(args.requests):
            do(100 + n)
        wait_for_jobs(app)  # the spam checks the posts owed are part of their cost
        plain_ms = (time.perf_counter() - began) / args.requests * 1000
        cpu_ms = (time.process_time() - cpu) / args.requests * 1000
        with app.app_context():
            engine = db.engine
        with SqlLog(engine) as sql:
            for n in range(args.requests):
                do(10_000 + n)
        wait_for_jobs(app)
        print(f"{args.workload}: {plain_ms:.2f} ms per request in-process, {cpu_ms:.2f} ms of "
              f"CPU (test client, no server; the loopback Akismet runs in this process "
              f"too), spam checks: {args.spam_mode}")
        print(f"SQL per request: {sum(sql.count.values()) / args.requests:.1f} statements, "
              f"{sum(sql.seconds.values()) / args.requests * 1000:.2f} ms")
        for key, n in sql.count.most_common():
            print(f"  {n / args.requests:5.2f}x {sql.seconds[key] / n * 1000:6.3f} ms  {key}")
        if sql.background:
            print(f"and {sum(sql.background.values()) / args.requests:.1f} per request in "
                  "background jobs (the spam check):")
            for key, n in sql.background.most_common():
                print(f"  {n / args.requests:5.2f}x  {key}")
        if args.no_tree:
            return 0
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("pip install pyinstrument for the call tree")
            return 0
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for n in range(args.requests):
            do(20_000 + n)
        profiler.stop()
        wait_for_jobs(app)
        out = Path(WORK / f"profile-{args.workload}.txt")
        out.write_text(profiler.output_text(unicode=False, color=False))
        show_all = bool(os.environ.get("PROFILE_ALL"))  # library frames too
        print(profiler.output_text(unicode=False, color=False, show_all=show_all))
        print(f"(call tree also in {out})")
    finally:
        akismet.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
