"""A stranger's post that will be refused before any history is answered before Flask
(blogapp.blog.refused_posts): the same status, headers and page as Flask's answer, from
one small query; every other post reaches Flask with its body as it came."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blogapp.blog.comments_host import BY_SLUG, ArticleHost
from blogapp.blog.refused_posts import RefusedPosts
from blogapp.extensions import db
from blogapp.models import Comment
from tests.comment_helpers import (
    GOOD,
    OPEN_DISCUSSION,
    form_tokens,
    open_article,
    same_wait,
    steady_text,
)
from tests.factories import make_article

TEXT = 'Kept <words> & "quotes"'
KEPT = "Kept &lt;words&gt; &amp; &#34;quotes&#34;"


@pytest.fixture
def app_config():
    return {**OPEN_DISCUSSION, "DISCUSSION_FLOOD_SECONDS": 30}


@pytest.fixture
def slug(app):
    with app.app_context():
        make_article("Closed", comments_open=False)
        make_article("Other", body="Another article.")
    return open_article(app)


@pytest.fixture
def answered(monkeypatch):
    """The paths of the posts the layer answered itself, and how: "stored" (the stored
    frame and form block, no request context) or "flask" (Flask's code, then stored)."""
    calls = []
    for how in ("stored", "flask"):
        real = getattr(RefusedPosts, f"{how}_answer")

        def spied(self, environ, post, real=real, how=how):
            response = real(self, environ, post)
            if response is not None:
                calls.append((how, environ["PATH_INFO"]))
            return response

        monkeypatch.setattr(RefusedPosts, f"{how}_answer", spied)
    return calls


def layer_off(monkeypatch):
    """Every post goes to Flask as if the layer were not there."""
    monkeypatch.setattr(RefusedPosts, "read", lambda *args: None)


# name: (fields over a good post, headers, article, answered before Flask, status)
CASES = {
    "cross-site (Sec-Fetch-Site)": ({}, {"Sec-Fetch-Site": "cross-site"}, None, True, 403),
    "cross-site (Origin)": ({}, {"Origin": "http://evil.example"}, None, True, 403),
    "cross-site, email missing too": ({"email": ""}, {"Sec-Fetch-Site": "cross-site"}, None,
                                      True, 403),
    "closed": ({}, {}, "closed", True, 403),
    "forged token": ({"form_token": "forged"}, {}, None, True, 400),
    "missing token": ({"form_token": None}, {}, None, True, 400),
    "two tokens": ({"form_token": ["forged", "again"]}, {}, None, True, 400),
    "another article's token": ({"form_token": "other"}, {}, None, True, 400),
    "forged token, email missing": ({"form_token": "forged", "email": ""}, {}, None, True, 400),
    "honeypot": ({"contact_fax": "+1 555 0100"}, {}, None, True, 400),
    "honeypot of blanks": ({"contact_fax": "   "}, {}, None, False, 303),
    "a good post": ({}, {}, None, False, 303),
    "missing email": ({"email": ""}, {}, None, False, 400),
    "gone parent": ({"comment_parent": "999"}, {}, None, False, 400),
    "forged token, a reply": ({"form_token": "forged", "comment_parent": "<parent>"}, {},
                              None, True, 400),
    "honeypot, a reply": ({"contact_fax": "x", "comment_parent": "<parent>"}, {}, None,
                          True, 400),
    "forged token, a reply to a held comment": (
        {"form_token": "forged", "comment_parent": "<held>"}, {}, None, True, 400),
    "closed, a reply": ({"comment_parent": "<parent>"}, {}, "closed", True, 403),
    "closed, no text": ({"comment": ""}, {}, "closed", True, 403),
    "forged token, consent and mail ticked": (
        {"form_token": "forged", "wp-comment-cookies-consent": "yes",
         "subscribe_comments": ["all", "replies", "evil"]}, {}, None, True, 400),
}


def parents(app, slug) -> dict[str, str]:
    """An approved comment of the article, and a held one (by "<parent>", "<held>")."""
    from blogapp.comments.services import set_visible_status
    from blogapp.models import Article

    found = app.extensions.setdefault("test parents", {})
    if found:
        return found
    with app.app_context():
        article = db.session.scalar(db.select(Article).filter_by(slug=slug))
        for name, status in (("<parent>", "approved"), ("<held>", "pending")):
            comment = Comment(
                article_id=article.id, depth=1, author=f'Pat "{name}" <b>', email="p@x.org",
                url="", avatar_seed="0" * 16, content="Parent.", content_html="<p>Parent.</p>",
                status="pending", spam_check="disabled", spam_check_attempts=0,
                ip="192.0.2.9", user_agent="", referrer="", preview_token=name.strip("<>") * 4)
            db.session.add(comment)
            db.session.flush()
            set_visible_status(comment, status)
            found[name] = str(comment.id)
        db.session.commit()
    return found


def post(app, slug, case, cookies=None, **extra):
    fields, headers, article, _, _ = CASES[case]
    client = app.test_client(use_cookies=False)
    data = {**form_tokens(client, slug), **GOOD, "comment": TEXT, **fields, **extra}
    if data["comment_parent"] in ("<parent>", "<held>"):
        data["comment_parent"] = parents(app, slug)[data["comment_parent"]]
    if data["form_token"] == "other":
        data["form_token"] = form_tokens(client, "other")["form_token"]
    data = {k: v for k, v in data.items() if v is not None}
    if cookies:
        headers = {**headers, "Cookie": cookies}
    return client.post(f"/articles/{article or slug}/comments", data=data, headers=headers)


def comparable(response) -> tuple:
    """Status, headers and page, but for what differs from one refusal to the next (the
    date, the token, a flood's wait: compare that with same_wait)."""
    headers = sorted((k, v) for k, v in response.headers.items()
                     if k not in ("Date", "Content-Length", "Retry-After"))
    return response.status_code, headers, steady_text(response)


@pytest.mark.parametrize("case", list(CASES))
def test_a_post_gets_the_same_answer_with_or_without_the_layer(app, slug, case, answered,
                                                               monkeypatch):
    *_, by_layer, status = CASES[case]
    path = f"/articles/{CASES[case][2] or slug}/comments"
    text1 = "" if case == "closed, no text" else f"{TEXT} 1"
    first = post(app, slug, case, comment=text1)
    assert first.status_code == status, first.get_data(as_text=True)[:400]
    if status == 303:  # handed on with its body as it came
        assert answered == []
        with app.app_context():
            assert [c.content for c in db.session.query(Comment)] == [f"{TEXT} 1"]
        return
    text = "" if case == "closed, no text" else f"{TEXT} 2 <b>&amp;</b>"
    again = post(app, slug, case, comment=text, author="Zoë \"Z\" <z>")
    assert answered == ([("flask", path), ("stored", path)] if by_layer else [])
    layer_off(monkeypatch)
    for response, kept, author in ((first, text1, GOOD["author"]),
                                   (again, text, "Zoë \"Z\" <z>")):
        reference = post(app, slug, case, comment=kept, author=author)
        assert comparable(response) == comparable(reference)
        assert same_wait(response, reference)
    if case != "closed, no text":
        assert f"{KEPT} 1" in first.get_data(as_text=True)


def test_the_layer_answers_without_storing_or_reading_history(app, slug, answered,
                                                              monkeypatch):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for case in ("forged token", "honeypot", "closed", "cross-site (Origin)"):
            post(app, slug, case)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(answered) == 4
    # The form page's GETs are answered by the readers' layer; the posts read nothing
    # through the app's engine (the layer has its own connection) and store nothing.
    assert not [s for s in statements if "comments" in s.lower() and "insert" in s.lower()]
    with app.app_context():
        assert db.session.query(Comment).count() == 0


def test_an_accepted_post_is_not_looked_up_again_by_the_view(app, slug, monkeypatch):
    """The article row and the history the layer read serve the view."""
    from sqlalchemy import event

    looked_up, history = [], []
    real = ArticleHost._lookup

    def counted(self, statement, params):
        looked_up.append(statement)
        return real(self, statement, params)

    def record(conn, cursor, statement, *args):
        if "last_post_at" in statement:
            history.append(statement)

    monkeypatch.setattr(ArticleHost, "_lookup", counted)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert post(app, slug, "a good post").status_code == 303
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert BY_SLUG not in looked_up
    assert history == []
    with app.app_context():
        [comment] = db.session.query(Comment).all()
        assert comment.content == TEXT and comment.author == GOOD["author"]


@pytest.mark.parametrize("kind", ["flood", "duplicate"])
def test_a_flood_or_a_duplicate_is_answered_before_flask_too(app, slug, answered, monkeypatch,
                                                             kind):
    client = app.test_client(use_cookies=False)
    said = {**GOOD, "comment": "Said once, early."}
    assert client.post(f"/articles/{slug}/comments",
                       data={**form_tokens(client, slug), **said}).status_code == 303
    again = said if kind == "duplicate" else {**said, "comment": "Too soon <b>again</b>."}
    headers = {"X-Forwarded-For": "198.51.100.7"} if kind == "duplicate" else {}

    def send():
        return client.post(f"/articles/{slug}/comments",
                           data={**form_tokens(client, slug), **again}, headers=headers)

    status = 409 if kind == "duplicate" else 429
    first, second = send(), send()
    assert first.status_code == second.status_code == status
    path = f"/articles/{slug}/comments"
    assert answered == [("flask", path), ("stored", path)]
    layer_off(monkeypatch)
    reference = send()
    assert comparable(second) == comparable(reference)
    assert same_wait(second, reference)
    with app.app_context():
        assert db.session.query(Comment).count() == 1


@pytest.mark.parametrize("cookie", ["session=x", "remember_token=x", "comment_held=x",
                                    "comment_edits=x"])
def test_a_poster_with_something_personal_goes_to_flask(app, slug, answered, cookie):
    response = post(app, slug, "forged token", cookies=cookie)
    assert response.status_code == 400
    assert answered == []


def test_a_remembered_name_still_gets_the_layers_answer(app, slug, answered):
    response = post(app, slug, "forged token", cookies="comment_author=Ann")
    assert response.status_code == 400 and len(answered) == 1


@pytest.mark.parametrize("accept", [None, "application/json",
                                    "text/html;q=0.5, application/json"])
@pytest.mark.parametrize("article", ["no-such-article", "draft"])
def test_no_such_article_is_flasks_404_kept(app, slug, answered, monkeypatch, article, accept):
    """The first 404 is Flask's; later ones are its bytes, kept per kind (JSON, HTML)."""
    from blogapp.render_cache import _store

    with app.app_context():
        make_article("Draft", action="draft")
    kept = []
    real = RefusedPosts.not_found

    def spied(self, environ, start_response):
        kept.append(sum(1 for key in _store(app).entries if key[0] == "refused-post/404"))
        return real(self, environ, start_response)

    monkeypatch.setattr(RefusedPosts, "not_found", spied)
    client = app.test_client(use_cookies=False)
    headers = {"Accept": accept} if accept else {}

    def send():
        return client.post(f"/articles/{article}/comments", headers=headers,
                           data={**GOOD, "form_token": "forged"})

    first, second = send(), send()
    assert first.status_code == second.status_code == 404 and answered == []
    assert kept == [0, 1]  # the second came from the kept answer
    monkeypatch.setattr(RefusedPosts, "lookup", lambda *args: None)  # as if no layer
    reference = send()
    assert comparable(first) == comparable(second) == comparable(reference)
    assert (second.mimetype == "application/json") is (accept is not None)


def test_a_post_to_no_route_is_flasks_404(app, slug, answered):
    client = app.test_client(use_cookies=False)
    response = client.post("/articles/a/b/comments", data={**GOOD, "form_token": "forged"})
    assert response.status_code == 404 and answered == []


def test_a_multipart_post_goes_to_flask(app, slug, answered):
    client = app.test_client(use_cookies=False)
    data = {**GOOD, "form_token": "forged", "comment": TEXT}
    response = client.post(f"/articles/{slug}/comments", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 400 and answered == []
    assert KEPT in response.get_data(as_text=True)


def test_a_body_over_the_limit_is_flasks_413(app, slug, answered):
    client = app.test_client(use_cookies=False)
    body = "comment=" + "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post(f"/articles/{slug}/comments", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and answered == []


def test_a_query_string_goes_to_flask(app, slug, answered):
    client = app.test_client(use_cookies=False)
    data = {**form_tokens(client, slug), **GOOD, "form_token": "forged"}
    response = client.post(f"/articles/{slug}/comments?x=1", data=data)
    assert response.status_code == 400 and answered == []


def test_a_refused_page_follows_a_closed_switch_at_once(app, slug, answered):
    client = app.test_client(use_cookies=False)
    tokens = form_tokens(client, slug)
    assert post(app, slug, "forged token").status_code == 400  # the open page's frame kept
    with app.app_context():
        from blogapp.models import Article

        db.session.query(Article).filter_by(slug=slug).update({"comments_open": False})
        db.session.commit()
    response = client.post(f"/articles/{slug}/comments",
                           data={**tokens, **GOOD, "comment": "After closing."})
    assert response.status_code == 403 and len(answered) == 2
    html = response.get_data(as_text=True)
    assert "Comments are closed on this article." in html and 'id="commentform"' not in html
    assert "After closing." in html  # kept, to copy


# Any text a robot may send, the slots' own markers and markup among it.
ANY_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["\x00comment\x00", "\x00author\x00", "\x00form-token\x00", "\x00",
                     "</textarea><script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                     "{{ 7*7 }}", "&amp;", "  padded  ", "line\r\nbreak\ttab"]),
)


@pytest.mark.one_engine
@given(kind=st.sampled_from(["forged token", "honeypot", "cross-site (Origin)", "closed"]),
       comment=ANY_TEXT, author=ANY_TEXT, email=ANY_TEXT, url=ANY_TEXT,
       consent=st.sampled_from([None, "yes", "", "false"]),
       subscribe=st.lists(st.sampled_from(["replies", "all", "", "x"]), max_size=3))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_stored_answer_is_the_page_flask_draws_for_any_values(app, slug, answered, kind,
                                                               comment, author, email, url,
                                                               consent, subscribe):
    extra = {"comment": comment, "author": author, "email": email, "url": url,
             "wp-comment-cookies-consent": consent, "subscribe_comments": subscribe}
    post(app, slug, kind, **extra)  # the first of its kind: drawn by Flask, then stored
    layer = post(app, slug, kind, **extra)
    assert answered[-1][0] == "stored"
    real = RefusedPosts.read
    RefusedPosts.read = lambda *args: None
    try:
        reference = post(app, slug, kind, **extra)
    finally:
        RefusedPosts.read = real
    assert comparable(layer) == comparable(reference) and same_wait(layer, reference)
