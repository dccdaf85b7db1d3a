"""Readers of a site that embeds the comments hear back as the blog's own readers do: the
API's post takes the "Notify me by email" boxes, the same confirmation mail goes out
through a real SMTP server on loopback, and the notice links to the page the thread is on.
The API's thread offers the boxes only while the site sends mail."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import Subscription
from tests.api.conftest import PAGE_URL, SITE, good_body
from tests.comment_helpers import OPEN_DISCUSSION

ANN = "ann@example.org"
PAGE = {"thread": {"url": PAGE_URL, "title": "Hello"}}
ARTICLE = {"article": "night-buses"}
LINK_RE = re.compile(r"https://blog\.test(/subscriptions/\S+)")


@pytest.fixture
def app_config(smtp):
    return {**OPEN_DISCUSSION, **smtp.config(), "SITE_URL": "https://blog.test",
            "EMBED_ORIGINS": SITE}


def post(api, target, **fields):
    return api.post("/api/v1/comments", json=good_body(api, target, **fields),
                    headers={"Origin": SITE})


def subscriptions(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(s.email, s.kind, s.status) for s in db.session.scalars(
            select(Subscription).order_by(Subscription.id))]


def plain(message) -> str:
    return message.get_body("plain").get_content()


def confirm(app, smtp) -> None:
    [message] = [m for m in smtp.inbox.to(ANN) if "confirm" in m["Subject"]]
    [path] = [p for p in LINK_RE.findall(plain(message)) if p.startswith("/subscriptions/confirm")]
    token = urlsplit(path).query.removeprefix("token=")
    done = app.test_client().post("/subscriptions/confirm", data={"token": token})
    assert "Subscription confirmed" in done.get_data(as_text=True)


def notices(smtp, to=ANN):
    return [m for m in smtp.inbox.to(to) if "confirm" not in m["Subject"]]


def test_the_thread_offers_the_boxes_while_the_site_sends_mail(api, app, article_slug):
    form = api.get(f"/api/v1/threads/article/{article_slug}").get_json()["form"]
    assert form["subscribe_comments"] == ["replies", "all"]
    app.config["MAIL_SERVER"] = ""
    form = api.get(f"/api/v1/threads/article/{article_slug}").get_json()["form"]
    assert form["subscribe_comments"] == []


def test_a_reader_on_another_site_subscribes_confirms_and_hears_of_a_reply_once(api, app, smtp):
    ann = post(api, PAGE, email=ANN, subscribe_comments=["replies"])
    assert ann.status_code == 201, ann.get_json()
    assert ann.get_json()["subscribed"] == "replies"
    assert subscriptions(app) == [(ANN, "replies", "unconfirmed")]
    confirm(app, smtp)
    assert subscriptions(app) == [(ANN, "replies", "active")]

    ann_id = ann.get_json()["comment"]["id"]
    bob = post(api, PAGE, comment="Yes, every hour.", author="Bob", email="bob@example.org",
               comment_parent=ann_id)
    assert bob.status_code == 201 and bob.get_json()["subscribed"] is None
    [notice] = notices(smtp)
    assert notice["Subject"] == '[blogapp] New reply to your comment on "Hello"'
    text = plain(notice)
    # the thread lives on the embedding site's page, not on a page of the blog
    assert f"Read it and reply: {PAGE_URL}#comment-{bob.get_json()['comment']['id']}" in text
    [manage] = [p for p in LINK_RE.findall(text) if p.startswith("/subscriptions/manage")]
    page = app.test_client().get(manage).get_data(as_text=True)
    assert f'href="{PAGE_URL}"' in page and "/articles/" not in page

    post(api, PAGE, comment="Ann again, replying to myself.", email=ANN, comment_parent=ann_id)
    assert len(notices(smtp)) == 1  # never about one's own comment


@pytest.mark.parametrize(("ticked", "kind"), [
    ("all", "all"),
    (["all"], "all"),
    (["replies", "all"], "all"),  # "all" covers replies, as the form's two boxes
    ([], None),
    (None, None),
])
def test_the_boxes_ticked_choose_the_mail(api, app, smtp, article_slug, ticked, kind):
    answer = post(api, ARTICLE, email=ANN, subscribe_comments=ticked)
    assert answer.status_code == 201 and answer.get_json()["subscribed"] == kind
    assert subscriptions(app) == ([(ANN, kind, "unconfirmed")] if kind else [])
    assert len(smtp.inbox.to(ANN)) == (1 if kind else 0)


def test_every_new_comment_mails_an_all_subscriber_with_the_articles_address(
        api, app, smtp, article_slug):
    post(api, ARTICLE, email=ANN, subscribe_comments="all")
    confirm(app, smtp)
    cleo = post(api, ARTICLE, comment="Is there a map?", author="Cleo",
                email="cleo@example.org")
    [notice] = notices(smtp)
    assert notice["Subject"] == '[blogapp] New comment on "Night buses"'
    assert (f"https://blog.test/articles/night-buses#comment-{cleo.get_json()['comment']['id']}"
            in plain(notice))


@pytest.mark.parametrize("wrong", [5, True, {"replies": True}, [1], ["replies", None], [["all"]]])
def test_boxes_of_the_wrong_type_are_refused_by_name(api, app, smtp, article_slug, wrong):
    answer = post(api, ARTICLE, email=ANN, subscribe_comments=wrong)
    assert answer.status_code == 422
    assert set(answer.get_json()["fields"]) == {"subscribe_comments"}
    assert subscriptions(app) == [] and smtp.mail == []


@pytest.mark.parametrize(("fields", "config", "words"), [
    ({"subscribe_comments": "weekly"}, {}, "Not a valid choice"),
    ({"subscribe_comments": ["replies", "weekly"]}, {}, "Not a valid choice"),
    ({"subscribe_comments": "replies", "email": ""}, {"DISCUSSION_REQUIRE_NAME_EMAIL": False},
     "Enter your email address to be notified by email."),
])
def test_boxes_the_form_would_refuse_are_refused_with_its_words(
        api, app, smtp, article_slug, fields, config, words):
    app.config.update(config)
    answer = post(api, ARTICLE, **fields)
    error = answer.get_json()
    assert answer.status_code == 400 and error["error"] == "invalid", error
    assert words in error["fields"]["subscribe_comments"]
    assert subscriptions(app) == [] and smtp.mail == []


@pytest.mark.parametrize(("fields", "config", "status"), [
    ({"contact_fax": "555-0100"}, {}, 400),  # the honeypot
    ({"comment": "buy cheapviagra now"}, {"DISCUSSION_DISALLOWED_KEYS": "cheapviagra"}, 201),
])
def test_spam_subscribes_nobody_and_reads_as_any_held_post(api, app, smtp, article_slug,
                                                           fields, config, status):
    app.config.update(config)
    answer = post(api, ARTICLE, email=ANN, subscribe_comments="replies", **fields)
    assert answer.status_code == status
    if status == 201:  # "held", as a comment awaiting a moderator reads: the verdict is not told
        assert answer.get_json()["status"] == "held"
        assert answer.get_json()["subscribed"] == "replies"
    assert subscriptions(app) == [] and smtp.mail == []


def test_with_mail_off_nothing_is_subscribed_or_promised(api, app, smtp, article_slug):
    app.config["MAIL_SERVER"] = ""
    answer = post(api, ARTICLE, email=ANN, subscribe_comments="replies")
    assert answer.status_code == 201 and answer.get_json()["subscribed"] is None
    assert subscriptions(app) == [] and smtp.mail == []
