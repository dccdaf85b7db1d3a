"""The rendered-HTML cache stays within its byte budget, evicting the least recent."""

from __future__ import annotations

from flask import Flask

from blogapp.render_cache import _store, cached, peek


def test_cache_is_bounded_in_bytes_and_keeps_recent_entries():
    app = Flask(__name__)
    app.config["RENDER_CACHE_MB"] = 1
    with app.app_context():
        page = "x" * 100_000
        for n in range(50):  # 5 MB offered to a 1 MB budget
            cached("page", n, lambda n=n: page + str(n))
            peek("page", 0)  # keep the first one in use
        store = _store()
        assert store.size <= 1024 * 1024
        assert peek("page", 0) is not None and peek("page", 49) is not None
        assert peek("page", 1) is None


def test_an_entry_larger_than_a_quarter_of_the_budget_is_not_kept():
    app = Flask(__name__)
    app.config["RENDER_CACHE_MB"] = 1
    with app.app_context():
        assert cached("page", "huge", lambda: "y" * 400_000) == "y" * 400_000
        assert peek("page", "huge") is None


def test_text_is_counted_by_the_bytes_it_holds():
    app = Flask(__name__)
    app.config["RENDER_CACHE_MB"] = 1
    with app.app_context():
        cached("page", "ascii", lambda: "a" * 1000)
        cached("page", "wide", lambda: "\u201c" * 1000)  # curly quotes: 2 bytes each
        store = _store()
        assert 2000 + 1000 < store.size < 2000 + 1000 + 200


def test_evictions_hand_memory_back_to_the_allocator(monkeypatch):
    import blogapp.render_cache as render_cache

    calls = []
    monkeypatch.setattr(render_cache, "_malloc_trim", lambda: calls.append)
    app = Flask(__name__)
    app.config["RENDER_CACHE_MB"] = 1
    with app.app_context():
        for n in range(30):  # 3 MB through a 1 MB budget
            cached("page", n, lambda n=n: "x" * 100_000 + str(n))
    assert len(calls) >= 3 and set(calls) == {0}
