"""The cheap refusals come before any sanitizing: a post turned away (or caught by the
honeypot) never reaches nh3, Markdown or the link counter, so refused posts cost little."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from blogapp import sanitize
from blogapp.comments import pipeline
from blogapp.extensions import db
from blogapp.models import Comment
from tests.comment_helpers import OPEN_DISCUSSION, form_tokens, open_article, post_comment
from tests.factories import make_article

HEAVY = "https://x.example/" + ")" * 5000  # once seconds of linkifying


@pytest.fixture
def app_config():
    return {**OPEN_DISCUSSION, "DISCUSSION_FLOOD_SECONDS": 30}


@pytest.fixture
def article(app):
    return open_article(app)


@pytest.fixture
def sanitizer_calls(monkeypatch):
    """Record every call into the sanitizer (each nh3 pass, render and count)."""
    calls: list[str] = []

    def spy(name, real):
        def recorded(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)
        return recorded

    monkeypatch.setattr(sanitize, "_clean", spy("nh3", sanitize._clean))
    for name in ("render_comment", "rendered_comment", "visible_text"):
        monkeypatch.setattr(pipeline, name, spy(name, getattr(pipeline, name)))
    return calls


def stored(app):
    with app.app_context():
        return db.session.scalars(select(Comment).order_by(Comment.id)).all()


# Each refusal: set the scene, call ready() just before the refused post, return its answer.

def cross_origin(app, client, slug, ready):
    data = {**form_tokens(client, slug), "comment": HEAVY, "author": "A", "email": "a@x.org"}
    ready()
    return client.post(f"/articles/{slug}/comments", data=data,
                       headers={"Sec-Fetch-Site": "cross-site"})


def closed(app, client, slug, ready):
    with app.app_context():
        make_article("Closed", comments_open=False)
    data = {**form_tokens(client, slug), "comment": HEAVY, "author": "A", "email": "a@x.org"}
    ready()
    return client.post("/articles/closed/comments", data=data)


def bad_token(app, client, slug, ready):
    ready()
    return post_comment(client, slug, tokens={"form_token": "forged"}, comment=HEAVY)


def honeypot(app, client, slug, ready):
    tokens = form_tokens(client, slug)
    ready()
    return post_comment(client, slug, tokens=tokens, comment=HEAVY, contact_fax="bot")


def flood(app, client, slug, ready):
    post_comment(client, slug, comment="first words")
    tokens = form_tokens(client, slug)
    ready()
    return post_comment(client, slug, tokens=tokens, comment=HEAVY)


def duplicate(app, client, slug, ready):
    app.config["DISCUSSION_FLOOD_SECONDS"] = 0
    post_comment(client, slug, comment=HEAVY)
    tokens = form_tokens(client, slug)
    ready()
    return post_comment(client, slug, tokens=tokens, comment=HEAVY)


def bad_field(app, client, slug, ready):
    tokens = form_tokens(client, slug)
    ready()
    return post_comment(client, slug, tokens=tokens, comment=HEAVY, email="not-an-email")


def gone_parent(app, client, slug, ready):
    tokens = form_tokens(client, slug)
    ready()
    return post_comment(client, slug, tokens=tokens, comment=HEAVY, comment_parent="99")


@pytest.mark.parametrize(("refusal", "status"), [
    (cross_origin, 403), (closed, 403), (bad_token, 400), (honeypot, 400), (flood, 429),
    (duplicate, 409), (bad_field, 400), (gone_parent, 400),
], ids=lambda value: getattr(value, "__name__", str(value)))
def test_refusals_are_decided_before_any_sanitizing(app, client, article, sanitizer_calls,
                                                    refusal, status):
    response = refusal(app, client, article, sanitizer_calls.clear)
    assert response.status_code == status
    assert sanitizer_calls == []


def test_an_accepted_post_is_sanitized_once(app, client, article, sanitizer_calls):
    assert post_comment(client, article, comment=HEAVY).status_code == 303
    assert sanitizer_calls.count("rendered_comment") == 1
    assert "nh3" in sanitizer_calls and "render_comment" not in sanitizer_calls


def test_a_honeypot_catch_is_refused_and_stores_nothing(app, client, article):
    response = post_comment(client, article, comment="<b>Hi</b> see https://x.example",
                            contact_fax="x")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "hidden field" in html and "&lt;b&gt;Hi&lt;/b&gt; see https://x.example" in html
    assert 'name="contact_fax" type="text" value=""' in html  # sent again, it goes through
    assert stored(app) == []


def test_an_old_honeypot_catch_is_rendered_for_real_when_rescued(app, client, article, staff):
    """Before issue 17 a honeypot catch was stored as spam, as escaped plain text."""
    from blogapp.models import Article
    from blogapp.sanitize import render_plain

    with app.app_context():
        text = "<b>Hi</b> see https://x.example"
        db.session.add(Comment(
            article_id=db.session.scalar(select(Article.id).where(Article.slug == article)),
            depth=1, author="Bot", email="bot@example.org", url="", avatar_seed="x",
            content=text, content_html=render_plain(text), status="spam",
            reasons_json='[{"code": "honeypot", "message": "Filled in the hidden field"}]',
            spam_check="disabled", spam_check_attempts=0, ip="192.0.2.1", user_agent="",
            referrer="", preview_token="t" * 22))
        db.session.commit()
    [caught] = stored(app)
    assert caught.content_html == "<p>&lt;b&gt;Hi&lt;/b&gt; see https://x.example</p>"
    moderator = app.test_client()
    staff.login_as("moderator", client=moderator)
    from tests.conftest import csrf_from

    page = moderator.get("/admin/comments?status=spam").get_data(as_text=True)
    moderator.post("/admin/comments/action", data={
        "csrf_token": csrf_from(page), "row_action": f"not_spam:{caught.id}"})
    [rescued] = stored(app)
    assert rescued.status == "pending"
    assert rescued.content_html == ('<p><b>Hi</b> see <a href="https://x.example" '
                                    'rel="nofollow ugc noopener">https://x.example</a></p>')
