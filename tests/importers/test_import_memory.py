"""Memory stays flat however large the export: ten times the comments, the same memory.

Each import runs in a process of its own (tests/importers/measure_import.py), so the peak
resident memory measured is that import's alone. tracemalloc slows Python about seven-fold,
so it runs on the smaller files here; `python -m tests.importers.measure_import 50000
--tracemalloc` gives the 50,000-comment figure quoted in the README.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.importers.figures import FIGURES

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def measure(comments: int, trace: bool = False) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.importers.measure_import", str(comments),
         *(["--tracemalloc"] if trace else [])],
        cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["comments"] == comments
    FIGURES.append(
        f"import of {comments:,} comments ({figures['file_mb']} MB WXR) on SQLite: "
        f"{figures['seconds']} s, peak RSS +{figures['rss_delta_mb']} MB"
        + (f", tracemalloc peak {figures['tracemalloc_peak_mb']} MB" if trace else ""))
    return figures


def test_50000_comments_import_in_flat_memory():
    small, large = measure(5_000), measure(50_000)
    assert large["rss_delta_mb"] < 100, large
    # ten times the file costs no more than a few MB more (caches filling, not growth)
    assert large["rss_delta_mb"] < small["rss_delta_mb"] + 20, (small, large)


def test_the_python_heap_peak_does_not_grow_with_the_file():
    small, large = measure(1_000, trace=True), measure(5_000, trace=True)
    assert large["tracemalloc_peak_mb"] < 20, large
    assert large["tracemalloc_peak_mb"] < 2 * small["tracemalloc_peak_mb"] + 2, (small, large)
