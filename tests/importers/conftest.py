"""Figures the import tests measure, printed at the end of the run."""

from __future__ import annotations

from tests.importers.figures import FIGURES


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("import figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
