"""A held comment is shown to its own author only, and shows nothing drawn from the email.

Issue 11, items 3 and 6: the held-comment cookie names (id, preview token) pairs, so it
can never show a later stranger's comment that came to carry an old id (and ids are not
handed out twice); and before approval the page shows a neutral avatar, so posting with a
guessed address and comparing pictures tells nothing.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select

from blogapp.comments.area import HELD_COOKIE, held_serializer
from blogapp.comments.avatars import avatar_seed, identicon, neutral_avatar
from blogapp.comments.settings import save_settings
from blogapp.extensions import db
from blogapp.models import Comment
from tests.comment_helpers import OPEN_DISCUSSION, open_article, post_comment

VICTIM = {"author": "Vera Victim", "email": "vera.victim@example.org"}


@pytest.fixture
def app_config():
    return dict(OPEN_DISCUSSION)


@pytest.fixture
def article(app):
    slug = open_article(app)
    with app.app_context():
        save_settings({"manual_approval": True})
    return slug


def row(app, comment_id: int) -> Comment:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        db.session.expunge(comment)
        return comment


def newest_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Comment.id).order_by(Comment.id.desc()).limit(1))


def test_an_old_held_cookie_never_shows_a_later_strangers_comment(app, article):
    alice = app.test_client()
    assert post_comment(alice, article, comment="Alice's own words").status_code == 303
    old_id = newest_id(app)
    with app.app_context():  # a moderator deletes the newest comment
        db.session.execute(delete(Comment).where(Comment.id == old_id))
        db.session.commit()
    mallory = app.test_client()
    response = post_comment(mallory, article, comment="Mallory's private note",
                            author="Mallory Stranger", url="https://mallory.example")
    assert response.status_code == 303
    assert newest_id(app) > old_id  # the id was not handed out again
    html = alice.get(f"/articles/{article}").text
    for secret in ("Mallory's private note", "Mallory Stranger", "mallory.example",
                   "awaiting moderation"):
        assert secret not in html
    assert "Mallory's private note" in mallory.get(response.headers["Location"]).text


@pytest.mark.parametrize(("label", "names"), [
    ("bare id (the old cookie)", lambda c: [c.id]),
    ("id with another token", lambda c: [[c.id, "0" * 32]]),
    ("id with no token", lambda c: [[c.id, None]]),
    ("token under another id", lambda c: [[c.id + 1, c.preview_token]]),
    ("id as text", lambda c: [[str(c.id), c.preview_token]]),
    ("id as true", lambda c: [[True, c.preview_token]]),  # the comment's id is 1
])
def test_a_signed_cookie_must_name_the_comments_token(app, article, label, names):
    assert post_comment(app.test_client(), article, comment="Only mine to see").status_code \
        == 303
    comment = row(app, newest_id(app))
    with app.test_request_context():
        forged, genuine = (held_serializer().dumps(value) for value in
                           (names(comment), [[comment.id, comment.preview_token]]))
    for value, shown in ((forged, False), (genuine, True)):
        reader = app.test_client()
        reader.set_cookie(HELD_COOKIE, value, domain="blog.test")
        assert ("Only mine to see" in reader.get(f"/articles/{article}").text) is shown, label


def test_every_comment_gets_its_own_unguessable_token(app, article):
    client = app.test_client()
    for n in range(5):
        post_comment(client, article, comment=f"held number {n}")
    with app.app_context():
        tokens = db.session.scalars(select(Comment.preview_token)).all()
    assert len(set(tokens)) == 5 and all(re.fullmatch(r"[0-9a-f]{32}", t) for t in tokens)


def held_item(html: str) -> str:
    """The held comment's <li>, with what differs between any two posts taken out."""
    item = re.search(r'<li id="comment-\d+" class="comment depth-1 comment-held">.*?</li>',
                     html, re.S).group(0)
    item = re.sub(r"comment-\d+", "comment-N", item)
    return re.sub(r"<time[^>]*>[^<]*</time>", "<time/>", item)


def test_a_held_preview_shows_nothing_drawn_from_the_email(app, article):
    """A stranger posts as the author of a public comment, with a right and a wrong guess
    of the address: the two previews are the same, and neither shows the public avatar."""
    with app.app_context():
        save_settings({"manual_approval": False})
    post_comment(app.test_client(), article, comment="Vera's public comment", **VICTIM)
    with app.app_context():
        save_settings({"manual_approval": True})
    public = str(identicon(avatar_seed(app.config["SECRET_KEY"], VICTIM["email"], "")))
    previews = []
    for guess in (VICTIM["email"], "wrong.guess@example.org"):
        stranger = app.test_client()
        response = post_comment(stranger, article, comment="Is it you?",
                                author=VICTIM["author"], email=guess)
        assert response.status_code == 303
        html = stranger.get(response.headers["Location"]).text
        assert html.count(public) == 1  # Vera's public comment only
        previews.append(held_item(html))
    assert previews[0] == previews[1]
    assert str(neutral_avatar()) in previews[0] and 'class="avatar"' not in previews[0]


def test_a_refused_form_shows_nothing_drawn_from_the_email(app, article):
    """Refused posts (a bad form token) with a right and a wrong guess answer the same,
    but for the address the stranger typed, which the form keeps for them."""
    with app.app_context():
        save_settings({"manual_approval": False})
    post_comment(app.test_client(), article, comment="Vera's public comment", **VICTIM)
    pages = []
    for guess in (VICTIM["email"], "wrong.guess@example.org"):
        response = post_comment(app.test_client(), article, tokens={"form_token": "forged"},
                                comment="Is it you?", author=VICTIM["author"], email=guess)
        assert response.status_code == 400
        page = response.text.replace(guess, "GUESS")
        pages.append(re.sub(r'name="form_token" value="[^"]*"', "", page))
    assert pages[0] == pages[1]
