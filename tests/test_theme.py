"""The theme's server side: where a refused post lands, the post URL's GET, the favicon,
times in BLOGAPP_TIMEZONE, plurals, the staff header, the role 403, and bulk actions on
every comment a tab, search or article filter matches (in batches, audited, undone)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from blogapp import create_app
from blogapp.comments.moderation import MAX_IDS
from blogapp.config import ConfigError
from blogapp.extensions import db
from blogapp.models import AuditEntry, Comment
from blogapp.moderation.bulk import span_ids, spans
from blogapp.theme import plural
from tests.conftest import csrf_from
from tests.moderation_helpers import QUIET, add_comment, bulk_comments, new_article


@pytest.fixture
def app_config():
    return dict(QUIET)


def test_a_refused_post_opens_at_its_problems(app, client):
    slug = _slug(app, new_article(app))
    html = client.get(f"/articles/{slug}").text
    assert f'action="/articles/{slug}/comments#form-problems"' in html
    token = re.search(r'name="form_token" value="([^"]*)"', html).group(1)
    refused = client.post(f"/articles/{slug}/comments", data={"comment": "x",
                                                               "form_token": token})
    assert refused.status_code == 400
    problems = re.search(r'<div id="form-problems"[^>]*tabindex="-1"', refused.text)
    assert problems and 'id="error-summary" role="alert"' in refused.text
    assert 'aria-invalid="true"' in refused.text and 'comment-reply.js' in refused.text


@pytest.mark.parametrize("query", ["", "?replytocom=1", "?cpage=2"])
def test_a_get_of_the_post_url_goes_to_the_form(app, client, query):
    slug = _slug(app, new_article(app))
    response = client.get(f"/articles/{slug}/comments{query}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/articles/{slug}#respond"


def test_the_favicon_is_linked_and_served(client):
    html = client.get("/").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert client.get("/favicon.ico").headers["Location"] == "/static/favicon.svg"
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.data.startswith(b"<svg")


@pytest.mark.parametrize("zone, stamp, shown", [
    ("UTC", "2026-01-15T12:30:00+00:00", "January 15, 2026 at 12:30 UTC"),
    ("Europe/Paris", "2026-01-15T13:30:00+01:00", "January 15, 2026 at 13:30 CET"),
    ("Europe/Paris", "2026-07-15T14:30:00+02:00", "July 15, 2026 at 14:30 CEST"),
    ("America/New_York", "2026-01-15T07:30:00-05:00", "January 15, 2026 at 07:30 EST"),
])
def test_times_show_in_the_site_zone_and_say_which(tmp_path, zone, stamp, shown):
    from blogapp.theme import time_tag

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "TIMEZONE": zone,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)})
    moment = datetime(2026, int(stamp[5:7]), 15, 12, 30)  # stored as naive UTC
    with app.app_context():
        assert str(time_tag(moment, "datetime")) == f'<time datetime="{stamp}">{shown}</time>'
        page = app.test_client().get("/login").text
    assert f"Times are {zone}." in page


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd"])
def test_an_unknown_zone_stops_the_app_at_start(tmp_path, zone):
    with pytest.raises(ConfigError, match="BLOGAPP_TIMEZONE"):
        create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "TIMEZONE": zone,
                    "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("n, one, many, text", [
    (0, "comment", None, "0 comments"), (1, "comment", None, "1 comment"),
    (2, "comment", None, "2 comments"), (1, "comment is", "comments are", "1 comment is"),
    (3, "comment is", "comments are", "3 comments are"),
])
def test_plurals(n, one, many, text):
    assert plural(n, one, many) == text


def test_one_comment_is_not_comments(app, client, staff):
    article_id = new_article(app)
    add_comment(app, article_id, "approved")
    slug = _slug(app, article_id)
    assert "1 Response<" in client.get(f"/articles/{slug}").text
    assert "1 response<" in client.get("/").text
    staff.login_as("owner")
    articles = client.get("/admin/articles").text
    assert "1 comment<" in articles and "1 comments" not in articles


def test_staff_log_out_with_a_button_in_the_header(app, client, staff):
    staff.login_as("moderator")
    html = client.get("/admin/comments").text
    header = html[html.index('<header class="site-header">'):html.index("</header>")]
    assert re.search(r'<form method="post" action="/logout">\s*<input type="hidden" '
                     r'name="csrf_token"', header)
    assert "Log out" in header and ">Dashboard<" not in header  # the admin menu has it
    response = client.post("/logout", data={"csrf_token": csrf_from(header)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302  # to the login page


@pytest.mark.parametrize("path", ["/admin/settings", "/admin/users", "/admin/articles",
                                  "/admin/media", "/admin/privacy", "/admin/audit"])
def test_a_moderator_on_an_owner_page_is_told_what_the_role_may_do(client, staff, path):
    staff.login_as("moderator")
    response = client.get(path)
    assert response.status_code == 403
    assert "Not for your role" in response.text
    assert "What a moderator may do" in response.text and "moderate comments" in response.text
    assert 'class="admin-nav"' not in response.text or "Dashboard" in response.text


def test_every_admin_page_has_the_one_layout(client, staff):
    staff.login_as("owner")
    for path in ("/admin/", "/admin/comments", "/admin/articles", "/admin/articles/new",
                 "/admin/media", "/admin/categories", "/admin/settings", "/admin/users",
                 "/admin/privacy", "/admin/audit", "/admin/account"):
        html = client.get(path).text
        assert '<body class="admin">' in html, path
        assert html.count('<nav class="admin-nav" aria-label="Administration">') == 1, path
        menu = html[html.index('<nav class="admin-nav"'):]
        menu = menu[:menu.index("</nav>")]
        assert menu.count('aria-current="page"') == 1, path


def test_spans_round_trip():
    assert spans([9, 3, 4, 5, 5]) == ["3-5", "9-9"]
    assert span_ids(["3-5", "9-9", "7-6", "x-2", "1-"]) == [3, 4, 5, 9]


# What "select all N matching" covers: tab, search, article filter.
MATCHING = [
    ("approve every pending comment", "approve", {"status": "pending"}, "approved",
     lambda c: c.status == "pending"),
    ("trash those a search finds", "trash", {"status": "pending", "q": "pills 1"}, "trash",
     lambda c: c.status == "pending" and "pills 1" in c.content),
    ("spam one article's", "spam", {"status": "pending", "article": "other"}, "spam",
     lambda c: c.status == "pending" and c.article_id == "other"),
]


@pytest.mark.parametrize("name, action, fields, target, matches", MATCHING,
                         ids=[m[0] for m in MATCHING])
def test_select_all_matching_acts_on_every_page_and_undoes(app, client, staff, name, action,
                                                           fields, target, matches):
    first, other = new_article(app), new_article(app, "Trams")
    bulk_comments(app, first, MAX_IDS + 120)  # more than one batch
    bulk_comments(app, other, 30, content="on trams", content_html="<p>on trams</p>")
    add_comment(app, first, "approved")
    fields = {k: (str(other) if v == "other" else v) for k, v in fields.items()}
    before = _statuses(app)
    expected = {cid for cid, c in before.items() if matches(_Row(c, other))}
    staff.login_as("moderator")

    query = "&".join(f"{k}={v}" for k, v in fields.items())
    page = client.get(f"/admin/comments?{query}").text
    assert f"Select all {len(expected)} matching comments" in page
    response = client.post("/admin/comments/action", data={
        "csrf_token": csrf_from(page), "action": action, "bulk": "1", "all_matching": "1",
        "next": f"/admin/comments?{query}", **fields})
    assert response.status_code == 302
    after = _statuses(app)
    assert {cid for cid, s in after.items() if s[0] != before[cid][0]} == expected
    assert all(after[cid][0] == target for cid in expected)
    with app.app_context():
        audited = db.session.scalar(select(func.count(AuditEntry.id))
                                    .where(AuditEntry.action == action))
    assert audited == len(expected)

    html = client.get(f"/admin/comments?{query}").text
    assert f"{len(expected)} comments" in html
    undo = dict(csrf_token=csrf_from(html), next="/admin/comments",
                spans=re.findall(r'name="spans" value="([0-9-]+)"', html),
                entries=re.findall(r'name="entries" value="(\d+)"', html))
    assert undo["spans"] or undo["entries"]
    assert client.post("/admin/comments/undo", data=undo).status_code == 302
    assert _statuses(app) == before


def test_select_all_matching_refuses_an_action_the_tab_lacks(app, client, staff):
    article = new_article(app)
    bulk_comments(app, article, 30, status="approved")
    staff.login_as("moderator")
    page = client.get("/admin/comments?status=approved").text
    client.post("/admin/comments/action", data={
        "csrf_token": csrf_from(page), "action": "approve", "all_matching": "1",
        "status": "approved", "next": "/admin/comments"})
    assert "does not apply to this tab" in client.get("/admin/comments").text
    assert {values[0] for values in _statuses(app).values()} == {"approved"}


class _Row:
    """A comment as MATCHING's predicates read it (the second article named "other")."""

    def __init__(self, values: tuple, other: int) -> None:
        self.status, self.content, article_id = values
        self.article_id = "other" if article_id == other else article_id


def _statuses(app) -> dict[int, tuple]:
    with app.app_context():
        return {cid: (status, content, article) for cid, status, content, article in
                db.session.execute(select(Comment.id, Comment.status, Comment.content,
                                          Comment.article_id))}


def _slug(app, article_id: int) -> str:
    from blogapp.models import Article

    with app.app_context():
        return db.session.get(Article, article_id).slug
