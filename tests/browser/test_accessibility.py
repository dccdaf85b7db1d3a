"""axe-core in Chromium on every page type, in the light and the dark colour scheme: no
serious or critical violation. The skip link leads to the main landmark, and the focused
element always shows an outline."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from blogapp.models import Category, User
from blogapp.worker_load import worker_load
from tests import figures
from tests.browser.axe import BLOCKING, axe_version, inject, violations

SECTION = "accessibility figures"


def reader_pages(ids) -> list[tuple[str, str]]:
    return [
        ("index", "/"),
        ("article with discussion", f"/articles/{ids.slug}"),
        ("article, replying (?replytocom=)", f"/articles/{ids.slug}?replytocom={ids.approved}"),
        ("category archive", f"/category/{ids.category}"),
        ("tag archive", f"/tag/{ids.tag}"),
        ("login", "/login"),
        ("error page (404)", "/articles/no-such-article"),
    ]


def owner_pages(ids, category_id: int, owner_slug: str) -> list[tuple[str, str]]:
    return [
        ("author archive", f"/author/{owner_slug}"),
        ("log out", "/logout"),
        ("dashboard", "/admin/"),
        ("queue: pending", "/admin/comments?status=pending"),
        ("queue: approved", "/admin/comments?status=approved"),
        ("queue: spam", "/admin/comments?status=spam"),
        ("queue: search", "/admin/comments?status=approved&q=bus"),
        ("comment", f"/admin/comments/{ids.pending}"),
        ("articles", "/admin/articles"),
        ("editor: new", "/admin/articles/new"),
        ("editor: edit", f"/admin/articles/{ids.article_id}/edit"),
        ("revision", f"/admin/articles/{ids.article_id}/revisions/{ids.revision_id}"),
        ("media library", "/admin/media"),
        ("categories", "/admin/categories"),
        ("category", f"/admin/categories/{category_id}"),
        ("discussion settings", "/admin/settings"),
        ("users", "/admin/users"),
        ("profile", f"/admin/users/{ids.owner_id}/profile"),
        ("privacy", "/admin/privacy"),
        ("audit log", "/admin/audit"),
        ("account", "/admin/account"),
    ]


def logged_in(browser, scheme: str, base: str, email: str):
    """A context (axe injected) and its page, logged in as *email*."""
    context = browser.new_context(color_scheme=scheme)
    inject(context)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", "correct horse battery staple")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return context, page


def check(page, name: str, scheme: str, found: list[str], counts: Counter) -> None:
    for v in violations(page):
        counts[v["impact"]] += 1
        if v["impact"] in BLOCKING:
            found.append(f"[{scheme}] {name}: {v['impact']} {v['id']} ({v['help']}): "
                         + " | ".join(v["nodes"]))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_violation_on_any_page_type(browser, site, scheme):
    with site.app.app_context():
        from blogapp.extensions import db

        category_id = db.session.scalar(select(Category.id))
        owner_slug = db.session.scalar(select(User.slug).where(User.id == site.ids.owner_id))
    found: list[str] = []
    counts: Counter = Counter()
    pages = 0

    def visit(context, table):
        nonlocal pages
        page = context.new_page()
        for name, path in table:
            page.goto(site.url + path)
            check(page, name, scheme, found, counts)
            pages += 1
        return page

    reader = browser.new_context(color_scheme=scheme)
    inject(reader)
    page = visit(reader, reader_pages(site.ids))
    # A refused comment: the error summary and the fields at fault.
    page.goto(f"{site.url}/articles/{site.ids.slug}")
    page.fill("#comment", "A comment without a name or an email.")
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator("#error-summary").count() == 1
    check(page, "a refused comment's page", scheme, found, counts)
    pages += 1
    # A post held back while readers are served (blogapp/readers_first.py): its text kept.
    page.goto(f"{site.url}/articles/{site.ids.slug}")
    page.fill("#comment", "Sent while the site is busy.")
    page.fill("#author", "Ann Reader")
    page.fill("#email", "ann@example.org")
    load = worker_load(site.app)
    for _ in range(5):
        load.started()
        load.finished(0.001, write=False)
    load.share = 0.1
    load.spent_writing(5.0)
    try:
        with page.expect_navigation():
            page.click("#submit")
    finally:
        load.share = 1.0
    assert page.input_value("#comment") == "Sent while the site is busy."
    check(page, "busy: a post held back", scheme, found, counts)
    pages += 1
    reader.close()

    owner, _ = logged_in(browser, scheme, site.url, "owner@news.example")
    visit(owner, owner_pages(site.ids, category_id, owner_slug))
    owner.close()

    moderator, page = logged_in(browser, scheme, site.url, "moderator@news.example")
    response = page.goto(site.url + "/admin/settings")
    assert response.status == 403 and "What a moderator may do" in page.inner_text("main")
    check(page, "403 for a moderator", scheme, found, counts)
    pages += 1
    moderator.close()

    figures.record(SECTION, f"axe-core {axe_version()}, {scheme} scheme: {pages} pages, "
                   f"serious + critical: {counts['serious'] + counts['critical']} "
                   f"(moderate {counts['moderate']}, minor {counts['minor']})")
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("path", ["/", "/articles/{slug}", "/admin/comments"])
def test_skip_link_landmarks_and_visible_focus(browser, site, path):
    context = browser.new_context()
    page = context.new_page()
    if path.startswith("/admin"):
        page.goto(site.url + "/login")
        page.fill("#email", "owner@news.example")
        page.fill("#password", "correct horse battery staple")
        with page.expect_navigation():
            page.click("main button[type=submit]")
    page.goto(site.url + path.format(slug=site.ids.slug))
    assert page.locator("header.site-header").count() == 1
    assert page.locator("main#content").count() == 1
    assert page.locator("footer.site-footer").count() == 1
    assert page.locator("nav[aria-label]").count() >= 1
    page.keyboard.press("Tab")
    first = page.evaluate("() => [document.activeElement.className, "
                          "document.activeElement.getAttribute('href'), "
                          "document.activeElement.getBoundingClientRect().top]")
    assert first[:2] == ["skip-link", "#content"] and first[2] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
    # Every focusable control the keyboard reaches next shows an outline.
    unstyled = []
    for _ in range(12):
        page.keyboard.press("Tab")
        style = page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                              "return [document.activeElement.outerHTML.slice(0, 80), "
                              "s.outlineStyle, s.outlineWidth]; }")
        if style[1] == "none" or style[2] in ("0px", ""):
            unstyled.append(style[0])
    context.close()
    assert unstyled == []


def test_the_check_itself_finds_what_it_should(browser):
    """A page with an unlabelled field, an image without alt text and grey-on-white text:
    axe must report them as serious or critical (so a clean run above means something)."""
    context = browser.new_context()
    inject(context)
    page = context.new_page()
    page.goto("about:blank")
    page.set_content('<html lang="en"><body><main><img src="data:,">'
                     '<input type="text"><p style="color:#bbb;background:#fff">faint</p>'
                     '</main></body></html>')
    found = {v["id"]: v["impact"] for v in violations(page)}
    context.close()
    assert {"image-alt", "label", "color-contrast"} <= found.keys(), found
    assert all(found[rule] in BLOCKING for rule in ("image-alt", "label", "color-contrast"))
