"""Leave a Reply: readers post comments through the form and see them (or their own
held ones), and a rejected submission never loses its text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from blogapp.comments.services import set_visible_status
from blogapp.extensions import db
from blogapp.models import Article, Comment
from tests.comment_helpers import GOOD, OPEN_DISCUSSION, form_tokens, open_article, post_comment
from tests.factories import make_article


@pytest.fixture
def app_config():
    return dict(OPEN_DISCUSSION)


@pytest.fixture
def article(app):
    return open_article(app)


def comments(app):
    with app.app_context():
        rows = db.session.scalars(select(Comment).order_by(Comment.id)).all()
        db.session.expunge_all()
        return rows


def approve(app, comment_id):
    with app.app_context():
        set_visible_status(db.session.get(Comment, comment_id), "approved")
        db.session.commit()


def test_form_mirrors_wordpress(client, article):
    html = client.get(f"/articles/{article}").get_data(as_text=True)
    for text in ("Leave a Reply", "Your email address will not be published.",
                 "Required fields are marked", "Post Comment",
                 "Save my name, email, and website in this browser for the next time I comment."):
        assert text in html
    for name in ("comment", "author", "email", "url", "comment_parent",
                 "wp-comment-cookies-consent"):
        assert f'name="{name}"' in html
    assert 'maxlength="65525"' in html and 'maxlength="245"' in html
    assert 'maxlength="100"' in html and 'maxlength="200"' in html
    assert 'autocomplete="email"' in html and 'autocomplete="name"' in html
    assert '<label for="comment">Comment <span class="required">*</span></label>' in html


def test_seed_form_posted_by_field_names_is_rendered(client, article):
    """Post the seed article's form exactly as a browser would."""
    tokens = form_tokens(client, article)
    response = client.post(f"/articles/{article}/comments", data={
        "comment": "Which routes open first?\n\nThanks for the article.",
        "author": "Min-jun", "email": "minjun@example.org", "url": "https://minjun.example",
        "comment_parent": "0", "wp-comment-cookies-consent": "yes", "submit": "Post Comment",
        **tokens})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#comment-1")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<p>Which routes open first?</p><p>Thanks for the article.</p>" in html
    assert "1 Response" in html
    assert '<a href="https://minjun.example" rel="external nofollow ugc noopener">Min-jun</a>' \
        in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("comment", "", "This field is required."),
        ("comment", "   \n\t ", "This field is required."),
        ("author", "", "Please enter your name."),
        ("email", "", "Please enter your email address."),
        ("email", "not-an-email", "Please enter a valid email address"),
        ("url", "javascript:alert(1)", "starting with http:// or https://"),
        ("url", "ftp://files.example", "starting with http:// or https://"),
        ("comment", "x" * 65526, "Field cannot be longer than 65525 characters."),
        ("author", "x" * 246, "Field cannot be longer than 245 characters."),
        ("email", "a" * 90 + "@example.org", "Field cannot be longer than 100 characters."),
        ("url", "https://example.com/" + "x" * 190, "Field cannot be longer than 200 characters."),
    ],
)
def test_each_bad_field_gives_4xx_keeping_everything_typed(app, client, article, field, value,
                                                           message):
    typed = {"comment": "My carefully typed words", "author": "Typed Name",
             "email": "typed@example.org", "url": "https://typed.example", field: value}
    response = post_comment(client, article, **typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'class="error-summary"' in html and f'href="#{field}"' in html
    for name, text in typed.items():
        if name != field and text:
            assert text in html, f"{name} was lost"
    assert comments(app) == []


def test_values_are_normalized_before_storing(app, client, article):
    post_comment(client, article, comment="  Cafe\u0301\x00 ok\x07  ", author=" Ann\u200b \n",
                 email=" Ann@Example.ORG ")
    [stored] = comments(app)
    assert stored.content == "Café ok"
    assert stored.author == "Ann\u200b"
    assert stored.email == "ann@example.org"


def test_name_and_email_optional_when_the_setting_says_so(app, client, article, app_config):
    from blogapp.comments.settings import save_settings

    with app.app_context():
        save_settings({"require_name_email": False})
    response = post_comment(client, article, author="", email="")
    assert response.status_code == 303
    assert "Anonymous" in client.get(f"/articles/{article}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("make", "status", "message"),
    [
        (dict(comments_open=False), 403, "Comments are closed on this article."),
        (dict(action="draft"), 404, "Page not found"),
    ],
    ids=["closed", "draft"],
)
def test_closed_and_draft_articles_refuse_comments(app, client, make, status, message):
    with app.app_context():
        make_article("Target", **{k: v for k, v in make.items()})
        make_article("Open one")
    tokens = form_tokens(client, "open-one")
    response = client.post("/articles/target/comments", data={**GOOD, **tokens})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    if status == 403:
        assert GOOD["comment"] in response.get_data(as_text=True)
    assert comments(app) == []


def test_unknown_article_refuses_comments(client, article):
    tokens = form_tokens(client, article)
    assert client.post("/articles/nope/comments", data={**GOOD, **tokens}).status_code == 404


def test_old_articles_close_after_the_configured_days(app, client):
    from blogapp.comments.settings import save_settings
    from tests.factories import backdated

    with app.app_context():
        make_article("Old", published_at=backdated(60 * 24 * 20))
        save_settings({"close_after_days": 14})
    html = client.get("/articles/old").get_data(as_text=True)
    assert "Comments are closed." in html and 'id="commentform"' not in html


def test_replies_thread_under_their_parent(app, client, article):
    post_comment(client, article, comment="Parent")
    html = client.get(f"/articles/{article}?replytocom=1").get_data(as_text=True)
    assert 'value="1"' in html and "Reply to Ann Reader" in html and "Cancel reply" in html
    response = post_comment(client, article, comment="Child", comment_parent="1",
                            tokens=form_tokens(client, article, "?replytocom=1"))
    assert response.status_code == 303
    page = client.get(f"/articles/{article}").get_data(as_text=True)
    assert '<ol class="children"><li id="comment-2" class="comment depth-2">' in page
    assert page.count("Reply</a>") == 2


@pytest.mark.parametrize("depth_limit", [1, 3, 5])
def test_thread_depth_is_limited(app, client, article, depth_limit):
    from blogapp.comments.settings import save_settings

    with app.app_context():
        save_settings({"thread_depth": depth_limit})
    parent = "0"
    for level in range(1, depth_limit + 1):
        response = post_comment(client, article, comment=f"level {level}", comment_parent=parent)
        assert response.status_code == 303
        parent = str(level)
    response = post_comment(client, article, comment="too deep", comment_parent=parent)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"Replies can nest {depth_limit} levels deep at most" in html and "too deep" in html


def test_reply_to_held_or_foreign_comment_is_refused(app, client, article):
    from blogapp.comments.settings import save_settings

    with app.app_context():
        make_article("Other")
        save_settings({"manual_approval": True})
    post_comment(client, "other", comment="On another article")
    approve(app, 1)
    post_comment(client, article, comment="Held one")
    for parent in ("1", "2", "999", "abc"):
        response = post_comment(client, article, comment="reply", comment_parent=parent)
        assert response.status_code == 400, parent
        assert "not available" in response.get_data(as_text=True)


def test_held_comment_is_shown_to_its_author_only(app, client, article):
    from blogapp.comments.settings import save_settings

    with app.app_context():
        save_settings({"manual_approval": True})
    response = post_comment(client, article, comment="Please approve me")
    assert response.status_code == 303
    mine = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please approve me" in mine and "Your comment is awaiting moderation." in mine
    stranger = app.test_client().get(f"/articles/{article}").get_data(as_text=True)
    assert "Please approve me" not in stranger
    # A forged cookie shows nothing.
    forger = app.test_client()
    forger.set_cookie("comment_held", "WzFd.forged", domain="blog.test")
    assert "Please approve me" not in forger.get(f"/articles/{article}").get_data(as_text=True)


def test_held_cookie_expires(app, client, article, monkeypatch):
    from blogapp.comments.settings import save_settings

    with app.app_context():
        save_settings({"manual_approval": True})
    post_comment(client, article, comment="Short-lived view")
    app.config["HELD_COOKIE_MAX_AGE"] = -1
    assert "Short-lived view" not in client.get(f"/articles/{article}").get_data(as_text=True)


def test_approved_comment_shows_to_everyone(app, client, article):
    post_comment(client, article, comment="Public words")
    html = app.test_client().get(f"/articles/{article}").get_data(as_text=True)
    assert "Public words" in html and "awaiting moderation" not in html
    with app.app_context():
        assert db.session.scalar(select(Article.comment_count)) == 1


@pytest.mark.parametrize("consent", [True, False])
def test_details_cookies_only_with_consent(client, article, consent):
    extra = {"wp-comment-cookies-consent": "yes"} if consent else {}
    response = post_comment(client, article, url="https://ann.example", **extra)
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    names = ("comment_author", "comment_author_email", "comment_author_url")
    if consent:
        for name in names:
            assert name in cookies and "Max-Age=31536000" in cookies[name]
            assert "HttpOnly" in cookies[name]
        html = client.get(f"/articles/{article}").get_data(as_text=True)
        assert 'value="Ann Reader"' in html and "checked" in html
    else:
        for name in names:
            assert name not in cookies or "1970" in cookies[name]


def test_a_browser_without_saved_details_gets_no_clearing_cookies(client, article):
    response = post_comment(client, article, url="https://ann.example")
    assert response.status_code == 303
    names = [c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie")]
    assert not {"comment_author", "comment_author_email", "comment_author_url"} & set(names)


def test_withdrawing_consent_clears_saved_details(client, article):
    post_comment(client, article, comment="one", **{"wp-comment-cookies-consent": "yes"})
    response = post_comment(client, article, comment="two")
    cleared = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("comment_author=")]
    assert cleared and "1970" in cleared[0]
    assert 'value="Ann Reader"' not in client.get(f"/articles/{article}").get_data(as_text=True)


CANARY = "canary-7f3a9@leak-check.example"


def test_email_never_reaches_a_public_response(app, client, article):
    import hashlib

    post_comment(client, article, email=CANARY, comment="canary comment")
    post_comment(client, article, email=CANARY, comment="canary reply", comment_parent="1")
    hashes = {hashlib.new(h, CANARY.encode()).hexdigest() for h in ("md5", "sha1", "sha256")}
    reader = app.test_client()
    for url in ("/", f"/articles/{article}", f"/articles/{article}?replytocom=1", "/feed.atom",
                "/articles/missing"):
        response = reader.get(url)
        blob = response.get_data(as_text=True) + str(response.headers)
        assert CANARY not in blob and "leak-check" not in blob, url
        assert not any(h in blob for h in hashes), url


def test_comment_markup_is_sanitized_once_and_stored(app, client, article):
    post_comment(client, article, comment='<b>bold</b> <script>alert(1)</script> '
                                          '<a href="javascript:alert(1)">x</a> www.example.com')
    [stored] = comments(app)
    assert "<b>bold</b>" in stored.content_html and "<script" not in stored.content_html
    assert "javascript:" not in stored.content_html
    assert 'href="https://www.example.com" rel="nofollow ugc noopener"' in stored.content_html
    assert stored.content.startswith("<b>bold</b>")  # the raw text is kept beside it


def test_name_and_website_are_plain_text(app, client, article):
    post_comment(client, article, author='<img src=x onerror=alert(1)>"',
                 url='https://ok.example/"><script>alert(1)</script>')
    html = client.get(f"/articles/{article}").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert(1)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#34;" in html


def test_avatar_is_local_svg_not_gravatar(client, article):
    post_comment(client, article)
    html = client.get(f"/articles/{article}").get_data(as_text=True)
    assert '<svg class="avatar"' in html and "gravatar" not in html.lower()


def test_comments_paginate_by_thread(app, client, article):
    from blogapp.comments.settings import save_settings

    with app.app_context():
        save_settings({"comments_per_page": 2, "default_page": "oldest"})
    for i in range(5):
        post_comment(client, article, comment=f"number {i}")
    first = client.get(f"/articles/{article}").get_data(as_text=True)
    assert "number 0" in first and "number 1" in first and "number 2" not in first
    assert "Comment page 1 of 3" in first and "5 Responses" in first
    last = client.get(f"/articles/{article}?cpage=3").get_data(as_text=True)
    assert "number 4" in last and "number 3" not in last
    with app.app_context():
        save_settings({"default_page": "newest"})
    assert "number 4" in client.get(f"/articles/{article}").get_data(as_text=True)


def test_redirect_points_at_the_comments_page(app, client, article):
    from blogapp.comments.settings import save_settings

    with app.app_context():
        save_settings({"comments_per_page": 1})
    post_comment(client, article, comment="first")
    response = post_comment(client, article, comment="second")
    assert response.headers["Location"].endswith("cpage=2#comment-2")


@pytest.mark.parametrize(("label", "token"), [
    ("forged", "not-a-token"), ("missing", None), ("tampered", "tampered")])
def test_bad_form_token_keeps_the_text(app, client, article, label, token):
    tokens = form_tokens(client, article)
    if token == "tampered":
        token = tokens["form_token"][:-3] + ("AAA" if tokens["form_token"][-3:] != "AAA" else "BBB")
    tokens = {} if token is None else {"form_token": token}
    response = post_comment(client, article, tokens=tokens, comment="Words I must not lose")
    assert response.status_code == 400, label
    html = response.get_data(as_text=True)
    assert "Words I must not lose</textarea>" in html and "Your comment is kept below" in html
    assert comments(app) == []


def test_article_page_answers_304_until_its_comments_change(app, client, article):
    reader = app.test_client()
    first = reader.get(f"/articles/{article}")
    etag = first.headers["ETag"]
    assert "private" in first.headers["Cache-Control"]
    again = reader.get(f"/articles/{article}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    post_comment(client, article, comment="News!")
    changed = reader.get(f"/articles/{article}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "News!" in changed.get_data(as_text=True)


def test_cached_comment_list_follows_moderation(app, client, article):
    post_comment(client, article, comment="Soon hidden")
    assert "Soon hidden" in app.test_client().get(f"/articles/{article}").text
    with app.app_context():
        set_visible_status(db.session.get(Comment, 1), "spam")
        db.session.commit()
    assert "Soon hidden" not in app.test_client().get(f"/articles/{article}").text


def test_stored_page_hands_out_a_fresh_form_token(app, article, monkeypatch):
    """The page is stored once, but each reader's form says when *they* opened it."""
    import blogapp.comments.forms as form_module

    first = form_tokens(app.test_client(), article)["form_token"]
    later = form_module.time.time() + 3600
    monkeypatch.setattr(form_module, "time", type("Clock", (), {"time": lambda: later}))
    second = form_tokens(app.test_client(), article)["form_token"]
    assert first != second
    assert form_module._signer(app.config["SECRET_KEY"]).loads(second)[1] == int(later)
