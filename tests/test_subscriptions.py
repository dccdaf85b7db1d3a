"""Readers hear back, through a real SMTP server on loopback: subscribe in the form,
confirm (a GET shows a button, only the POST confirms), one mail per approved reply with
RFC 8058's headers, one-click unsubscribe without a cookie, nothing for pending replies,
nothing to the reply's own author, nothing before confirmation, and an outage survived."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from blogapp.comments.moderation import moderate
from blogapp.extensions import db
from blogapp.mail.sender import send_due
from blogapp.models import Comment, OutboxMessage, Subscription
from blogapp.models.base import utcnow
from tests.comment_helpers import OPEN_DISCUSSION, open_article, post_comment
from tests.factories import make_article

ANN = "ann@example.org"
LINK_RE = re.compile(r"https://blog\.test(/subscriptions/\S+)")


@pytest.fixture
def app_config(smtp):
    return {**OPEN_DISCUSSION, **smtp.config(), "SITE_URL": "https://blog.test"}


@pytest.fixture
def slug(app):
    return open_article(app)


def reader(app):
    """A browser of its own: no cookie of anyone else's."""
    return app.test_client()


def comment_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Comment.id).order_by(Comment.id)))


def ann_subscribes(app, slug, kind="replies") -> int:
    response = post_comment(reader(app), slug, comment=f"Do the buses run at night? ({kind})",
                            author="Ann", email=ANN, subscribe_comments=kind)
    assert response.status_code == 303
    return comment_ids(app)[-1]


def link(message, path: str) -> str:
    found = [url for url in LINK_RE.findall(message.get_body("plain").get_content())
             if url.startswith(path)]
    assert found, f"no {path} link in the mail"
    return found[0]


def confirm(app, smtp) -> None:
    [(rcpt, message)] = [m for m in smtp.mail if m[0] == [ANN]][-1:]
    assert message["Subject"] == "[blogapp] Please confirm your subscription"
    url = link(message, "/subscriptions/confirm")
    browser = reader(app)
    page = browser.get(url)
    assert page.status_code == 200 and "Yes, confirm" in page.get_data(as_text=True)
    token = urlsplit(url).query.removeprefix("token=")
    done = browser.post("/subscriptions/confirm", data={"token": token})
    assert "Subscription confirmed" in done.get_data(as_text=True)


def reply(app, slug, parent_id, who="Bob", email="bob@example.org", text="Yes, every hour."):
    response = post_comment(reader(app), slug, comment=text, author=who, email=email,
                            comment_parent=str(parent_id))
    assert response.status_code == 303
    return comment_ids(app)[-1]


def notices(smtp, to=ANN):
    return [m for m in smtp.inbox.to(to) if "confirm" not in m["Subject"]]


def statuses(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Subscription.status).order_by(Subscription.id)))


