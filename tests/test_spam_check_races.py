"""A spam check writes its verdict in one conditional UPDATE, and only over the row it asked
Akismet about: whatever happened while Akismet thought (a moderator decided, the author
fixed the text, the comment was deleted) stands, and the verdict goes where it belongs."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from blogapp.comments import spam_checks
from blogapp.comments.policy import AkismetVerdict
from blogapp.comments.services import set_visible_status
from blogapp.extensions import db
from blogapp.models import Article, Comment
from tests.akismet_server import TEST_KEY
from tests.comment_helpers import OPEN_DISCUSSION, open_article, post_comment

KNOWN = {"author": "Ann Reader", "email": "ann@example.org"}


@pytest.fixture
def app_config():
    # Checks run when a test says: "rq" queues nothing here (dispatch is replaced below).
    return {**OPEN_DISCUSSION, "AKISMET_API_KEY": TEST_KEY,
            "AKISMET_BLOG_URL": "http://blog.test"}


@pytest.fixture
def owed(app, client, monkeypatch):
    """Post one comment whose check stays owed; return its id."""
    monkeypatch.setattr("blogapp.comments.jobs.dispatch", lambda task, cid: None)
    slug = open_article(app)
    assert post_comment(client, slug, comment="Words to check", **KNOWN).status_code == 303
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        assert comment.spam_check == "owed" and comment.status == "pending"
        return comment.id


def check_with(app, monkeypatch, verdict: AkismetVerdict, meanwhile=None) -> str | None:
    """Run the check; Akismet answers *verdict* after *meanwhile* ran (another session)."""
    def akismet(config, data):
        if meanwhile is not None:
            with app.app_context():
                meanwhile()
                db.session.commit()
        return verdict, verdict.value

    monkeypatch.setattr(spam_checks, "check", akismet)
    with app.app_context():
        from blogapp.comments.akismet import config_from_mapping
        from blogapp.comments.settings import load_settings

        return spam_checks.run_spam_check(1, config_from_mapping(app.config),
                                          load_settings(app.config))


def row(app) -> Comment | None:
    with app.app_context():
        comment = db.session.get(Comment, 1)
        if comment is not None:
            db.session.expunge(comment)
        return comment


def count(app) -> int:
    with app.app_context():
        return db.session.get(Article, 1).comment_count


def test_ham_is_written_in_one_update_and_counted(app, owed, monkeypatch):
    app.config["DISCUSSION_MANUAL_APPROVAL"] = False
    statements = []
    with app.app_context():
        engine = db.engine
    listen = lambda *a: statements.append(a[2].split()[0])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        status = check_with(app, monkeypatch, AkismetVerdict.HAM)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert status == "approved" and row(app).spam_check == "ham" and count(app) == 1
    assert statements.count("UPDATE") == 2  # the verdict, and the article's count
    assert statements.count("SELECT") <= 5  # one reading transaction before Akismet


def test_spam_is_written_in_one_update(app, owed, monkeypatch):
    assert check_with(app, monkeypatch, AkismetVerdict.SPAM) == "spam"
    comment = row(app)
    assert comment.status == "spam" and comment.spam_check == "spam"
    assert comment.spam_check_attempts == 1 and count(app) == 0


def test_a_moderators_decision_meanwhile_stands(app, owed, monkeypatch):
    def trash():
        set_visible_status(db.session.get(Comment, 1), "trash")

    assert check_with(app, monkeypatch, AkismetVerdict.HAM, trash) == "trash"
    comment = row(app)
    assert comment.status == "trash" and comment.spam_check == "ham"  # recorded, not applied


def test_a_moderators_approval_meanwhile_is_not_counted_twice(app, owed, monkeypatch):
    def approve():
        set_visible_status(db.session.get(Comment, 1), "approved")

    assert check_with(app, monkeypatch, AkismetVerdict.SPAM, approve) == "approved"
    assert row(app).status == "approved" and count(app) == 1


def test_an_edit_meanwhile_is_judged_as_it_reads_now(app, owed, monkeypatch):
    def edit():
        db.session.get(Comment, 1).content = "Words fixed by their author"

    assert check_with(app, monkeypatch, AkismetVerdict.SPAM, edit) == "spam"
    comment = row(app)
    assert comment.content == "Words fixed by their author" and comment.status == "spam"


def test_a_comment_deleted_meanwhile_is_left_deleted(app, owed, monkeypatch):
    def delete():
        db.session.delete(db.session.get(Comment, 1))

    assert check_with(app, monkeypatch, AkismetVerdict.HAM, delete) is None
    assert row(app) is None


@pytest.mark.parametrize(("setting", "status"), [("spam", "spam"), ("drop", "dropped")])
def test_a_discard_is_kept_as_spam_or_dropped_as_the_site_says(app, owed, monkeypatch,
                                                                setting, status):
    from blogapp.comments.settings import save_settings

    with app.app_context():
        save_settings({"akismet_discard": setting})
    assert check_with(app, monkeypatch, AkismetVerdict.DISCARD) == status
    assert (row(app) is None) is (status == "dropped")
