"""A small per-process LRU for rendered HTML.

Keys always carry a version read from the database in the same request (an article's
comments_version, its timestamps, the settings in force), so every worker and every host
agrees on what is current without any cross-process invalidation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app

_lock = threading.Lock()
MAX_ENTRIES = 1024


def _cache(name: str) -> OrderedDict:
    return current_app.extensions.setdefault(f"blogapp.cache.{name}", OrderedDict())


def peek(name: str, key: Hashable) -> str | None:
    """Return the value cached under (*name*, *key*), or None."""
    cache = _cache(name)
    with _lock:
        value = cache.get(key)
        if value is not None:
            cache.move_to_end(key)
        return value


def cached(name: str, key: Hashable, render: Callable[[], str]) -> str:
    """Return the value cached under (*name*, *key*), rendering and storing it on a miss."""
    value = peek(name, key)
    if value is not None:
        return value
    cache = _cache(name)
    value = render()
    with _lock:
        cache[key] = value
        while len(cache) > MAX_ENTRIES:
            cache.popitem(last=False)
    return value