def test_subscribe_confirm_notify_once_then_one_click_unsubscribe(app, smtp, slug):
    ann = ann_subscribes(app, slug)
    assert statuses(app) == ["unconfirmed"]
    confirm(app, smtp)
    assert statuses(app) == ["active"]

    bobs = reply(app, slug, ann, text="Yes, every hour, even on Sundays.")
    [message] = notices(smtp)
    assert message["To"] == ANN
    assert message["Subject"] == '[blogapp] New reply to your comment on "Night buses"'
    unsubscribe = message["List-Unsubscribe"]
    assert re.fullmatch(r"<https://blog\.test/subscriptions/unsubscribe\?token=\S+>", unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body("plain").get_content()
    for part in ('Bob replied to your comment on "Night buses"',
                 "> Yes, every hour, even on Sundays.",
                 f"https://blog.test/articles/night-buses#comment-{bobs}",
                 "you asked to be notified of replies to your comment"):
        assert part in text, part
    html = message.get_body("html").get_content()
    assert "Yes, every hour, even on Sundays." in html and f"#comment-{bobs}" in html

    url = urlsplit(unsubscribe.strip("<>"))
    mail_client = reader(app)  # RFC 8058: no login, no cookie, from anywhere
    done = mail_client.post(f"{url.path}?{url.query}", data={"List-Unsubscribe": "One-Click"},
                            headers={"Origin": "https://mail.example"})
    assert done.status_code == 200 and "Unsubscribed" in done.get_data(as_text=True)
    assert statuses(app) == ["ended"]

    reply(app, slug, ann, who="Cleo", email="cleo@example.org", text="Also on holidays.")
    assert len(notices(smtp)) == 1  # the next reply sends nothing


def test_nothing_is_sent_before_the_address_confirms_and_a_get_never_confirms(app, smtp, slug):
    ann = ann_subscribes(app, slug)
    [(_, confirmation)] = smtp.mail
    assert "ignore this mail" in confirmation.get_body("plain").get_content()
    reader(app).get(link(confirmation, "/subscriptions/confirm"))  # a mail scanner's GET
    assert statuses(app) == ["unconfirmed"]
    reply(app, slug, ann)
    assert notices(smtp) == []
    ann_subscribes(app, slug, kind="all")  # asking again within the hour mails nothing
    assert len(smtp.inbox.to(ANN)) == 1


def test_a_pending_reply_mails_nobody_until_a_moderator_approves_it(app, smtp, slug):
    ann = ann_subscribes(app, slug)
    confirm(app, smtp)
    app.config["DISCUSSION_MANUAL_APPROVAL"] = True
    held = reply(app, slug, ann)
    with app.app_context():
        assert db.session.get(Comment, held).status == "pending"
    assert notices(smtp) == []
    with app.app_context():
        moderate([held], "spam", None)
        moderate([held], "not_spam", None)  # back to pending: still nothing
    assert notices(smtp) == []
    with app.app_context():
        moderate([held], "approve", None)
        moderate([held], "unapprove", None)
        moderate([held], "approve", None)  # approved twice: mailed once
    assert len(notices(smtp)) == 1


def test_smtp_down_when_the_reply_is_approved_then_back_delivers_exactly_once(app, smtp, slug):
    ann = ann_subscribes(app, slug)
    confirm(app, smtp)
    smtp.stop()
    reply(app, slug, ann)
    with app.app_context():
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reply"))
        assert (row.status, row.attempts) == ("failed", 1)
        retry_at = row.next_try_at
    smtp.start()
    with app.app_context():
        assert send_due(app).sent == 0  # not due yet
        assert send_due(app, now=retry_at + timedelta(seconds=1)).sent == 1
        assert send_due(app, now=retry_at + timedelta(days=1)).sent == 0
    assert len(notices(smtp)) == 1


def test_the_replys_own_author_and_other_articles_get_nothing(app, smtp, slug):
    ann = ann_subscribes(app, slug, kind="all")
    confirm(app, smtp)
    reply(app, slug, ann, who="Ann", email=ANN.upper(), text="Answering myself.")
    assert notices(smtp) == []
    post_comment(reader(app), slug, comment="A new thread", author="Dan", email="dan@example.org")
    [message] = notices(smtp)
    assert message["Subject"] == '[blogapp] New comment on "Night buses"'
    assert "every new comment on this article" in message.get_body("plain").get_content()


def test_a_honeypot_catch_subscribes_nobody_and_mails_no_confirmation(app, smtp, slug):
    response = post_comment(reader(app), slug, comment="Buy now", author="Bot", email=ANN,
                            subscribe_comments="replies", contact_fax="filled")
    assert response.status_code == 400
    assert statuses(app) == [] and smtp.mail == []


def test_a_confirmed_address_starts_new_subscriptions_at_once(app, smtp, slug):
    ann_subscribes(app, slug)
    confirm(app, smtp)
    ann_subscribes(app, slug, kind="all")
    assert statuses(app) == ["active", "active"]
    assert len(smtp.inbox.to(ANN)) == 1  # the one confirmation


def test_confirmation_links_expire_after_seven_days(app, smtp, slug, monkeypatch):
    ann_subscribes(app, slug)
    [(_, message)] = smtp.mail
    url = link(message, "/subscriptions/confirm")
    import itsdangerous.timed

    later = utcnow().timestamp() + 8 * 86400
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    page = reader(app).get(url)
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)


