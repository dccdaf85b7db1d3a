"""Spam screening through the real form: local defences keep the reader's text, Akismet
is asked over real HTTP (a loopback server), and no comment is lost when it fails."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from blogapp.comments.policy import DUPLICATE_MESSAGE, FLOOD_MESSAGE, flood_message
from blogapp.extensions import db
from blogapp.models import Comment
from tests.akismet_server import BLATANT_MARKER, SPAM_MARKER, TEST_KEY, start_fake_akismet
from tests.comment_helpers import form_tokens, post_comment
from tests.factories import make_article

LOCAL = {"DISCUSSION_FORM_MIN_SECONDS": 0, "SPAM_CHECK_MODE": "inline",
         "DISCUSSION_MANUAL_APPROVAL": False, "DISCUSSION_AUTO_APPROVE_KNOWN_AUTHORS": False}


@pytest.fixture
def app_config():
    return dict(LOCAL)


@pytest.fixture
def article(app):
    with app.app_context():
        return make_article("Spam target").slug


def stored(app):
    with app.app_context():
        rows = db.session.scalars(select(Comment).order_by(Comment.id)).all()
        db.session.expunge_all()
        return rows


# -- local defences -------------------------------------------------------------------


def test_second_comment_within_flood_window_is_refused_with_text_kept(app, client, article):
    assert post_comment(client, article, comment="first").status_code == 303
    response = post_comment(client, article, comment="second, typed with care",
                            email="other@example.org")  # same IP
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert FLOOD_MESSAGE[:-1] in html and "second, typed with care" in html
    assert len(stored(app)) == 1


@pytest.mark.parametrize("window", [15, 60, 1])
def test_flood_refusal_says_how_long_to_wait_and_sends_retry_after(app, client, article,
                                                                    window):
    from datetime import timedelta

    from blogapp.models.base import utcnow

    app.config["DISCUSSION_FLOOD_SECONDS"] = window
    assert post_comment(client, article, comment="first").status_code == 303
    with app.app_context():  # the first comment was posted a little while ago
        db.session.get(Comment, 1).created_at = utcnow() - timedelta(seconds=window * 0.4)
        db.session.commit()
    started = utcnow()
    response = post_comment(client, article, comment="second words")
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    elapsed = (utcnow() - started).total_seconds()
    assert 1 <= wait <= window and abs(wait - window * 0.6) <= 1 + elapsed
    html = response.get_data(as_text=True)
    assert flood_message(wait) in html and "second words</textarea>" in html


def test_flood_is_keyed_on_email_too(app, client, article):
    post_comment(client, article, comment="first")
    other_ip = app.test_client()
    response = other_ip.post(
        f"/articles/{article}/comments",
        data={**form_tokens(other_ip, article), "comment": "again", "author": "Ann",
              "email": "ann@example.org", "url": "", "comment_parent": "0"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 429


def test_duplicate_comment_is_refused_with_409(app, client, article):
    app.config["DISCUSSION_FLOOD_SECONDS"] = 0
    post_comment(client, article, comment="Same words")
    response = post_comment(client, article, comment="Same words")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert DUPLICATE_MESSAGE.replace("'", "&#39;") in html and "Same words" in html


def test_a_filled_honeypot_is_refused_with_the_text_kept(app, client, article):
    response = post_comment(client, article, comment="Kept words", contact_fax="buy now")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "was filled in, as robots do" in html and "Kept words" in html
    assert stored(app) == []


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("forged", "could not be verified"),
        ("too-fast", "That was quick!"),
        ("expired", "the form expired"),
        ("other-article", "belongs to another article"),
    ],
)
def test_bad_form_timestamp_re_renders_with_text_kept(app, client, article, tamper, message):
    from blogapp.comments.forms import issue_form_token

    with app.app_context():
        other = make_article("Another").id
    tokens = form_tokens(client, article)
    secret = app.config["SECRET_KEY"]
    article_id = stored_article_id(app, article)
    if tamper == "forged":
        tokens["form_token"] = tokens["form_token"][:-3] + "xyz"
    elif tamper == "too-fast":
        app.config["DISCUSSION_FORM_MIN_SECONDS"] = 30
    elif tamper == "expired":
        tokens["form_token"] = issue_form_token(secret, article_id, now=time.time() - 2 * 86400)
    else:
        tokens["form_token"] = issue_form_token(secret, other, now=time.time() - 60)
    response = post_comment(client, article, tokens=tokens, comment="My patient words")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "My patient words" in html
    assert stored(app) == []


def stored_article_id(app, slug):
    from blogapp.models import Article

    with app.app_context():
        return db.session.scalar(select(Article.id).where(Article.slug == slug))


@pytest.mark.parametrize(
    ("settings", "fields", "status", "codes"),
    [
        ({}, {"comment": "Fine words"}, "approved", []),
        ({}, {"comment": "see https://a.example and https://b.example"}, "pending", ["links"]),
        ({"moderation_keys": "casino"}, {"comment": "best Casino deals"}, "pending",
         ["moderation-key"]),
        ({"disallowed_keys": "casino"}, {"url": "https://casino.example"}, "trash",
         ["disallowed-key"]),
        ({"manual_approval": True}, {}, "pending", ["manual-approval"]),
    ],
    ids=["clean", "two-links", "moderation-key", "disallowed-key", "manual"],
)
def test_local_rules_decide_and_explain(app, client, article, settings, fields, status, codes):
    from blogapp.comments.settings import save_settings

    with app.app_context():
        save_settings(settings)
    post_comment(client, article, **fields)
    [comment] = stored(app)
    assert comment.status == status
    assert [r["code"] for r in comment.reasons if r["code"] != "akismet-ham"] == codes


# -- Akismet over real HTTP ------------------------------------------------------------


@pytest.fixture
def akismet():
    server = start_fake_akismet(delay=0.2)
    yield server
    server.stop()


@pytest.fixture
def with_akismet(app, akismet):
    app.config.update(AKISMET_API_KEY=TEST_KEY, AKISMET_BLOG_URL="http://blog.test",
                      AKISMET_API_URL=akismet.url, AKISMET_TIMEOUT=1.0)
    return akismet


@pytest.mark.parametrize(
    ("content", "author", "status", "code", "blatant"),
    [
        ("Lovely article", "Ann", "approved", "akismet-ham", False),
        (f"cheap {SPAM_MARKER}", "Ann", "spam", "akismet-spam", False),
        ("hello", "akismet-guaranteed-spam", "spam", "akismet-spam", False),
        (f"{BLATANT_MARKER} pills", "Ann", "spam", "akismet-discard", True),
    ],
    ids=["ham", "spam", "guaranteed-spam-author", "discard"],
)
def test_akismet_verdicts(app, client, article, with_akismet, content, author, status, code,
                          blatant):
    response = post_comment(client, article, comment=content, author=author)
    assert response.status_code == 303
    [comment] = stored(app)
    assert (comment.status, comment.blatant) == (status, blatant)
    assert code in [r["code"] for r in comment.reasons]
    path, params = with_akismet.requests[-1]
    assert path.endswith("/comment-check")
    assert params["user_ip"] == "127.0.0.1" and params["comment_type"] == "comment"
    assert params["comment_author_email"] == "ann@example.org"
    assert params["permalink"] == f"http://blog.test/articles/{article}"
    assert params["blog"] == "http://blog.test" and "comment_date_gmt" in params


def test_akismet_reply_is_sent_as_reply(app, client, article, with_akismet):
    post_comment(client, article, comment="parent words")
    app.config["DISCUSSION_FLOOD_SECONDS"] = 0
    post_comment(client, article, comment="child words", comment_parent="1")
    assert with_akismet.requests[-1][1]["comment_type"] == "reply"


def test_discard_can_be_dropped_but_is_logged(app, client, article, with_akismet, caplog):
    from blogapp.comments.settings import save_settings

    with app.app_context():
        save_settings({"akismet_discard": "drop"})
    with caplog.at_level("WARNING"):
        post_comment(client, article, comment=f"{BLATANT_MARKER} now")
    assert stored(app) == []
    assert any("dropping blatant spam" in r.getMessage() and BLATANT_MARKER in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("mode", ["hang", "refuse", "error500", "garbage", "invalid-key"])
def test_akismet_fault_holds_the_comment_and_recheck_resolves_it(app, client, article,
                                                                with_akismet, runner, mode):
    if mode == "invalid-key":
        app.config["AKISMET_API_KEY"] = "wrong-key"
    else:
        with_akismet.mode = mode
    started = time.monotonic()
    response = post_comment(client, article, comment="Honest words")
    elapsed = time.monotonic() - started
    assert response.status_code == 303
    # Far below the 30 s hang: the client's timeout ended the wait, on a busy machine too.
    assert elapsed < with_akismet.hang_seconds / 3
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your comment is awaiting moderation." in page
    [comment] = stored(app)
    assert comment.status == "pending" and comment.spam_check == "unavailable"
    reason = next(r for r in comment.reasons if r["code"] == "akismet-unavailable")
    assert reason["message"].lower().startswith("spam check unavailable")

    with_akismet.mode = "normal"
    app.config["AKISMET_API_KEY"] = TEST_KEY
    result = runner.invoke(args=["comments", "recheck"])
    assert result.exit_code == 0 and "1 approved" in result.output, result.output
    [comment] = stored(app)
    assert comment.status == "approved" and comment.spam_check == "ham"


def test_recheck_leaves_moderator_decisions_alone(app, client, article, with_akismet, runner):
    from blogapp.comments.services import set_visible_status

    with_akismet.mode = "error500"
    post_comment(client, article, comment="Held by fault")
    with app.app_context():
        set_visible_status(db.session.get(Comment, 1), "trash")
        db.session.commit()
    with_akismet.mode = "normal"
    runner.invoke(args=["comments", "recheck"])
    [comment] = stored(app)
    assert comment.status == "trash" and comment.spam_check == "ham"


def test_no_key_means_local_rules_only(app, client, article):
    post_comment(client, article, comment="No Akismet here")
    [comment] = stored(app)
    assert comment.spam_check == "disabled" and comment.status == "approved"


def test_background_mode_checks_off_the_request_path(app, client, article, with_akismet):
    from blogapp.comments.jobs import wait_for_jobs

    app.config.update(SPAM_CHECK_MODE="thread", AKISMET_TIMEOUT=5.0)
    with_akismet.mode = "slow"
    with_akismet.delay = 2.0  # far longer than the request takes, even on a busy machine
    started = time.monotonic()
    response = post_comment(client, article, comment="Quick to answer")
    assert time.monotonic() - started < 1.5
    mine = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your comment is awaiting moderation." in mine
    wait_for_jobs(app)
    [comment] = stored(app)
    assert comment.spam_check == "ham" and comment.status == "approved"


def test_feedback_is_retried_by_recheck(app, client, article, with_akismet, runner):
    from blogapp.comments.spam_checks import comment_data, send_feedback  # noqa: F401

    post_comment(client, article, comment="Spam I missed")
    with app.app_context():
        comment = db.session.get(Comment, 1)
        comment.feedback_owed = "spam"
        db.session.commit()
    with_akismet.mode = "error500"
    runner.invoke(args=["comments", "recheck"])
    assert stored(app)[0].feedback_owed == "spam"
    with_akismet.mode = "normal"
    result = runner.invoke(args=["comments", "recheck"])
    assert "Feedback sent to Akismet: 1" in result.output
    assert stored(app)[0].feedback_owed is None
    path, params = with_akismet.requests[-1]
    assert path.endswith("/submit-spam") and params["comment_content"] == "Spam I missed"


def test_akismet_verify_command(app, runner, with_akismet):
    assert "is valid" in runner.invoke(args=["akismet", "verify"]).output
    app.config["AKISMET_API_KEY"] = "nope"
    result = runner.invoke(args=["akismet", "verify"])
    assert result.exit_code != 0 and "rejected" in result.output


@pytest.mark.parametrize(("env", "expected"), [("development", "true"), ("production", None)])
def test_is_test_is_sent_outside_production(app, client, article, with_akismet, env, expected):
    app.config["AKISMET_IS_TEST"] = env == "development"
    post_comment(client, article, comment="flagged or not")
    assert with_akismet.requests[-1][1].get("is_test") == expected
