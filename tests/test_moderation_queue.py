"""The queue: tabs with counts, rows with everything a moderator needs, search, filters,
and keyset pages that stay right at their boundaries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from blogapp.comments.queue import Cursor
from blogapp.models.base import utcnow
from tests.moderation_helpers import QUIET, add_comment, bulk_comments, new_article

PER_PAGE = 3
ROW_RE = re.compile(r'<tr class="comment-row" id="comment-(\d+)"')
OLDER_RE = re.compile(r'href="([^"]*before=[^"]*)" rel="next"')
NEWER_RE = re.compile(r'href="([^"]*after=[^"]*)" rel="prev"')


@pytest.fixture
def app_config():
    return {**QUIET, "MODERATION_PER_PAGE": PER_PAGE}


@pytest.fixture
def article_id(app):
    return new_article(app)


@pytest.fixture
def mod(staff):
    return staff.login_as("moderator")


def rows(html: str) -> list[int]:
    return [int(i) for i in ROW_RE.findall(html)]


def link(pattern: re.Pattern, html: str) -> str | None:
    match = pattern.search(html)
    return match.group(1).replace("&amp;", "&") if match else None


def walk(client, url: str) -> list[list[int]]:
    """Follow "Older comments" from *url* to the end; return each page's row ids."""
    pages = []
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(rows(html))
        url = link(OLDER_RE, html)
        assert len(pages) < 50
    return pages


def test_tabs_show_live_counts(app, client, mod, article_id):
    for status, n in (("pending", 3), ("approved", 2), ("spam", 4), ("trash", 1)):
        for i in range(n):
            add_comment(app, article_id, status, content=f"{status} {i}")
    html = client.get("/admin/comments").text
    for label, n in (("Pending", 3), ("Approved", 2), ("Spam", 4), ("Trash", 1)):
        assert f"{label} <span class=\"count\">({n})</span>" in html


def test_row_shows_author_contact_article_text_reasons_and_akismet(app, client, mod,
                                                                   article_id):
    add_comment(app, article_id, author="Ann Reader", email="ann@example.org",
                url="https://ann.example", ip="203.0.113.7",
                content="Visit https://a.example and https://b.example now", spam_check="owed")
    html = client.get("/admin/comments?status=pending").text
    for text in ("Ann Reader", "ann@example.org", "https://ann.example", "203.0.113.7",
                 "Night buses", "Author has no previously approved comment",
                 "Contains 2 links (hold at 2 or more)", "Akismet: not checked yet",
                 '<a href="https://a.example" rel="nofollow ugc noopener">',
                 "<time datetime="):
        assert text in html, text
    assert 'src="/static/moderation.js"' in html and "nonce=" in html
    assert "style=" not in html


@pytest.mark.parametrize(("count", "page_sizes"), [
    (0, [[]]),
    (PER_PAGE - 1, [PER_PAGE - 1]),
    (PER_PAGE, [PER_PAGE]),  # exactly a page: no "Older" link to an empty page
    (PER_PAGE + 1, [PER_PAGE, 1]),
    (2 * PER_PAGE, [PER_PAGE, PER_PAGE]),
    (2 * PER_PAGE + 1, [PER_PAGE, PER_PAGE, 1]),
])
def test_keyset_pages_at_the_boundaries(app, client, mod, article_id, count, page_sizes):
    bulk_comments(app, article_id, count)
    pages = walk(client, "/admin/comments")
    assert [len(p) if p else p for p in pages] == page_sizes
    flat = [i for page in pages for i in page]
    assert len(flat) == len(set(flat)) == count


@pytest.mark.parametrize("count", [PER_PAGE, PER_PAGE + 1, 2 * PER_PAGE + 2])
def test_identical_timestamps_are_ordered_by_id(app, client, mod, article_id, count):
    bulk_comments(app, article_id, count, step=timedelta(0))  # all at the same instant
    pages = walk(client, "/admin/comments")
    flat = [i for page in pages for i in page]
    assert flat == sorted(flat, reverse=True) and len(flat) == count


