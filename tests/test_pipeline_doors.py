"""One pipeline, several doors: the same submission gets the same answer whichever door it
comes through, because every door calls blogapp.comments.pipeline.submit.

The table is the specification: each case is a submission (and what happened before it)
with the outcome every door must give. A door is a function that posts a case and says
what came of it; add yours to DOORS and it is held to the same table. The HTTP doors
(the form, the JSON API, the widget's JSON from a listed site) are posted as a client
would; the submit() doors are what any other caller of the pipeline builds.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from blogapp.comments.entry import MAX_CONTENT, Accepted, Door, Entry, Refused
from blogapp.comments.forms import issue_form_token
from blogapp.comments.pipeline import submit
from blogapp.comments.policy import DUPLICATE_MESSAGE
from blogapp.extensions import db
from blogapp.models import AuditEntry, Comment
from tests.comment_helpers import GOOD, OPEN_DISCUSSION, form_tokens
from tests.factories import make_article

READER_IP = "127.0.0.1"  # what the test client's requests come from
SITE = "https://site.example"  # a site allowed to embed threads (the widget's page)
WIDGET = {"Origin": SITE, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}


@pytest.fixture
def app_config():
    return {**OPEN_DISCUSSION, "DISCUSSION_FLOOD_SECONDS": 30, "EMBED_ORIGINS": SITE,
            "DISCUSSION_MODERATION_KEYS": ("hold-me",), "DISCUSSION_DISALLOWED_KEYS": ("bin-me",)}


@dataclass(frozen=True)
class Case:
    fields: dict[str, str] = field(default_factory=dict)  # over GOOD
    before: dict[str, str] | None = None  # a post through the same door first
    closed: bool = False
    forged_token: bool = False
    # Accepted: the status and the reason codes in order; refused: the HTTP status and
    # the words the reader is shown.
    status: str | int = "approved"
    reasons: tuple[str, ...] = ()
    message: str = ""


CASES: dict[str, Case] = {
    "clean": Case(),
    "two links": Case({"comment": "See https://a.example and https://b.example"},
                      status="pending", reasons=("links",)),
    "moderation key": Case({"comment": "Please hold-me for a while."}, status="pending",
                           reasons=("moderation-key",)),
    "disallowed key": Case({"author": "bin-me"}, status="trash", reasons=("disallowed-key",)),
    "honeypot": Case({"contact_fax": "robot"}, status=400,
                     message="was filled in, as robots do, so this was not posted"),
    "duplicate": Case(before={}, status=409, message=DUPLICATE_MESSAGE),
    "flood": Case({"comment": "Other words."}, before={}, status=429,
                  message="You are posting comments too quickly"),
    "closed": Case(closed=True, status=403, message="Comments are closed on this article."),
    "forged token": Case(forged_token=True, status=400,
                         message="This form could not be verified."),
    "no such parent": Case({"comment_parent": "999999"}, status=400,
                           message="The comment you are replying to is not available."),
    "too long": Case({"comment": "x" * (MAX_CONTENT + 1)}, status=400,
                     message=f"cannot be longer than {MAX_CONTENT} characters"),
}


@dataclass(frozen=True)
class Outcome:
    status: str | int
    reasons: tuple[str, ...] = ()
    text: str = ""  # what the reader is shown when refused


def _article(app: Flask, case: Case) -> tuple[int, str]:
    with app.app_context():
        article = make_article("Doors", comments_open=not case.closed)
        return article.id, article.slug


def _last_comment(app: Flask) -> Outcome:
    with app.app_context():
        comment = db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()
        return Outcome(comment.status, tuple(r["code"] for r in comment.reasons))


Target = tuple[int, str]  # an article's id and slug


def via_form(app: Flask, target: Target, case: Case, fields: dict[str, str]) -> Outcome:
    """The HTML door: the Leave a Reply form, as a browser posts it."""
    _, slug = target
    client = app.test_client()
    if case.closed:
        tokens = {"form_token": "unused"}
    else:
        tokens = form_tokens(client, slug)
    if case.forged_token:
        tokens = {"form_token": "forged"}
    response = client.post(f"/articles/{slug}/comments", data={**GOOD, **fields, **tokens})
    if response.status_code == 303:
        return _last_comment(app)
    return Outcome(response.status_code, text=html.unescape(response.get_data(as_text=True)))


Door_ = Callable[[Flask, Target, Case, dict[str, str]], Outcome]


def via_json(headers: dict[str, str]) -> Door_:
    """POST /api/v1/comments as a program (no Origin) or the widget (a listed site's
    Origin, which makes it the EMBED door) sends it: the form's fields as JSON."""

    def post(app: Flask, target: Target, case: Case, fields: dict[str, str]) -> Outcome:
        _, slug = target
        client = app.test_client()
        values = {**GOOD, **fields}
        if case.closed:
            token = "unused"
        elif case.forged_token:
            token = "forged"
        else:
            thread = client.get(f"/api/v1/threads/article/{slug}", headers=headers)
            token = thread.get_json()["form"]["form_token"]
        body = {"article": slug, **values, "comment_parent": int(values["comment_parent"]),
                "form_token": token}
        response = client.post("/api/v1/comments", json=body, headers=headers)
        answer = response.get_json()
        if response.status_code == 201:
            return _last_comment(app)
        return Outcome(response.status_code,
                       text=" ".join([answer["message"], *answer["fields"].values()]))

    return post


