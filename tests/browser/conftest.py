"""Chromium for the browser tests (Playwright driving Debian's /usr/bin/chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import need
from tests.security.browser import CHROMIUM, LAUNCH_ARGS, chromium_available


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = chromium_available()
    if reason:
        need("Chromium", reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        except Exception as exc:  # a browser that cannot start is a missing browser
            need("Chromium", f"cannot launch {CHROMIUM}: {exc}")
        yield chromium
        chromium.close()
