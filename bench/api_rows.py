"""Rows A1 and A1-isso: the JSON API's thread GET (100 comments).

A1 compares blogapp's ``GET /api/v1/threads/article/<slug>`` with the bare-Flask ceiling
answering the very same bytes as JSON; A1-isso with Isso 0.14's thread GET of a
100-comment thread (``GET /?uri=...``), installed from PyPI and served by the same
gunicorn settings in the same run (bench/isso_peer.py)."""

from __future__ import annotations

import httpx

from bench import isso_peer, seed
from bench.servers import Server

API_PATH = f"/api/v1/threads/article/{seed.ARTICLE_SLUG}"
CEILING_TARGET, ISSO_TARGET = 0.50, 20.0
WORDS = ("night bus route city council riverside late shift workers fares timetable "
         "driver depot frequency ridership budget pilot stops shelter lighting safety "
         "schedule commuters service").split()


def thread_rows(bench, app: Server) -> None:
    from bench.run import TIMEOUT, USER_AGENT, WORK, Row

    headers = {"User-Agent": USER_AGENT}
    first = httpx.get(app.base + API_PATH, headers=headers, timeout=TIMEOUT)
    if first.status_code != 200:
        raise RuntimeError(f"API thread answered {first.status_code}: {first.text[:500]}")
    body, count = first.content, _comments(first.json())
    bench.log(f"API thread: {len(body):,} bytes, {count} comments on its page")
    body_file = WORK / "ceiling-api-body.json"
    body_file.write_bytes(body)
    ceiling = Server("bench.ceiling_app:app",
                     {"CEILING_BODY_FILE": str(body_file),
                      "CEILING_CONTENT_TYPE": "application/json"},
                     WORK / "ceiling-api.log", workers=bench.args.workers,
                     worker_class=bench.args.worker_class)
    bench.servers.append(ceiling)
    with ceiling:
        ceiling.start(ready_path="/page")
        top = bench.wrk(ceiling.base + "/page")
    ours = bench.wrk(app.base + API_PATH, headers=headers)
    row = Row("A1", "API thread GET, 100 comments (JSON)", result=ours)
    row.judge(top.rps, CEILING_TARGET, f"ceiling: bare Flask, same {len(body):,} bytes")
    row.extra = {"bytes": len(body), "comments_on_page": count, "ceiling": top.as_dict()}
    row.compared.append(top)
    bench.add(row)
    bench.attempt("A1-isso", isso_row, bench, ours)


def isso_row(bench, ours) -> None:
    from bench.run import WORK, Row

    isso = isso_peer.Isso(WORK)
    version = isso.install(log=bench.log)
    server = isso.server(bench.args.workers, bench.args.worker_class)
    bench.servers.append(server)
    with server:
        server.start(ready_path="/info")
        size = isso_peer.seed_thread(server.base, 100, list(WORDS))
        bench.log(f"Isso {version}: thread of 100 comments, {size:,} bytes")
        theirs = bench.wrk(isso_peer.thread_url(server.base))
    row = Row("A1-isso", f"API thread GET, 100 comments, vs Isso {version}", result=ours)
    row.judge(theirs.rps, ISSO_TARGET, f"Isso {version} GET /?uri= ({size:,} bytes)")
    row.target = f">= {ISSO_TARGET:g}x"
    row.extra = {"isso_version": version, "isso_bytes": size, "isso": theirs.as_dict()}
    row.compared.append(theirs)
    bench.add(row)


def _comments(thread: dict) -> int:
    def count(items: list) -> int:
        return sum(1 + count(c["replies"]) for c in items)

    return count(thread["comments"])
