"""Owners' pages (settings, users, audit log) and everyone's dashboard."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from blogapp.comments.settings import load_settings
from blogapp.extensions import db
from blogapp.models import User
from blogapp.models.base import utcnow
from blogapp.moderation.dashboard import CHART_DAYS
from tests.conftest import csrf_from
from tests.moderation_helpers import (
    QUIET,
    add_comment,
    audit_rows,
    bulk_comments,
    form_values,
    new_article,
)

PASSWORD_RE = re.compile(r'<code class="password">([^<]+)</code>')


@pytest.fixture
def app_config():
    return dict(QUIET)


@pytest.fixture
def owner(staff):
    return staff.login_as("owner")


def settings_form(client) -> dict:
    """The settings form's current values, as the browser would send them back."""
    return form_values(client.get("/admin/settings").get_data(as_text=True))


def test_settings_page_saves_every_field_and_audits_the_change(app, client, owner):
    data = settings_form(client)
    # WordPress's defaults: manual approval unticked, previously approved authors ticked.
    assert data["max_links"] == "2" and "manual_approval" not in data
    assert data["auto_approve_known_authors"] == "y"
    data.update(max_links="5", moderation_keys="casino\n  viagra \n\ncasino\n",
                disallowed_keys="198.51.100.9", default_page="oldest", thread_depth="3",
                akismet_discard="drop", purge_spam_days="7", manual_approval="y")
    del data["auto_approve_known_authors"]  # an unticked checkbox is not sent
    response = client.post("/admin/settings", data=data)
    assert response.status_code == 302
    with app.app_context():
        saved = load_settings(app.config)
    assert saved.policy.max_links == 5 and saved.policy.manual_approval is True
    assert saved.policy.auto_approve_known_authors is False
    assert saved.policy.moderation_keys == ("casino", "viagra")
    assert saved.policy.disallowed_keys == ("198.51.100.9",)
    assert (saved.default_page, saved.thread_depth, saved.purge_spam_days) == ("oldest", 3, 7)
    assert saved.policy.akismet_discard == "drop"
    assert audit_rows(app)[-1][0] == "settings"
    html = client.get("/admin/settings").text
    assert "casino\nviagra</textarea>" in html


@pytest.mark.parametrize(("field", "value"), [
    ("thread_depth", "0"), ("thread_depth", "11"), ("max_links", "-1"),
    ("comments_per_page", "abc"), ("default_page", "sideways"), ("purge_trash_days", ""),
])
def test_settings_are_validated(app, client, owner, field, value):
    data = settings_form(client)
    data[field] = value
    response = client.post("/admin/settings", data=data)
    assert response.status_code == 422
    assert "Please correct the following" in response.text
    with app.app_context():
        assert load_settings(app.config).thread_depth == 5


def test_invite_shows_a_one_time_password_that_logs_in(app, client, owner, staff):
    html = client.get("/admin/users").text
    response = client.post("/admin/users/invite", data={
        "csrf_token": csrf_from(html), "email": "New.Mod@Example.com", "display_name": "Nia",
        "role": "moderator"})
    assert response.status_code == 200
    password = PASSWORD_RE.search(response.text).group(1)
    assert "shown this once" in response.text
    assert password not in client.get("/admin/users").text
    again = client.post("/admin/users/invite", data={
        "csrf_token": csrf_from(html), "email": "new.mod@example.com", "role": "moderator"})
    assert again.status_code == 409 and "already exists" in again.text
    fresh = app.test_client()
    assert staff.login("new.mod@example.com", password, client=fresh).status_code == 302
    assert fresh.get("/admin/comments").status_code == 200
    assert fresh.get("/admin/settings").status_code == 403


def test_disable_enable_and_reset_password(app, client, owner, staff):
    mod_id = staff.create("mod@example.com", "moderator")
    html = client.get("/admin/users").text
    client.post(f"/admin/users/{mod_id}/disable", data={"csrf_token": csrf_from(html)})
    assert staff.login("mod@example.com", client=app.test_client()).status_code == 401
    client.post(f"/admin/users/{mod_id}/enable", data={"csrf_token": csrf_from(html)})
    reset = client.post(f"/admin/users/{mod_id}/password", data={"csrf_token": csrf_from(html)})
    password = PASSWORD_RE.search(reset.text).group(1)
    assert staff.login("mod@example.com", client=app.test_client()).status_code == 401
    assert staff.login("mod@example.com", password, client=app.test_client()).status_code \
        == 302
    assert [row[0] for row in audit_rows(app)] == ["user_disable", "user_enable",
                                                   "user_password"]


def test_an_owner_cannot_lock_themselves_out(app, client, owner):
    html = client.get("/admin/users").text
    response = client.post(f"/admin/users/{owner}/disable", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert "cannot disable your own account" in client.get("/admin/users").text
    with app.app_context():
        assert db.session.scalar(select(User.active).where(User.id == owner)) is True


def test_dashboard_counts_chart_held_and_akismet(app, client, staff):
    staff.login_as("moderator")
    article_id = new_article(app)
    add_comment(app, article_id, author="Held Harry", content="Please hold me")
    bulk_comments(app, article_id, 4, status="spam", created_at=utcnow() - timedelta(days=2))
    bulk_comments(app, article_id, 3, status="spam", created_at=utcnow() - timedelta(days=45))
    html = client.get("/admin/").text
    assert "<strong>1</strong> pending" in html and "<strong>7</strong> spam" in html
    assert "Akismet is not configured: local rules only." in html
    assert "Held Harry" in html and "Please hold me" in html
    assert html.count('class="bar-comments"') == CHART_DAYS
    assert "5 comments received, of which <span class=\"legend-spam\"></span> 4 spam" in html
    assert "4 comments, 4 spam" in html  # the day two days ago
    assert "style=" not in html


def test_dashboard_says_when_akismet_is_configured(app, client, staff):
    app.config.update(AKISMET_API_KEY="k", AKISMET_BLOG_URL="http://blog.test")
    staff.login_as("moderator")
    assert "Akismet is configured" in client.get("/admin/").text


def test_audit_log_lists_actions_newest_first_with_pages(app, client, owner):
    from blogapp.comments.moderation import moderate

    article_id = new_article(app)
    ids = [add_comment(app, article_id, content=f"c{i}") for i in range(3)]
    with app.app_context():
        for _ in range(20):
            moderate(ids, "approve", owner)
            moderate(ids, "unapprove", owner)
    first = client.get("/admin/audit").text
    assert first.count("<td>owner</td>") == 50
    assert first.index("<td>unapprove</td>") < first.index("<td>approve</td>")
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert client.get(older).text.count("<td>owner</td>") == 50
    only = client.get("/admin/audit?action=approve").text
    assert "<td>unapprove</td>" not in only and "<td>approve</td>" in only
