"""`export wordpress`: a WXR 1.2 that WordPress's importer reads, and that imports back into
an empty blogapp as the same articles and comments."""

from __future__ import annotations

import re
import stat
from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import delete, select

from blogapp.comments.services import bump_article
from blogapp.extensions import db
from blogapp.importers.wp_html import wordpress_content
from blogapp.importers.wxr_export import cdata
from blogapp.models import Article, Comment, ImportRecord, User
from blogapp.models.base import utcnow
from blogapp.services.articles import ArticleDraft, save_article, set_state
from tests.importers.files import run
from tests.moderation_helpers import QUIET, add_comment

WP = "http://wordpress.org/export/1.2/"
NAMESPACES = {"wp": WP, "content": "http://purl.org/rss/1.0/modules/content/",
              "excerpt": "http://wordpress.org/export/1.2/excerpt/",
              "dc": "http://purl.org/dc/elements/1.1/"}
# What WordPress's importer (WXR_Parser_SimpleXML / _XML / _Regex) reads from each item.
POST_FIELDS = ["title", "link", "guid", "dc:creator", "content:encoded", "excerpt:encoded",
               "wp:post_id", "wp:post_date", "wp:post_date_gmt", "wp:comment_status",
               "wp:ping_status", "wp:post_name", "wp:status", "wp:post_parent",
               "wp:menu_order", "wp:post_type", "wp:post_password", "wp:is_sticky"]
COMMENT_FIELDS = ["wp:comment_id", "wp:comment_author", "wp:comment_author_email",
                  "wp:comment_author_url", "wp:comment_author_IP", "wp:comment_date",
                  "wp:comment_date_gmt", "wp:comment_content", "wp:comment_approved",
                  "wp:comment_type", "wp:comment_parent", "wp:comment_user_id"]
AUTHOR_FIELDS = ["wp:author_id", "wp:author_login", "wp:author_email",
                 "wp:author_display_name", "wp:author_first_name", "wp:author_last_name"]

BODY = """Night buses run *every* twenty minutes.
A second line of the same paragraph.

## What changes

- twelve routes
- four tram lines

```
code with a blank line

inside
```

> "A quote" — Dr. Olsen

| route | every |
|---|---|
| N1 | 20 min |

<img src="https://example.org/bus.jpg" alt="A bus"> and a [link](https://example.org/).
"""


@pytest.fixture
def app_config():
    return dict(QUIET)


def article(title: str, body: str = BODY, *, action: str = "publish", excerpt: str = "",
            comments_open: bool = True, **fields) -> int:
    made = save_article(ArticleDraft(title=title, slug="", body_md=body, excerpt=excerpt,
                                     comments_open=comments_open, action=action,
                                     publish_at=fields.get("publish_at")), author_id=None)
    return made.id


def build_blog(app) -> None:
    """Articles in every state, comments in every status, threads, staff replies."""
    with app.app_context():
        owner = User(email="owner@example.com", display_name="Owner", role="owner",
                     password_hash="x")
        db.session.add(owner)
        db.session.commit()
        owner_id = owner.id
        first = article("Night buses & trams: a < b", excerpt="Short\nexcerpt & more")
        db.session.get(Article, first).author_id = owner_id
        db.session.get(Article, first).published_at = utcnow() - timedelta(days=90)
        db.session.commit()
        second = article("Über Straße — 東京", "Ünïcödé body 👩‍👩‍👧\n\n    indented code\n")
        db.session.get(Article, second).published_at = utcnow() - timedelta(days=30)
        db.session.commit()
        article("A draft", "Draft *body*", action="draft")
        article("Scheduled", action="schedule", publish_at=utcnow() + timedelta(days=5))
        trashed = article("Trashed", "Gone.")
        set_state(db.session.get(Article, trashed), "trash")
    root = add_comment(app, first, "approved", author="Ann", email="ann@example.org",
                       url="https://ann.example", content="First!\n\nTwo <b>paragraphs</b>.")
    reply = add_comment(app, first, "approved", author="Bob", email="", parent_id=root,
                        content="A reply with a link https://example.org/x")
    add_comment(app, first, "approved", author="Cy", email="cy@example.org", parent_id=reply,
                content="Deeper <script>alert(1)</script> ]]> end")
    add_comment(app, first, "pending", author="Dee", email="dee@example.org",
                content="Held")
    add_comment(app, first, "spam", author="Spam Bot", email="bot@spam.example",
                content="cheap pills")
    add_comment(app, first, "trash", author="Trash", email="t@example.org", content="bin")
    add_comment(app, second, "approved", author="Zoë «Ω»", email="zoe@example.org",
                content="日本語 👍")
    with app.app_context():
        db.session.get(Article, second).comments_open = False
        staff = Comment(article_id=first, parent_id=root, depth=2, author="Owner",
                        email="owner@example.com", content="Staff reply",
                        content_html="<p>Staff reply</p>", status="approved",
                        user_id=owner_id, created_at=utcnow(), updated_at=utcnow())
        db.session.add(staff)
        bump_article(first, +1)
        db.session.commit()


