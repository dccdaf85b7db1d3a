"""A small per-process LRU for rendered HTML, bounded in bytes.

Keys always carry a version read from the database in the same request (an article's
comments_version, its timestamps, the settings in force), so every worker and every host
agrees on what is current without any cross-process invalidation. The budget counts the
bytes each value holds, across all names (RENDER_CACHE_MB per worker process, default 12:
about a hundred article pages of 100 comments, the last weeks' articles on a busy blog).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sized
from functools import lru_cache
from typing import Any, TypeVar

from flask import Flask, current_app

V = TypeVar("V", bound=Sized)

_lock = threading.Lock()


def size_of(value: Sized) -> int:
    """Bytes held: a str of accented or CJK text takes 2-4 bytes a character."""
    return sys.getsizeof(value) if isinstance(value, str | bytes) else len(value)


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


class _Store:
    def __init__(self, budget: int) -> None:
        self.entries: OrderedDict[tuple, Any] = OrderedDict()
        self.size = 0
        self.budget = budget
        self.evicted = 0  # bytes evicted since the allocator was last asked to give back

    def get(self, key: tuple) -> Any:
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def put(self, key: tuple, value: Sized) -> None:
        size = size_of(value)
        if size > self.budget // 4:
            return  # one huge page must not empty the cache
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= size_of(old)
        self.entries[key] = value
        self.size += size
        while self.size > self.budget:
            _, evicted = self.entries.popitem(last=False)
            self.size -= size_of(evicted)
            self.evicted += size_of(evicted)
        if self.evicted > self.budget // 2:
            # Pages of ~100 KB come and go: glibc keeps the freed memory in its heap, so
            # the worker's RSS would creep past the budget. Hand the free pages back.
            self.evicted = 0
            trim = _malloc_trim()
            if trim is not None:
                trim(0)


def _store(app: Flask | None = None) -> _Store:
    app = app or current_app
    store = app.extensions.get("blogapp.render_cache")
    if store is None:
        budget = int(float(app.config["RENDER_CACHE_MB"]) * 1024 * 1024)
        store = app.extensions.setdefault("blogapp.render_cache", _Store(budget))
    return store


def peek(name: str, key: Hashable, app: Flask | None = None) -> Sized | None:
    """Return the value cached under (*name*, *key*), or None (*app*: outside a context)."""
    with _lock:
        return _store(app).get((name, key))


def store(name: str, key: Hashable, value: Sized) -> None:
    """Keep *value* under (*name*, *key*) (inside an app context)."""
    with _lock:
        _store().put((name, key), value)


def cached(name: str, key: Hashable, render: Callable[[], V]) -> V:
    """Return the value cached under (*name*, *key*), rendering and storing it on a miss."""
    value = peek(name, key)
    if value is None:
        value = render()
        store(name, key, value)
    return value
