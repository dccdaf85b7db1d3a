"""What one staff member can do to another (the class issue 11 asked to review): a
moderator reaches no owner's account (password, state, sessions), cannot put words in
another staff member's mouth (editing or undoing an edit of their comment), and no form
or page that reads a `next` target sends anyone to another site."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import AuditEntry, Comment, User
from tests.conftest import csrf_from
from tests.security.conftest import FAST_DISCUSSION, rule_url, seed_small_site
from tests.security.recording import Recorder, record_reads


@pytest.fixture
def app_config():
    return {**FAST_DISCUSSION, "SPAM_CHECK_MODE": "inline"}


@pytest.fixture
def team(app, staff):
    """Logged-in browsers for an owner and two moderators, by name; and their ids."""
    browsers, ids = {}, {}
    for name, role in (("owner", "owner"), ("mod", "moderator"), ("other_mod", "moderator")):
        ids[name] = staff.create(f"{name}@example.com", role)
        browsers[name] = app.test_client()
        assert staff.login(f"{name}@example.com", client=browsers[name]).status_code == 302
    return browsers, ids


def token(client, url: str = "/logout") -> str:
    return csrf_from(client.get(url).text)


def account(app, user_id: int) -> tuple[str, str, bool, str]:
    with app.app_context():
        user = db.session.get(User, user_id)
        return user.password_hash, user.session_token, user.active, user.role


@pytest.mark.parametrize("action", ["password", "disable", "enable", "logout"])
def test_a_moderator_cannot_touch_an_owners_account(app, team, action):
    browsers, ids = team
    before = account(app, ids["owner"])
    mod = browsers["mod"]
    response = mod.post(f"/admin/users/{ids['owner']}/{action}", data={"csrf_token": token(mod)})
    assert response.status_code == 403
    assert account(app, ids["owner"]) == before
    assert browsers["owner"].get("/admin/").status_code == 200  # still logged in


def test_a_moderator_cannot_invite_an_owner(app, team):
    mod = team[0]["mod"]
    response = mod.post("/admin/users/invite", data={
        "csrf_token": token(mod), "email": "new.owner@example.com", "role": "owner"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "new.owner@example.com")) \
            is None


def staff_reply(app, author_id: int) -> int:
    """A reply published by the staff member *author_id*."""
    from flask import current_app

    from blogapp.comments.moderation import reply
    from blogapp.comments.settings import load_settings
    from tests.factories import make_article
    from tests.security.conftest import add_comment

    with app.app_context():
        article = make_article("Staff words")
        parent = add_comment(article.id, "A question.")
        author = db.session.get(User, author_id)
        return reply(parent.id, "The staff member's own words.", author,
                     load_settings(current_app.config),
                     secret=current_app.config["SECRET_KEY"]).id


def text_of(app, comment_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(Comment.content).where(Comment.id == comment_id))


# (author of the comment, who edits, may they)
EDITS = [
    ("owner", "mod", False),
    ("other_mod", "mod", False),
    ("mod", "mod", True),
    ("mod", "owner", True),
    ("owner", "owner", True),
    ("reader", "mod", True),
]


@pytest.mark.parametrize(("author", "editor", "allowed"), EDITS)
def test_only_the_author_or_an_owner_edits_a_staff_members_words(app, team, author, editor,
                                                                  allowed):
    browsers, ids = team
    if author == "reader":
        with app.app_context():
            comment_id = seed_small_site(app)["comment_id"]
    else:
        comment_id = staff_reply(app, ids[author])
    before = text_of(app, comment_id)
    client = browsers[editor]
    page = client.get(f"/admin/comments/{comment_id}").text
    assert ("Save text" in page) is allowed
    response = client.post(f"/admin/comments/{comment_id}/edit", data={
        "csrf_token": csrf_from(page), "text": "Words put in their mouth."})
    assert response.status_code == 302
    assert (text_of(app, comment_id) == "Words put in their mouth.") is allowed
    if not allowed:
        assert text_of(app, comment_id) == before
        assert "Only its author or an owner" in client.get(f"/admin/comments/{comment_id}").text


def test_a_moderator_cannot_undo_an_owners_edit_of_their_own_words(app, team):
    browsers, ids = team
    comment_id = staff_reply(app, ids["owner"])
    owner = browsers["owner"]
    owner.post(f"/admin/comments/{comment_id}/edit", data={
        "csrf_token": token(owner), "text": "The owner's second thoughts."})
    with app.app_context():
        edit = db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.comment_id == comment_id, AuditEntry.action == "edit"))
    mod = browsers["mod"]
    mod.post("/admin/comments/undo", data={"csrf_token": token(mod), "entries": str(edit),
                                           "next": "/admin/comments"})
    assert text_of(app, comment_id) == "The owner's second thoughts."


# -- Every `next` the app reads ------------------------------------------------------------

FOREIGN = ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
           "http:/evil.example", "/\t/evil.example", " //evil.example", "https:evil.example",
           "javascript:alert(1)", "/%0d%0aLocation:%20https://evil.example"]


@pytest.mark.one_engine  # where a redirect may go is decided in Python, not by the engine
def test_no_next_target_leaves_the_site(app, staff, figures):
    """Find every view that reads `next` (from the query or the form) by recording what
    each route reads, then send each foreign target to each of them."""
    record_reads(app)
    ids = seed_small_site(app)
    staff.create("owner@example.com", "owner")
    def visit(rule, method: str) -> tuple:
        """A browser and the form data for *rule*: the owner's, or logging in as them."""
        client = app.test_client()
        if rule.endpoint == "auth.login":
            return client, {"csrf_token": token(client, "/login"),
                            "email": "owner@example.com", "password": staff.PASSWORD}
        staff.login("owner@example.com", client=client)
        return client, None if method == "GET" else {"csrf_token": token(client)}

    readers = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            client, data = visit(rule, method)
            Recorder.reset()
            client.open(rule_url(rule, ids), method=method, data=data).close()
            if "next" in Recorder.names:
                readers.append((rule, method))
    assert {r.endpoint for r, _ in readers} >= {"auth.login", "moderation.comments_action",
                                                "moderation.comments_undo"}, readers
    checked = 0
    for rule, method in readers:
        for target in FOREIGN:
            client, data = visit(rule, method)
            if data is not None:
                data["next"] = target
            response = client.open(f"{rule_url(rule, ids)}?{urlencode({'next': target})}",
                                   method=method, data=data)
            location = response.headers.get("Location", "")
            parts = urlsplit(location)
            assert parts.netloc in ("", "blog.test") and not location.startswith("//") \
                and "\\" not in location and parts.scheme in ("", "http", "https"), \
                f"{method} {rule.rule} next={target!r}: Location {location!r}"
            checked += 1
    figures(f"views reading next: {len(readers)}, foreign targets refused: {checked}")
