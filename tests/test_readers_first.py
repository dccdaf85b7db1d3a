"""Readers first (blogapp/readers_first.py): while readers are served, strangers' writes
may take BLOGAPP_WRITE_SHARE of a worker's time; past it a write is answered 429 at once,
its text kept, and pool jobs wait for a moment the worker is quiet."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from blogapp.comments import jobs
from blogapp.extensions import db
from blogapp.models import Comment
from blogapp.worker_load import WorkerLoad, worker_load
from tests.comment_helpers import OPEN_DISCUSSION, form_tokens, open_article, post_comment

SITE = "https://site.example"

# The share and the 429 are decided in the WSGI layer before any query; the pipeline the
# posts that go through reach is the same on both engines (tests/test_pipeline_doors.py).
pytestmark = pytest.mark.one_engine


@pytest.fixture
def app_config():
    return {**OPEN_DISCUSSION, "WRITE_SHARE": 0.3, "EMBED_ORIGINS": SITE}


@pytest.fixture
def slug(app):
    return open_article(app)


class Clock:
    """A WorkerLoad's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app_clock(app):
    """The app's WorkerLoad on a clock moved by hand."""
    clock = Clock()
    load = worker_load(app)
    load.clock = clock
    load.writes.at = load.reads.at = clock.now
    return clock


def load_after(clock: Clock, *, reads: int, write_seconds: float, share: float = 0.3,
               wait: float = 0.0) -> WorkerLoad:
    load = WorkerLoad(share, clock=clock)
    for _ in range(reads):
        load.started()
        load.finished(0.001, write=False)
    load.spent_writing(write_seconds)
    clock.now += wait
    return load


@pytest.mark.parametrize(("reads", "write_seconds", "share", "wait", "refused"), [
    (0, 5.0, 0.3, 0.0, False),  # no reader about: writes may take the whole worker
    (20, 0.2, 0.3, 0.0, False),  # readers, writes within their share
    (20, 0.5, 0.3, 0.0, True),  # readers, writes past their share
    (20, 0.5, 0.6, 0.0, False),  # a larger share
    (20, 0.5, 1.0, 0.0, False),  # share 1: readers first is off
    (20, 0.5, 0.3, 2.0, False),  # two seconds on, the tally has decayed
    (1, 3.0, 0.3, 0.0, True),  # one reader is enough
])
def test_a_write_waits_only_while_readers_are_served_and_the_share_is_spent(
        clock, reads, write_seconds, share, wait, refused):
    wait_for = load_after(clock, reads=reads, write_seconds=write_seconds, share=share,
                          wait=wait).retry_after()
    assert (wait_for is not None) is refused
    if refused:
        assert wait_for >= 1


def test_retry_after_is_when_the_share_is_free_again(clock):
    load = load_after(clock, reads=10, write_seconds=3.0)
    wait = load.retry_after()
    assert wait == 3  # 3 s spent decays to the 0.3 s limit after ln(10) = 2.3 s
    clock.now += wait
    load.reads.add(1.0, clock.now)  # readers still there
    assert load.retry_after() is None


def spend(app, seconds: float) -> None:
    """As if this worker had just served readers and spent *seconds* on writes."""
    load = worker_load(app)
    for _ in range(5):
        load.started()
        load.finished(0.001, write=False)
    load.spent_writing(seconds)


def comments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Comment.id)))


def test_a_form_post_past_the_share_is_answered_429_with_the_text_kept(app, client, slug):
    tokens = form_tokens(client, slug)
    spend(app, 5.0)
    text = 'My <b>careful</b> reply & a "quote"'
    response = post_comment(client, slug, tokens, comment=text, author="Ann Reader",
                            url="https://ann.example/")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    html = response.get_data(as_text=True)
    assert "this was not posted" in html and 'role="alert"' in html
    assert "My &lt;b&gt;careful&lt;/b&gt; reply &amp; a &#34;quote&#34;</textarea>" in html
    for name, value in [("author", "Ann Reader"), ("email", "ann@example.org"),
                        ("url", "https://ann.example/"), ("form_token", tokens["form_token"])]:
        assert f'name="{name}" value="{value}"' in html  # sent again as they were
    assert f'action="/articles/{slug}/comments"' in html
    assert comments(app) == 0


