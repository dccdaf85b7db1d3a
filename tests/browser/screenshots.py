"""`make screenshots`: the theme and the admin in Chromium, desktop (1280) and phone (375),
light and dark, written to the folder given (docs/screenshots/), from a freshly seeded
site (tests/browser/site.py) served on loopback."""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from blogapp.extensions import db
from blogapp.models import Comment
from blogapp.models.base import utcnow
from tests.browser.site import MODERATOR, OWNER, PASSWORD, build_app, seed
from tests.security.browser import CHROMIUM, LAUNCH_ARGS
from tests.security.conftest import LiveServer, dispose

DESKTOP, PHONE = (1280, 860), (375, 760)


def month_of_comments(app, article_id: int) -> None:
    """Thirty days of older comments, so the dashboard's chart has something to draw."""
    rng = random.Random(13)
    now = utcnow()
    rows = []
    for day in range(1, 30):
        for i in range(rng.randint(2, 14)):
            spam = rng.random() < 0.35
            moment = now - timedelta(days=day, minutes=rng.randint(0, 1400))
            rows.append({"article_id": article_id, "author": f"Reader {day}-{i}",
                         "email": f"r{day}-{i}@reader.example", "url": "",
                         "content": "An older comment.", "content_html": "<p>An older comment.</p>",
                         "status": "spam" if spam else "trash", "ip": "198.51.100.7",
                         "created_at": moment, "updated_at": moment})
    with app.app_context():
        db.session.execute(insert(Comment), rows)
        db.session.commit()


class Shooter:
    def __init__(self, browser, base: str, out: Path) -> None:
        self.browser, self.base, self.out = browser, base, out
        self.written: list[str] = []

    def context(self, size, scheme: str = "light", who: str | None = None):
        context = self.browser.new_context(viewport={"width": size[0], "height": size[1]},
                                           color_scheme=scheme, device_scale_factor=1)
        page = context.new_page()
        if who:
            page.goto(self.base + "/login")
            page.fill("#email", (OWNER if who == "owner" else MODERATOR)[0])
            page.fill("#password", PASSWORD)
            with page.expect_navigation():
                page.click("main button[type=submit]")
        return context, page

    def shot(self, page, name: str, full: bool = False) -> None:
        page.wait_for_timeout(150)
        page.screenshot(path=str(self.out / name), full_page=full)
        self.written.append(name)


def shoot(out: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="blogapp-shots-") as tmp:
        app = build_app(Path(tmp))
        ids = seed(app)
        month_of_comments(app, ids.article_id)
        article = f"/articles/{ids.slug}"
        with LiveServer(app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            s = Shooter(browser, server.url, out)

            for size, scheme, suffix in ((DESKTOP, "light", "desktop"),
                                         (PHONE, "dark", "phone-dark")):
                context, page = s.context(size, scheme)
                page.goto(s.base + "/")
                s.shot(page, f"index-{suffix}.png")
                page.goto(s.base + article)
                s.shot(page, f"article-{suffix}.png")
                page.goto(s.base + article + "#comments")
                s.shot(page, f"discussion-{suffix}.png")
                context.close()

            for size, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
                context, page = s.context(size)
                page.goto(s.base + article)
                page.fill("#comment", "Will the night buses run on public holidays too?")
                page.fill("#author", "Rae Dunn")
                with page.expect_navigation():
                    page.click("#submit")
                s.shot(page, f"form-errors-{suffix}.png")
                page.goto(s.base + article)
                page.click(f"#comment-{ids.approved} > .comment-body .comment-reply-link")
                page.fill("#comment", "The port line helps me too.")
                s.shot(page, f"reply-in-place-{suffix}.png")
                context.close()

            for size, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
                context, page = s.context(size, who="owner")
                page.goto(s.base + "/admin/comments?status=pending")
                s.shot(page, f"queue-{suffix}.png")
                page.goto(s.base + "/admin/")
                s.shot(page, f"dashboard-{suffix}.png")
                page.goto(s.base + f"/admin/articles/{ids.article_id}/edit")
                with page.expect_navigation():
                    page.click("button[value=preview]")
                s.shot(page, f"editor-{suffix}.png")
                context.close()

            context, page = s.context(DESKTOP, "dark", who="owner")
            page.goto(s.base + "/admin/comments?status=spam")  # "select all 81 matching"
            s.shot(page, "queue-spam-desktop-dark.png")
            context.close()
            context, page = s.context(DESKTOP, who="moderator")
            page.goto(s.base + "/admin/settings")
            s.shot(page, "forbidden-desktop.png")
            context.close()
            browser.close()
        dispose(app)
    return s.written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    names = shoot(target)
    print(f"{len(names)} screenshots in {target}/: " + ", ".join(names))
