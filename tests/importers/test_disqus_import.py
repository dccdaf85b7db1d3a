"""`import disqus`: each thread's posts join the article its URL names, or are reported."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from blogapp.extensions import db
from blogapp.importers.disqus import message_text
from blogapp.models import Article, Comment
from blogapp.sanitize import render_comment
from tests.factories import make_article
from tests.importers.files import (
    disqus,
    disqus_post,
    disqus_thread,
    import_wordpress,
    run,
    write,
    wxr,
    wxr_item,
)


def import_disqus(runner, tmp_path, *parts: str, options: tuple[str, ...] = ()):
    result = run(runner, "import", "disqus", write(tmp_path, disqus(*parts), "disqus.xml"),
                 *options)
    assert result.exit_code == 0, result.output
    return result


def comments_of(article_id: int) -> list[Comment]:
    return list(db.session.scalars(select(Comment).where(Comment.article_id == article_id)
                                   .order_by(Comment.id)))


@pytest.fixture
def article_id(app) -> int:
    with app.app_context():
        return make_article("Night buses", slug="night-buses").id


def test_posts_join_the_article_their_thread_names_with_threading_and_statuses(
        app, runner, tmp_path, article_id):
    result = import_disqus(
        runner, tmp_path, disqus_thread(1, "https://blog.test/articles/night-buses"),
        disqus_post(10, 1, message="<p>First paragraph</p><p>Second <b>one</b><br>line</p>",
                    name="Dee", email="dee@example.org", ip="198.51.100.4"),
        disqus_post(11, 1, parent=10, name="", username="ghost", email=""),
        disqus_post(12, 1, parent=11, spam="true", name="Spammer"),
        disqus_post(13, 1, deleted="true", name="Gone"),
        disqus_post(14, 1, deleted="true", spam="true", name="Both"),
        disqus_post(None, 1, name="No id", created="2019-03-09T10:30:00+02:00"))
    assert "Comments: 6 created (3 approved, 2 spam, 1 trash)" in result.output
    with app.app_context():
        named = {c.author: c for c in comments_of(article_id)}
        dee, ghost, spammer = named["Dee"], named["ghost"], named["Spammer"]
        gone, both, no_id = named["Gone"], named["Both"], named["No id"]
        assert dee.content == "First paragraph\n\nSecond <b>one</b>\nline"
        assert dee.content_html == render_comment(dee.content) == (
            "<p>First paragraph</p><p>Second <b>one</b><br>line</p>")
        assert (dee.author, dee.email, dee.ip, dee.created_at) == (
            "Dee", "dee@example.org", "198.51.100.0", datetime(2019, 3, 7, 9))
        assert (ghost.author, ghost.parent_id, ghost.depth) == ("ghost", dee.id, 2)
        assert (spammer.parent_id, spammer.depth, spammer.status) == (ghost.id, 3, "spam")
        assert (gone.status, both.status) == ("trash", "spam")
        assert no_id.created_at == datetime(2019, 3, 9, 8, 30)
        assert db.session.get(Article, article_id).comment_count == 3
    again = import_disqus(runner, tmp_path,
                          disqus_thread(1, "https://blog.test/articles/night-buses"),
                          disqus_post(None, 1, name="No id",
                                      created="2019-03-09T10:30:00+02:00"))
    assert "Comments: 0 created, 1 already imported" in again.output


def test_threads_find_articles_by_every_address_they_had(app, runner, tmp_path):
    import_wordpress(app, runner, tmp_path, wxr(
        wxr_item(21, name="by-permalink", link="http://old.example/by-permalink/"),
        wxr_item(22, name="by-date", date="2018-01-02 10:00:00"),
        wxr_item(23, name="by-query"), wxr_item(24, name="by-identifier"),
        wxr_item(25, name="mapped")))
    result = import_disqus(
        runner, tmp_path,
        disqus_thread(1, "http://OLD.example/by-permalink"),
        disqus_thread(2, "https://www.elsewhere.example/2018/01/02/by-date/"),
        disqus_thread(3, "http://old.example/?p=23"),
        disqus_thread(4, "http://gone.example/x", identifier="24 http://old.example/?p=24"),
        disqus_thread(5, "http://moved.example/blog/articles/mapped"),
        disqus_thread(6, "http://nowhere.example/page"),
        disqus_thread(7, ""),
        *[disqus_post(100 + n, n, name=f"Thread {n}") for n in range(1, 8)],
        options=("--map", "http://moved.example/blog/=http://blog.test/"))
    with app.app_context():
        found = {author: slug for author, slug in db.session.execute(
            select(Comment.author, Article.slug).join(Article, Article.id == Comment.article_id))}
    assert found == {"Thread 1": "by-permalink", "Thread 2": "by-date", "Thread 3": "by-query",
                     "Thread 4": "by-identifier", "Thread 5": "mapped"}
    assert "no article here has the address http://nowhere.example/page" in result.output
    assert "thread 6 (http://nowhere.example/page)" in result.output
    assert "the thread has no link" in result.output
    assert "Comments left out: 2" in result.output


def test_an_unmatched_thread_with_maps_says_no_map_matched(app, runner, tmp_path, article_id):
    result = import_disqus(runner, tmp_path, disqus_thread(1, "http://x.example/y"),
                           disqus_post(1, 1), options=("--map", "http://a.example/=/"))
    assert "no article here has the address http://x.example/y (no --map matched)" \
        in result.output


def test_posts_of_a_thread_missing_from_the_file_are_reported(app, runner, tmp_path,
                                                              article_id):
    result = import_disqus(runner, tmp_path, disqus_post(1, 99), disqus_post(2, 99))
    assert "2 posts of thread 99" in result.output
    assert "their thread is not in the file" in result.output


def test_a_reply_to_a_missing_post_is_bad_input(app, runner, tmp_path, article_id):
    result = run(runner, "import", "disqus", write(tmp_path, disqus(
        disqus_thread(1, "http://blog.test/articles/night-buses"),
        disqus_post(1, 1), disqus_post(2, 1, parent=77))))
    assert result.exit_code == 1
    assert "thread 1 (http://blog.test/articles/night-buses)" in result.output
    assert "comment 2 replies to comment 77" in result.output
    with app.app_context():
        assert comments_of(article_id) == []


@pytest.mark.parametrize("value", ["nothing", "=http://x/"])
def test_a_malformed_map_is_a_usage_error(runner, tmp_path, value):
    result = run(runner, "import", "disqus", write(tmp_path, disqus()), "--map", value)
    assert result.exit_code == 2 and "OLD_PREFIX=NEW_PREFIX" in result.output


@pytest.mark.parametrize(("message", "text"), [
    ("<p>One</p>", "One"),
    ("<p>One</p>\n<p>Two</p>", "One\n\nTwo"),
    ("<p>Line<br>break<br/>again</p>", "Line\nbreak\nagain"),
    ('<p class="x">Attr</p><pre>code</pre>', "Attr\n\n<pre>code</pre>"),
    ("plain text", "plain text"),
    ('<p><a href="http://x.example">link</a></p>', '<a href="http://x.example">link</a>'),
])
def test_disqus_messages_become_comment_text(message, text):
    assert message_text(message) == text
