"""Categories, tags and authors: chosen in the editor, archive pages with pagination and
an Atom feed each, bylines linking to author pages, profiles the owner edits."""

from __future__ import annotations

import re

import feedparser
import pytest
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import Article, Category, Tag, User
from blogapp.services.taxonomy import create_category, parse_tags
from tests.conftest import post_form
from tests.factories import backdated


@pytest.fixture
def owner(staff):
    return staff.login_as("owner")


def category(app, name: str, description: str = "") -> int:
    with app.app_context():
        return create_category(name, description=description).id


def write(client, title, action="publish", categories=(), tags="", body="Body text."):
    data = {"title": title, "body": body, "excerpt": "", "tags": tags, "comments_open": "y",
            "action": action}
    response = post_form(client, "/admin/articles/new",
                         {**data, "categories": [str(c) for c in categories]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].split("/")[-2])


@pytest.mark.parametrize(("text", "expected"), [
    ("Transit, city life", [("Transit", "transit"), ("city life", "city-life")]),
    (" transit ,TRANSIT, Transit ", [("transit", "transit")]),
    ("Über  Straße,,  , !!!", [("Über Straße", "über-straße")]),
    ("a" * 150, [("a" * 100, "a" * 100)]),
    (",".join(f"t{i}" for i in range(30)), [(f"t{i}", f"t{i}") for i in range(20)]),
])
def test_tags_are_parsed_once_per_slug(text, expected):
    assert parse_tags(text) == expected


def test_the_editor_sets_categories_and_creates_tags(app, client, owner):
    politics, transit = category(app, "Politics"), category(app, "Transit")
    article_id = write(client, "Night buses", categories=[transit], tags="Buses, night, Night")
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert [c.name for c in article.categories] == ["Transit"]
        assert [t.slug for t in article.tags] == ["buses", "night"]
    editor = client.get(f"/admin/articles/{article_id}/edit").get_data(as_text=True)
    assert 'value="Buses, night"' in editor
    boxes = {int(value): "checked" in attrs for attrs, value in
             re.findall(r'<input ([^>]*)type="checkbox" value="(\d+)"', editor)}
    assert boxes == {politics: False, transit: True}
    post_form(client, f"/admin/articles/{article_id}/edit", {
        "title": "Night buses", "slug": "night-buses", "body": "Body", "action": "publish",
        "categories": [str(politics), str(transit)], "tags": "buses, trams"})
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert [c.name for c in article.categories] == ["Politics", "Transit"]
        assert [t.slug for t in article.tags] == ["buses", "trams"]
        assert db.session.scalar(select(Tag).where(Tag.slug == "night")) is not None


def test_an_unknown_category_is_refused_with_the_text_kept(app, client, owner):
    response = post_form(client, "/admin/articles/new", {
        "title": "Kept title", "body": "Kept body", "action": "publish",
        "categories": ["9999"]})
    assert response.status_code == 422
    assert "Kept body" in response.text and "is not a valid choice" in response.text


def test_the_category_list_is_managed_by_owners(app, client, owner):
    response = post_form(client, "/admin/categories", {"name": "City Hall", "slug": "",
                                                       "description": "Council news."})
    assert response.status_code == 302
    duplicate = post_form(client, "/admin/categories", {"name": "city hall"})
    assert duplicate.status_code == 409 and "already a category" in duplicate.text
    with app.app_context():
        found = db.session.scalar(select(Category).where(Category.slug == "city-hall"))
    write(client, "Budget vote", categories=[found.id])
    assert "City Hall" in app.test_client().get("/articles/budget-vote").text
    post_form(client, f"/admin/categories/{found.id}", {"name": "Council", "slug": "council",
                                                        "description": ""})
    page = app.test_client().get("/articles/budget-vote").text  # a new version of the page
    assert "Council" in page and "City Hall" not in page
    assert app.test_client().get("/category/council").status_code == 200
    assert app.test_client().get("/category/city-hall").status_code == 404
    post_form(client, "/admin/categories", {}, action=f"/admin/categories/{found.id}/delete")
    assert "Council" not in app.test_client().get("/articles/budget-vote").text


