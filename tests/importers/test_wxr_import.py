"""`import wordpress`: posts and comments arrive as if written here, with their history."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from blogapp.comments.avatars import avatar_seed
from blogapp.extensions import db
from blogapp.models import Article, Comment, ImportRecord, User
from blogapp.models.base import utcnow
from blogapp.sanitize import render_article, render_comment
from tests.factories import make_article
from tests.importers.files import import_wordpress, wxr, wxr_author, wxr_comment, wxr_item

SECRET = "test-secret-key"


def articles() -> list[Article]:
    return list(db.session.scalars(select(Article).order_by(Article.id)))


def comments() -> list[Comment]:
    return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def by_author(name: str) -> Comment:
    return db.session.scalar(select(Comment).where(Comment.author == name))


def test_a_post_and_its_thread_arrive_with_every_field(app, runner, tmp_path):
    with app.app_context():
        db.session.add(User(email="owner@example.com", display_name="Owner", role="owner",
                            password_hash="x"))
        db.session.commit()
    text = wxr(wxr_item(
        12, title="Night buses &amp; trams", name="night-buses", excerpt="The <b>short</b> one",
        content="First paragraph.\nSame paragraph, new line.\n\nSecond paragraph.",
        date="2019-03-04 10:00:00", date_gmt="2019-03-04 09:00:00", creator="admin",
        comments=[
            wxr_comment(5, author="Ann", email="ann@example.org", url="https://ann.example",
                        ip="203.0.113.9", date_gmt="2019-03-05 09:00:00",
                        content="Nice <b>post</b>\n\nTwo paragraphs."),
            wxr_comment(6, author="Bob", email="", ip="", parent=5, approved="0",
                        date_gmt="2019-03-06 09:00:00", content="A reply"),
            wxr_comment(7, author="Cy", parent=6, date_gmt="2019-03-07 09:00:00",
                        content="A reply to the reply"),
        ]), authors=[wxr_author(1, "admin", "Owner@Example.com")])
    result = import_wordpress(app, runner, tmp_path, text)
    assert "Articles: 1 created" in result.output
    assert "Comments: 3 created (2 approved, 1 pending)" in result.output
    with app.app_context():
        (article,) = articles()
        assert (article.title, article.slug, article.status) == (
            "Night buses & trams", "night-buses", "published")
        assert article.published_at == article.created_at == datetime(2019, 3, 4, 9)
        assert article.author_id == db.session.scalar(select(User.id))
        assert article.excerpt == "The short one"
        assert article.comments_open is True
        assert article.body_html == render_article(article.body_md) == (
            "<p>First paragraph.<br>\nSame paragraph, new line.</p>\n<p>Second paragraph.</p>")
        ann, bob, cy = comments()
        assert (ann.parent_id, ann.depth, bob.parent_id, bob.depth, cy.parent_id, cy.depth) \
            == (None, 1, ann.id, 2, bob.id, 3)
        assert (ann.author, ann.email, ann.url, ann.status) == (
            "Ann", "ann@example.org", "https://ann.example", "approved")
        assert ann.created_at == datetime(2019, 3, 5, 9)
        assert ann.content_html == render_comment(ann.content) == (
            "<p>Nice <b>post</b></p><p>Two paragraphs.</p>")
        assert ann.avatar_seed == avatar_seed(SECRET, "ann@example.org", "Ann")
        assert bob.avatar_seed == avatar_seed(SECRET, "", "Bob")
        assert (bob.email, bob.ip, bob.status) == ("", "", "pending")
        assert ann.spam_check == "disabled" and ann.reasons[0]["code"] == "imported"
        assert article.comment_count == 2


@pytest.mark.parametrize(("wp_status", "status", "has_date", "visible"), [
    ("publish", "published", True, True),
    ("future", "published", True, False),
    ("draft", "draft", False, False),
    ("pending", "draft", False, False),
    ("private", "draft", False, False),
    ("trash", "trash", True, False),
])
def test_post_statuses_map_to_article_states(app, runner, tmp_path, wp_status, status,
                                             has_date, visible):
    future = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    date = f"{future:%Y-%m-%d %H:%M:%S}" if wp_status == "future" else "2019-03-04 09:00:00"
    gmt = "0000-00-00 00:00:00" if wp_status in ("draft", "pending") else date
    import_wordpress(app, runner, tmp_path, wxr(wxr_item(3, status=wp_status, date=date,
                                                         date_gmt=gmt)))
    with app.app_context():
        (article,) = articles()
        assert article.status == status
        assert (article.published_at is not None) is has_date
        assert article.is_visible() is visible
        assert article.created_at == datetime.strptime(date, "%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(("approved", "status"), [
    ("1", "approved"), ("0", "pending"), ("spam", "spam"), ("trash", "trash"),
    ("post-trashed", "trash"),
])
def test_comment_statuses_are_kept(app, runner, tmp_path, approved, status):
    import_wordpress(app, runner, tmp_path, wxr(wxr_item(1, comments=[
        wxr_comment(1, approved=approved)])))
    with app.app_context():
        (comment,) = comments()
        assert comment.status == status
        assert articles()[0].comment_count == (1 if status == "approved" else 0)


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src='//evil.example'></iframe>",
    '<svg onload="alert(1)"><circle/></svg>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "<form action='//evil.example'><input name=q></form>",
    "]]><script>alert(1)</script>",
]
_DANGER = re.compile(r"<script|<iframe|<svg|<form|<input|javascript:|\son\w+=|style=", re.I)


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_markup_in_posts_and_comments_goes_through_the_allow_lists(
        app, runner, tmp_path, payload):
    import_wordpress(app, runner, tmp_path, wxr(wxr_item(
        1, title=f"Title {payload}", content=f"Before {payload} after",
        excerpt=payload, comments=[wxr_comment(1, author=f"Name {payload}", content=payload,
                                               url="javascript:alert(1)")])))
    with app.app_context():
        (article,) = articles()
        (comment,) = comments()
        assert not _DANGER.search(article.body_html), article.body_html
        assert article.body_html == render_article(article.body_md)
        assert not _DANGER.search(comment.content_html), comment.content_html
        assert comment.content_html == render_comment(comment.content)
        assert comment.url == ""  # the form's rule: an http(s) address or nothing
    # titles, names and excerpts are text: the pages escape them
    page = app.test_client().get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "onerror=\"alert" not in page


@pytest.mark.parametrize(("content", "html"), [
    ("One *two* _three_\n\nFour", "<p>One *two* _three_</p>\n<p>Four</p>"),
    ("Line one\nline two", "<p>Line one<br>\nline two</p>"),
    ("    indented is not code\n# nor a heading\n1. nor a list",
     "<p>indented is not code<br>\n# nor a heading<br>\n1. nor a list</p>"),
    ("<h2>Heading</h2>\nText\n\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
     "<h2>Heading</h2>\n<p>Text</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
    ("<blockquote>Quoted\n\nmore</blockquote>",
     "<blockquote><p>Quoted</p>\n<p>more</p></blockquote>"),
    ("<pre>code\n\n  *kept*\n</pre>\nafter", "<pre>code\n\n  *kept*\n</pre>\n<p>after</p>"),
    ("<p>Explicit</p>\n\n<p>paragraphs<br />\nkept</p>",
     "<p>Explicit</p>\n<p>paragraphs<br>\nkept</p>"),
    ("<!-- wp:paragraph -->\n<p>Block *one*</p>\n<!-- /wp:paragraph -->\n\n"
     "<!-- wp:paragraph -->\n<p>Block two</p>\n<!-- /wp:paragraph -->",
     "<p>Block *one*</p>\n<p>Block two</p>"),
    ('[caption id="attachment_5" width="300"]<img src="https://old.example/a.jpg" alt="A"> '
     'The caption[/caption]',
     '<figure><img src="https://old.example/a.jpg" alt="A" loading="lazy">'
     "<figcaption>The caption</figcaption></figure>"),
])
def test_wordpress_paragraphs_render_as_wordpress_showed_them(app, runner, tmp_path, content,
                                                              html):
    import_wordpress(app, runner, tmp_path, wxr(wxr_item(1, content=content)))
    with app.app_context():
        assert articles()[0].body_html.strip() == html


def test_unicode_cdata_and_entities_survive(app, runner, tmp_path):
    import_wordpress(app, runner, tmp_path, wxr(wxr_item(
        1, title="Über Straße — 東京 &amp; ]]> done", name="%c3%bcber-stra%c3%9fe",
        content="Emoji 👩‍👩‍👧 and ]]> inside CDATA, עברית", comments=[
            wxr_comment(1, author="Zoë «Ω»", content="日本語のコメント ]]> ok 👍")])))
    with app.app_context():
        (article,) = articles()
        assert article.title == "Über Straße — 東京 & ]]> done"
        assert article.slug == "über-straße"
        assert "Emoji 👩‍👩‍👧 and ]]&gt; inside CDATA, עברית" in article.body_html
        (comment,) = comments()
        assert (comment.author, comment.content) == ("Zoë «Ω»", "日本語のコメント ]]> ok 👍")
    assert app.test_client().get("/2019/03/04/über-straße/").status_code == 301


def test_missing_emails_and_empty_ids_are_imported_once(app, runner, tmp_path):
    text = wxr(wxr_item("", title="No id", name="no-id", comments=[
        wxr_comment("", author="Anon", email="", content="no id, no email"),
        wxr_comment("", author="Anon", email="", content="another one"),
        wxr_comment(0, author="Zero", email="not an email", content="id zero")]))
    first = import_wordpress(app, runner, tmp_path, text)
    assert "Comments: 3 created" in first.output
    assert "email left out: not a valid address" in first.output
    second = import_wordpress(app, runner, tmp_path, text)
    assert "Comments: 0 created, 3 already imported" in second.output
    with app.app_context():
        assert len(articles()) == 1
        assert sorted(c.email for c in comments()) == ["", "", ""]


def test_pingbacks_trackbacks_and_other_types_are_skipped_with_the_reason(app, runner,
                                                                          tmp_path):
    result = import_wordpress(app, runner, tmp_path, wxr(wxr_item(1, comments=[
        wxr_comment(1, kind="pingback", author="Other blog", content="[...] linked [...]"),
        wxr_comment(2, kind="trackback"),
        wxr_comment(3, kind="note"),
        wxr_comment(4, parent=1, author="Replier", content="replies to the pingback"),
    ])))
    assert "pingbacks are not imported" in result.output
    assert "trackbacks are not imported" in result.output
    assert "comments of type 'note' are not imported" in result.output
    assert 'post 1 ("A post"), comment 1' in result.output
    assert "replies to a pingback or trackback" in result.output
    with app.app_context():
        (reply,) = comments()
        assert (reply.author, reply.parent_id, reply.depth) == ("Replier", None, 1)


@pytest.mark.parametrize(("post_type", "reason"), [
    ("page", "pages are not imported"),
    ("attachment", "media files are not imported"),
    ("nav_menu_item", "menus are not imported"),
    ("product", "post type 'product' is not an article"),
])
def test_other_post_types_are_skipped_with_the_reason(app, runner, tmp_path, post_type,
                                                      reason):
    result = import_wordpress(app, runner, tmp_path, wxr(
        wxr_item(1, post_type=post_type, title="Not a post", comments=[wxr_comment(1)]),
        wxr_item(2, title="A post")))
    assert reason in result.output and 'post 1 ("Not a post")' in result.output
    with app.app_context():
        assert [a.title for a in articles()] == ["A post"]
        assert comments() == []


def test_slugs_stay_unique_against_existing_articles(app, runner, tmp_path):
    with app.app_context():
        make_article("Mine", slug="hello")
    import_wordpress(app, runner, tmp_path, wxr(wxr_item(1, name="hello"),
                                                wxr_item(2, name="hello")))
    with app.app_context():
        assert [a.slug for a in articles()] == ["hello", "hello-2", "hello-3"]


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize(("app_config", "old", "recent"), [
    ({}, "203.0.113.0", "203.0.113.9"),
    ({"DISCUSSION_ANONYMIZE_IP_DAYS": 0}, "203.0.113.9", "203.0.113.9"),
    ({"DISCUSSION_ANONYMIZE_IP_DAYS": 10_000}, "203.0.113.9", "203.0.113.9"),
], indirect=["app_config"])
def test_ips_are_anonymized_by_the_comments_age_as_the_settings_say(app, runner, tmp_path,
                                                                    old, recent):
    yesterday = f"{utcnow() - timedelta(days=1):%Y-%m-%d %H:%M:%S}"
    import_wordpress(app, runner, tmp_path, wxr(wxr_item(1, comments=[
        wxr_comment(1, author="Old", ip="203.0.113.9", date_gmt="2019-03-05 09:00:00"),
        wxr_comment(2, author="New", ip="203.0.113.9", date_gmt=yesterday),
        wxr_comment(3, author="Six", ip="2001:db8:1234:5678::1", date_gmt="2019-03-05 09:00:00"),
        wxr_comment(4, author="Junk", ip="not an ip"),
    ])))
    with app.app_context():
        assert by_author("Old").ip == old
        assert by_author("New").ip == recent
        assert by_author("Six").ip in ("2001:db8:1234::", "2001:db8:1234:5678::1")
        assert by_author("Junk").ip == ""


def test_authors_map_to_staff_by_email_or_keep_their_name(app, runner, tmp_path):
    with app.app_context():
        db.session.add(User(email="editor@example.com", display_name="Ed", role="moderator",
                            password_hash="x"))
        db.session.commit()
    result = import_wordpress(app, runner, tmp_path, wxr(
        wxr_item(1, creator="ed", comments=[wxr_comment(1, user_id=7, author="Ed")]),
        wxr_item(2, creator="guest"),
        authors=[wxr_author(7, "ed", "editor@example.com", "Ed"),
                 wxr_author(8, "guest", "guest@example.com", "Guest Writer")]))
    assert "no staff account has the email of author 'Guest Writer'" in result.output
    with app.app_context():
        staff = db.session.scalar(select(User.id))
        first, second = articles()
        assert (first.author_id, second.author_id) == (staff, None)
        assert comments()[0].user_id == staff
        kept = db.session.scalar(select(ImportRecord.source_author)
                                 .where(ImportRecord.article_id == second.id))
        assert kept == "Guest Writer"


def test_wxr_1_1_and_1_0_files_are_read(app, runner, tmp_path):
    for version, post in (("1.1", 1), ("1.0", 2)):
        import_wordpress(app, runner, tmp_path, wxr(wxr_item(post, title=f"WXR {version}"),
                                                    version=version))
    with app.app_context():
        assert [a.title for a in articles()] == ["WXR 1.1", "WXR 1.0"]
