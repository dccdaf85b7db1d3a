"""The suite's own promise (tests/conftest.py): a test marked `one_engine` is collected on
SQLite only, its PostgreSQL copy deselected rather than skipped; unmarked database tests
keep both copies. Checked over whatever this run collected."""

from __future__ import annotations

import pytest

from tests.conftest import BOTH_ENGINES, ONE_ENGINE


def engine_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database_url") if callspec else None


@pytest.mark.skipif(BOTH_ENGINES, reason="BLOGAPP_TEST_BOTH_ENGINES=1 runs every copy")
def test_marked_tests_are_collected_on_sqlite_only(request):
    marked = {item.nodeid: engine_of(item) for item in request.session.items
              if item.get_closest_marker("one_engine") and engine_of(item)}
    assert {nodeid for nodeid, engine in marked.items() if engine != ONE_ENGINE} == set()


def test_this_test_runs_on_both_engines(request, database_url):
    """Unmarked: both copies are collected (when PostgreSQL is configured, both run)."""
    engines = {engine_of(item) for item in request.session.items
               if item.originalname == request.node.originalname}
    assert engines == {"sqlite", "postgresql"}