@pytest.mark.parametrize("app_config", [{"ARTICLES_PER_PAGE": 2}])
@pytest.mark.parametrize("kind", ["category", "tag", "author"])
def test_archives_paginate_and_show_published_articles_only(app, client, owner, kind):
    transit = category(app, "Transit", "Buses, trams and the night network.")
    for n in range(5):
        write(client, f"Transit story {n}", categories=[transit], tags="Night network")
    write(client, "Draft story", action="draft", categories=[transit], tags="Night network")
    with app.app_context():
        for n, article in enumerate(db.session.scalars(select(Article).order_by(Article.id))):
            article.published_at = backdated(100 - n) if article.published_at else None
        db.session.commit()
        author = db.session.scalar(select(User)).slug
    url = {"category": "/category/transit", "tag": "/tag/night-network",
           "author": f"/author/{author}"}[kind]
    reader = app.test_client()
    first = reader.get(url).text
    assert "Transit story 4" in first and "Transit story 3" in first
    assert "Transit story 2" not in first and "Draft story" not in first
    assert f'href="{url}?page=2"' in first and 'rel="next"' in first
    assert '<link rel="alternate" type="application/atom+xml"' in first
    assert f'href="{url}/feed.atom"' in first
    third = reader.get(f"{url}?page=3").text
    assert "Transit story 0" in third and 'rel="next"' not in third
    assert reader.get(f"{url}?page=4").status_code == 404
    assert reader.get(f"{url}?page=0").status_code == 404
    if kind == "category":
        assert "Buses, trams and the night network." in first


def test_archives_without_visible_articles_are_404(app, client, owner, staff):
    empty = category(app, "Empty")
    write(client, "Secret merger", action="draft", categories=[empty], tags="Merger with Acme")
    staff.create("moderator@example.com", "moderator")
    reader = app.test_client()
    with app.app_context():
        slugs = dict(db.session.execute(select(User.email, User.slug)).all())
    for url in ("/category/empty", "/tag/merger-with-acme", "/tag/nope", "/category/nope",
                f"/author/{slugs['moderator@example.com']}", "/author/nope",
                f"/author/{slugs['owner@example.com']}", "/tag/merger-with-acme/feed.atom",
                "/category/empty/feed.atom", "/author/nope/feed.atom"):
        assert reader.get(url).status_code == 404, url


def test_bylines_link_to_the_author_page_with_the_bio(app, client, owner):
    with app.app_context():
        user = db.session.get(User, owner)
        assert user.slug == "owner"  # made from the display name when the account was
    response = post_form(client, f"/admin/users/{owner}/profile", {
        "display_name": "Mara Olsen", "slug": "mara", "bio": "Covers transport & the city."})
    assert response.status_code == 302
    write(client, "Night buses")
    reader = app.test_client()
    for page in (reader.get("/").text, reader.get("/articles/night-buses").text):
        assert '<a rel="author" href="/author/mara">Mara Olsen</a>' in page
    author = reader.get("/author/mara").text
    assert "Mara Olsen" in author and "Covers transport &amp; the city." in author
    assert "owner@example.com" not in author
    # Changing the profile gives the article's stored page a new version.
    post_form(client, f"/admin/users/{owner}/profile", {"display_name": "M. Olsen",
                                                        "slug": "mara", "bio": ""})
    assert "M. Olsen" in reader.get("/articles/night-buses").text


def test_a_slug_another_account_uses_is_refused(app, client, owner, staff):
    other = staff.create("second@example.com", "moderator")
    response = post_form(client, f"/admin/users/{other}/profile", {
        "display_name": "Second", "slug": "owner", "bio": "Kept bio"})
    assert response.status_code == 409
    assert "already /author/owner" in response.text and "Kept bio" in response.text


def test_accounts_get_unique_slugs_whoever_creates_them(app):
    with app.app_context():
        users = [User(email=f"u{n}@example.com", display_name="Ann Lee", password_hash="x")
                 for n in range(3)]
        for user in users:
            db.session.add(user)
            db.session.flush()
        db.session.commit()
        assert [u.slug for u in users] == ["ann-lee", "ann-lee-2", "ann-lee-3"]


def feed_of(app, url):
    response = app.test_client().get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def test_every_feed_is_valid_atom(app, client, owner):
    transit = category(app, "Transit")
    write(client, 'Tom & "Jerry" <b> ride', categories=[transit], tags="Night, Trams",
          body='Intro "quoted" -- text.\n\n<b>bold</b> & more')
    write(client, "Other news", tags="Trams")
    with app.app_context():
        author = db.session.scalar(select(User)).slug
    feeds = {"/feed.atom": 2, "/category/transit/feed.atom": 1, "/tag/trams/feed.atom": 2,
             "/tag/night/feed.atom": 1, f"/author/{author}/feed.atom": 2}
    for url, count in feeds.items():
        feed = feed_of(app, url)
        assert len(feed.entries) == count, url
        assert feed.feed.links[1].href == f"http://blog.test{url}"
    entry = feed_of(app, "/category/transit/feed.atom").entries[0]
    assert entry.title == 'Tom & "Jerry" <b> ride'
    assert entry.link == "http://blog.test/articles/tom-jerry-b-ride"
    assert entry.author_detail.href == f"http://blog.test/author/{author}"
    assert {t.term for t in entry.tags} == {"transit", "night", "trams"}
    assert entry.summary.startswith("Intro “quoted” – text.")
