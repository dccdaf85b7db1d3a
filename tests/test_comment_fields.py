"""What the form makes of a reader's name, email and website, and what the pipeline makes
of who they say they are: scheme-less websites, a length check that ends the checks, staff
impersonation held, keys matched through markup, WordPress's approval defaults."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from blogapp.comments.forms import MAX_EMAIL
from blogapp.comments.services import set_visible_status
from blogapp.comments.settings import save_settings
from blogapp.extensions import db
from blogapp.models import Comment, User
from tests.comment_helpers import OPEN_DISCUSSION, open_article, post_comment


@pytest.fixture
def app_config():
    return dict(OPEN_DISCUSSION)


@pytest.fixture
def article(app):
    return open_article(app)


def stored(app):
    with app.app_context():
        rows = db.session.scalars(select(Comment).order_by(Comment.id)).all()
        db.session.expunge_all()
        return rows


# -- Websites ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("user.example.org", "http://user.example.org"),
        ("  user.example.org  ", "http://user.example.org"),
        ("user.example.org:8080/path?q=1#top", "http://user.example.org:8080/path?q=1#top"),
        ("localhost:3000", "http://localhost:3000"),
        ("//user.example.org/x", "http://user.example.org/x"),
        ("[::1]:8080", "http://[::1]:8080"),
        ("bücher.example", "http://bücher.example"),
        ("http://user.example.org", "http://user.example.org"),
        ("HTTPS://User.Example.org/A", "HTTPS://User.Example.org/A"),
        ("Http://x.example", "Http://x.example"),
    ],
)
def test_a_website_without_a_scheme_gets_http(app, client, article, typed, kept):
    assert post_comment(client, article, url=typed).status_code == 303
    assert [c.url for c in stored(app)] == [kept]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("javascript:alert(1)", "starting with http:// or https://"),
        ("JaVaScRiPt:alert(1)", "starting with http:// or https://"),
        ("java\tscript:alert(1)", "cannot contain spaces"),
        ("ftp://files.example", "starting with http:// or https://"),
        ("mailto:ann@example.org", "starting with http:// or https://"),
        ("data:text/html,x", "starting with http:// or https://"),
        ("file:///etc/passwd", "starting with http:// or https://"),
        ("http:example.org", "starting with http:// or https://"),
        ("http:/example.org", "starting with http:// or https://"),
        ("http://", "valid web address"),
        ("/about", "valid web address"),
        ("#top", "valid web address"),
        ("user example.org", "cannot contain spaces"),
        ("http://exa mple.org", "cannot contain spaces"),
        ("http://[", "valid web address"),
        ("https://a]b", "valid web address"),
        ("http://x.example:99999", "valid web address"),
        ("http://-x.example", "valid web address"),
        ("\U00068aef\u0114c.example", "valid web address"),  # an unassigned code point
        ("http://blog.test@evil.example", "without a user name or password"),
    ],
)
def test_other_websites_are_refused_with_the_text_kept(app, client, article, typed, message):
    response = post_comment(client, article, url=typed, comment="Words I keep")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Words I keep</textarea>" in html and 'href="#url"' in html
    assert stored(app) == []


def test_a_value_over_its_limit_is_refused_for_its_length_alone(app, client, article):
    """The length check ends the field's checks: the email parser never reads 100 KB."""
    response = post_comment(client, article, email="a" * 100_000 + "@example.org")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"Field cannot be longer than {MAX_EMAIL} characters." in html
    assert "Please enter a valid email address" not in html


# -- Staff impersonation ---------------------------------------------------------------------


@pytest.fixture
def owner(app, staff):
    """The owner, who has replied on the article: an approved comment in their name."""
    from blogapp.comments.moderation import reply
    from blogapp.comments.settings import load_settings
    from blogapp.models import Article

    staff.create("owner@example.com", "owner")
    post_comment(app.test_client(), open_article_slug(app), comment="A reader asks")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "owner@example.com"))
        user.display_name = "Site Owner"
        db.session.commit()
        first = db.session.scalar(select(Comment.id))
        reply(first, "The owner answers", user, load_settings(app.config),
              secret=app.config["SECRET_KEY"])
        assert db.session.scalar(select(Article.comment_count)) == 2
    return user


def open_article_slug(app) -> str:
    from blogapp.models import Article

    with app.app_context():
        return db.session.scalar(select(Article.slug))


