"""Figures the proofs print at the end of the run, gathered from every test process.

Tests run in several processes (pytest-xdist), and only the controller prints the
summary, so each process appends its figures to a file of its own in one directory the
controller chose; the controller reads them all at the end. Lines keep their order per
process; tallies (counts added up across parametrized tests) are summed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

DIR_ENV = "BLOGAPP_FIGURES_DIR"


def _write(entry: dict) -> None:
    directory = os.environ.get(DIR_ENV)
    if not directory:  # imported outside a pytest run
        return
    with open(Path(directory) / f"figures-{os.getpid()}.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def record(section: str, line: str) -> None:
    """Print *line* under the *section* heading at the end of the run."""
    _write({"section": section, "line": line})


def tally(section: str, name: str, **counts: int) -> None:
    """Add *counts* to the total named *name*, printed once under *section*."""
    _write({"section": section, "tally": name, "counts": counts})


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # an xdist worker: use the controller's directory
        os.environ[DIR_ENV] = workerinput[DIR_ENV]
    elif DIR_ENV not in os.environ:
        os.environ[DIR_ENV] = tempfile.mkdtemp(prefix="blogapp-figures-")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # xdist: hand the directory to each worker
    node.workerinput[DIR_ENV] = os.environ[DIR_ENV]


def pytest_terminal_summary(terminalreporter) -> None:
    if getattr(terminalreporter.config, "workerinput", None) is not None:
        return
    directory = Path(os.environ.get(DIR_ENV, ""))
    lines: dict[str, list[str]] = {}
    totals: dict[str, dict[str, dict[str, int]]] = {}
    for path in sorted(directory.glob("figures-*.jsonl")) if directory.is_dir() else []:
        for raw in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(raw)
            section = entry["section"]
            if "line" in entry:
                lines.setdefault(section, []).append(entry["line"])
            else:
                named = totals.setdefault(section, {}).setdefault(entry["tally"], {})
                for key, value in entry["counts"].items():
                    named[key] = named.get(key, 0) + value
        path.unlink()
    for section in sorted(set(lines) | set(totals)):
        terminalreporter.section(section)
        for line in lines.get(section, []):
            terminalreporter.write_line(line)
        for name, counts in totals.get(section, {}).items():
            terminalreporter.write_line(
                f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
