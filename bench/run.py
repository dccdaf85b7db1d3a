"""`python -m bench.run`: seed, serve blogapp and the ceiling with gunicorn, drive both with
wrk, print the table and write it as JSON to bench/results/.

    python -m bench.run                       # SQLite under bench/work/ (or DATABASE_URL)
    python -m bench.run --db postgresql       # DATABASE_URL, or a local blogapp_bench
    python -m bench.run --quick               # no million-row seeding (no P4, P5)
    python -m bench.run --only P1,P2 --duration 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa

from bench import api_rows, seed, write_rows, wrk
from bench.servers import ROOT, Server, cpu_seconds, machine_busy_seconds
from blogapp.embed.assets import WIDGET_BUDGET, widget_gzip_bytes

WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
ARTICLE_PATH = f"/articles/{seed.ARTICLE_SLUG}"
USER_AGENT = "blogapp-bench/1"
# A1: bench/api_rows.py; P2, P2-off, P3, P2-refused (one row per refusal), P6:
# bench/write_rows.py. --only takes them in any case.
WORKLOADS = ("P1", "P1-304", "A1", "P2", "P2-off", "P3", "P2-refused", "P6", "P4", "P5")
WRITE_WORKLOADS = ("P2", "P2-off", "P3", "P2-refused", "P6")
# Flood control and the duplicate check stay on: the app trusts one proxy, and each post
# names its own client address in X-Forwarded-For (bench/post_scripts.py).
PROXY = {"BLOGAPP_PROXY_COUNT": "1"}
AKISMET_DELAY = 0.150
QUEUE_TABS = ("pending", "approved", "spam", "trash")
INPUT_RE = r'<input[^>]*name="{name}"[^>]*value="([^"]*)"'
TIMEOUT = 120.0  # seconds for the bench's own requests (a cold million-row page is slow)


@dataclass
class Row:
    id: str
    name: str
    result: wrk.WrkResult | None = None
    reference: str = ""
    reference_rps: float | None = None
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    compared: list[wrk.WrkResult] = field(default_factory=list)  # the reference's runs

    def judge(self, reference_rps: float | None, minimum: float, reference: str) -> None:
        self.reference, self.reference_rps = reference, reference_rps
        self.target = f">= {minimum:.0%}"
        if self.result and reference_rps:
            self.ratio = self.result.rps / reference_rps
            self.ok = self.ratio >= minimum

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name,
                "result": self.result.as_dict() if self.result else None,
                "reference": self.reference,
                "reference_rps": round(self.reference_rps, 1) if self.reference_rps else None,
                "ratio": round(self.ratio, 3) if self.ratio is not None else None,
                "target": self.target, "ok": self.ok, "notes": self.notes, **self.extra}


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.url = database_url(args.db)
        self.dialect = sa.make_url(self.url).get_backend_name()
        self.secret = secrets.token_hex(32)
        self.rows: list[Row] = []
        self.info: dict = {}
        self.akismet = None
        self.servers: list[Server] = []

    # -- plumbing -------------------------------------------------------------------------

    def log(self, text: str) -> None:
        print(text, flush=True)

    def wrk(self, url: str, retries: int | None = None, **kw) -> wrk.WrkResult:
        """Run wrk against *url*; on a machine shared with other work, run again (up to
        --retries times) while other processes took more than --max-other-load of the CPU,
        and keep the cleanest run."""
        retries = self.args.retries if retries is None else retries
        best: wrk.WrkResult | None = None
        for attempt in range(retries + 1):
            result = self.wrk_once(url, **kw)
            if best is None or (result.other_load or 0) < (best.other_load or 0):
                best = result
            if (result.other_load or 0) <= self.args.max_other_load:
                break
            if attempt < retries:
                self.log(f"    other processes took {result.other_load:.0%} of the CPU; "
                         "measuring again")
                time.sleep(5)
        return best

    def wrk_once(self, url: str, **kw) -> wrk.WrkResult:
        """Run wrk against *url*, noting how much CPU other processes took meanwhile."""
        kw.setdefault("duration", self.args.duration)
        servers = [s for s in self.servers if s.proc is not None and s.proc.poll() is None]
        backends = self.database_pids()
        busy0, total0 = machine_busy_seconds()
        ours0 = (sum(s.cpu_seconds() for s in servers) + own_cpu_seconds()
                 + cpu_seconds(backends))
        result = wrk.run(url, threads=self.args.threads, connections=self.args.connections,
                         **kw)
        busy1, total1 = machine_busy_seconds()
        ours1 = (sum(s.cpu_seconds() for s in servers) + own_cpu_seconds()
                 + cpu_seconds(backends))
        other = (busy1 - busy0) - (ours1 - ours0)
        result.other_load = max(0.0, other / max(total1 - total0, 1e-9))
        return result

    def database_pids(self) -> list[int]:
        """PostgreSQL backends serving the bench database: their CPU is the app's, not
        other people's (the server runs on this machine)."""
        if self.dialect != "postgresql":
            return []
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                )).scalars())
        finally:
            engine.dispose()

    def app_env(self) -> dict[str, str]:
        env = {
            "SECRET_KEY": self.secret, "DATABASE_URL": self.url, "BLOGAPP_ENV": "production",
            "SITE_URL": "http://blog.bench",
            "BLOGAPP_INSTANCE_PATH": str(WORK / "instance"), **PROXY,
            "AKISMET_API_KEY": "test-key", "AKISMET_BLOG_URL": "http://blog.bench/",
            "AKISMET_API_URL": self.akismet.url,
        }
        if self.args.spam_mode:
            env["BLOGAPP_SPAM_CHECK_MODE"] = self.args.spam_mode
        return env

    def app_server(self, name: str) -> Server:
        server = Server("wsgi:app", self.app_env(), WORK / f"{name}.log",
                        workers=self.args.workers, worker_class=self.args.worker_class)
        self.servers.append(server)
        return server

    def ceiling(self, body: bytes, location: str = "/page", refuse_status: int = 400) -> Server:
        body_file = WORK / "ceiling-body.html"
        body_file.write_bytes(body)
        env = {"CEILING_BODY_FILE": str(body_file), "CEILING_LOCATION": location,
               "CEILING_REFUSE_STATUS": str(refuse_status)}
        server = Server("bench.ceiling_app:app", env, WORK / "ceiling.log",
                        workers=self.args.workers, worker_class=self.args.worker_class)
        self.servers.append(server)
        return server

    def fresh_database(self, articles: int) -> seed.Seeded:
        seed.reset_database(self.url)
        app = seed.bench_app(self.url, WORK / "instance")
        seed.migrate(app)
        seeded = seed.seed(app, articles, log=self.log)
        self.log(f"  seeded {seeded.articles:,} articles, {seeded.comments:,} comments "
                 f"{seeded.by_status} in {seeded.seconds:.1f}s")
        return seeded

    def scalar(self, sql: str) -> int:
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(sql)).scalar() or 0
        finally:
            engine.dispose()

    def selected(self, workload: str) -> bool:
        if self.args.only:
            return workload.upper() in self.args.only
        return not (self.args.quick and workload in ("P4", "P5"))

    # -- the run --------------------------------------------------------------------------

    def run(self) -> None:
        from http.server import ThreadingHTTPServer

        from tests.akismet_server import FakeAkismet

        # socketserver listens with a backlog of 5: at 16 concurrent checks the loopback
        # Akismet would refuse connections, which real Akismet does not.
        ThreadingHTTPServer.request_queue_size = 128
        WORK.mkdir(parents=True, exist_ok=True)
        self.akismet = FakeAkismet(delay=AKISMET_DELAY).start()
        self.info = machine_info(self.url)
        self.log(f"blogapp bench on {self.dialect} ({self.info['cpu']}, "
                 f"{self.info['nproc']} cores); wrk -t{self.args.threads} "
                 f"-c{self.args.connections} -d{self.args.duration:g}s; gunicorn "
                 f"-w {self.args.workers} -k {self.args.worker_class}")
        self.log("flood control and the duplicate check on: BLOGAPP_PROXY_COUNT=1, each post "
                 "from its own X-Forwarded-For address and email")
        try:
            if any(self.selected(w) for w in ("P1", "P1-304", "A1", *WRITE_WORKLOADS)):
                self.log("seeding the article database (1 article, 100 threaded comments)")
                self.fresh_database(1)
                with self.app_server("app") as app:
                    app.start(ready_path=ARTICLE_PATH)
                    if self.selected("P1") or self.selected("P1-304"):
                        self.attempt("P1", self.article_page, app)
                    if self.selected("A1"):  # before P2 and P3 add comments
                        self.attempt("A1", api_rows.thread_rows, self, app)
                    write_rows.post_rows(self, app)  # each row on its own
            if self.selected("P4") or self.selected("P5"):
                self.attempt("P4", self.scale)
        finally:
            self.akismet.stop()

    def attempt(self, name: str, step, *args) -> None:
        """Run one group of workloads; a failure becomes a row saying so, and the run goes
        on with the next group."""
        try:
            step(*args)
        except Exception as exc:  # reported in the table and the JSON, with the log's path
            self.log(f"{name} failed: {type(exc).__name__}: {exc}")
            row = Row(f"{name} (failed)", "the workload group stopped with an error")
            row.notes.append(f"{type(exc).__name__}: {str(exc)[:500]}")
            self.add(row)

    # -- P1 -------------------------------------------------------------------------------

    def article_page(self, app: Server) -> None:
        first = httpx.get(app.base + ARTICLE_PATH, headers={"User-Agent": USER_AGENT},
                          timeout=TIMEOUT)
        if first.status_code != 200:
            raise RuntimeError(f"article page answered {first.status_code}")
        body = first.content
        facts = {"bytes": len(body), "headers": header_facts(first)}
        self.log(f"article page: {len(body):,} bytes; {facts['headers']}")
        with self.ceiling(body) as ceiling:
            ceiling.start(ready_path="/page")
            if self.selected("P1"):
                row = Row("P1", "article page, 100 comments (new reader, no cookies)")
                top = self.wrk(ceiling.base + "/page")
                row.result = self.wrk(app.base + ARTICLE_PATH,
                                      headers={"User-Agent": USER_AGENT})
                row.judge(top.rps, 0.50, f"ceiling: bare Flask, same {len(body):,} bytes")
                row.extra = {"page": facts, "ceiling": top.as_dict()}
                row.compared.append(top)
                self.add(row)
            if self.selected("P1-304"):
                self.conditional_get(app, ceiling, first)

    def conditional_get(self, app: Server, ceiling: Server, first: httpx.Response) -> None:
        row = Row("P1-304", "article page, conditional GET (returning reader)")
        # A returning browser sends back its cookies and the validators it was given.
        with httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT) as client:
            page = client.get(app.base + ARTICLE_PATH)
            headers = {"User-Agent": USER_AGENT}
            cookie = cookie_header(client)
            if cookie:
                headers["Cookie"] = cookie
            if page.headers.get("ETag"):
                headers["If-None-Match"] = page.headers["ETag"]
            if page.headers.get("Last-Modified"):
                headers["If-Modified-Since"] = page.headers["Last-Modified"]
            if "If-None-Match" not in headers and "If-Modified-Since" not in headers:
                headers["If-None-Match"] = '"no-etag-was-sent"'
                row.notes.append("the app sends neither ETag nor Last-Modified: every "
                                 "conditional GET is answered 200 with the full page")
            again = client.get(app.base + ARTICLE_PATH, headers=headers)
        row.notes.append(f"probe answered {again.status_code} ({len(again.content):,} bytes)")
        top = self.wrk(ceiling.base + "/page",
                       headers={"If-None-Match": f'"{ceiling_etag()}"'})
        row.result = self.wrk(app.base + ARTICLE_PATH, headers=headers)
        row.judge(top.rps, 0.80, "ceiling: bare Flask answering 304")
        row.extra = {"probe_status": again.status_code,
                     "sent": sorted(k for k in headers if k != "Cookie")
                     + (["Cookie"] if "Cookie" in headers else []),
                     "ceiling": top.as_dict()}
        row.compared.append(top)
        self.add(row)

    # -- P2, P3 (bench/write_rows.py) -------------------------------------------------

    def owed(self) -> int:
        return self.scalar("SELECT count(*) FROM comments "
                           "WHERE spam_check IN ('owed', 'unavailable')")

    def drain(self, row: Row) -> None:
        """Wait (bounded) for spam checks left owed by the run, and report how long."""
        began = time.monotonic()
        owed = self.owed()
        while owed and time.monotonic() - began < self.args.drain_seconds:
            time.sleep(1.0)
            owed = self.owed()
        row.extra["drain_seconds"] = round(time.monotonic() - began, 1)
        row.extra["checks_still_owed"] = owed
        if owed:
            row.notes.append(f"{owed} spam checks still owed {self.args.drain_seconds:.0f}s "
                             "after the run (kept in the rows for `comments recheck`)")
        elif row.extra["drain_seconds"] >= 1:
            row.notes.append(f"owed spam checks done {row.extra['drain_seconds']:.0f}s "
                             "after the run")

    # -- P4, P5 ---------------------------------------------------------------------------

    def scale(self) -> None:
        small: dict[str, Row] = {}
        sizes = [("1k", 10), ("1M", 10_000)] if self.selected("P4") else [("1M", 10_000)]
        for label, articles in sizes:
            self.log(f"seeding the {label} database ({articles:,} articles x "
                     f"{seed.COMMENTS_PER_ARTICLE} comments)")
            seeded = self.fresh_database(articles)
            if self.selected("P4"):
                with self.app_server(f"app-{label}") as app:
                    app.start(ready_path=ARTICLE_PATH)
                    for row in self.scale_rows(app, label, seeded):
                        if label == "1k":
                            small[row.id] = row
                            self.log(f"{row.id}: " + (f"{row.result.rps:,.0f} req/s, p50 "
                                     f"{row.result.p50_ms:.2f} ms" if row.result else
                                     "; ".join(row.notes)))
                        else:
                            self.judge_scale(row, small.get(row.id.replace("1M", "1k")))
                            self.add(row)
            if label == "1M" and self.selected("P5"):
                self.memory(articles)

    def scale_rows(self, app: Server, label: str, seeded: seed.Seeded) -> list[Row]:
        duration = self.args.p4_duration
        rows = []
        ua = {"User-Agent": USER_AGENT}
        row = Row(f"P4 {label} article", f"article page ({label} comments)")
        row.result = self.wrk(app.base + ARTICLE_PATH, headers=ua, duration=duration)
        rows.append(row)
        cookie = staff_login(app.base)
        auth = {**ua, "Cookie": cookie}
        queue = httpx.get(app.base + "/admin/comments?status=pending", headers=auth,
                          timeout=TIMEOUT)
        for tab in QUEUE_TABS:
            first = f"/admin/comments?status={tab}"
            deep = None
            if queue.status_code == 200:
                # A tab with a single page (the small database's trash, say) is its own
                # deepest page.
                deep = deep_page(app.base, first, auth) or first
            for which, path in (("first", first), ("deep", deep)):
                row = Row(f"P4 {label} queue {tab} {which}", f"queue {tab}, {which} page")
                if queue.status_code != 200:
                    row.notes.append(f"not available: /admin/comments answered "
                                     f"{queue.status_code}")
                else:
                    row.result = self.wrk(app.base + path, headers=auth, duration=duration)
                    row.extra["path"] = path
                rows.append(row)
        row = Row(f"P4 {label} counts", f"dashboard with counts ({label} comments)")
        dash = httpx.get(app.base + "/admin/", headers=auth, timeout=TIMEOUT)
        if dash.status_code == 200:
            row.result = self.wrk(app.base + "/admin/", headers=auth, duration=duration)
        else:
            row.notes.append(f"not available: /admin/ answered {dash.status_code}")
        rows.append(row)
        for row in rows:
            row.extra["comments_in_db"] = seeded.comments
            if row.result and row.result.non_2xx_3xx:
                row.notes.append(f"{row.result.non_2xx_3xx} answers were not 2xx/3xx")
        return rows

    def judge_scale(self, row: Row, small: Row | None) -> None:
        row.name = row.name.replace("(1M comments)", "").strip() + " (1M vs 1k comments)"
        if small is None or small.result is None or row.result is None:
            row.target = ">= 67% (within 1.5x)"
            return
        row.judge(small.result.rps, 1 / 1.5, "same request, 1k comments")
        row.target = ">= 67% (within 1.5x)"
        row.extra["small"] = small.result.as_dict()
        row.compared.append(small.result)
        row.extra["p99_vs_small"] = round(row.result.p99_ms / max(small.result.p99_ms, 1e-9), 2)

    def memory(self, articles: int) -> None:
        row = Row("P5", f"RSS per worker after {self.args.p5_requests:,} requests "
                  f"(article pages: 90% the 50 newest, 10% any of {articles:,})")
        script = write_rotate_script(WORK / "rotate.lua", articles)
        with self.app_server("app-p5") as app:
            app.start(ready_path=ARTICLE_PATH)
            rss_start = app.worker_rss_mb()
            pids = sorted(rss_start)
            total, seconds, results = 0, 0.0, []
            began = time.monotonic()
            while total < self.args.p5_requests:
                left = self.args.p5_max_seconds - (time.monotonic() - began)
                if left < 5:
                    row.notes.append(f"stopped after {self.args.p5_max_seconds:.0f}s with "
                                     f"{total:,} requests")
                    break
                result = self.wrk(app.base + ARTICLE_PATH, script=script, retries=0,
                                  duration=min(30.0, left))
                results.append(result)
                total += result.requests
                seconds += result.seconds
            rss_end = app.worker_rss_mb()
            if sorted(rss_end) != pids:
                row.notes.append("a worker was replaced during the run")
        peak = max(rss_end.values())
        row.name = (f"RSS per worker after {total:,} requests (article pages: 90% the 50 "
                    f"newest, 10% any of {articles:,})")
        row.result = wrk.WrkResult(
            rps=total / seconds if seconds else 0.0,
            p50_ms=max(r.p50_ms for r in results), p99_ms=max(r.p99_ms for r in results),
            requests=total, seconds=seconds,
            non_2xx_3xx=sum(r.non_2xx_3xx for r in results),
            statuses=merge_statuses(r.statuses for r in results),
            command=results[0].command if results else "",
            other_load=max((r.other_load or 0.0 for r in results), default=None))
        row.reference, row.target = "100 MB per worker", "<= 100 MB"
        row.ok = peak <= 100 and total >= self.args.p5_requests
        row.extra = {"rss_start_mb": {str(k): round(v, 1) for k, v in rss_start.items()},
                     "rss_end_mb": {str(k): round(v, 1) for k, v in rss_end.items()},
                     "rss_peak_mb": round(peak, 1)}
        row.notes.append(f"RSS per worker {fmt_mb(rss_start)} at start -> {fmt_mb(rss_end)} "
                         "after")
        self.add(row)

    # -- output ---------------------------------------------------------------------------

    def add(self, row: Row) -> None:
        self.rows.append(row)
        r = row.result
        shown = (f"{r.rps:,.0f} req/s, p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, "
                 f"other load {r.other_load or 0:.0%}" if r else "not measured")
        ratio = "" if row.ratio is None else f", {row.ratio:.0%} of {row.reference_rps:,.0f}" \
            if row.reference_rps else f", ratio {row.ratio:.2f} (target {row.target})"
        self.log(f"{row.id}: {shown}{ratio}" + "".join(f"\n    {n}" for n in row.notes))

    def report(self) -> Path:
        date = dt.date.today().isoformat()
        partial = "-partial" if (self.args.only or self.args.quick) else ""
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{date}-{self.dialect}{partial}.json"
        payload = {
            "date": dt.datetime.now().isoformat(timespec="seconds"), "database": self.dialect,
            "machine": self.info,
            "settings": {"wrk": f"-t{self.args.threads} -c{self.args.connections} "
                                f"-d{self.args.duration:g}s --latency",
                         "p4_duration_s": self.args.p4_duration,
                         "gunicorn": f"-w {self.args.workers} -k {self.args.worker_class}",
                         "client_address": "BLOGAPP_PROXY_COUNT=1, X-Forwarded-For per "
                                           "post; flood control and duplicate check on",
                         "max_other_load": self.args.max_other_load,
                         "retries": self.args.retries,
                         "spam_check_mode": self.args.spam_mode or "app default",
                         "akismet": f"loopback FakeAkismet (P3: {AKISMET_DELAY * 1000:.0f} ms)"},
            "rows": [row.as_dict() for row in self.rows],
        }
        path.write_text(json.dumps(payload, indent=2) + "\n")
        print()
        print(table(self.rows, self.info, self.dialect))
        print(f"\nraw results: {path.relative_to(ROOT)}")
        size = widget_gzip_bytes(ROOT / "static")
        print(f"embed widget (/embed.js + /embed.css, gzipped): {size:,} bytes "
              f"(budget {WIDGET_BUDGET:,})")
        return path


