"""The editor and an illustrated article in Chromium, with the Content Security Policy
enforced: no violation on either page, the preview beside the text at 1280 px, the
toolbar, live preview, upload by button and by paste, autosave, and an article whose
library images load with their srcset.

SQLite only: this is about what the browser does, not the database engine.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from blogapp.extensions import db
from blogapp.models import Article, User
from tests import media_files as files
from tests.security.conftest import LiveServer, dispose, sqlite_app

OWNER, PASSWORD = "owner@ok.example", "correct horse battery staple"
# Every violation the page's policy reports, and every console line about one.
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = sqlite_app(tmp_path_factory.mktemp("editor-browser"), EDITOR_AUTOSAVE_SECONDS=1)
    with app.app_context():
        owner = User(email=OWNER, role="owner", display_name="Mara Olsen")
        owner.set_password(PASSWORD)
        db.session.add(owner)
        db.session.commit()
    with LiveServer(app) as server:
        yield app, server.url
    dispose(app)



class Watched:
    """A page in its own context whose CSP violations and console errors are collected."""

    def __init__(self, browser, width: int = 1280, height: int = 800) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.add_init_script(WATCH_CSP)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.failed: list[str] = []  # the favicon included: every page links one
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}")
                     if r.status >= 400 else None)

    def problems(self) -> list[str]:
        violations = self.page.evaluate("() => window.__csp")
        noisy = [line for line in self.console
                 if "Content Security Policy" in line or line.startswith("pageerror")
                 or (line.startswith("error") and "Failed to load resource" not in line)]
        return violations + noisy + self.failed

    def close(self) -> None:
        self.context.close()


def log_in(watched: Watched, base: str) -> None:
    page = watched.page
    page.goto(f"{base}/login")
    page.fill("#email", OWNER)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def box(page, selector: str) -> dict:
    return page.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect(); "
                                           "return {left: r.left, right: r.right, top: r.top, "
                                           "bottom: r.bottom, width: r.width}; }")


PASTE_JS = """async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 900; canvas.height = 450;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#2271b1'; ctx.fillRect(0, 0, 900, 450);
  const blob = await new Promise(done => canvas.toBlob(done, 'image/png'));
  const data = new DataTransfer();
  data.items.add(new File([blob], 'pasted.png', {type: 'image/png'}));
  const body = document.getElementById('body');
  body.focus();
  body.setSelectionRange(body.value.length, body.value.length);
  body.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                  cancelable: true}));
}"""


@pytest.mark.slow
def test_the_editor_and_an_illustrated_article_in_chromium(site, browser, tmp_path):
    app, base = site
    editor = Watched(browser)
    page = editor.page
    log_in(editor, base)
    page.goto(f"{base}/admin/articles/new")

    # The preview sits beside the text, in view without scrolling.
    text, preview = box(page, "#body"), box(page, "#preview")
    assert preview["left"] >= text["right"], (text, preview)
    assert 0 <= preview["top"] < 800 and preview["width"] > 400
    assert page.eval_on_selector_all(".md-toolbar button", "bs => bs.length") >= 8

    # Typing updates the preview (typographer included); the toolbar wraps a selection.
    page.fill("#title", "Night buses")
    page.fill("#body", 'The board said "yes" -- at last.\n\nbold')
    page.eval_on_selector("#body", "b => b.setSelectionRange(b.value.length - 4, "
                                   "b.value.length)")
    page.click(".md-toolbar button[aria-label=Bold]")
    assert page.input_value("#body").endswith("**bold**")
    page.wait_for_function("() => document.querySelector('#preview-body strong') !== null")
    assert "“yes” – at last." in page.inner_text("#preview-body")

    # The first autosave creates the draft; the address becomes its editor's.
    page.wait_for_url(re.compile(r"/admin/articles/\d+/edit$"), timeout=10_000)
    page.wait_for_function("() => document.getElementById('editor-status').textContent"
                           ".includes('kept aside')")

    # Upload through the form (no navigation), as the featured image too.
    photo = tmp_path / "depot.jpg"
    photo.write_bytes(files.jpeg_with_metadata())
    page.set_input_files("#upload-file", str(photo))
    page.fill("#upload-alt", "The depot at night")
    page.check("#upload-featured")
    page.click("#upload-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('body').value.includes('/media/')")
    assert "![The depot at night](/media/" in page.input_value("#body")
    assert page.input_value("#featured") != ""

    # Paste an image straight into the body.
    page.evaluate(PASTE_JS)
    page.wait_for_function(
        "() => (document.getElementById('body').value.match(/\\/media\\//g) || []).length >= 2")
    page.wait_for_function(
        "() => document.querySelectorAll('#preview-body img[srcset]').length >= 2")

    with page.expect_navigation():
        page.click("button[value=publish]")
    assert "Published." in page.inner_text("main")
    assert editor.problems() == []
    editor.close()
    with app.app_context():
        articles = db.session.scalar(select(func.count(Article.id)))
        slug = db.session.scalar(select(Article.slug))
    assert articles == 1  # the autosaved draft was published, not a second article

    # A reader opens the article: the images load from this site with their srcset.
    reader = Watched(browser)
    page = reader.page
    page.goto(f"{base}/articles/{slug}", wait_until="load")
    page.eval_on_selector_all("img", "imgs => imgs.forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
    images = page.eval_on_selector_all(
        "main img", "imgs => imgs.map(i => [i.currentSrc, i.naturalWidth, i.alt, "
                    "i.hasAttribute('srcset')])")
    assert len(images) == 3  # featured, uploaded, pasted
    for src, natural, _alt, has_srcset in images:
        assert src.startswith(f"{base}/media/") and natural > 0 and has_srcset
    assert images[0][2] == "The depot at night"
    ld = page.eval_on_selector('script[type="application/ld+json"]', "s => s.textContent")
    assert '"@type":"NewsArticle"' in ld
    assert reader.problems() == []
    served = app.test_client().get(images[0][0].removeprefix(base))
    assert Image.open(io.BytesIO(served.data)).getexif().get_ifd(files.GPS_IFD) == {}
    reader.close()


@pytest.mark.slow
def test_on_a_phone_the_preview_follows_the_text(site, browser):
    _app, base = site
    phone = Watched(browser, width=375, height=740)
    log_in(phone, base)
    phone.page.goto(f"{base}/admin/articles/new")
    text, preview = box(phone.page, "#body"), box(phone.page, "#preview")
    assert preview["top"] > text["bottom"] and text["width"] <= 375
    assert phone.problems() == []
    phone.close()
