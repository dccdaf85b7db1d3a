"""A commenter fixes their own comment: from the browser that posted it, within
edit_window_minutes, not once someone replied; the edit passes the post's checks again
(three links hold it), shows "(edited)", and moderators keep every version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from blogapp.comments.moderation import moderate
from blogapp.extensions import db
from blogapp.models import Article, AuditEntry, Comment
from blogapp.models.base import utcnow
from tests.comment_helpers import OPEN_DISCUSSION, open_article, post_comment

THREE_LINKS = "See https://a.example, https://b.example and https://c.example"


@pytest.fixture
def app_config():
    return dict(OPEN_DISCUSSION)


@pytest.fixture
def slug(app):
    return open_article(app)


@pytest.fixture
def author(app, slug):
    """The browser that posted comment #1 (approved)."""
    browser = app.test_client()
    assert post_comment(browser, slug, comment="Night buses run hourly.").status_code == 303
    assert browser.get_cookie("comment_edits", domain="blog.test") is not None
    return browser


def comment(app, comment_id=1) -> Comment:
    with app.app_context():
        found = db.session.get(Comment, comment_id)
        db.session.expunge(found)
        return found


def edit(browser, text, comment_id=1, **kw):
    return browser.post(f"/comments/{comment_id}/edit", data={"comment": text}, **kw)


def test_inside_the_window_the_author_edits_and_the_page_says_edited(app, author, slug):
    page = author.get(f"/articles/{slug}").get_data(as_text=True)
    assert "change or delete your comment" in page and "/comments/1/edit" in page
    form = author.get("/comments/1/edit")
    assert form.status_code == 200 and "Night buses run hourly." in form.get_data(as_text=True)
    response = edit(author, "Night buses run every half hour.")
    assert response.status_code == 303 and response.location.endswith("#comment-1")
    edited = comment(app)
    assert (edited.content, edited.status) == ("Night buses run every half hour.", "approved")
    assert edited.edited_at is not None
    public = app.test_client().get(f"/articles/{slug}").get_data(as_text=True)
    assert "Night buses run every half hour." in public and "(edited)" in public
    assert "run hourly" not in public


def test_moderators_see_each_version(app, author, staff):
    edit(author, "Second version.")
    edit(author, "Third version.")
    with app.app_context():
        notes = list(db.session.scalars(select(AuditEntry.note).where(
            AuditEntry.action == "author_edit").order_by(AuditEntry.id)))
    assert notes == ["Night buses run hourly.", "Second version."]
    staff.create("owner@example.com", "owner")
    staff.login("owner@example.com")
    detail = staff.client.get("/admin/comments/1").get_data(as_text=True)
    assert "Night buses run hourly." in detail and "Second version." in detail


def test_an_edit_adding_three_links_goes_back_to_pending(app, author, slug):
    with app.app_context():
        assert db.session.get(Article, 1).comment_count == 1
    response = edit(author, THREE_LINKS)
    assert response.status_code == 303
    held = comment(app)
    assert held.status == "pending"
    assert any("links" in r["message"].lower() for r in held.reasons)
    with app.app_context():
        assert db.session.get(Article, 1).comment_count == 0
    assert "https://a.example" not in app.test_client().get(f"/articles/{slug}").get_data(
        as_text=True)
    own = author.get(f"/articles/{slug}").get_data(as_text=True)  # the author still sees it
    assert "Your comment is awaiting moderation." in own and "https://a.example" in own


def test_an_edit_with_a_disallowed_key_goes_to_the_trash(app, author):
    app.config["DISCUSSION_DISALLOWED_KEYS"] = "casino"
    edit(author, "Visit my casino")
    assert comment(app).status == "trash"


REFUSALS = {
    "outside the window": "minutes to change this comment have passed",
    "after a reply": "Someone has replied to this comment",
    "another browser": "Only the browser that posted this comment can change it",
    "a forged cookie": "Only the browser that posted this comment can change it",
    "edits turned off": "turned off on this site",
    "moderated away": "can no longer be changed",
}


