"""Housekeeping: `comments purge` ages out spam, trash and IPs in batches; a queue of
20,000 held comments stays workable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from blogapp.comments import purge
from blogapp.comments.purge import anonymize_ip
from blogapp.extensions import db
from blogapp.models import Article, AuditEntry, Comment
from blogapp.models.base import utcnow
from tests.conftest import csrf_from
from tests.moderation_helpers import QUIET, add_comment, bulk_comments, get, new_article


@pytest.fixture
def app_config():
    return dict(QUIET)


@pytest.fixture
def article_id(app):
    return new_article(app)


def count(app, status=None) -> int:
    with app.app_context():
        query = select(func.count(Comment.id))
        if status:
            query = query.where(Comment.status == status)
        return db.session.scalar(query)


@pytest.mark.parametrize(("ip", "anonymized"), [
    ("203.0.113.77", "203.0.113.0"),
    ("203.0.113.0", "203.0.113.0"),
    ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::"),
    ("2001:DB8::1", "2001:db8::"),
    ("::ffff:192.0.2.128", "192.0.2.0"),
    ("not an ip", ""),
    ("", ""),
])
def test_anonymize_ip(ip, anonymized):
    assert anonymize_ip(ip) == anonymized


def age(app, comment_id, days, field="updated_at"):
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == comment_id)
                           .values({field: utcnow() - timedelta(days=days)}))
        db.session.commit()


def test_purge_deletes_by_age_and_anonymizes_old_ips(app, runner, article_id):
    old_spam = add_comment(app, article_id, "spam", content="old spam")
    new_spam = add_comment(app, article_id, "spam", content="new spam")
    old_trash = add_comment(app, article_id, "trash", content="old trash")
    new_trash = add_comment(app, article_id, "trash", content="new trash")
    old_ham = add_comment(app, article_id, "approved", content="old", ip="203.0.113.77")
    v6 = add_comment(app, article_id, "pending", content="v6", ip="2001:db8:abcd:12::1")
    fresh = add_comment(app, article_id, "approved", content="fresh", ip="203.0.113.78")
    age(app, old_spam, 16)
    age(app, new_spam, 14)
    age(app, old_trash, 31)
    age(app, new_trash, 29)
    for comment_id in (old_ham, v6):
        age(app, comment_id, 61, "created_at")

    result = runner.invoke(args=["comments", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 spam comments older than 15 days." in result.output
    assert "Deleted 1 trashed comments older than 30 days." in result.output
    assert "Anonymized 2 IP addresses older than 60 days." in result.output
    with app.app_context():
        left = set(db.session.scalars(select(Comment.id)))
    assert left == {new_spam, new_trash, old_ham, v6, fresh}
    assert (get(app, old_ham).ip, get(app, v6).ip, get(app, fresh).ip) == \
        ("203.0.113.0", "2001:db8:abcd::", "203.0.113.78")
    again = runner.invoke(args=["comments", "purge"])
    assert "Deleted 0 spam" in again.output and "Anonymized 0 IP" in again.output


def test_purge_ages_come_from_the_settings_and_zero_turns_a_step_off(app, runner, article_id):
    app.config.update(DISCUSSION_PURGE_SPAM_DAYS=0, DISCUSSION_PURGE_TRASH_DAYS=1)
    spam = add_comment(app, article_id, "spam", content="spam")
    trash = add_comment(app, article_id, "trash", content="trash")
    age(app, spam, 400)
    age(app, trash, 2)
    result = runner.invoke(args=["comments", "purge"])
    assert "Deleted 0 spam comments (off: age 0)." in result.output
    assert "Deleted 1 trashed comments older than 1 days." in result.output
    assert count(app) == 1


def test_deleting_in_batches_keeps_replies_and_commits_each_batch(app, article_id):
    parent = add_comment(app, article_id, "approved", content="parent")
    reply = add_comment(app, article_id, "approved", content="reply", parent_id=parent)
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == parent).values(status="spam"))
        db.session.commit()
    bulk_comments(app, article_id, 12, status="spam")
    with app.app_context():
        assert purge.delete_in_batches("spam", batch_size=5) == 13
    assert count(app, "spam") == 0
    assert get(app, reply).parent_id is None


def test_twenty_thousand_held_comments(app, client, staff, article_id):
    """Approve a page in bulk, spam the rest and empty spam in batches: all complete."""
    total = 20_000
    app.config["MODERATION_PER_PAGE"] = 200
    bulk_comments(app, article_id, total, step=timedelta(milliseconds=10))
    staff.login_as("moderator")

    html = client.get("/admin/comments?status=pending").get_data(as_text=True)
    page_ids = re.findall(r'name="page_ids" value="(\d+)"', html)
    assert len(page_ids) == 200 and f"Pending <span class=\"count\">({total})" in html
    older = re.search(r'href="([^"]*before=[^"]*)" rel="next"', html)
    assert older and len(re.findall(r'name="page_ids"',
                                    client.get(older.group(1).replace("&amp;", "&")).text)) \
        == 200
    response = client.post("/admin/comments/action", data={
        "csrf_token": csrf_from(html), "action": "approve", "all_on_page": "1",
        "page_ids": page_ids, "next": "/admin/comments"})
    assert response.status_code == 302
    assert count(app, "approved") == 200
    with app.app_context():
        assert db.session.get(Article, article_id).comment_count == 200
        db.session.execute(update(Comment).where(Comment.status == "pending")
                           .values(status="spam"))
        db.session.commit()

    html = client.get("/admin/comments?status=spam").get_data(as_text=True)
    assert f"Spam <span class=\"count\">({total - 200})" in html
    response = client.post("/admin/comments/empty",
                           data={"csrf_token": csrf_from(html), "status": "spam"})
    assert response.status_code == 302
    assert count(app, "spam") == 0 and count(app) == 200
    assert f"Deleted {total - 200} spam comments permanently." in \
        client.get("/admin/comments?status=spam").text
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())
                                 .limit(1)) == "empty_spam"