def via_submit(door: Door) -> Door_:
    """A door that hands the pipeline an Entry (what the JSON API and the embed build)."""

    def post(app: Flask, target: Target, case: Case, fields: dict[str, str]) -> Outcome:
        article_id, _ = target
        values = {**GOOD, **fields}
        with app.app_context():
            token = ("forged" if case.forged_token else
                     issue_form_token(app.config["SECRET_KEY"], article_id, time.time() - 60))
            outcome = submit(Entry(
                target_id=article_id, author=values["author"], email=values["email"],
                url=values["url"], content=values["comment"],
                parent_id=int(values["comment_parent"]) or None, ip=READER_IP,
                honeypot=bool(values.get("contact_fax")), form_token=token), door=door)
        if isinstance(outcome, Refused):
            return Outcome(outcome.status_code, text=outcome.message)
        return Outcome(outcome.status.value, tuple(r.code for r in outcome.reasons))

    return post


DOORS: dict[str, Door_] = {
    "form": via_form,
    "api (HTTP JSON)": via_json({}),
    "embed (HTTP JSON from a listed site)": via_json(WIDGET),
    "api (submit)": via_submit(Door.API),
    "embed (submit)": via_submit(Door.EMBED),
}


def run(app: Flask, door: Door_, case: Case) -> Outcome:
    target = _article(app, case)
    if case.before is not None:
        door(app, target, Case(), {**case.before})
    return door(app, target, case, dict(case.fields))


@pytest.mark.parametrize("door", list(DOORS))
@pytest.mark.parametrize("name", list(CASES))
def test_every_door_gives_the_same_answer(app, door, name):
    case = CASES[name]
    outcome = run(app, DOORS[door], case)
    assert outcome.status == case.status, outcome
    if isinstance(case.status, str):
        assert outcome.reasons == case.reasons
    else:
        assert case.message.lower() in outcome.text.lower(), outcome.text[:300]


def test_a_refused_post_stores_nothing_whatever_the_door(app):
    for door in DOORS.values():
        run(app, door, CASES["forged token"])
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0


# -- The doors that skip something, and only that ---------------------------------------

def _entry(article_id: int, **values) -> Entry:
    return Entry(target_id=article_id, author="Ann Reader", email="ann@example.org", url="",
                 content="Words.", **values)