def _arrange(app, slug, author, case):
    if case == "outside the window":
        with app.app_context():
            db.session.get(Comment, 1).created_at = utcnow() - timedelta(minutes=11)
            db.session.commit()
    elif case == "after a reply":
        post_comment(app.test_client(), slug, comment="I agree", author="Bob",
                     email="bob@example.org", comment_parent="1")
    elif case == "another browser":
        return app.test_client()
    elif case == "a forged cookie":
        other = app.test_client()
        signed = author.get_cookie("comment_edits", domain="blog.test").value
        other.set_cookie("comment_edits", signed[:-2] + "xx", domain="blog.test")
        return other
    elif case == "edits turned off":
        app.config["DISCUSSION_EDIT_WINDOW_MINUTES"] = 0
    elif case == "moderated away":
        with app.app_context():
            moderate([1], "spam", None)
    return author


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_change_nothing(app, author, slug, case):
    browser = _arrange(app, slug, author, case)
    for response in (browser.get("/comments/1/edit"), edit(browser, "Changed!"),
                     browser.post("/comments/1/delete")):
        assert response.status_code == 403
        assert REFUSALS[case] in response.get_data(as_text=True)
    assert comment(app).content == "Night buses run hourly."
    assert comment(app).edited_at is None and comment(app).author_deleted_at is None


def test_a_cookie_for_one_comment_opens_no_other(app, author, slug):
    post_comment(app.test_client(), slug, comment="Someone else's", author="Eve",
                 email="eve@example.org")
    assert edit(author, "Hijacked", comment_id=2).status_code == 403
    assert author.get("/comments/999999/edit").status_code == 403
    assert comment(app, 2).content == "Someone else's"


def test_no_cookie_is_given_when_edits_are_off(app, slug):
    app.config["DISCUSSION_EDIT_WINDOW_MINUTES"] = 0
    browser = app.test_client()
    post_comment(browser, slug)
    assert browser.get_cookie("comment_edits", domain="blog.test") is None


@pytest.mark.parametrize("text, message", [
    ("", "This field is required."), ("x" * 65526, "Field cannot be longer than 65525")])
def test_an_invalid_edit_is_refused_with_the_text_kept(app, author, text, message):
    response = edit(author, text)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert comment(app).content == "Night buses run hourly."


def test_a_cross_site_edit_is_refused(app, author):
    response = edit(author, "Forged", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and comment(app).content == "Night buses run hourly."


def test_the_author_deletes_and_replies_keep_a_placeholder(app, author, slug):
    reader = app.test_client()
    app.config["DISCUSSION_MANUAL_APPROVAL"] = True
    post_comment(reader, slug, comment="A reply waiting for approval", author="Bob",
                 email="bob@example.org", comment_parent="1")
    assert author.post("/comments/1/delete").status_code == 403  # a reply (even held) blocks
    with app.app_context():
        moderate([2], "trash", None)
    response = author.post("/comments/1/delete")
    assert response.status_code == 303
    deleted = comment(app)
    assert deleted.status == "trash" and deleted.author_deleted_at is not None
    assert {"code": "author-deleted", "message": "Deleted by its author"} in deleted.reasons
    page = app.test_client().get(f"/articles/{slug}").get_data(as_text=True)
    assert "Night buses run hourly." not in page and "Comment deleted by its author." not in page
    with app.app_context():
        moderate([2], "restore", None)  # back to pending
        moderate([2], "approve", None)
    page = app.test_client().get(f"/articles/{slug}").get_data(as_text=True)
    assert "Comment deleted by its author." in page and "A reply waiting for approval" in page
    assert "Night buses run hourly." not in page and "Ann Reader" not in page


class TestAkismet:
    """With Akismet configured, an edit owes a check like a post and gets the verdict."""

    @pytest.fixture
    def akismet(self):
        from tests.akismet_server import start_fake_akismet

        server = start_fake_akismet()
        yield server
        server.stop()

    @pytest.fixture
    def app_config(self, akismet):
        from tests.akismet_server import TEST_KEY

        return {**OPEN_DISCUSSION, "AKISMET_API_KEY": TEST_KEY,
                "AKISMET_BLOG_URL": "http://blog.test", "AKISMET_API_URL": akismet.url}

    def test_an_edit_akismet_calls_spam_is_spam(self, app, author, akismet):
        from tests.akismet_server import SPAM_MARKER

        assert comment(app).status == "approved"
        checks = sum(path.endswith("/comment-check") for path, _ in akismet.requests)
        edit(author, f"Now with {SPAM_MARKER}")
        assert sum(path.endswith("/comment-check") for path, _ in akismet.requests) == checks + 1
        assert akismet.requests[-1][1]["comment_content"] == f"Now with {SPAM_MARKER}"
        assert (comment(app).status, comment(app).spam_check) == ("spam", "spam")
