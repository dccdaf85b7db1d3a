"""Held-comment mail through a real SMTP server on loopback, and its one-click links:
they confirm on GET, act on POST and only once (even when the comment returns to the
status it had, even when two requests race), and refuse when tampered, expired, reused or
aimed at another action or comment."""

from __future__ import annotations

import re
import socket
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from itsdangerous import TimestampSigner

from blogapp.comments import links
from blogapp.comments.moderation import moderate
from blogapp.comments.notify import send_approved_notification, send_held_notification
from blogapp.extensions import db
from blogapp.models import Article, Comment, User
from tests.conftest import csrf_from
from tests.moderation_helpers import QUIET, add_comment, audit_rows, new_article, status_of

LINK_RE = re.compile(r"(Approve|Spam|Trash) it: (\S+)")
COMMENTER = "reader.private@example.org"


class LoopbackController(Controller):
    """aiosmtpd's Controller on port 0: learn the port the OS chose before the self-test."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Inbox:
    def __init__(self) -> None:
        self.mail: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.mail.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def bodies(self) -> list[str]:
        return [message.get_content() for _, message in self.mail]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = LoopbackController(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def app_config(smtp):
    return {**QUIET, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port,
            "MAIL_SENDER": "blog@blog.test"}


@pytest.fixture
def team(staff):
    """An owner, a moderator and a disabled moderator; returns the addresses mailed."""
    staff.create("owner@example.com", "owner")
    staff.create("mod@example.com", "moderator")
    gone = staff.create("gone@example.com", "moderator")
    with staff.app.app_context():
        db.session.get(User, gone).active = False
        db.session.commit()
    return {"owner@example.com", "mod@example.com"}


@pytest.fixture
def held(app):
    article_id = new_article(app, "Night buses")
    return add_comment(app, article_id, author="Rita Reader", email=COMMENTER, ip="192.0.2.44",
                       content="Please add a stop at https://a.example and https://b.example")


def notify(app, comment_id) -> int:
    with app.app_context():
        return send_held_notification(comment_id)


def mail_links(smtp) -> dict[str, str]:
    """The one-click links of the first mail, as paths the test client can open."""
    found = dict(LINK_RE.findall(smtp.bodies()[0]))
    return {label.lower(): urlsplit(url).path + "?" + urlsplit(url).query
            for label, url in found.items()}


def test_held_comment_mails_every_active_moderator_and_owner(app, smtp, team, held):
    add_comment(app, new_article(app, "Trams"), content="another")
    add_comment(app, new_article(app, "Ferries"), content="and another", email="x@example.com")
    assert notify(app, held) == 2
    assert {tuple(rcpt) for rcpt, _ in smtp.mail} == {(a,) for a in team}
    rcpt, message = smtp.mail[0]
    assert message["Subject"] == '[blogapp] Please moderate: "Night buses"'
    assert message["From"] == "blogapp <blog@blog.test>"
    body = message.get_content()
    for text in ('A new comment on the post "Night buses" is waiting for your approval',
                 "http://blog.test/articles/night-buses",
                 "Author: Rita Reader (IP address: 192.0.2.44)", f"Email: {COMMENTER}",
                 "Please add a stop at https://a.example",
                 "Author has no previously approved comment", "Contains 2 links",
                 "Currently 3 comments are waiting for approval.",
                 "http://blog.test/admin/comments?status=pending"):
        assert text in body, text
    assert set(mail_links(smtp)) == {"approve", "spam", "trash"}


def test_commenter_address_goes_to_moderators_only(app, smtp, team, held):
    with app.app_context():
        article = db.session.get(Article, db.session.get(Comment, held).article_id)
        article.author_id = db.session.scalar(
            db.select(User.id).where(User.email == "owner@example.com"))
        db.session.commit()
    app.config["MAIL_NOTIFY_AUTHORS"] = True
    notify(app, held)
    _approve(app, held)
    with app.app_context():
        assert send_approved_notification(held) == 1
    for rcpt, _message in smtp.mail:
        assert set(rcpt) <= team and COMMENTER not in rcpt
    author_mail = smtp.mail[-1][1].get_content()
    assert "Rita Reader" in author_mail and "#comment-" in author_mail
    assert COMMENTER not in author_mail and "192.0.2.44" not in author_mail


def _approve(app, comment_id):
    with app.app_context():
        moderate([comment_id], "approve", None)


@pytest.mark.parametrize("change", [
    {"MAIL_SERVER": None},  # mail not configured: off
    {"DISCUSSION_NOTIFY_MODERATORS": False},  # turned off in the settings
])
def test_nothing_is_sent_when_mail_is_off(app, smtp, team, held, change):
    app.config.update(change)
    assert notify(app, held) == 0
    assert smtp.mail == []


def test_an_unreachable_mail_server_is_logged_not_raised(app, team, held, caplog):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        app.config["MAIL_PORT"] = probe.getsockname()[1]
    assert notify(app, held) == 0
    assert "not sent" in caplog.text


def test_nothing_is_sent_for_a_comment_already_moderated(app, smtp, team, held):
    _approve(app, held)
    assert notify(app, held) == 0 and smtp.mail == []


def test_links_use_site_url_when_configured(app, smtp, team, held):
    app.config.update(SERVER_NAME=None, SITE_URL="https://news.example/")
    notify(app, held)
    body = smtp.bodies()[0]
    assert "https://news.example/articles/night-buses" in body
    assert f"Approve it: https://news.example/admin/comments/{held}/mail/approve?token=" in body


@pytest.fixture
def mailed(app, client, smtp, team, held, staff):
    notify(app, held)
    staff.login("mod@example.com")
    return mail_links(smtp)


@pytest.mark.parametrize(("action", "status"), [
    ("approve", "approved"), ("spam", "spam"), ("trash", "trash")])
def test_link_confirms_on_get_and_acts_on_post(app, client, held, mailed, action, status):
    page = client.get(mailed[action])
    assert page.status_code == 200
    assert status_of(app, held) == "pending"  # GET changes nothing
    html = page.get_data(as_text=True)
    assert "this comment?" in html and "Rita Reader" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = client.post(urlsplit(mailed[action]).path,
                           data={"csrf_token": csrf_from(html), "token": token})
    assert response.status_code == 302
    assert status_of(app, held) == status
    assert audit_rows(app, held)[-1][:3] == (action, "pending", status)


def _post(client, url, token):
    html = client.get("/admin/comments").get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), "token": token})


def _token(url):
    return url.split("token=")[1]


def test_link_works_once(app, client, held, mailed):
    assert _post(client, urlsplit(mailed["approve"]).path, _token(mailed["approve"])) \
        .status_code == 302
    again = _post(client, urlsplit(mailed["approve"]).path, _token(mailed["approve"]))
    assert again.status_code == 400 and "moderated since" in again.text
    spam = client.get(mailed["spam"])  # the other links of the same mail expire too
    assert spam.status_code == 400 and status_of(app, held) == "approved"


@pytest.mark.parametrize("how", ["tampered", "truncated", "other_action", "other_comment",
                                 "expired", "missing"])
def test_bad_links_are_refused_without_change(app, client, held, mailed, monkeypatch, how):
    path, token = urlsplit(mailed["approve"]).path, _token(mailed["approve"])
    if how == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif how == "truncated":
        token = token[: len(token) // 2]
    elif how == "other_action":
        path = path.replace("/approve", "/spam")
    elif how == "other_comment":
        other = add_comment(app, new_article(app, "Trams"), content="other")
        path = path.replace(f"/comments/{held}/", f"/comments/{other}/")
    elif how == "expired":
        with app.test_request_context():
            comment = db.session.get(Comment, held)
            eight_days_ago = int(time.time()) - 8 * 24 * 3600
            monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
            token = links.make_token(comment, "approve")
            monkeypatch.undo()
    elif how == "missing":
        token = ""
    page = client.get(f"{path}?token={token}")
    assert page.status_code == 400
    assert _post(client, path, token).status_code == 400
    assert status_of(app, held) == "pending"
    assert audit_rows(app, held) == []
    if how == "expired":
        assert "expired" in page.text


def test_anonymous_link_asks_to_log_in_first(app, smtp, team, held):
    notify(app, held)
    anonymous = app.test_client()
    response = anonymous.get(mail_links(smtp)["approve"])
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    assert status_of(app, held) == "pending"


def test_approving_mails_the_article_author_when_enabled(app, smtp, team, held):
    from blogapp.comments.jobs import wait_for_jobs

    app.config["MAIL_NOTIFY_AUTHORS"] = True
    with app.app_context():
        article = db.session.get(Article, db.session.get(Comment, held).article_id)
        article.author_id = db.session.scalar(
            db.select(User.id).where(User.email == "owner@example.com"))
        db.session.commit()
    _approve(app, held)
    wait_for_jobs(app)
    assert [rcpt for rcpt, _ in smtp.mail] == [["owner@example.com"]]
    assert COMMENTER not in smtp.bodies()[0]


# -- Each link acts once (issue 11, item 7) ------------------------------------------------


def _use(client, link):
    return _post(client, urlsplit(link).path, _token(link))


@pytest.mark.parametrize(("action", "back"), [
    ("approve", "unapprove"), ("spam", "not_spam"), ("trash", "restore")])
def test_a_used_link_is_refused_after_the_comment_returns_to_its_status(
        app, client, held, mailed, action, back):
    assert _use(client, mailed[action]).status_code == 302
    with app.app_context():
        moderate([held], back, None)
    assert status_of(app, held) == "pending"  # as when the mail went out
    for again in (client.get(mailed[action]), _use(client, mailed[action])):
        assert again.status_code == 400
        assert "used already" in again.text and "acts once" in again.text
    assert status_of(app, held) == "pending"
    assert [row[0] for row in audit_rows(app, held)] == [action, back]


def test_opening_a_link_never_uses_it(app, client, held, mailed):
    for _ in range(3):
        assert client.get(mailed["approve"]).status_code == 200
    assert _use(client, mailed["approve"]).status_code == 302
    assert status_of(app, held) == "approved"


def test_another_link_of_the_mail_acts_once_too(app, client, held, mailed):
    """Each link of a mail acts once: after approve and unapprove, "spam" still may."""
    _use(client, mailed["approve"])
    with app.app_context():
        moderate([held], "unapprove", None)
    assert _use(client, mailed["spam"]).status_code == 302
    with app.app_context():
        moderate([held], "not_spam", None)
    assert status_of(app, held) == "pending"
    assert _use(client, mailed["spam"]).status_code == 400
    assert _use(client, mailed["approve"]).status_code == 400


def test_two_simultaneous_uses_of_a_link_act_once(app, client, staff, held, mailed):
    """Two moderators press the same link's button at once: one acts, one is refused."""
    import threading

    browsers = [client, app.test_client()]
    staff.login("owner@example.com", client=browsers[1])
    path, token = urlsplit(mailed["approve"]).path, _token(mailed["approve"])
    forms = [{"csrf_token": csrf_from(b.get(mailed["approve"]).text), "token": token}
             for b in browsers]
    start, statuses = threading.Barrier(2), []

    def press(browser, form):
        start.wait()
        statuses.append(browser.post(path, data=form).status_code)

    threads = [threading.Thread(target=press, args=pair)
               for pair in zip(browsers, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [302, 400]
    assert [row[0] for row in audit_rows(app, held)] == ["approve"]


def test_the_database_lets_one_of_two_racing_uses_through(app, held):
    """The recorded use is the link's primary key: a second insert waits for the first
    transaction and then fails, however the checks before it interleaved."""
    import threading

    from blogapp.models import Comment

    with app.test_request_context():
        grant = links.read_token(links.make_token(db.session.get(Comment, held), "approve"),
                                 held, "approve")
    first_inserted, outcome = threading.Event(), {}

    def first():
        with app.app_context():
            links.use_up(grant)
            first_inserted.set()
            time.sleep(0.5)  # the second waits on the row (PostgreSQL) or the lock (SQLite)
            db.session.commit()
            outcome["first"] = "used"

    def second():
        first_inserted.wait(10)
        with app.app_context():
            try:
                links.use_up(grant)
                db.session.commit()
                outcome["second"] = "used"
            except links.LinkRefused:
                outcome["second"] = "refused"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcome == {"first": "used", "second": "refused"}


def test_purge_forgets_uses_of_links_that_have_expired(app, held):
    from datetime import timedelta

    from blogapp.comments.purge import purge
    from blogapp.comments.settings import load_settings
    from blogapp.models import MailLinkUse
    from blogapp.models.base import utcnow

    now = utcnow()
    with app.app_context():
        db.session.add_all([
            MailLinkUse(link_id="a" * 64, comment_id=held, action="approve",
                        expires_at=now - timedelta(seconds=1)),
            MailLinkUse(link_id="b" * 64, comment_id=held, action="spam",
                        expires_at=now + timedelta(days=1))])
        db.session.commit()
        purge(load_settings(app.config), now=now)
        kept = db.session.scalars(db.select(MailLinkUse.link_id)).all()
    assert kept == ["b" * 64]


def test_an_expired_link_stays_refused_as_expired(app, client, held, mailed, monkeypatch):
    _use(client, mailed["approve"])
    with app.app_context():
        moderate([held], "unapprove", None)
    later = time.time() + links.MAX_AGE + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(later))
    again = client.get(mailed["approve"])
    assert again.status_code == 400 and "expired" in again.text


FORGED = ("Looks fine.\n\nWhy it was held:\n  - nothing\n\n"
          "Approve it: https://evil.example/phish\nSpam it: https://evil.example/phish")


@pytest.mark.parametrize("kind", ["held", "approved"])
def test_a_comment_cannot_forge_lines_of_the_mail(app, smtp, team, kind):
    """The reader's text is quoted line by line: a forged link or heading stays inside it."""
    comment_id = add_comment(app, new_article(app, "Forged"), content=FORGED)
    if kind == "approved":
        app.config["MAIL_NOTIFY_AUTHORS"] = True
        with app.app_context():
            article = db.session.get(Article, db.session.get(Comment, comment_id).article_id)
            article.author_id = db.session.scalar(
                db.select(User.id).where(User.email == "owner@example.com"))
            db.session.commit()
        _approve(app, comment_id)
        with app.app_context():
            send_approved_notification(comment_id)
    else:
        notify(app, comment_id)
    body = smtp.mail[-1][1].get_content()
    lines = body.splitlines()
    assert "> Approve it: https://evil.example/phish" in lines
    assert not any(line.startswith(("Approve it: https://evil", "Spam it: https://evil"))
                   for line in lines)
    assert lines.count("Why it was held:") == (1 if kind == "held" else 0)
