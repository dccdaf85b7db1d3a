"""What readers and staff do, in Chromium, at 1280 and 375 px and once in dark mode:

- a reader submits with a missing email: the error summary is focused and in view, the
  text kept, on a page of its own that leads back to the article; fixed, the comment is
  held and its author sees the notice, another browser does not;
- a reader replies in place (the form moves under the comment, Cancel puts it back,
  Ctrl+Enter sends) and the reply is nested; without JavaScript ?replytocom= does the same;
- a moderator sees the reasons in Pending, approves, undoes, approves again, replies, and
  the reply is nested under the comment with a staff badge;
- an owner writes an article with a heading, a quote and a link, previews, schedules and
  publishes it, and it is on the index and in the feed.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest

from blogapp.models.base import utcnow
from tests.browser.conftest import VARIANTS
from tests.security.conftest import add_comment

serial = itertools.count(1)


def unique(word: str) -> str:
    return f"{word}{next(serial)}"


def parent_li(page, selector: str) -> str:
    """The id of the comment <li> an element sits in ('' at the top level)."""
    return page.eval_on_selector(selector, "e => { const li = e.parentElement.closest"
                                           "('li.comment'); return li ? li.id : ''; }")


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_refused_comment_lands_on_its_errors_then_is_held(tabs, site, variant):
    reader = tabs(variant)
    page = reader.page
    reader.go(f"/articles/{site.ids.slug}")
    text = f"The night buses are {unique('welcome')} news."
    page.fill("#comment", text)
    page.fill("#author", "Rae Dunn")
    with page.expect_navigation():
        page.click("#submit")

    # The page opens at the form: the summary focused, announced, in view; the text kept.
    assert page.url.endswith(f"/articles/{site.ids.slug}/comments#form-problems")
    assert page.evaluate("() => document.activeElement.id") == "form-problems"
    assert page.get_attribute("#error-summary", "role") == "alert"
    assert reader.in_view("#error-summary") and reader.in_view("#comment")
    assert "Email" in page.inner_text("#error-summary")
    assert page.input_value("#comment") == text
    # The field at fault is outlined in the error colour, thicker than the others.
    widths = page.evaluate("() => ['email', 'author'].map(id => "
                           "getComputedStyle(document.getElementById(id)).borderTopWidth)")
    assert widths == ["2px", "1px"], widths
    assert page.get_attribute("#email", "aria-invalid") == "true"
    # A page of its own: the article named, the way back, not the article again.
    assert page.locator(".post-body, .comment-list").count() == 0
    back = page.get_attribute(".refused-back a", "href")
    assert back.endswith(f"/articles/{site.ids.slug}#comments"), back

    # The summary's link goes to the field.
    page.click("#error-summary a[href='#email']")
    assert page.evaluate("() => document.activeElement.id") == "email"
    page.fill("#email", f"{unique('rae')}@reader.example")
    with page.expect_navigation():
        page.click("#submit")
    match = re.search(r"#comment-(\d+)$", page.url)
    assert match, page.url
    mine = f"#comment-{match.group(1)}"
    assert reader.in_view(mine)
    assert "awaiting moderation" in page.inner_text(mine)
    assert text in page.inner_text(mine)

    # Another browser does not see a held comment.
    stranger = tabs(variant)
    stranger.go(f"/articles/{site.ids.slug}")
    assert stranger.page.locator(mine).count() == 0
    assert text not in stranger.page.inner_text("main")

    # The address a refused post left in the bar leads back to the form (not a 405).
    response = stranger.go(f"/articles/{site.ids.slug}/comments")
    assert response.status == 200
    assert stranger.page.url.endswith(f"/articles/{site.ids.slug}#respond")
    assert reader.errors == [] and stranger.errors == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_reader_replies_in_place(tabs, site, variant):
    reader = tabs(variant)
    page = reader.page
    reader.go(f"/articles/{site.ids.slug}")
    target = f"comment-{site.ids.approved}"
    url = page.url
    page.click(f"#{target} > .comment-body .comment-reply-link")

    # The form moved under the comment, says whom it answers, and has the focus.
    assert page.url == url  # no reload
    assert parent_li(page, "#respond") == target
    assert page.inner_text("#reply-title .reply-title-text") == "Reply to Ana Ruiz"
    assert page.input_value("#comment_parent") == str(site.ids.approved)
    assert page.evaluate("() => document.activeElement.id") == "comment"
    assert reader.in_view("#respond")
    cancel = page.locator("#cancel-comment-reply-link")
    assert cancel.is_visible()
    box = cancel.bounding_box()
    assert box["height"] < 30  # one line of small text, not a heading that wraps

    # Cancel returns the form to the end of the discussion, as a new thread.
    cancel.click()
    assert parent_li(page, "#respond") == ""
    assert page.input_value("#comment_parent") == "0"
    assert page.inner_text("#reply-title .reply-title-text") == "Leave a Reply"
    assert not cancel.is_visible()

    # Reply again and send with Ctrl+Enter.
    page.click(f"#{target} > .comment-body .comment-reply-link")
    text = f"The port line {unique('helps')} me too."
    page.fill("#author", "Kit Moss")
    page.fill("#email", f"{unique('kit')}@reader.example")
    page.fill("#comment", text)
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    mine = re.search(r"#(comment-\d+)$", page.url).group(1)
    assert parent_li(page, f"#{mine}") == target
    assert text in page.inner_text(f"#{mine}")
    assert reader.errors == []


def test_without_javascript_replytocom_still_works(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site.url}/articles/{site.ids.slug}")
    page.click(f"#comment-{site.ids.approved} > .comment-body .comment-reply-link")
    assert f"replytocom={site.ids.approved}" in page.url
    assert "Reply to Ana Ruiz" in page.inner_text("#reply-title")
    page.fill("#comment", f"Without scripts, {unique('still')} a reply.")
    page.fill("#author", "Noor Ali")
    page.fill("#email", f"{unique('noor')}@reader.example")
    with page.expect_navigation():
        page.click("#submit")
    mine = re.search(r"#(comment-\d+)$", page.url).group(1)
    assert parent_li(page, f"#{mine}") == f"comment-{site.ids.approved}"
    context.close()


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_moderator_approves_undoes_approves_and_replies(tabs, site, variant):
    with site.app.app_context():
        held = add_comment(site.ids.article_id, f"Links {unique('x')}: http://a.example/1 "
                           "http://a.example/2 http://a.example/3", author="Pat Link",
                           email=f"{unique('pat')}@reader.example", ip="192.0.2.77").id
    mod = tabs(variant)
    mod.log_in("moderator")
    page = mod.page
    mod.go("/admin/comments?status=pending")
    row = f"#comment-{held}"
    reasons = page.inner_text(f"{row} .reasons")
    assert "link" in reasons.lower(), reasons
    if variant[0] < 500:  # on a phone the row is a card as wide as the screen
        card = page.locator(row).bounding_box()
        assert card["width"] > 300 and page.evaluate("() => document.documentElement."
                                                     "scrollWidth <= window.innerWidth")

    def press(selector: str) -> str:
        with page.expect_navigation():
            page.click(selector)
        return page.inner_text("main")

    assert "1 comment approved." in press(f"{row} button[value='approve:{held}']")
    assert page.locator(row).count() == 0  # gone from Pending
    assert "Undone: 1 comment is back as before." in press(".undo button")
    assert page.locator(row).count() == 1
    assert "1 comment approved." in press(f"{row} button[value='approve:{held}']")

    mod.go(f"/admin/comments/{held}#reply")
    answer = f"Thanks: the links are gone, {unique('reply')}."
    page.fill("#reply-text", answer)
    with page.expect_navigation():
        page.click("form[action$='/reply'] button[type=submit]")

    reader = tabs(variant)
    reader.go(f"/articles/{site.ids.slug}")
    reply = reader.page.locator(f"#comment-{held} li.comment", has_text=answer)
    assert reply.count() == 1
    assert reply.locator(".author-badge").inner_text() == "Staff"
    assert mod.errors == [] and reader.errors == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_owner_writes_previews_schedules_and_publishes(tabs, site, variant):
    owner = tabs(variant)
    owner.log_in("owner")
    page = owner.page
    owner.go("/admin/articles/new")
    title = f"Tram Line 4 Extended {unique('No')}"
    page.fill("#title", title)
    page.fill("#body", "The extension opens in May.\n\n## Four New Stops\n\n"
                       "> \"It changes my commute,\" said one rider.\n\n"
                       "Read [the timetable](https://transit.example/4).")
    page.fill("#excerpt", "Line 4 reaches the university.")

    with page.expect_navigation():
        page.click("button[value=preview]")
    preview = page.locator("#preview-body")
    assert preview.locator("h2").inner_text() == "Four New Stops"
    assert preview.locator("blockquote").count() == 1
    assert preview.locator("a[href='https://transit.example/4']").count() == 1

    soon = utcnow() + timedelta(days=1)
    with site.app.app_context():
        from blogapp.theme import to_site

        local = to_site(soon)
    page.fill("#publish_at", local.strftime("%Y-%m-%dT%H:%M"))
    text = press_and_read(page, "button[value=schedule]")
    assert "Scheduled for" in text and ("CET" in text or "CEST" in text), text
    owner.go("/")
    assert title not in page.inner_text("main")  # not before its time

    owner.go("/admin/articles")
    page.click(f"a:text-is('{title}')")
    page.fill("#publish_at", "")
    assert "Published." in press_and_read(page, "button[value=publish]")

    owner.go("/")
    assert page.locator(".summary h2", has_text=title).count() == 1
    assert "Line 4 reaches the university." in page.inner_text("main")
    feed = site.app.test_client().get("/feed.atom").get_data(as_text=True)
    assert title in feed
    assert owner.errors == []


def press_and_read(page, selector: str) -> str:
    with page.expect_navigation():
        page.click(selector)
    return page.inner_text("main")


@pytest.mark.parametrize("variant", VARIANTS[:2])
def test_select_all_matching_and_a_destructive_action_asks_twice(tabs, site, variant):
    from sqlalchemy import func, insert, select

    from blogapp.extensions import db
    from blogapp.models import Comment

    word = unique("bulkprobe")
    now = utcnow()
    with site.app.app_context():
        db.session.execute(insert(Comment), [
            {"article_id": site.ids.article_id, "author": f"Bot {i}", "email": "b@spam.example",
             "url": "", "content": f"{word} {i}", "content_html": f"<p>{word} {i}</p>",
             "status": "spam", "ip": "198.51.100.9", "created_at": now - timedelta(seconds=i),
             "updated_at": now} for i in range(27)])
        db.session.commit()
    mod = tabs(variant)
    mod.log_in("moderator")
    page = mod.page
    mod.go(f"/admin/comments?status=spam&q={word}")
    assert page.locator(".queue .comment-row").count() == 20
    page.check("#all-matching")
    assert page.is_checked("#select-all")  # this page's boxes follow
    page.select_option("#bulk-action", "delete")
    apply = page.locator("button[name=bulk]")
    apply.click()  # the first press only arms it
    assert apply.inner_text() == "Click again to apply to all 27 comments"
    assert page.url.endswith(f"q={word}")

    def left() -> int:
        with site.app.app_context():
            return db.session.scalar(select(func.count(Comment.id))
                                     .where(Comment.content.like(f"{word} %")))

    assert left() == 27
    with page.expect_navigation():
        apply.click()
    assert "27 comments deleted permanently." in page.inner_text("main")
    assert left() == 0
    assert mod.errors == []