_SPACE_RE = re.compile(r"\s+")
_PRE_RE = re.compile(r"(<pre\b.*?</pre>)", re.S)


def canonical(html: str) -> str:
    """The HTML as a browser lays it out: whitespace outside <pre> is one space or none."""
    parts = _PRE_RE.split(html)
    out = []
    for n, part in enumerate(parts):
        if n % 2:
            out.append(part)
        else:
            out.append(re.sub(r">\s+<", "><", _SPACE_RE.sub(" ", part)).strip())
    return "".join(out)


def snapshot(app) -> dict:
    def seconds(moment):
        return moment.replace(microsecond=0) if moment else None

    with app.app_context():
        rows = db.session.scalars(select(Article).order_by(Article.slug)).all()
        articles = {
            a.slug: (a.title, a.status, seconds(a.published_at) if a.status != "draft" else None,
                     seconds(a.updated_at), a.comments_open, a.excerpt, canonical(a.body_html),
                     a.comment_count, a.author.email if a.author else None)
            for a in rows}
        slugs = {a.id: a.slug for a in rows}
        comments = db.session.scalars(select(Comment).order_by(Comment.created_at,
                                                               Comment.id)).all()
        by_id = {c.id: c for c in comments}

        def key(c: Comment) -> tuple:
            return (slugs[c.article_id], c.author, c.content)

        listed = sorted(
            (key(c), key(by_id[c.parent_id]) if c.parent_id else None, c.depth, c.email,
             c.url, c.status, seconds(c.created_at), c.content_html, c.ip,
             db.session.get(User, c.user_id).email if c.user_id else None)
            for c in comments)
        return {"articles": articles, "comments": listed}


def wipe(app) -> None:
    with app.app_context():
        db.session.execute(delete(ImportRecord))
        db.session.execute(delete(Comment))
        db.session.execute(delete(Article))
        db.session.commit()


def test_export_then_import_into_an_empty_blog_gives_the_same_blog(app, runner, tmp_path):
    build_blog(app)
    before = snapshot(app)
    exported = tmp_path / "blog.xml"
    result = run(runner, "export", "wordpress", exported)
    assert result.exit_code == 0, result.output
    assert "Wrote 5 articles and 8 comments" in result.output
    wipe(app)
    back = run(runner, "import", "wordpress", exported)
    assert back.exit_code == 0, back.output
    assert "Articles: 5 created" in back.output
    assert "Comments: 8 created (5 approved, 1 pending, 1 spam, 1 trash)" in back.output
    after = snapshot(app)
    assert after["articles"] == before["articles"]
    assert after["comments"] == before["comments"]
    # A second round trip writes the same content byte for byte (a fixed point).
    again = tmp_path / "again.xml"
    assert run(runner, "export", "wordpress", again).exit_code == 0
    assert contents(exported) == contents(again)


def contents(path) -> dict[str, tuple[str, str]]:
    tree = etree.parse(str(path))
    return {item.findtext("wp:post_name", namespaces=NAMESPACES):
            (item.findtext("content:encoded", namespaces=NAMESPACES),
             item.findtext("title"))
            for item in tree.iter("item")}


