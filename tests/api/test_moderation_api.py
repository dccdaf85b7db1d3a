"""Moderators through the API: the queue, status changes, edits, deletes, bulk; owners'
articles. The same services as the admin pages do the work."""

from __future__ import annotations

import pytest

from blogapp.extensions import db
from blogapp.models import AuditEntry, Comment, User
from tests.api.conftest import good_body

SCOPES = "read moderate publish"


@pytest.fixture
def bearer(app) -> dict[str, str]:
    from blogapp.api.tokens import issue_token

    with app.app_context():
        owner = User(email="owner@example.com", role="owner", display_name="Owner")
        owner.set_password("x" * 12)
        db.session.add(owner)
        db.session.commit()
        _, secret = issue_token(owner, "tests", SCOPES.split())
    return {"Authorization": f"Bearer {secret}"}


def held_comments(app, api, n: int) -> list[int]:
    app.config["DISCUSSION_MANUAL_APPROVAL"] = True
    ids = []
    for i in range(n):
        body = good_body(api, {"article": "night-buses"}, comment=f"Thought number {i}.")
        ids.append(api.post("/api/v1/comments", json=body).get_json()["comment"]["id"])
    return ids


def test_the_queue_pages_by_cursor_newest_first(app, api, article_slug, bearer):
    ids = held_comments(app, api, 5)
    seen, cursor = [], None
    while True:
        query = {"status": "pending", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/moderation/comments", query_string=query, headers=bearer)
        assert page.status_code == 200
        data = page.get_json()
        seen += [c["id"] for c in data["comments"]]
        assert data["counts"]["pending"] == 5
        cursor = data["next"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    first = api.get("/api/v1/moderation/comments", headers=bearer).get_json()["comments"][0]
    assert first["email"] == "ann@example.org" and first["status"] == "pending"


@pytest.mark.parametrize("query", [
    {"status": "nope"}, {"limit": "0"}, {"limit": "101"}, {"limit": "x"},
    {"cursor": "garbage"}, {"cursor": "2026-01-01T00:00:00_x"}, {"thread": "-1"},
])
def test_bad_queue_queries_are_400(api, bearer, query):
    response = api.get("/api/v1/moderation/comments", query_string=query, headers=bearer)
    assert response.status_code == 400


STATUS_PATHS = [  # (actions from pending, final status, or None: refused with 409)
    (["approve"], "approved"), (["approve", "unapprove"], "pending"),
    (["spam"], "spam"), (["spam", "not_spam"], "pending"),
    (["trash"], "trash"), (["trash", "restore"], "pending"),
    (["approve", "spam", "not_spam"], "approved"),
    (["unapprove"], None), (["restore"], None), (["not_spam"], None),
]


@pytest.mark.parametrize(("actions", "final"), STATUS_PATHS)
def test_status_changes(app, api, article_slug, bearer, actions, final):
    (comment_id,) = held_comments(app, api, 1)
    url = f"/api/v1/moderation/comments/{comment_id}/actions"
    for action in actions:
        response = api.post(url, json={"action": action}, headers=bearer)
    if final is None:
        assert response.status_code == 409
        return
    assert response.status_code == 200
    assert response.get_json()["comment"]["status"] == final
    with app.app_context():  # one audit row per action, as from the admin pages
        assert db.session.query(AuditEntry).filter_by(comment_id=comment_id).count() == len(
            actions)
    thread = api.get("/api/v1/threads/article/night-buses").get_json()
    assert thread["thread"]["count"] == (1 if final == "approved" else 0)


@pytest.mark.parametrize(("body", "status"), [
    ({"action": "delete"}, 422), ({"action": "explode"}, 422), ({}, 422),
    ({"action": 1}, 422)])
def test_bad_actions(app, api, article_slug, bearer, body, status):
    (comment_id,) = held_comments(app, api, 1)
    response = api.post(f"/api/v1/moderation/comments/{comment_id}/actions", json=body,
                        headers=bearer)
    assert response.status_code == status


def test_edit_and_permanent_delete(app, api, article_slug, bearer):
    (comment_id,) = held_comments(app, api, 1)
    url = f"/api/v1/moderation/comments/{comment_id}"
    edited = api.patch(url, json={"comment": "Edited <em>text</em>."}, headers=bearer)
    assert edited.get_json()["comment"]["html"] == "<p>Edited <em>text</em>.</p>"
    assert api.patch(url, json={"comment": "  "}, headers=bearer).status_code == 422
    assert api.patch(url, json={"comment": 3}, headers=bearer).status_code == 422
    assert api.delete(url, headers=bearer).status_code == 409  # pending: trash it first
    api.post(f"{url}/actions", json={"action": "trash"}, headers=bearer)
    assert api.delete(url, headers=bearer).status_code == 204
    assert api.get(url, headers=bearer).status_code == 404
    with app.app_context():
        assert db.session.get(Comment, comment_id) is None


def test_bulk(app, api, article_slug, bearer):
    ids = held_comments(app, api, 3)
    done = api.post("/api/v1/moderation/comments/bulk", headers=bearer,
                    json={"action": "approve", "ids": [*ids[:2], 424242]}).get_json()
    assert done == {"action": "approve", "done": ids[:2], "skipped": [424242]}
    trash = api.post("/api/v1/moderation/comments/bulk", headers=bearer,
                     json={"action": "trash", "ids": ids}).get_json()
    assert trash["done"] == ids
    gone = api.post("/api/v1/moderation/comments/bulk", headers=bearer,
                    json={"action": "delete", "ids": ids}).get_json()
    assert gone["done"] == ids
    for bad in ({"action": "approve", "ids": []}, {"action": "approve", "ids": ["1"]},
                {"action": "approve", "ids": list(range(1, 502))},
                {"action": "approve", "ids": [True]}, {"action": "x", "ids": [1]}):
        assert api.post("/api/v1/moderation/comments/bulk", json=bad,
                        headers=bearer).status_code == 422


def test_owners_write_articles(app, api, bearer):
    created = api.post("/api/v1/articles", headers=bearer,
                       json={"title": "From the API", "body": "Hello *there*.",
                             "tags": "api, notes"})
    assert created.status_code == 201
    article = created.get_json()["article"]
    assert article["status"] == "draft" and article["tags"] == "api, notes"
    url = f"/api/v1/articles/{article['id']}"
    assert api.get(f"/api/v1/threads/article/{article['slug']}").status_code == 404
    published = api.post(f"{url}/publish", headers=bearer).get_json()["article"]
    assert published["status"] == "published" and published["published_at"]
    assert api.get(f"/api/v1/threads/article/{article['slug']}").status_code == 200
    patched = api.patch(url, headers=bearer, json={"title": "Renamed", "comments_open": False})
    assert patched.get_json()["article"]["status"] == "published"
    assert patched.get_json()["article"]["title"] == "Renamed"
    assert patched.get_json()["article"]["comments_open"] is False
    scheduled = api.post("/api/v1/articles", headers=bearer, json={
        "title": "Later", "action": "schedule", "publish_at": "2099-01-01T09:00:00+02:00"})
    assert scheduled.get_json()["article"]["status"] == "scheduled"
    assert scheduled.get_json()["article"]["published_at"] == "2099-01-01T07:00:00Z"
    listing = api.get("/api/v1/articles", query_string={"limit": 1}, headers=bearer).get_json()
    assert len(listing["articles"]) == 1 and listing["next"]
    rest = api.get("/api/v1/articles", query_string={"cursor": listing["next"]},
                   headers=bearer).get_json()
    assert [a["title"] for a in listing["articles"] + rest["articles"]] == ["Later", "Renamed"]
    api.post(f"{url}/trash", headers=bearer)
    assert api.patch(url, headers=bearer, json={"title": "x"}).status_code == 409


@pytest.mark.parametrize(("body", "field"), [
    ({}, "title"), ({"title": ""}, "title"), ({"title": "x" * 201}, "title"),
    ({"title": 5}, "title"), ({"title": "T", "action": "later"}, "action"),
    ({"title": "T", "action": "schedule"}, "publish_at"),
    ({"title": "T", "action": "schedule", "publish_at": "soon"}, "publish_at"),
    ({"title": "T", "comments_open": "yes"}, "comments_open"),
])
def test_article_input_refused(api, bearer, body, field):
    response = api.post("/api/v1/articles", headers=bearer, json=body)
    assert response.status_code == 422 and field in response.get_json()["fields"]


def test_external_threads_are_not_articles_to_owners(app, api, bearer):
    from tests.api.conftest import PAGE_URL

    body = good_body(api, {"thread": {"url": PAGE_URL, "title": "Hello"}})
    api.post("/api/v1/comments", json=body)
    listing = api.get("/api/v1/articles", headers=bearer).get_json()
    assert listing["articles"] == []
    from blogapp.models import Article

    with app.app_context():
        thread_id = db.session.query(Article).one().id
    assert api.get(f"/api/v1/articles/{thread_id}", headers=bearer).status_code == 404


@pytest.mark.parametrize("q", ["1\x00", "\x00", "%_\\", "ann" * 500])
def test_queue_search_takes_any_text(api, bearer, q):
    response = api.get("/api/v1/moderation/comments", query_string={"q": q}, headers=bearer)
    assert response.status_code == 200


def test_unknown_article_actions_are_404(app, api, bearer):
    created = api.post("/api/v1/articles", headers=bearer, json={"title": "T"}).get_json()
    response = api.post(f"/api/v1/articles/{created['article']['id']}/approve",
                        headers=bearer)
    assert response.status_code == 404
