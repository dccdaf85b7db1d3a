"""GET /embed/thread?url=...: the thread as an HTML fragment for static sites (no script)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blogapp.comments.moderation import moderate
from blogapp.comments.stored import counts_name
from blogapp.embed.fragment import FRAGMENT_CACHE
from blogapp.extensions import db
from blogapp.models import Comment
from blogapp.render_cache import _store
from tests.comment_helpers import OPEN_DISCUSSION, open_article, post_comment
from tests.factories import make_article

ALLOWED = "https://static.example"


@pytest.fixture
def app_config() -> dict:
    return {**OPEN_DISCUSSION, "EMBED_ORIGINS": f"{ALLOWED}, https://other.example:8443"}


@pytest.fixture
def slug(app) -> str:
    return open_article(app)


def fragment(client, slug: str, query: str = "", **headers):
    return client.get(f"/embed/thread?url=http://blog.test/articles/{slug}{query}",
                      headers=headers)


def hold(app, text: str) -> None:
    """Send a comment back to the queue as a moderator does."""
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id).where(Comment.content.contains(text)))
        moderate([comment_id], "unapprove", None)


def test_approved_comments_threaded_with_a_link_to_join(app, client, slug):
    post_comment(client, slug, comment="First thoughts", author="Ann <Reader>")
    post_comment(client, slug, comment="A reply", comment_parent="1", author="Bo")
    post_comment(client, slug, comment="Kept back", author="Cy")
    hold(app, "Kept back")
    response = fragment(client, slug)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<script" not in html and "<form" not in html and " style=" not in html
    assert "2 Responses to &ldquo;Night buses&rdquo;" in html
    assert re.search(r'id="comment-1".*First thoughts.*<ol class="children">.*A reply',
                     html, re.DOTALL)
    assert "Ann &lt;Reader&gt;" in html
    assert "Kept back" not in html  # held: never in a shared page
    assert "ann@example.org" not in html
    join = '<a href="http://blog.test/articles/night-buses#comments">Join the discussion</a>'
    assert join in html
    assert 'href="http://blog.test/articles/night-buses#comment-2"' in html
    # Search engines read it as comments (schema.org microdata).
    assert html.count('itemtype="https://schema.org/Comment"') == 2
    assert '<meta itemprop="commentCount" content="2">' in html


def test_a_closed_thread_says_so_instead_of_inviting(app, client):
    with app.app_context():
        closed = make_article("Closed one", comments_open=False).slug
    html = fragment(client, closed).get_data(as_text=True)
    assert "Comments are closed." in html and "Join the discussion" not in html


def test_cached_per_version_and_revalidated_by_etag(app, client, slug):
    post_comment(client, slug, comment="One")
    first = fragment(client, slug)
    with app.app_context():
        kinds = {key[0] for key in _store().entries}
    assert {FRAGMENT_CACHE, counts_name(FRAGMENT_CACHE)} <= kinds
    assert first.headers["Cache-Control"] == "public, max-age=60"
    same = fragment(client, slug, **{"If-None-Match": first.headers["ETag"]})
    assert same.status_code == 304
    post_comment(client, slug, comment="Two")  # a new version of the thread
    changed = fragment(client, slug, **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "Two" in changed.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{**OPEN_DISCUSSION, "DISCUSSION_COMMENTS_PER_PAGE": 2}])
def test_pages_link_to_each_other(client, slug):
    for n in range(5):
        post_comment(client, slug, comment=f"Comment number {n}")
    one = fragment(client, slug, "&page=1").get_data(as_text=True)
    assert "Comment number 1" in one and "Comment number 2" not in one
    assert "Comment page 1 of 3" in one
    assert ("/embed/thread?url=http%3A%2F%2Fblog.test%2Farticles%2Fnight-buses&amp;page=2"
            in one)
    three = fragment(client, slug, "&page=3").get_data(as_text=True)
    assert "Comment number 4" in three and "Older comments" in three


@pytest.mark.parametrize("url", [
    "", "http://blog.test/", "http://blog.test/articles/no-such-article",
    "http://elsewhere.test/articles/night-buses", "javascript:alert(1)",
    "http://blog.test/articles/night-buses/extra", "http://blog.test/login",
    "http://blog.test/articles/night\x00buses", "http://blog.test/" + "a" * 3000,
])
def test_anything_but_a_visible_thread_answers_404(client, slug, url):
    assert client.get("/embed/thread", query_string={"url": url}).status_code == 404


@pytest.mark.parametrize("page", ["0", "02", "+1", "2", "x", "1&page=1", "99999999999"])
def test_a_page_not_written_canonically_or_past_the_last_answers_404(client, slug, page):
    post_comment(client, slug)
    assert fragment(client, slug, f"&page={page}").status_code == 404


def test_a_draft_has_no_fragment(app, client):
    with app.app_context():
        draft = make_article("Draft", action="draft").slug
    assert fragment(client, draft).status_code == 404


@pytest.mark.parametrize(("origin", "allowed"), [
    (ALLOWED, True), ("https://other.example:8443", True), ("https://STATIC.example", True),
    ("https://evil.example", False), ("null", False), ("http://static.example", False),
])
def test_cors_only_for_embedding_origins(client, slug, origin, allowed):
    response = fragment(client, slug, Origin=origin)
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)
    assert "Origin" in response.headers["Vary"]


def post_to_page(client, url: str, text: str, **fields):
    """Post as the widget does: JSON from a page of the listed site."""
    token = client.get("/api/v1/threads", query_string={"url": url}).get_json()["form"]
    body = {"thread": {"url": url, "title": "Hello from a static site"}, "comment": text,
            "author": "Ann Reader", "email": "ann@example.org", "url": "",
            "comment_parent": 0, "form_token": token["form_token"], **fields}
    response = client.post("/api/v1/comments", json=body,
                           headers={"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_external_pages_thread_under_any_spelling_of_its_address(client):
    page = f"{ALLOWED}/posts/hello/"
    posted = post_to_page(client, page, "Static sites deserve comments too.")
    post_to_page(client, page, "Seconded.", comment_parent=posted["comment"]["id"])
    for spelling in (page, f"{ALLOWED}/posts/hello/?utm_source=feed#comments",
                     "HTTPS://Static.Example:443/posts/hello/"):
        response = client.get("/embed/thread", query_string={"url": spelling})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, spelling
        assert "2 Responses to &ldquo;Hello from a static site&rdquo;" in html
        assert '<ol class="children">' in html and "Seconded." in html
        assert f'<a href="{page}#comments">Join the discussion</a>' in html


def test_a_page_nobody_commented_on_invites_the_first(client):
    response = client.get("/embed/thread", query_string={"url": f"{ALLOWED}/posts/new/"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "comment-list" not in html
    assert f'<a href="{ALLOWED}/posts/new/#comments">Join the discussion</a>' in html
    page_two = {"url": f"{ALLOWED}/posts/new/", "page": "2"}
    assert client.get("/embed/thread", query_string=page_two).status_code == 404