def test_unconfirmed_subscriptions_older_than_seven_days_never_start(app, smtp, slug):
    ann_subscribes(app, slug)
    with app.app_context():
        db.session.execute(db.update(Subscription).values(
            created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    confirm(app, smtp)
    assert statuses(app) == ["unconfirmed"]


def test_my_subscriptions_page_ends_one_or_all(app, smtp, slug):
    ann = ann_subscribes(app, slug)
    confirm(app, smtp)
    ann_subscribes(app, slug, kind="all")
    reply(app, slug, ann)
    [message] = notices(smtp)
    manage = link(message, "/subscriptions/manage")
    browser = reader(app)
    page = browser.get(manage).get_data(as_text=True)
    assert "Replies to your comment" in page and "Every new comment" in page
    with app.app_context():
        first, second = db.session.scalars(select(Subscription.id).order_by(Subscription.id))
    browser.post(manage, data={"end": str(first)})
    assert statuses(app) == ["ended", "active"]
    assert browser.post(manage, data={"end": "999"}).status_code == 400
    browser.post(manage, data={"end": "all"})
    assert statuses(app) == ["ended", "ended"]


@pytest.mark.parametrize("path", ["/subscriptions/confirm", "/subscriptions/unsubscribe",
                                  "/subscriptions/manage"])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("token", ["", "forged", "a" * 5000])
def test_forged_links_are_refused_with_a_page_not_an_error(app, path, method, token):
    response = getattr(reader(app), method)(f"{path}?token={token}",
                                            data={"List-Unsubscribe": "One-Click"})
    assert response.status_code in (400, 404)
    assert "This link cannot be used" in response.get_data(as_text=True)


def test_a_cross_site_button_press_changes_nothing(app, smtp, slug):
    ann_subscribes(app, slug)
    [(_, message)] = smtp.mail
    token = urlsplit(link(message, "/subscriptions/confirm")).query.removeprefix("token=")
    response = reader(app).post("/subscriptions/confirm", data={"token": token},
                                headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and statuses(app) == ["unconfirmed"]


@pytest.mark.parametrize("fields, message", [
    ({"subscribe_comments": "weekly"}, "Not a valid choice"),
    ({"subscribe_comments": "replies", "email": "", "author": ""},
     "Enter your email address to be notified by email."),
])
def test_the_form_refuses_a_bad_choice_and_keeps_the_text(app, smtp, slug, fields, message):
    app.config["DISCUSSION_REQUIRE_NAME_EMAIL"] = False
    response = post_comment(reader(app), slug, comment="Kept text", **fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body and "Kept text" in body
    assert comment_ids(app) == [] and smtp.mail == []


def test_the_form_offers_both_choices_only_when_mail_is_on(app, client, slug):
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert 'name="subscribe_comments" type="checkbox" value="replies"' in page
    assert "Notify me of replies to my comment by email" in page
    assert 'value="all"' in page and "every new comment on this article" in page
    app.config["MAIL_SERVER"] = None
    with app.app_context():
        other = make_article("Trams").slug
    assert "subscribe_comments" not in reader(app).get(f"/articles/{other}").get_data(
        as_text=True)


def test_privacy_export_and_erase_cover_subscriptions_and_mail(app, smtp, slug):
    from blogapp.moderation.privacy import erase, export

    ann = ann_subscribes(app, slug)
    confirm(app, smtp)
    reply(app, slug, ann)
    with app.app_context():
        data = export(ANN.upper())
        assert [s["kind"] for s in data["subscriptions"]] == ["replies"]
        assert data["subscriber_address"]["confirmed_at"]
        assert [m["kind"] for m in data["mail"]] == ["confirm", "reply"]
        erase(ANN, keep_text=True, actor_id=None, secret=app.config["SECRET_KEY"])
        data = export(ANN)
        assert (data["subscriptions"], data["mail"], data["subscriber_address"]) == ([], [], None)
        assert db.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.recipient == ANN)) is None


def test_cron_forgets_subscriptions_left_unconfirmed_for_seven_days(app, smtp, slug, runner):
    ann_subscribes(app, slug)
    ann_subscribes(app, slug, kind="all")
    with app.app_context():
        first = db.session.scalar(select(Subscription).order_by(Subscription.id))
        first.created_at = utcnow() - timedelta(days=8)
        db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert "Forgot 1 unconfirmed subscriptions." in result.output
    assert statuses(app) == ["unconfirmed"]


def test_the_notice_html_escapes_the_name_and_sanitizes_the_text(app, smtp, slug):
    ann = ann_subscribes(app, slug)
    confirm(app, smtp)
    reply(app, slug, ann, who='<img src=x onerror="alert(1)">', email="mallory@example.org",
          text='<script>alert(2)</script><a href="javascript:alert(3)">hi</a> plain')
    [message] = notices(smtp)
    html = message.get_body("html").get_content()
    assert "<script" not in html and "javascript:" not in html
    assert "<img" not in html and "&lt;img src=x" in html  # the name, shown as text