# -- helpers ------------------------------------------------------------------------------


def own_cpu_seconds() -> float:
    """CPU time of this process (the loopback Akismet lives here) and its finished
    children (each wrk run)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def database_url(choice: str | None) -> str:
    env = os.environ.get("DATABASE_URL", "")
    if choice is None:
        choice = "postgresql" if env.startswith("postgres") else "sqlite"
    if choice == "sqlite":
        if env.startswith("sqlite"):
            return env
        return "sqlite:///" + str(WORK / "bench.sqlite3")
    url = env if env.startswith("postgres") else \
        "postgresql+psycopg://postgres@127.0.0.1:5432/blogapp_bench"
    url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    ensure_postgres_database(url)
    return url


def ensure_postgres_database(url: str) -> None:
    target = sa.make_url(url)
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        engine.dispose()


def machine_info(url: str) -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text(
                "SELECT sqlite_version()" if url.startswith("sqlite") else "SHOW server_version"
            )).scalar()
    finally:
        engine.dispose()
    wrk_version = subprocess.run([wrk.require_wrk(), "--version"], capture_output=True,
                                 text=True).stdout.split("\n")[0]
    import gunicorn

    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "python": platform.python_version(), "gunicorn": gunicorn.__version__,
            "wrk": wrk_version.strip(), "database_version": str(version)}


def header_facts(response: httpx.Response) -> dict:
    h = response.headers
    return {"etag": h.get("ETag"), "last_modified": h.get("Last-Modified"),
            "cache_control": h.get("Cache-Control"), "vary": h.get("Vary"),
            "sets_cookie": sorted({c.split("=", 1)[0] for c in h.get_list("Set-Cookie")})}


def ceiling_etag() -> str:
    from bench.ceiling_app import ETAG

    return ETAG


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)


def seed_roots(url: str) -> list[int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(
                "SELECT id FROM comments WHERE article_id = 1 AND parent_id IS NULL "
                "AND status = 'approved' ORDER BY id LIMIT 8")).scalars())
    finally:
        engine.dispose()


def write_rotate_script(path: Path, articles: int) -> Path:
    """Nine requests in ten go to the 50 newest articles, the tenth to any of them (the
    long tail crawlers and old links bring), so per-article caches are filled as in life."""
    body = f"""