@pytest.mark.parametrize(
    ("author", "email", "message"),
    [
        ("Site Owner", "owner@example.com", "Uses the email address of a staff account"),
        ("Site Owner", "OWNER@Example.COM", "Uses the email address of a staff account"),
        ("Somebody", "owner@example.com", "Uses the email address of a staff account"),
        ("Site Owner", "someone@example.org", "Uses the name of a staff account"),
        ("site  OWNER", "someone@example.org", "Uses the name of a staff account"),
        ("Ｓｉｔｅ Ｏｗｎｅｒ", "someone@example.org", "Uses the name of a staff account"),
        ("Site\u200bOwner", "someone@example.org", None),  # one word: not the same name
    ],
)
def test_a_reader_using_a_staff_identity_is_held(app, article, owner, author, email, message):
    app.config["DISCUSSION_AUTO_APPROVE_KNOWN_AUTHORS"] = True
    reader = app.test_client()
    assert post_comment(reader, article, author=author, email=email,
                        comment="Approve me, I am the owner").status_code == 303
    post = stored(app)[-1]
    assert post.user_id is None
    reasons = [r["message"] for r in post.reasons if r["code"] == "staff-impersonation"]
    if message is None:  # an ordinary new author, held as one
        assert reasons == [] and [r["code"] for r in post.reasons] == ["new-author"]
        return
    assert post.status == "pending" and reasons == [message]
    assert "known-author" not in [r["code"] for r in post.reasons]
    public = app.test_client().get(f"/articles/{article}").get_data(as_text=True)
    assert "Approve me, I am the owner" not in public


@pytest.mark.parametrize("name", [
    'Ann "the Owner" O\'Neil', "Back\\slash Owner", "Zoë Ångström", "Owner 🦉 of Owls",
    "Ünïcode <b>&amp;</b> Owner",
])
def test_a_staff_name_any_text_can_hold_is_matched(app, article, staff, name):
    """The staff accounts reach the check as JSON built by the database: quotes,
    backslashes, markup and any script come back as they were typed."""
    staff.create("writer@example.com", "moderator")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "writer@example.com"))
        user.display_name = name
        db.session.commit()
    app.config["DISCUSSION_AUTO_APPROVE_KNOWN_AUTHORS"] = True
    assert post_comment(app.test_client(), article, author=name.upper(),
                        email="someone@example.org").status_code == 303
    reasons = [r["message"] for r in stored(app)[-1].reasons
               if r["code"] == "staff-impersonation"]
    assert reasons == ["Uses the name of a staff account"]


def test_an_impersonation_never_gets_a_staff_badge(app, client, article, owner, staff):
    reader = app.test_client()
    post_comment(reader, article, author="Site Owner", email="owner@example.com",
                 comment="Badge please")
    post = stored(app)[-1]
    with app.app_context():
        set_visible_status(db.session.get(Comment, post.id), "approved")
        db.session.commit()
    staff.login("owner@example.com")
    queue = client.get("/admin/comments?status=approved").get_data(as_text=True)
    rows = queue.split("<tr")
    badge_please = next(row for row in rows if "Badge please" in row)
    assert "(staff)" not in badge_please
    assert any("(staff)" in row for row in rows if "The owner answers" in row)


def test_a_disabled_or_moderator_account_is_staff_too(app, article, staff):
    staff.create("mod@example.com", "moderator")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "mod@example.com"))
        user.active = False
        db.session.commit()
    post_comment(app.test_client(), article, email="mod@example.com")
    assert stored(app)[-1].status == "pending"


# -- Keys through markup, through the form ----------------------------------------------------


@pytest.mark.parametrize("text", [
    "<b>casi</b>no night", "&#99;asino night", "CASI<i></i>NO", "ｃａｓｉｎｏ", "casi\u00adno",
])
def test_a_disallowed_key_hidden_in_markup_still_trashes(app, client, article, text):
    with app.app_context():
        save_settings({"disallowed_keys": ("casino",)})
    post_comment(client, article, comment=text)
    assert [c.status for c in stored(app)] == ["trash"]


# -- WordPress's approval defaults -------------------------------------------------------------


@pytest.fixture
def wordpress_defaults(app):
    for key in ("DISCUSSION_MANUAL_APPROVAL", "DISCUSSION_AUTO_APPROVE_KNOWN_AUTHORS"):
        app.config.pop(key, None)


def test_defaults_hold_a_first_comment_and_approve_a_known_author(app, client, article,
                                                                  wordpress_defaults):
    post_comment(client, article, comment="My first words")
    [first] = stored(app)
    assert first.status == "pending"
    assert [r["code"] for r in first.reasons] == ["new-author"]
    with app.app_context():
        set_visible_status(db.session.get(Comment, first.id), "approved")
        db.session.commit()
    post_comment(client, article, comment="And again")
    second = stored(app)[-1]
    assert second.status == "approved"
    assert [r["code"] for r in second.reasons] == ["known-author"]
