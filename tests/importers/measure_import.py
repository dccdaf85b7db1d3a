"""Import a generated WXR of N comments into a fresh SQLite blog and print what it cost.

Run in a process of its own (``python -m tests.importers.measure_import N [--tracemalloc]``)
so the peak resident memory it reports belongs to this import alone. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

COMMENTS_PER_POST = 100


def resident_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak so far) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def write_export(path: Path, comments: int) -> None:
    """A WXR of *comments* comments, 100 a post, threaded, approved and pending, streamed."""
    from tests.importers.files import wxr, wxr_comment, wxr_item

    head, tail = wxr("\x00").split("\x00")
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        comment_id = 0
        for post in range(1, comments // COMMENTS_PER_POST + 1):
            thread = []
            for n in range(COMMENTS_PER_POST):
                comment_id += 1
                thread.append(wxr_comment(
                    comment_id, author=f"Reader {comment_id % 997}",
                    email=f"reader{comment_id % 997}@example.org",
                    parent=comment_id - 1 if n % 4 else 0, approved="1" if n % 5 else "0",
                    content=f"Comment {comment_id}, with a link https://example.org/{n}"
                            "\n\nand a second paragraph."))
            out.write(wxr_item(post, title=f"Post {post}", name=f"post-{post}",
                               content="A paragraph of the post.\n\n" * 20, comments=thread))
        out.write(tail)


def main(comments: int, trace: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="blogapp-import-memory-") as work:
        return measure(Path(work), comments, trace)


def measure(work: Path, comments: int, trace: bool) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from blogapp import create_app
    from blogapp.extensions import db
    from blogapp.models import Comment

    app = create_app({"TESTING": True, "SECRET_KEY": "measure", "INSTANCE_PATH": str(work),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'blog.sqlite3'}",
                      "SERVER_NAME": "blog.test"})
    with app.app_context():
        upgrade()
    export = work / "export.xml"
    write_export(export, comments)
    runner = app.test_cli_runner()
    before = resident_mb("VmRSS")
    if trace:
        tracemalloc.start()
    started = time.monotonic()
    result = runner.invoke(args=["import", "wordpress", str(export)])
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    if result.exit_code != 0:
        raise SystemExit(result.output)
    with app.app_context():
        stored = db.session.scalar(select(func.count(Comment.id)))
        db.engine.dispose()
    return {"comments": stored, "file_mb": round(export.stat().st_size / 2**20, 1),
            "seconds": round(seconds, 1), "rss_delta_mb": round(resident_mb("VmHWM") - before, 1),
            "tracemalloc_peak_mb": round(peak, 1) if peak is not None else None}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), "--tracemalloc" in sys.argv[2:])))
