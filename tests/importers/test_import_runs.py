"""Runs of an import: a second adds nothing, threads grow across runs, a dry run writes
nothing, and the counts the pages read (tallies, comment counts) are right afterwards."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from blogapp.extensions import db
from blogapp.models import Article, Comment, ImportRecord
from blogapp.services.articles import delete_article, set_state
from tests.importers.files import (
    disqus,
    disqus_post,
    disqus_thread,
    import_wordpress,
    run,
    write,
    wxr,
    wxr_comment,
    wxr_item,
)
from tests.moderation_helpers import QUIET, add_comment
from tests.test_comment_tallies import assert_tallies_match

STATUSES = ("1", "0", "spam", "trash", "post-trashed", "1")


def export_text(extra_comments: int = 0) -> str:
    """Two posts; every status; a thread three deep; optionally later comments."""
    first = [wxr_comment(10 + n, approved=status, author=f"Reader {n}",
                         date_gmt=f"2019-03-{5 + n:02d} 09:00:00")
             for n, status in enumerate(STATUSES)]
    first += [wxr_comment(20, parent=10, author="Replier"),
              wxr_comment(21, parent=20, author="Replier 2")]
    later = [wxr_comment(30 + n, parent=21, author=f"Later {n}",
                         date_gmt="2019-04-01 09:00:00") for n in range(extra_comments)]
    return wxr(wxr_item(1, title="First", comments=first + later),
               wxr_item(2, title="Second", comments=[wxr_comment(40)]))


def snapshot(app) -> dict:
    with app.app_context():
        rows = db.session.execute(select(Comment.id, Comment.article_id, Comment.parent_id,
                                         Comment.status, Comment.author)
                                  .order_by(Comment.id)).all()
        return {
            "articles": db.session.execute(select(Article.id, Article.slug,
                                                  Article.comment_count)
                                           .order_by(Article.id)).all(),
            "comments": rows,
            "records": db.session.scalar(select(func.count(ImportRecord.id))),
        }


def test_a_second_run_adds_nothing(app, runner, tmp_path):
    import_wordpress(app, runner, tmp_path, export_text())
    before = snapshot(app)
    again = import_wordpress(app, runner, tmp_path, export_text())
    assert "Articles: 0 created, 2 already here" in again.output
    assert "Comments: 0 created, 9 already imported" in again.output
    assert snapshot(app) == before
    assert_tallies_match(app, "after the second run")


def test_a_later_export_adds_only_its_new_comments_threaded_under_the_old(app, runner,
                                                                          tmp_path):
    import_wordpress(app, runner, tmp_path, export_text())
    later = import_wordpress(app, runner, tmp_path, export_text(extra_comments=2))
    assert "Comments: 2 created (2 approved), 9 already imported" in later.output
    with app.app_context():
        replier = db.session.scalar(select(Comment).where(Comment.author == "Replier 2"))
        newer = list(db.session.scalars(select(Comment).where(Comment.author.like("Later%"))))
        assert [(c.parent_id, c.depth) for c in newer] == [(replier.id, 4)] * 2
        article = db.session.get(Article, replier.article_id)
        assert article.comment_count == db.session.scalar(
            select(func.count(Comment.id)).where(Comment.article_id == article.id,
                                                 Comment.status == "approved"))
    assert_tallies_match(app, "after a later export")


def test_a_deleted_import_is_not_brought_back(app, runner, tmp_path):
    import_wordpress(app, runner, tmp_path, export_text())
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.title == "Second"))
        set_state(article, "trash")
        delete_article(article)
    again = import_wordpress(app, runner, tmp_path, export_text())
    assert "imported before and deleted here since" in again.output
    with app.app_context():
        assert db.session.scalar(select(Article.id).where(Article.title == "Second")) is None


@pytest.mark.parametrize("kind", ["wordpress", "disqus"])
def test_a_dry_run_reports_the_real_run_and_writes_nothing(app, runner, tmp_path, kind):
    if kind == "wordpress":
        path = write(tmp_path, export_text())
    else:
        import_wordpress(app, runner, tmp_path, wxr(wxr_item(1, name="hello")))
        path = write(tmp_path, disqus(
            disqus_thread(1, "http://old.example/2019/03/04/hello/"),
            disqus_thread(2, "http://nowhere.example/x"),
            disqus_post(1, 1), disqus_post(2, 1, parent=1, spam="true"), disqus_post(3, 2)),
            "disqus.xml")
    before = snapshot(app)
    dry = run(runner, "import", kind, path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("Importing\nDry run: nothing was written.")
    assert snapshot(app) == before
    real = run(runner, "import", kind, path)
    assert real.exit_code == 0, real.output
    summary = [line.replace("would be created", "created")
               for line in dry.output.splitlines()[2:-1]]
    assert summary == real.output.splitlines()[1:-1]


def test_a_dry_run_finds_bad_input_too(app, runner, tmp_path):
    text = wxr(wxr_item(1), wxr_item(2, comments=[wxr_comment(5, parent=4)]))
    result = run(runner, "import", "wordpress", write(tmp_path, text), "--dry-run")
    assert result.exit_code == 1
    assert "comment 5 replies to comment 4" in result.output
    assert snapshot(app)["records"] == 0


@pytest.fixture
def app_config():
    return dict(QUIET)


def test_tallies_and_counts_are_right_after_imports(app, runner, tmp_path):
    assert_tallies_match(app, "empty")
    import_wordpress(app, runner, tmp_path, export_text())
    assert_tallies_match(app, "after the WordPress import")
    with app.app_context():
        first = db.session.scalar(select(Article).where(Article.title == "First"))
        assert first.comment_count == 4  # two approved readers and the two repliers
        version = first.comments_version
        slug, first_id = first.slug, first.id
    add_comment(app, first_id, "approved", author="Live", email="live@example.org")
    result = run(runner, "import", "disqus", write(tmp_path, disqus(
        disqus_thread(7, f"http://blog.test/articles/{slug}"),
        *[disqus_post(70 + n, 7, spam=spam, deleted=deleted, name=f"D{n}")
          for n, (spam, deleted) in enumerate([("false", "false"), ("true", "false"),
                                               ("false", "true"), ("false", "false")])]),
        "disqus.xml"))
    assert result.exit_code == 0, result.output
    assert_tallies_match(app, "after the Disqus import")
    with app.app_context():
        article = db.session.get(Article, first_id)
        assert article.comment_count == db.session.scalar(
            select(func.count(Comment.id)).where(Comment.article_id == first_id,
                                                 Comment.status == "approved")) == 7
        assert article.comments_version > version
    page = app.test_client().get(f"/articles/{slug}").get_data(as_text=True)
    names = set(re.findall(r"\bD[0-9]\b", page.split('id="respond"')[0]))  # not the token
    assert names == {"D0", "D3"}  # the approved ones; D1 is spam, D2 deleted