def test_newest_first_and_newer_link_goes_back(app, client, mod, article_id):
    bulk_comments(app, article_id, 2 * PER_PAGE + 1)
    first = client.get("/admin/comments").text
    assert link(NEWER_RE, first) is None
    second = client.get(link(OLDER_RE, first)).text
    back = client.get(link(NEWER_RE, second)).text
    assert rows(back) == rows(first)
    assert link(NEWER_RE, back) is None
    assert min(rows(first)) > max(rows(second))


def test_new_comments_do_not_shift_later_pages(app, client, mod, article_id):
    bulk_comments(app, article_id, 2 * PER_PAGE, created_at=utcnow() - timedelta(hours=1))
    first = client.get("/admin/comments").text
    older = link(OLDER_RE, first)
    second = rows(client.get(older).text)
    bulk_comments(app, article_id, 2)  # arrive while the moderator reads page 1
    assert rows(client.get(older).text) == second
    assert len(second) == PER_PAGE and min(rows(first)) > max(second)


@pytest.mark.parametrize("cursor", ["garbage", "2024-13-01T00:00:00_1", "_", "2024-01-01_x"])
def test_a_malformed_cursor_shows_the_first_page(app, client, mod, article_id, cursor):
    bulk_comments(app, article_id, 2)
    assert len(rows(client.get(f"/admin/comments?before={cursor}").text)) == 2


def test_cursor_round_trips():
    moment = utcnow()
    assert Cursor.parse(str(Cursor(moment, 42))) == Cursor(moment, 42)
    assert Cursor.parse(str(Cursor(moment.replace(microsecond=0), 7))).id == 7


@pytest.mark.parametrize(("q", "expected"), [
    ("ann reader", {"ann"}),  # author, any case
    ("BOB@EXAMPLE", {"bob"}),  # email
    ("198.51.100", {"carl"}),  # IP
    ("carl.example", {"carl"}),  # website
    ("night bus", {"ann", "bob"}),  # text
    ("100%", set()),  # LIKE wildcards are matched literally
    ("nobody", set()),
])
def test_search(app, client, mod, article_id, q, expected):
    ids = {
        "ann": add_comment(app, article_id, author="Ann Reader", email="ann@example.org",
                           content="The night bus is late"),
        "bob": add_comment(app, article_id, author="Bob", email="bob@example.com",
                           content="Night buses are great"),
        "carl": add_comment(app, article_id, author="Carl", email="c@example.net",
                            ip="198.51.100.20", url="https://carl.example", content="Hi"),
    }
    found = set(rows(client.get("/admin/comments", query_string={"q": q}).text))
    assert found == {ids[name] for name in expected}


def test_search_and_article_filter_survive_paging(app, client, mod, article_id):
    other = new_article(app, "Trams")
    bulk_comments(app, article_id, PER_PAGE + 2)
    bulk_comments(app, other, 2)
    pages = walk(client, f"/admin/comments?article={article_id}&q=pills")
    assert [len(p) for p in pages] == [PER_PAGE, 2]
    html = client.get(f"/admin/comments?article={other}").text
    assert "Comments on “Trams”" in html and len(rows(html)) == 2
    assert "Pending <span class=\"count\">(2)</span>" in html  # counts follow the filter


@pytest.mark.parametrize("status", ["approved", "spam", "trash"])
def test_each_tab_lists_its_status_only(app, client, mod, article_id, status):
    wanted = add_comment(app, article_id, status, content="in the tab")
    add_comment(app, article_id, "pending", content="elsewhere")
    assert rows(client.get(f"/admin/comments?status={status}").text) == [wanted]


def test_unknown_status_shows_pending(app, client, mod, article_id):
    pending = add_comment(app, article_id)
    assert rows(client.get("/admin/comments?status=bogus").text) == [pending]
