"""``?replytocom=`` and a refused post's ``comment_parent`` name a parent only when a reply
may go there (issue 11, item 12): an approved comment of this article, above the deepest
level, as WordPress's ``_get_comment_reply_id``. Anything else gives the form of a new
top-level comment, never a dead end."""

from __future__ import annotations

import re

import pytest

from blogapp.comments.services import set_visible_status
from blogapp.comments.settings import save_settings
from blogapp.extensions import db
from blogapp.models import Comment
from tests.comment_helpers import OPEN_DISCUSSION, form_tokens, open_article, post_comment
from tests.factories import make_article

PARENT_RE = re.compile(r'name="comment_parent" id="comment_parent" value="([^"]*)"')


@pytest.fixture
def app_config():
    return dict(OPEN_DISCUSSION)


@pytest.fixture
def ids(app) -> dict[str, int]:
    """One comment of each kind a reply link could name."""
    slug = open_article(app)
    with app.app_context():
        make_article("Another article")
        save_settings({"thread_depth": 2})
    client = app.test_client()
    made = {}
    for name, article, status, parent in [
        ("approved", slug, "approved", None), ("pending", slug, "pending", None),
        ("spam", slug, "spam", None), ("trash", slug, "trash", None),
        ("other article", "another-article", "approved", None),
        ("deepest level", slug, "approved", "approved"),
    ]:
        fields = {"comment_parent": str(made[parent])} if parent else {}
        assert post_comment(client, article, comment=f"The {name} one", author=name.title(),
                            **fields).status_code == 303
        with app.app_context():
            comment = db.session.query(Comment).order_by(Comment.id.desc()).first()
            set_visible_status(comment, status)
            db.session.commit()
            made[name] = comment.id
    made["slug"] = slug
    return made


CASES = [  # what the link names -> whether the form replies to it
    ("approved", True), ("pending", False), ("spam", False), ("trash", False),
    ("other article", False), ("deepest level", False), ("unknown", False),
    ("non-numeric", False), ("beyond 32 bits", False), ("huge", False),
    ("beyond 64 bits", False),
    ("Arabic-Indic digit", False), ("superscript digit", False), ("fullwidth digit", False),
    ("negative", False), ("zero", False), ("plus sign", False), ("empty", False),
    ("decimal", False), ("NUL", False),
]


def value_of(ids: dict[str, int], case: str) -> str:
    approved = ids["approved"]
    odd = {
        "unknown": "999", "non-numeric": "abc", "beyond 32 bits": str(2**31),
        "huge": "9" * 18, "beyond 64 bits": "9" * 30,
        "Arabic-Indic digit": chr(0x0660 + approved), "superscript digit": "²",
        "fullwidth digit": chr(0xFF10 + approved), "negative": f"-{approved}", "zero": "0",
        "plus sign": f"+{approved}", "empty": "", "decimal": f"{approved}.0",
        "NUL": f"{approved}\x00",
    }
    return odd[case] if case in odd else str(ids[case])


def form_problem(html: str, ids: dict[str, int], case: str, replies: bool) -> str | None:
    parent = PARENT_RE.search(html).group(1)
    if replies:
        if parent != str(ids[case]) or "Reply to Approved" not in html \
                or "Cancel reply" not in html:
            return f"{case}: not a reply form (comment_parent {parent!r})"
    elif parent != "0" or "Leave a Reply" not in html or "Cancel reply" in html:
        return f"{case}: names a parent it may not reply to (comment_parent {parent!r})"
    return None


def test_reply_links_name_only_a_comment_a_reply_may_go_under(app, ids):
    wrong = []
    for case, replies in CASES:
        client = app.test_client()
        response = client.get(f"/articles/{ids['slug']}",
                              query_string={"replytocom": value_of(ids, case)})
        if response.status_code != 200:
            wrong.append(f"{case}: {response.status_code}")
            continue
        if problem := form_problem(response.text, ids, case, replies):
            wrong.append(problem)
        # The form posts as it stands: a reply, or a new thread.
        parent = PARENT_RE.search(response.text).group(1)
        posted = post_comment(client, ids["slug"], tokens=form_tokens(client, ids["slug"]),
                              comment=f"Answering {case}", comment_parent=parent)
        if posted.status_code != 303:
            wrong.append(f"{case}: the form it gave answers {posted.status_code}")
    assert wrong == []


def test_a_refused_post_keeps_only_a_parent_it_may_reply_to(app, ids):
    wrong = []
    for case, replies in CASES:
        client = app.test_client()
        response = post_comment(client, ids["slug"], tokens={"form_token": "forged"},
                                comment=f"Words to keep ({case})",
                                comment_parent=value_of(ids, case))
        if response.status_code != 400 or f"Words to keep ({case})</textarea>" \
                not in response.text:
            wrong.append(f"{case}: {response.status_code}, text not kept")
            continue
        if problem := form_problem(response.text, ids, case, replies):
            wrong.append(problem)
        # Sent again from the page it was given, the comment goes through.
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)"[^>]*value="([^"]*)"',
                                 response.text))
        again = post_comment(client, ids["slug"], tokens={"form_token": fields["form_token"]},
                             comment=f"Words to keep ({case})",
                             comment_parent=fields["comment_parent"])
        if again.status_code != 303:
            wrong.append(f"{case}: sent again it answers {again.status_code}")
    assert wrong == []