def test_the_post_sent_again_after_the_wait_is_taken(app, client, slug, app_clock):
    clock = app_clock
    tokens = form_tokens(client, slug)
    spend(app, 5.0)
    refused = post_comment(client, slug, tokens)
    assert refused.status_code == 429
    clock.now += int(refused.headers["Retry-After"]) + 1
    assert post_comment(client, slug, tokens).status_code == 303
    assert comments(app) == 1


def test_an_api_post_past_the_share_gets_the_apis_json_429(app, client, slug):
    spend(app, 5.0)
    response = client.post("/api/v1/comments", json={"article": slug, "comment": "Hi"},
                           headers={"Origin": SITE})
    assert response.status_code == 429
    body = response.get_json()
    assert body["error"] == "busy" and "not posted" in body["message"]
    assert response.headers["Access-Control-Allow-Origin"] == SITE  # the widget can read it
    assert int(response.headers["Retry-After"]) >= 1


def test_staff_are_never_held_back(app, client, slug, staff):
    staff.login_as("moderator", client=client)
    spend(app, 5.0)
    response = post_comment(client, slug, form_tokens(client, slug))
    assert response.status_code == 303


def test_reads_are_never_held_back(app, client, slug):
    spend(app, 50.0)
    assert client.get(f"/articles/{slug}").status_code == 200


def test_a_pool_job_waits_for_a_quiet_moment(app, monkeypatch):
    app.config.update(SPAM_CHECK_MODE="thread", COMMENTS_JOB_QUIET_SECONDS=10.0,
                      MAIL_SERVER="127.0.0.1")
    ran = threading.Event()
    monkeypatch.setitem(jobs.HANDLERS, jobs.Task.MAIL, lambda app_, _: ran.set())
    load = worker_load(app)
    load.started()  # a request in flight
    try:
        with app.app_context():
            jobs.dispatch("mail", 0)
        assert not ran.wait(0.3)
        load.finished(0.01, write=False)
        assert ran.wait(5)
    finally:
        jobs.wait_for_jobs(app)


def test_a_pool_job_runs_after_the_longest_wait_even_on_a_busy_worker(app, monkeypatch):
    app.config.update(SPAM_CHECK_MODE="thread", COMMENTS_JOB_QUIET_SECONDS=0.2,
                      MAIL_SERVER="127.0.0.1")
    ran = threading.Event()
    monkeypatch.setitem(jobs.HANDLERS, jobs.Task.MAIL, lambda app_, _: ran.set())
    load = worker_load(app)
    load.started()
    try:
        began = time.monotonic()
        with app.app_context():
            jobs.dispatch("mail", 0)
        assert ran.wait(5)
        assert time.monotonic() - began >= 0.2
    finally:
        load.finished(0.01, write=False)
        jobs.wait_for_jobs(app)


@pytest.fixture
def bearer(app, staff) -> dict[str, str]:
    from blogapp.api.tokens import issue_token
    from blogapp.models import User

    user_id = staff.create("owner@example.com", "owner")
    with app.app_context():
        _, secret = issue_token(db.session.get(User, user_id), "tests", ["moderate"])
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(("token", "held"), [("valid", False), ("forged", True)])
def test_an_api_token_is_staff_only_when_it_is_valid(app, client, slug, bearer, token, held):
    headers = bearer if token == "valid" else {"Authorization": "Bearer forged-secret"}
    spend(app, 5.0)
    response = client.post("/api/v1/moderation/comments/bulk",
                           json={"action": "approve", "ids": [1]}, headers=headers)
    assert (response.status_code == 429) is held, response.get_json()
    if held:
        assert response.get_json()["error"] == "busy"
