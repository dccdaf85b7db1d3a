"""The queue's keyboard shortcuts in a real browser (headless Chromium, CSP enforced)."""

from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.moderation_helpers import QUIET, add_comment, new_article, status_of

# On SQLite only (one_engine, tests/conftest.py): what is proven is the browser's keyboard script,
# not the engine.
pytestmark = pytest.mark.one_engine

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def app_config():
    return {**QUIET, "SERVER_NAME": None}


@pytest.fixture
def live(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(live, browser):
    context = browser.new_context()
    tab = context.new_page()
    tab.errors = []
    tab.on("console", lambda m: tab.errors.append(m.text)
           if m.type == "error" and "favicon" not in m.location.get("url", "") else None)
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    yield tab
    context.close()


def test_j_k_a_and_select_all(app, staff, live, page):
    article_id = new_article(app)
    oldest, middle, newest = (add_comment(app, article_id, content=f"Comment {i}")
                              for i in range(3))
    staff.create("mod@example.com", "moderator")
    page.goto(f"{live}/login")
    page.fill("#email", "mod@example.com")
    page.fill("#password", staff.PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live}/admin/comments")

    page.click("#select-all")
    assert page.eval_on_selector_all('input[name="ids"]', "bs => bs.every(b => b.checked)")
    page.click("#select-all")

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")  # back to the second row: the middle comment
    assert page.get_attribute(".is-current", "data-id") == str(middle)
    with page.expect_navigation():
        page.keyboard.press("a")
    assert status_of(app, middle) == "approved"
    assert {status_of(app, oldest), status_of(app, newest)} == {"pending"}
    assert "1 comment approved." in page.content()
    assert page.query_selector(".is-current") is not None  # the cursor survives the reload
    page.fill("#q", "")
    page.keyboard.press("s")  # typing in the search box is typing, not a shortcut
    assert page.input_value("#q") == "s" and status_of(app, oldest) == "pending"
    assert page.errors == []
