"""Readers: the index, article pages, the Atom feed and error pages."""

from __future__ import annotations

import feedparser
import pytest

from tests.factories import backdated, make_article


@pytest.fixture
def articles(app):
    with app.app_context():
        for i in range(12):
            make_article(f"Article {i:02d}", published_at=backdated(100 - i))
        make_article("A draft", action="draft")


def test_index_lists_newest_first_and_paginates(client, articles):
    first = client.get("/").get_data(as_text=True)
    assert first.index("Article 11") < first.index("Article 02")
    assert "Article 01" not in first and "A draft" not in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Article 01" in second and "Article 00" in second
    assert client.get("/?page=3").status_code == 404


def test_feed_is_valid_atom_with_published_articles_only(client, articles):
    response = client.get("/feed.atom")
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    titles = [e.title for e in feed.entries]
    assert titles[0] == "Article 11" and "A draft" not in titles
    assert feed.entries[0].link == "http://blog.test/articles/article-11"


def test_feed_escapes_markup_in_titles(app, client):
    with app.app_context():
        make_article('Tom & "Jerry" <b>', body="<b>x</b> & y")
    feed = feedparser.parse(client.get("/feed.atom").data)
    assert feed.bozo == 0
    assert feed.entries[0].title == 'Tom & "Jerry" <b>'


def test_unknown_page_is_a_404_in_the_site_layout(client):
    response = client.get("/articles/nope")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in html and 'class="site-header"' in html


def test_server_error_page_uses_the_layout_and_rolls_back(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/articles/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_closed_article_says_comments_are_closed(app, client):
    with app.app_context():
        make_article("Closed", comments_open=False)
    html = client.get("/articles/closed").get_data(as_text=True)
    assert "Comments are closed." in html
