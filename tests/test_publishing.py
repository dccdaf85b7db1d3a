"""Owners write articles in a web form: preview, draft, publish, schedule, trash."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.models import Article
from blogapp.models.base import utcnow
from blogapp.services.articles import slugify
from tests.conftest import post_form

EDITOR = "/admin/articles/new"


@pytest.fixture
def owner(staff):
    return staff.login_as("owner")


def article_by_title(app, title):
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.title == title))
        db.session.expunge_all()
        return article


def write(client, action="publish", **fields):
    data = {"title": "Night buses", "body": "Some *text*.", "excerpt": "", "slug": "",
            "comments_open": "y", "action": action, **fields}
    return post_form(client, EDITOR, data)


def test_publish_through_the_form_and_read_it(app, client, owner):
    response = write(client, title="Hello readers", body="## Sub\n\n> quoted\n\nText.")
    assert response.status_code == 302
    page = client.get("/articles/hello-readers")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Hello readers</h1>" in html
    assert "<h2>Sub</h2>" in html and "<blockquote>" in html
    assert "Leave a Reply" in html
    assert "Your email address will not be published." in html


def test_draft_is_invisible_until_published(app, client, owner):
    write(client, action="draft", title="Secret plan")
    assert client.get("/articles/secret-plan").status_code == 404
    assert "Secret plan" not in client.get("/").get_data(as_text=True)
    article = article_by_title(app, "Secret plan")
    post_form(client, "/admin/articles", {}, action=f"/admin/articles/{article.id}/publish")
    assert client.get("/articles/secret-plan").status_code == 200


def test_scheduled_article_appears_at_its_time(app, client, owner):
    when = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = write(client, action="schedule", title="Tomorrow", publish_at=when)
    assert response.status_code == 302
    anonymous = app.test_client()
    assert anonymous.get("/articles/tomorrow").status_code == 404
    assert "Tomorrow" not in anonymous.get("/feed.atom").get_data(as_text=True)
    assert "scheduled" in client.get("/admin/articles").get_data(as_text=True)
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "tomorrow"))
        assert not article.is_visible()
        assert article.is_visible(now=utcnow() + timedelta(hours=3))
        article.published_at = utcnow() - timedelta(seconds=1)  # time passes
        db.session.commit()
    assert anonymous.get("/articles/tomorrow").status_code == 200


def test_schedule_in_the_past_is_refused_with_the_text_kept(client, owner):
    response = write(client, action="schedule", title="Keep me", body="My long draft",
                     publish_at="2001-01-01T10:00")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A scheduled time must be in the future." in html
    assert 'value="Keep me"' in html and "My long draft" in html


def test_missing_title_re_renders_with_everything_typed(client, owner):
    response = write(client, title="", body="Paragraph I typed", excerpt="My excerpt")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Paragraph I typed" in html and "My excerpt" in html
    assert "This field is required." in html and "error-summary" in html


def test_preview_renders_without_saving(app, client, owner):
    response = write(client, action="preview", title="Preview me", body="**bold**")
    assert response.status_code == 200
    assert "<strong>bold</strong>" in response.get_data(as_text=True)
    assert article_by_title(app, "Preview me") is None


def test_edit_keeps_slug_and_updates_body(app, client, owner):
    write(client, title="Editable")
    article = article_by_title(app, "Editable")
    post_form(client, f"/admin/articles/{article.id}/edit",
              {"title": "Editable", "slug": "editable", "body": "New body", "action": "publish",
               "comments_open": "y"})
    assert "New body" in client.get("/articles/editable").get_data(as_text=True)


def test_unpublish_trash_restore_delete(app, client, owner):
    write(client, title="Lifecycle")
    aid = article_by_title(app, "Lifecycle").id
    act = lambda action: post_form(client, "/logout", {},  # noqa: E731
                                   action=f"/admin/articles/{aid}/{action}")
    act("unpublish")
    assert client.get("/articles/lifecycle").status_code == 404
    assert act("delete").status_code == 409  # only from the trash
    act("trash")
    assert "Lifecycle" in client.get("/admin/articles?status=trash").get_data(as_text=True)
    act("restore")
    assert article_by_title(app, "Lifecycle").status == "draft"
    act("trash")
    assert act("delete").status_code == 302
    assert article_by_title(app, "Lifecycle") is None


def test_slugs_are_unique(app, client, owner):
    for _ in range(3):
        write(client, title="Same title")
    with app.app_context():
        slugs = db.session.scalars(select(Article.slug).order_by(Article.id)).all()
    assert slugs == ["same-title", "same-title-2", "same-title-3"]


def test_an_edited_slug_is_kept_unique(app, client, owner):
    write(client, title="First")
    write(client, title="Second", slug="first")
    assert article_by_title(app, "Second").slug == "first-2"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("Über Straße 2026", "über-straße-2026"),
        ("Ким Чен Ын", "ким-чен-ын"),
        ("東京の夜", "東京の夜"),
        ("  --  ", "article"),
        ("a" * 200, "a" * 80),
        ("ﬁve ＦＵＬＬ", "five-full"),
    ],
)
def test_slugify_is_unicode_aware(title, slug):
    assert slugify(title) == slug


HOSTILE_MARKDOWN = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<div onmouseover="alert(1)">hover</div>',
    "![x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
]


@pytest.mark.parametrize("body", HOSTILE_MARKDOWN)
def test_hostile_markdown_is_rendered_safe(client, owner, body):
    write(client, title="Hostile", body=f"Intro\n\n{body}\n\nOutro")
    html = client.get("/articles/hostile").get_data(as_text=True)
    post = html[html.index('class="post-body"'):html.index('id="comments"')]
    tags = parse_tags(post)
    assert not {name for name, _ in tags} & {"script", "iframe", "svg", "div", "object"}
    for _name, attrs in tags:
        for attr, value in attrs:
            assert not attr.startswith("on")
            assert not (value or "").replace(" ", "").lower().startswith("javascript:")
    assert "Intro" in post and "Outro" in post


def parse_tags(html):
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_an_article_may_open_with_an_indented_code_block(app, client, owner):
    write(client, title="Code first", body="    print('hello')\n\nThen words.")
    html = client.get("/articles/code-first").get_data(as_text=True)
    assert "<pre><code>print(&#39;hello&#39;)" in html or "<pre><code>print('hello')" in html
