"""Moderator actions: each one, its undo, bulk use, audit rows and the article's count."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from blogapp.comments.moderation import ActionError, edit_text, moderate, reply, undo
from blogapp.extensions import db
from blogapp.models import Article, Comment, User
from tests.conftest import csrf_from
from tests.moderation_helpers import (
    QUIET,
    act,
    add_comment,
    approved_count,
    audit_rows,
    get,
    new_article,
    press_undo,
    status_of,
    token,
)


@pytest.fixture
def app_config():
    return dict(QUIET)


@pytest.fixture
def article_id(app):
    return new_article(app)


@pytest.fixture
def mod(staff):
    return staff.login_as("moderator")


# action, status before, status after (WordPress's transitions)
TRANSITIONS = [
    ("approve", "pending", "approved"),
    ("unapprove", "approved", "pending"),
    ("spam", "pending", "spam"),
    ("spam", "approved", "spam"),
    ("spam", "trash", "spam"),
    ("not_spam", "spam", "pending"),  # no earlier status recorded: pending
    ("trash", "pending", "trash"),
    ("trash", "approved", "trash"),
    ("trash", "spam", "trash"),
    ("restore", "trash", "pending"),
]


@pytest.mark.parametrize(("action", "before", "after"), TRANSITIONS)
def test_each_action_and_its_undo_through_the_queue(app, client, mod, article_id, action,
                                                    before, after):
    comment_id = add_comment(app, article_id, before)
    count_before = approved_count(app, article_id)

    response = act(client, action, comment_id, row=True)
    assert response.status_code == 302
    assert status_of(app, comment_id) == after
    assert approved_count(app, article_id) == (after == "approved")
    assert audit_rows(app, comment_id) == [(action, before, after, mod)]

    response = press_undo(client)
    assert response.status_code == 302
    assert status_of(app, comment_id) == before
    assert approved_count(app, article_id) == count_before
    assert audit_rows(app, comment_id)[-1] == ("undo", after, before, mod)


@pytest.mark.parametrize(("action", "status"), [
    ("approve", "approved"), ("unapprove", "pending"), ("not_spam", "pending"),
    ("restore", "approved"), ("delete", "pending"), ("delete", "approved"),
])
def test_actions_leave_comments_they_do_not_apply_to(app, client, mod, article_id, action,
                                                     status):
    comment_id = add_comment(app, article_id, status)
    act(client, action, comment_id)
    assert status_of(app, comment_id) == status
    assert audit_rows(app, comment_id) == []
    assert "left as they were" in client.get("/admin/comments").text


@pytest.mark.parametrize(("via", "action"), [
    ("approved", "spam"), ("approved", "trash"), ("pending", "trash"),
])
def test_not_spam_and_restore_return_to_the_earlier_status(app, mod, article_id, via, action):
    comment_id = add_comment(app, article_id, via)
    back = {"spam": "not_spam", "trash": "restore"}[action]
    with app.app_context():
        moderate([comment_id], action, mod)
        moderate([comment_id], back, mod)
    assert status_of(app, comment_id) == via
    assert approved_count(app, article_id) == (via == "approved")


@pytest.mark.parametrize("status", ["spam", "trash"])
def test_delete_is_permanent_keeps_the_audit_row_and_offers_no_undo(app, client, mod,
                                                                    article_id, status):
    parent = add_comment(app, article_id, "approved", content="Parent")
    doomed = add_comment(app, article_id, "approved", content="Middle", parent_id=parent)
    child = add_comment(app, article_id, "approved", content="Child", parent_id=doomed)
    with app.app_context():
        moderate([doomed], status, mod)
    act(client, "delete", doomed, row=True)
    assert status_of(app, doomed) is None
    assert get(app, child).parent_id == parent  # replies move up, as in WordPress
    assert audit_rows(app)[-1] == ("delete", status, None, mod)
    page = client.get("/admin/comments").text
    assert "1 comment deleted permanently." in page and 'name="entries"' not in page


def test_bulk_action_applies_to_checked_rows_in_one_go(app, client, mod, article_id):
    ids = [add_comment(app, article_id, content=f"Comment {i}") for i in range(5)]
    act(client, "approve", *ids[:3])
    assert [status_of(app, i) for i in ids] == ["approved"] * 3 + ["pending"] * 2
    assert approved_count(app, article_id) == 3
    assert "3 comments approved." in client.get("/admin/comments").text
    act(client, "spam", *ids)  # applies to all five: spam fits pending and approved
    assert {status_of(app, i) for i in ids} == {"spam"}
    press_undo(client)
    assert [status_of(app, i) for i in ids] == ["approved"] * 3 + ["pending"] * 2
    assert approved_count(app, article_id) == 3


def test_select_all_on_page_works_without_javascript(app, client, mod, article_id):
    ids = [add_comment(app, article_id, content=f"Comment {i}") for i in range(3)]
    client.post("/admin/comments/action", data={
        "csrf_token": token(client), "action": "trash", "all_on_page": "1",
        "page_ids": [str(i) for i in ids], "next": "/admin/comments"})
    assert {status_of(app, i) for i in ids} == {"trash"}


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "approve"}, "Select at least one comment."),
    ({"action": "launch", "ids": "1"}, "Choose an action to apply."),
])
def test_bulk_form_mistakes_are_explained(client, mod, data, message):
    act_response = client.post("/admin/comments/action",
                               data={"csrf_token": token(client), **data})
    assert act_response.status_code == 302
    assert message in client.get("/admin/comments").text


def test_actions_need_post_and_a_csrf_token(app, client, mod, article_id):
    comment_id = add_comment(app, article_id)
    assert client.get(f"/admin/comments/action?row_action=approve:{comment_id}").status_code \
        == 405
    assert client.post("/admin/comments/action",
                       data={"row_action": f"approve:{comment_id}"}).status_code == 400
    assert status_of(app, comment_id) == "pending"


def test_undo_refuses_once_the_comment_moved_on(app, client, mod, article_id):
    comment_id = add_comment(app, article_id)
    with app.app_context():
        first = moderate([comment_id], "approve", mod)[0].id
        moderate([comment_id], "trash", mod)
        with pytest.raises(ActionError):
            undo([first], mod)
    assert status_of(app, comment_id) == "trash"


def test_edit_rerenders_text_and_undo_restores_it(app, client, mod, article_id):
    comment_id = add_comment(app, article_id, "approved", content="Original words")
    with app.app_context():
        version = db.session.get(Article, article_id).comments_version
    html = client.get(f"/admin/comments/{comment_id}").text
    response = client.post(f"/admin/comments/{comment_id}/edit", data={
        "csrf_token": csrf_from(html), "text": "New <script>x()</script>words www.example.com"})
    assert response.status_code == 302
    edited = get(app, comment_id)
    assert edited.content.startswith("New ")
    assert "<script" not in edited.content_html and 'rel="nofollow ugc noopener"' in \
        edited.content_html
    with app.app_context():
        assert db.session.get(Article, article_id).comments_version > version
    press_undo(client, f"/admin/comments/{comment_id}")
    assert get(app, comment_id).content == "Original words"
    assert [row[0] for row in audit_rows(app, comment_id)] == ["edit", "undo_edit"]


def test_edit_refuses_empty_text(app, mod, article_id):
    comment_id = add_comment(app, article_id)
    with app.app_context(), pytest.raises(ActionError):
        edit_text(comment_id, "  \n ", mod)


def test_reply_approves_the_comment_and_publishes_at_once(app, client, mod, article_id):
    comment_id = add_comment(app, article_id, content="Is the 40 running tonight?")
    html = client.get(f"/admin/comments/{comment_id}").text
    assert "Approve and reply" in html
    response = client.post(f"/admin/comments/{comment_id}/reply", data={
        "csrf_token": csrf_from(html), "text": "Yes, every 20 minutes."})
    assert response.status_code == 302
    with app.app_context():
        answer = db.session.scalar(select(Comment).where(Comment.parent_id == comment_id))
        answer_id, answer_status, answer_user = answer.id, answer.status, answer.user_id
    assert answer_status == "approved" and answer_user == mod
    assert status_of(app, comment_id) == "approved"
    assert approved_count(app, article_id) == 2
    assert audit_rows(app, comment_id) == [("approve", "pending", "approved", mod)]
    assert audit_rows(app, answer_id) == [("reply", None, "approved", mod)]
    press_undo(client, f"/admin/comments/{answer_id}")  # undoing a reply trashes it
    assert status_of(app, answer_id) == "trash"
    assert approved_count(app, article_id) == 1


def test_approving_by_replying_tells_the_author_as_approving_does(app, mod, article_id,
                                                                  monkeypatch):
    sent = []
    monkeypatch.setattr("blogapp.comments.jobs.dispatch",
                        lambda task, cid: sent.append((task, cid)))
    by_reply = add_comment(app, article_id, content="Is the 40 running tonight?")
    by_action = add_comment(app, article_id, content="And the 41?", email="b@example.org")
    with app.app_context():
        moderator = db.session.get(User, mod)
        reply(by_reply, "Yes, every 20 minutes.", moderator)
        moderate([by_action], "approve", mod)
    assert sent == [("notify_author", by_reply), ("notify_author", by_action)]


def test_a_reply_commits_once_with_its_audit_rows(app, mod, article_id):
    comment_id = add_comment(app, article_id, content="Is the 40 running tonight?")
    with app.app_context():
        moderator = db.session.get(User, mod)
        commits = []

        def count(conn) -> None:
            commits.append(conn)

        event.listen(db.engine, "commit", count)
        try:
            answer = reply(comment_id, "Yes.", moderator)
        finally:
            event.remove(db.engine, "commit", count)
        assert answer.status == "approved"
    assert len(commits) == 1
    assert audit_rows(app, comment_id) == [("approve", "pending", "approved", mod)]


def test_reply_beyond_the_thread_depth_is_refused(app, client, mod, article_id):
    app.config["DISCUSSION_THREAD_DEPTH"] = 1
    comment_id = add_comment(app, article_id, "approved")
    html = client.get(f"/admin/comments/{comment_id}").text
    client.post(f"/admin/comments/{comment_id}/reply",
                data={"csrf_token": csrf_from(html), "text": "Deep"})
    assert "levels deep at most" in client.get(f"/admin/comments/{comment_id}").text


@pytest.mark.parametrize(("spam_check", "action", "start", "owed"), [
    ("ham", "spam", "pending", "spam"),
    ("spam", "not_spam", "spam", "ham"),
    ("ham", "trash", "pending", None),
    ("disabled", "spam", "pending", None),  # Akismet never saw it: nothing to report
])
def test_spam_decisions_owe_akismet_feedback(app, client, mod, article_id, spam_check,
                                             action, start, owed):
    comment_id = add_comment(app, article_id, start, spam_check=spam_check)
    act(client, action, comment_id)
    assert get(app, comment_id).feedback_owed == owed
    press_undo(client)  # unsent feedback cancels out
    assert get(app, comment_id).feedback_owed is None


def test_comment_page_shows_history_with_names(app, client, mod, article_id):
    comment_id = add_comment(app, article_id)
    act(client, "approve", comment_id)
    act(client, "unapprove", comment_id)
    html = client.get(f"/admin/comments/{comment_id}").text
    assert html.count("moderator</td>") == 2
    assert html.index("<td>approve</td>") < html.index("<td>unapprove</td>")
    assert client.get("/admin/comments/999999").status_code == 404
