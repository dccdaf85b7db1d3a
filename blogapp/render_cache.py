"""A small per-process LRU for rendered HTML, bounded in bytes.

Keys always carry a version read from the database in the same request (an article's
comments_version, its timestamps, the settings in force), so every worker and every host
agrees on what is current without any cross-process invalidation. The budget counts len()
(characters or bytes) across all names (RENDER_CACHE_MB, default 24 per worker process).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sized
from typing import Any, TypeVar

from flask import Flask, current_app

V = TypeVar("V", bound=Sized)

_lock = threading.Lock()


class _Store:
    def __init__(self, budget: int) -> None:
        self.entries: OrderedDict[tuple, Any] = OrderedDict()
        self.size = 0
        self.budget = budget

    def get(self, key: tuple) -> Any:
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def put(self, key: tuple, value: Sized) -> None:
        if len(value) > self.budget // 4:
            return  # one huge page must not empty the cache
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old)
        self.entries[key] = value
        self.size += len(value)
        while self.size > self.budget:
            _, evicted = self.entries.popitem(last=False)
            self.size -= len(evicted)


def _store(app: Flask | None = None) -> _Store:
    app = app or current_app
    store = app.extensions.get("blogapp.render_cache")
    if store is None:
        budget = int(float(app.config.get("RENDER_CACHE_MB", 24)) * 1024 * 1024)
        store = app.extensions.setdefault("blogapp.render_cache", _Store(budget))
    return store


def peek(name: str, key: Hashable, app: Flask | None = None) -> Sized | None:
    """Return the value cached under (*name*, *key*), or None (*app*: outside a context)."""
    with _lock:
        return _store(app).get((name, key))


def cached(name: str, key: Hashable, render: Callable[[], V]) -> V:
    """Return the value cached under (*name*, *key*), rendering and storing it on a miss."""
    value = peek(name, key)
    if value is None:
        value = render()
        with _lock:
            _store().put((name, key), value)
    return value