def test_staff_door_skips_the_token_and_the_refusals_and_audits_in_the_same_commit(app, staff):
    article_id, _ = _article(app, Case())
    owner_id = staff.create("owner@example.com")
    with app.app_context():
        first = submit(_entry(article_id, user_id=owner_id), door=Door.STAFF)
        again = submit(_entry(article_id, user_id=owner_id), door=Door.STAFF)  # no flood/dup
        assert isinstance(first, Accepted) and isinstance(again, Accepted)
        assert first.status == "approved" and [r.code for r in first.reasons] == ["staff"]
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert actions == ["reply", "reply"]


def test_import_door_keeps_the_date_and_status_and_sends_nothing(app, monkeypatch):
    sent = []
    monkeypatch.setattr("blogapp.comments.jobs.dispatch", lambda *args: sent.append(args))
    article_id, _ = _article(app, Case())
    written = datetime(2019, 5, 1, 12, 0)
    with app.app_context():
        outcome = submit(_entry(article_id, status="pending", created_at=written),
                         door=Door.IMPORT)
        assert isinstance(outcome, Accepted) and outcome.status == "pending"
        assert db.session.get(Comment, outcome.comment_id).created_at == written
    assert sent == []


@pytest.mark.parametrize("door", [Door.FORM, Door.API, Door.EMBED])
def test_reader_doors_need_a_form_token(app, door):
    article_id, _ = _article(app, Case())
    with app.app_context():
        outcome = submit(_entry(article_id), door=door)
    assert isinstance(outcome, Refused) and outcome.code == "form_token"


@pytest.mark.parametrize(("headers", "door"), [({}, Door.API), (WIDGET, Door.EMBED)],
                         ids=["program", "widget"])
def test_the_json_door_names_itself(app, monkeypatch, headers, door):
    """The JSON API hands the pipeline Door.API, or Door.EMBED for a listed site's page."""
    import blogapp.api.posting as posting

    seen = []
    monkeypatch.setattr(posting, "submit",
                        lambda entry, *, door, settings: seen.append(door) or submit(
                            entry, door=door, settings=settings))
    via_json(headers)(app, _article(app, Case()), Case(), {})
    assert seen == [door]


@pytest.mark.parametrize(("text", "stored_as"), [
    ("A clean comment.", "approved"),  # through the session (an approval's notices queue)
    ("Please hold-me for a while.", "pending"),  # one INSERT statement
])
def test_an_article_deleted_while_a_post_is_checked_is_answered_gone(app, monkeypatch,
                                                                     text, stored_as):
    from sqlalchemy import delete

    from blogapp.comments import pipeline
    from blogapp.models import Article

    target = _article(app, Case())
    checked = pipeline._prepare

    def then_deleted(*args, **kwargs):
        prepared = checked(*args, **kwargs)
        assert prepared[0].status == stored_as
        with db.engine.begin() as other:  # another request deletes the article meanwhile
            other.execute(delete(Article).where(Article.id == target[0]))
        return prepared

    monkeypatch.setattr(pipeline, "_prepare", then_deleted)
    outcome = via_form(app, target, Case(), {"comment": text})
    assert outcome.status == 404
    assert "This article was deleted while your comment was being sent" in outcome.text
    assert text in outcome.text  # kept, to copy


@pytest.mark.parametrize("case", [
    Case(),  # refused by the view (a flood, say) as the article goes
    Case(forged_token=True),  # refused before Flask, the layer drawing its first answer
], ids=["view", "layer"])
def test_a_post_refused_as_its_article_is_deleted_is_answered_404_with_the_text(
        app, monkeypatch, case):
    from sqlalchemy import delete

    from blogapp.comments import views
    from blogapp.models import Article

    target = _article(app, case)
    decided = views.early_refusal

    def and_deleted(**kwargs):
        refused = decided(**kwargs) or views.CLOSED
        with db.engine.begin() as other:
            other.execute(delete(Article).where(Article.id == target[0]))
        return refused

    monkeypatch.setattr(views, "early_refusal", and_deleted)
    outcome = via_form(app, target, case, {"comment": "Words worth keeping."})
    assert outcome.status == 404
    assert "Words worth keeping." in outcome.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0
