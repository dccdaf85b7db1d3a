"""The editor's script endpoints and revisions: the live preview changes nothing, an
autosave never publishes nor changes an article, every save is a revision, a restore is
a POST that makes a revision of its own."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from blogapp.extensions import db
from blogapp.models import Article, ArticleRevision
from tests.conftest import csrf_from, post_form
from tests.security.test_csrf_matrix import fingerprint

JSON = {"Accept": "application/json"}


@pytest.fixture
def owner(staff):
    return staff.login_as("owner")


@pytest.fixture
def token(client, owner):
    return csrf_from(client.get("/admin/articles/new").get_data(as_text=True))


def publish(client, title="Live story", body="Published text.", action="publish"):
    response = post_form(client, "/admin/articles/new", {
        "title": title, "body": body, "comments_open": "y", "action": action})
    assert response.status_code == 302
    return int(response.headers["Location"].split("/")[-2])


def article(app, article_id):
    with app.app_context():
        found = db.session.get(Article, article_id)
        db.session.expunge_all()
        return found


def revisions(app, article_id, kind=None):
    with app.app_context():
        query = select(ArticleRevision).where(ArticleRevision.article_id == article_id)
        if kind:
            query = query.where(ArticleRevision.kind == kind)
        rows = db.session.scalars(query.order_by(ArticleRevision.id)).all()
        db.session.expunge_all()
        return rows


def test_the_live_preview_renders_and_changes_nothing(app, client, token):
    before = fingerprint(app)
    response = client.post("/admin/articles/preview", headers=JSON, data={
        "csrf_token": token, "title": "T", "body": '## "Sub"\n\n<script>x</script>\n\n**b**'})
    assert response.status_code == 200
    assert response.json["html"].replace("\n", "") == "<h2>“Sub”</h2><p><strong>b</strong></p>"
    assert fingerprint(app) == before
    too_long = client.post("/admin/articles/preview", headers=JSON,
                           data={"csrf_token": token, "body": "x" * 500_001})
    assert too_long.status_code == 422 and too_long.json["fields"] == ["body"]


def without_form_token(html: str) -> str:
    """The page less its form token, which signs the second it was handed out."""
    return re.sub(r'name="form_token" value="[^"]*"', 'name="form_token"', html)


def test_an_autosave_of_a_published_article_changes_nothing_readers_see(app, client, token):
    article_id = publish(client)
    reader = app.test_client()
    page = without_form_token(reader.get("/articles/live-story").get_data(as_text=True))
    before = article(app, article_id)
    response = client.post(f"/admin/articles/{article_id}/autosave", headers=JSON, data={
        "csrf_token": token, "title": "Half-written title", "body": "Work in progress",
        "excerpt": "", "action": "publish"})
    assert response.status_code == 200 and response.json["saved"] is True
    after = article(app, article_id)
    assert (after.title, after.body_md, after.status, after.updated_at) == (
        before.title, before.body_md, before.status, before.updated_at)
    assert without_form_token(reader.get("/articles/live-story").get_data(as_text=True)) == page
    assert len(revisions(app, article_id, "autosave")) == 1
    # A second autosave replaces the first; the editor offers to load it.
    client.post(f"/admin/articles/{article_id}/autosave", headers=JSON, data={
        "csrf_token": token, "title": "Half-written title", "body": "More progress"})
    rows = revisions(app, article_id, "autosave")
    assert len(rows) == 1 and rows[0].body_md == "More progress"
    editor = client.get(f"/admin/articles/{article_id}/edit").get_data(as_text=True)
    assert "There is an autosave of this article" in editor
    assert "More progress" not in editor  # offered, not loaded
    loaded = client.get(f"/admin/articles/{article_id}/edit?autosave=1").get_data(as_text=True)
    assert "More progress</textarea>" in loaded and "Published text." not in loaded
    # Saving supersedes the autosave.
    post_form(client, f"/admin/articles/{article_id}/edit", {
        "title": "Live story", "slug": "live-story", "body": "More progress",
        "action": "publish"})
    assert revisions(app, article_id, "autosave") == []
    assert "There is an autosave" not in client.get(
        f"/admin/articles/{article_id}/edit").get_data(as_text=True)


def test_the_first_autosave_of_a_new_article_creates_a_draft_only(app, client, token):
    empty = client.post("/admin/articles/autosave", headers=JSON,
                        data={"csrf_token": token, "title": " ", "body": ""})
    assert empty.json == {"saved": False}
    response = client.post("/admin/articles/autosave", headers=JSON, data={
        "csrf_token": token, "title": "", "body": "Lede", "action": "publish",
        "publish_at": "2001-01-01T00:00"})
    assert response.status_code == 200 and response.json["created"] is True
    article_id = int(response.json["article_id"])
    assert response.json["edit_url"] == f"/admin/articles/{article_id}/edit"
    assert response.json["autosave_url"] == f"/admin/articles/{article_id}/autosave"
    draft = article(app, article_id)
    assert draft.status == "draft" and draft.published_at is None
    assert draft.title == "Untitled draft" and draft.body_md == "Lede"
    assert app.test_client().get(f"/articles/{draft.slug}").status_code == 404
    assert "Untitled draft" not in app.test_client().get("/feed.atom").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/admin/articles/autosave", "/admin/articles/preview"])
def test_script_endpoints_refuse_a_missing_token(client, owner, url):
    response = client.post(url, headers=JSON, data={"body": "x"})
    assert response.status_code == 400 and "security token" in response.json["message"]


def test_every_save_is_a_revision_and_a_restore_is_one_too(app, client, token):
    article_id = publish(client, body="First version.")
    for body in ("Second version.", "Third version."):
        post_form(client, f"/admin/articles/{article_id}/edit", {
            "title": "Live story", "slug": "live-story", "body": body, "action": "publish"})
    rows = revisions(app, article_id)
    assert [r.body_md for r in rows] == ["First version.", "Second version.", "Third version."]
    assert {r.kind for r in rows} == {"save"}
    editor = client.get(f"/admin/articles/{article_id}/edit").get_data(as_text=True)
    assert editor.count("Restore</button>") == 2  # not for the current one
    shown = client.get(f"/admin/articles/{article_id}/revisions/{rows[0].id}")
    assert shown.status_code == 200 and "First version." in shown.get_data(as_text=True)
    assert article(app, article_id).body_md == "Third version."  # a GET changes nothing
    response = post_form(client, f"/admin/articles/{article_id}/edit", {},
                         action=f"/admin/articles/{article_id}/revisions/{rows[0].id}/restore")
    assert response.status_code == 302
    restored = article(app, article_id)
    assert restored.body_md == "First version." and restored.status == "published"
    assert "First version." in app.test_client().get("/articles/live-story").text
    rows = revisions(app, article_id)
    assert [r.kind for r in rows][-1] == "restore" and rows[-1].body_md == "First version."


def test_a_restore_takes_only_a_revision_of_that_article(app, client, token):
    first, second = publish(client, "One"), publish(client, "Two")
    other = revisions(app, second)[0]
    response = post_form(client, f"/admin/articles/{first}/edit", {},
                         action=f"/admin/articles/{first}/revisions/{other.id}/restore")
    assert response.status_code == 404
    client.post(f"/admin/articles/{first}/autosave", headers=JSON,
                data={"csrf_token": token, "title": "One", "body": "aside"})
    autosaved = revisions(app, first, "autosave")[0]
    response = post_form(client, f"/admin/articles/{first}/edit", {},
                         action=f"/admin/articles/{first}/revisions/{autosaved.id}/restore")
    assert response.status_code == 404
    assert client.get(f"/admin/articles/{first}/revisions/{autosaved.id}").status_code == 404


def test_deleting_an_article_deletes_its_revisions(app, client, token):
    article_id = publish(client)
    for action in ("trash", "delete"):
        post_form(client, "/logout", {}, action=f"/admin/articles/{article_id}/{action}")
    with app.app_context():
        assert db.session.scalar(select(func.count(ArticleRevision.id))) == 0


def test_the_editor_page_has_the_preview_beside_the_form(client, owner):
    html = client.get("/admin/articles/new").get_data(as_text=True)
    layout = html[html.index('<div class="editor-layout">'):]
    assert layout.index('id="article-form"') < layout.index('id="preview"')
    assert 'data-preview-url="/admin/articles/preview"' in html
    assert 'data-autosave-url="/admin/articles/autosave"' in html
    assert '<script src="/static/editor.js"' in html