def test_the_export_has_every_field_wordpress_reads_laid_out_for_its_parsers(app, runner,
                                                                             tmp_path):
    build_blog(app)
    path = tmp_path / "blog.xml"
    assert run(runner, "export", "wordpress", path).exit_code == 0
    raw = path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds readers' emails and IPs
    tree = etree.parse(str(path))  # well-formed XML, and no DOCTYPE
    assert tree.docinfo.doctype == ""
    root = tree.getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.nsmap == {**NAMESPACES, "wfw": "http://wellformedweb.org/CommentAPI/"}
    channel = root.find("channel")
    for field in ("title", "link", "description", "pubDate", "wp:wxr_version",
                  "wp:base_site_url", "wp:base_blog_url"):
        assert channel.find(field, NAMESPACES) is not None, field
    assert channel.findtext("wp:wxr_version", namespaces=NAMESPACES) == "1.2"
    assert channel.findtext("wp:base_blog_url", namespaces=NAMESPACES) == "http://blog.test"
    authors = channel.findall("wp:author", NAMESPACES)
    assert [a.findtext("wp:author_email", namespaces=NAMESPACES) for a in authors] == [
        "owner@example.com"]
    for author in authors:
        assert all(author.find(f, NAMESPACES) is not None for f in AUTHOR_FIELDS)
    items = channel.findall("item")
    assert len(items) == 5
    for item in items:
        missing = [f for f in POST_FIELDS if item.find(f, NAMESPACES) is None]
        assert missing == [], missing
        for comment in item.findall("wp:comment", NAMESPACES):
            missing = [f for f in COMMENT_FIELDS if comment.find(f, NAMESPACES) is None]
            assert missing == [], missing
    statuses = sorted(i.findtext("wp:status", namespaces=NAMESPACES) for i in items)
    assert statuses == ["draft", "future", "publish", "publish", "trash"]
    approved = sorted(c.findtext("wp:comment_approved", namespaces=NAMESPACES)
                      for c in root.iter(f"{{{WP}}}comment"))
    assert approved == ["0", "1", "1", "1", "1", "1", "spam", "trash"]
    # The regex parser reads line by line: these open and close on lines of their own,
    # and each author and version on one line.
    lines = raw.splitlines()
    assert lines.count("\t<item>") == lines.count("\t</item>") == 5
    assert sum(line.startswith("\t<wp:author>") and line.endswith("</wp:author>")
               for line in lines) == len(authors)
    assert "\t<wp:wxr_version>1.2</wp:wxr_version>" in lines
    assert "<wp:base_site_url>http://blog.test</wp:base_site_url>" in raw


def test_the_staff_reply_keeps_its_author_and_the_draft_its_state(app, runner, tmp_path):
    build_blog(app)
    path = tmp_path / "blog.xml"
    run(runner, "export", "wordpress", path)
    tree = etree.parse(str(path))
    owner_id = tree.findtext(".//wp:author/wp:author_id", namespaces=NAMESPACES)
    staff = [c for c in tree.iter(f"{{{WP}}}comment")
             if c.findtext("wp:comment_content", namespaces=NAMESPACES) == "Staff reply"]
    assert staff[0].findtext("wp:comment_user_id", namespaces=NAMESPACES) == owner_id
    draft = [i for i in tree.iter("item") if i.findtext("title") == "A draft"][0]
    assert draft.findtext("wp:post_date_gmt", namespaces=NAMESPACES) == "0000-00-00 00:00:00"


@pytest.mark.parametrize(("value", "written"), [
    ("plain", "<![CDATA[plain]]>"),
    ("a ]]> b", "<![CDATA[a ]]]]><![CDATA[> b]]>"),
    ("bell \x07 and \ufffe gone", "<![CDATA[bell  and  gone]]>"),
])
def test_cdata_splits_its_terminator_and_drops_what_xml_cannot_carry(value, written):
    assert cdata(value) == written
    assert etree.fromstring(f"<x>{written}</x>".encode()).text == value.replace(
        "\x07", "").replace("\ufffe", "")


@pytest.mark.parametrize(("html", "exported"), [
    ("<p>one\ntwo</p>\n<p>three</p>\n", "<p>one two</p>\n<p>three</p>"),
    ("<p>a<br>\nb</p>", "<p>a<br> b</p>"),
    ("<pre><code>x\n\ny\n</code></pre>", "<pre><code>x\n\ny\n</code></pre>"),
    ("<p><em>a</em>\n<strong>b</strong></p>", "<p><em>a</em> <strong>b</strong></p>"),
])
def test_exported_bodies_leave_wordpress_autop_nothing_to_add(html, exported):
    assert wordpress_content(html) == exported
    assert "\n\n" not in _PRE_RE.sub("", exported)
