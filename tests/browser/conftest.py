"""One Chromium per test session and one seeded site (SQLite: what is proven here is what
the browser does, not the database engine). Each test opens its own contexts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.site import MODERATOR, OWNER, PASSWORD, Seeded, build_app, seed
from tests.security.conftest import LiveServer, dispose

# The variants every journey runs in: desktop, phone, and once in dark mode.
VARIANTS = [
    pytest.param((1280, 800, "light"), id="1280"),
    pytest.param((375, 740, "light"), id="375"),
    pytest.param((1280, 800, "dark"), id="1280-dark"),
]


@dataclass
class Site:
    app: Any
    url: str
    ids: Seeded



@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    app = build_app(tmp_path_factory.mktemp("browser-site"))
    ids = seed(app)
    with LiveServer(app) as server:
        yield Site(app, server.url, ids)
    dispose(app)


class Tab:
    """A page in its own context (its own cookies) at one size and colour scheme, which
    records page errors and failed requests."""

    def __init__(self, browser, base: str, variant=(1280, 800, "light")) -> None:
        width, height, scheme = variant
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           color_scheme=scheme)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}")
                     if m.type == "error" and "status of 4" not in m.text else None)
        self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}")
                     if r.status >= 400 and r.request.resource_type != "document" else None)

    def go(self, path: str, **kwargs: Any):
        return self.page.goto(self.base + path, **kwargs)

    def log_in(self, who: str = "owner") -> None:
        email = (OWNER if who == "owner" else MODERATOR)[0]
        self.go("/login")
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main button[type=submit]")

    def in_view(self, selector: str) -> bool:
        """Whether the element's top edge is inside the viewport."""
        return self.page.eval_on_selector(
            selector, "e => { const r = e.getBoundingClientRect(); "
                      "return r.top >= -2 && r.top < window.innerHeight && r.height > 0; }")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tabs(browser, site) -> Iterator[Any]:
    opened: list[Tab] = []

    def open_tab(variant=(1280, 800, "light")) -> Tab:
        tab = Tab(browser, site.url, variant)
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        tab.close()