local n = 0
function request()
  n = n + 1
  local i
  if n % 10 == 0 then
    i = (n * 7919 + tid * 104729) % {articles} + 1
  else
    i = {articles} - (n * 31 + tid * 17) % 50
  end
  if i == 1 then return wrk.format("GET", "/articles/{seed.ARTICLE_SLUG}") end
  return wrk.format("GET", "/articles/{seed.ARTICLE_SLUG}-" .. i)
end
"""
    return wrk.write_script(path, body, headers={"User-Agent": USER_AGENT})


def staff_login(base: str) -> str:
    with httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT) as client:
        page = client.get(base + "/login").text
        token = re.search(INPUT_RE.format(name="csrf_token"), page)
        if not token:
            raise RuntimeError("no csrf_token on the login page")
        answer = client.post(base + "/login", data={
            "email": seed.STAFF_EMAIL, "password": seed.STAFF_PASSWORD,
            "csrf_token": token.group(1)})
        if answer.status_code != 302:
            raise RuntimeError(f"staff login answered {answer.status_code}")
        return cookie_header(client)


NEXT_LINK = re.compile(r'<a\b[^>]*href="([^"]*(?:before|page|cursor)=[^"]*)"[^>]*>', re.I)


def deep_page(base: str, first: str, headers: dict[str, str], hops: int = 30) -> str | None:
    """Follow the queue's "older" links *hops* times (keyset cursors cannot be guessed);
    return the deepest *full* page reached, None when there is none below the first.

    A page that links to an older one holds a whole page of rows; the last page of a small
    tab may hold two, and comparing a full page at 1M with a nearly empty one at 1k would
    measure the page size, not the depth."""
    path, deepest_full = first, None
    status = dict(x.split("=", 1) for x in urlsplit(first).query.split("&"))["status"]
    for _ in range(hops):
        html = httpx.get(base + path, headers=headers, timeout=TIMEOUT).text
        links = [link.replace("&amp;", "&") for link in NEXT_LINK.findall(html)]
        older = [link for link in links if f"status={status}" in link
                 and ("before=" in link or "cursor=" in link or "page=" in link)
                 and "after=" not in link and link != path]
        if not older:
            return deepest_full
        if path != first:
            deepest_full = path
        path = older[-1]
    return path


def merge_statuses(parts) -> dict[int, int]:
    out: dict[int, int] = {}
    for part in parts:
        for code, n in part.items():
            out[code] = out.get(code, 0) + n
    return out


def fmt_mb(rss: dict[int, float]) -> str:
    return "/".join(f"{v:.0f}" for _, v in sorted(rss.items())) + " MB"


def table(rows: list[Row], info: dict, dialect: str) -> str:
    head = (f"blogapp bench, {dt.date.today().isoformat()}, {dialect}, "
            f"{info['nproc']} x {info['cpu']}")
    lines = [head, "",
             "| row | workload | req/s | p50 ms | p99 ms | reference (req/s) | ratio | target |"
             " verdict | other load |",
             "|---|---|---:|---:|---:|---|---:|---|---|---:|"]
    for row in rows:
        r = row.result
        ref = f"{row.reference} ({row.reference_rps:,.0f})" if row.reference_rps else \
            row.reference or "-"
        if row.id == "P5" and r:
            ratio = f"{row.extra['rss_peak_mb']:.0f} MB"
        else:
            ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x" if re.match(
                r"[<>]= [\d.]+x", row.target) or row.target == "context" else f"{row.ratio:.0%}"
        verdict = {True: "meets", False: "misses", None: "n/a"}[row.ok]
        if r is None:
            verdict = "not available" if any("not available" in n for n in row.notes) else "-"
        lines.append(
            f"| {row.id} | {row.name} | {f'{r.rps:,.0f}' if r else '-'} | "
            f"{f'{r.p50_ms:.2f}' if r else '-'} | {f'{r.p99_ms:.2f}' if r else '-'} | {ref} | "
            f"{ratio} | {row.target or '-'} | {verdict} | {other_load(row)} |")
    lines.append("")
    lines.append("other load: share of the machine's CPU taken by processes outside the bench "
                 "during the row's runs (the larger of the app's and the reference's); figures "
                 "taken while it is high are low.")
    return "\n".join(lines)


def other_load(row: Row) -> str:
    loads = [r.other_load for r in (row.result, *row.compared) if r and r.other_load is not None]
    return f"{max(loads):.0%}" if loads else "-"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--db", choices=("sqlite", "postgresql"),
                   help="default: DATABASE_URL's engine, else SQLite under bench/work/")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (10)")
    p.add_argument("--p4-duration", type=float, default=5.0, help="seconds per P4 run (5)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--worker-class", default="sync")
    p.add_argument("--spam-mode", choices=("inline", "thread", "rq"),
                   help="SPAM_CHECK_MODE for the app (default: the app's own default)")
    p.add_argument("--only", type=lambda s: {x.strip().upper() for x in s.split(",")},
                   help=f"comma-separated subset of {','.join(WORKLOADS)}")
    p.add_argument("--quick", action="store_true", help="skip P4 and P5")
    p.add_argument("--p5-requests", type=int, default=100_000)
    p.add_argument("--p5-max-seconds", type=float, default=300.0)
    p.add_argument("--max-other-load", type=float, default=0.15,
                   help="measure again when other processes took more of the CPU (0.15)")
    p.add_argument("--retries", type=int, default=2,
                   help="how many times to measure again under other load (2)")
    p.add_argument("--drain-seconds", type=float, default=180.0,
                   help="how long to wait for owed spam checks after P2 and P3, before "
                        "the next row (180)")
    args = p.parse_args(argv)
    if args.only and not args.only <= {w.upper() for w in WORKLOADS}:
        p.error(f"--only takes {','.join(WORKLOADS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk.require_wrk()
    bench = Bench(args)
    try:
        bench.run()
    finally:
        if bench.rows:
            bench.report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
