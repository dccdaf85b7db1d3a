"""A refused post's page is small: what was wrong, the form with the poster's text kept and
a fresh token, and the way back to the article (blog/refused.html), not the article and
its comments again. For a poster with nothing personal on it (every robot) it is the
stored frame with only the form drawn in: the same bytes as a full render, the frame
drawn once per version however many posts are refused. A host that draws no refusal page
(no render_refusal) gets its whole target page again, from a stored frame of it too."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blogapp.blog.comments_host import ArticleHost
from blogapp.extensions import db
from blogapp.models import Article
from blogapp.models.base import utcnow
from tests.comment_helpers import (
    FORM_TOKEN_RE,
    GOOD,
    OPEN_DISCUSSION,
    form_tokens,
    open_article,
    same_wait,
    steady_text,
)
from tests.factories import make_article

TEXT = 'Kept <words> & "quotes"'


@pytest.fixture
def app_config():
    return {**OPEN_DISCUSSION, "DISCUSSION_FLOOD_SECONDS": 30}


@pytest.fixture
def slug(app):
    return open_article(app)


@pytest.fixture
def drawn(monkeypatch):
    """Count the refusal pages the host draws."""
    calls = []
    real = ArticleHost.render_refusal

    def counted(self, target, context, status):
        calls.append(target.slug)
        return real(self, target, context, status)

    monkeypatch.setattr(ArticleHost, "render_refusal", counted)
    return calls


def prior_post(app, slug, **fields):
    """A post from the same address and email a moment before (a plain client)."""
    poster = app.test_client(use_cookies=False)
    data = {**form_tokens(poster, slug), **GOOD, **fields}
    assert poster.post(f"/articles/{slug}/comments", data=data).status_code == 303


# Each case: what the refused post sends (over a good post), its path and headers, what
# is set up before, and the status.
CASES = {
    "cross-site": ({}, {"Sec-Fetch-Site": "cross-site"}, None, 403),
    "closed": ({}, {}, "closed", 403),
    "forged token": ({"form_token": "forged"}, {}, None, 400),
    "missing token": ({"form_token": None}, {}, None, 400),
    "missing email": ({"email": ""}, {}, None, 400),
    "bad website": ({"url": "javascript:alert(1)"}, {}, None, 400),
    "gone parent": ({"comment_parent": "999"}, {}, None, 400),
    "flood": ({}, {}, "flood", 429),
    "duplicate": ({"comment": "Said once."}, {}, "duplicate", 409),
}


def refused_post(app, slug, case, cookies: dict[str, str]):
    fields, headers, scene, status = CASES[case]
    client = app.test_client(use_cookies=False)
    data = {**form_tokens(client, slug), **GOOD, "comment": TEXT, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    if cookies:
        headers = {**headers, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    target = slug
    if scene == "closed":
        target = "closed"
    response = client.post(f"/articles/{target}/comments", data=data, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response


@pytest.fixture
def scene(app, slug, request):
    case = request.param
    where = CASES[case][2]
    if where == "closed":
        with app.app_context():
            make_article("Closed", comments_open=False)
    elif where == "flood":
        prior_post(app, slug, comment="First words.")
        app.config["DISCUSSION_FLOOD_SECONDS"] = 30
    elif where == "duplicate":
        app.config["DISCUSSION_FLOOD_SECONDS"] = 0
        prior_post(app, slug, comment="Said once.")
    return case


@pytest.mark.parametrize("scene", list(CASES), indirect=True)
def test_a_plain_posters_refused_page_is_the_full_render_byte_for_byte(app, slug, scene):
    plain = refused_post(app, slug, scene, {})
    # A held-comment cookie (even one that names nothing) makes the page personal: the
    # full render, the reference.
    full = refused_post(app, slug, scene, {"comment_held": "names-nothing"})
    assert steady_text(plain) == steady_text(full)
    html = plain.get_data(as_text=True)
    if CASES[scene][0].get("comment") is None:
        assert "Kept &lt;words&gt; &amp; &#34;quotes&#34;" in html  # the text is kept
    assert 'id="form-problems"' in html  # where the page opens, the error said
    assert bool(FORM_TOKEN_RE.search(html)) is (scene != "closed")  # a fresh token to send again
    assert same_wait(plain, full)


def test_a_wave_of_refused_posts_draws_the_article_once(app, slug, drawn):
    for _ in range(5):
        refused_post(app, slug, "forged token", {})
    assert drawn == [slug]


def test_the_page_is_small_and_leads_back_to_the_article(app, slug):
    prior_post(app, slug, comment="An approved comment, on the article's page only.")
    response = refused_post(app, slug, "forged token", {})
    html = response.get_data(as_text=True)
    assert "Body." not in html and "An approved comment" not in html
    assert 'id="commentform"' in html and "Your comment on" in html
    assert re.search(r'href="[^"]*/articles/night-buses#comments">Back to the article and '
                     r"its 1 comment</a>", html)
    assert '<meta name="robots" content="noindex">' in html
    assert len(response.data) < 12_000


def test_the_frame_follows_the_article_and_its_comments(app, slug, drawn):
    refused_post(app, slug, "forged token", {})
    prior_post(app, slug, comment="A new approved comment.")  # approved at once
    html = refused_post(app, slug, "forged token", {}).get_data(as_text=True)
    assert "its 1 comment<" in html
    with app.app_context():
        article = db.session.scalar(select(Article).filter_by(slug=slug))
        article.title, article.updated_at = "Night trams", utcnow()
        db.session.commit()
    html = refused_post(app, slug, "forged token", {}).get_data(as_text=True)
    assert ">Night trams</a></h1>" in html
    assert drawn == [slug, slug, slug]


def test_a_poster_with_a_held_comment_gets_the_page_drawn_for_them(app, slug, drawn):
    refused_post(app, slug, "forged token", {})
    refused_post(app, slug, "forged token", {"comment_held": "x"})
    assert drawn == [slug, slug]  # the frame, then the page drawn for the personal one


@pytest.mark.parametrize("cookies", [{}, {"comment_held": "names-nothing"}])
def test_a_host_without_a_refusal_page_gets_its_whole_page(app, slug, monkeypatch,
                                                           cookies):
    monkeypatch.delattr(ArticleHost, "render_refusal")
    prior_post(app, slug, comment="An approved comment, on the article's page.")
    html = refused_post(app, slug, "forged token", cookies).get_data(as_text=True)
    assert "Body." in html and "An approved comment" in html
    assert html.count('id="commentform"') == 1 and "Kept &lt;words&gt;" in html


@pytest.mark.parametrize("scene", ["forged token", "missing email"], indirect=True)
def test_without_a_refusal_page_the_plain_page_is_the_full_render_too(app, slug, scene,
                                                                      monkeypatch):
    monkeypatch.delattr(ArticleHost, "render_refusal")
    plain = refused_post(app, slug, scene, {})
    full = refused_post(app, slug, scene, {"comment_held": "names-nothing"})
    assert steady_text(plain) == steady_text(full)


def test_a_refusal_page_without_the_slot_gets_the_full_render(app, slug, monkeypatch):
    """A host's refusal template that leaves out {{ respond }}: every refused page is the
    target's whole page, never a page without the form or the form appended after it."""
    real = ArticleHost.render_refusal

    def without_slot(self, target, context, status):
        context = {k: v for k, v in context.items() if k != "respond"}
        return real(self, target, context, status)

    monkeypatch.setattr(ArticleHost, "render_refusal", without_slot)
    for cookies in ({}, {"comment_held": "x"}):
        html = refused_post(app, slug, "forged token", cookies).get_data(as_text=True)
        assert html.count('id="commentform"') == 1 and html.rstrip().endswith("</html>")
        assert "Body." in html


def test_a_host_area_without_the_slot_gets_the_full_render(app, slug, monkeypatch):
    """Without a refusal page, a host's own comments/area.html that knows no frame slot:
    every refused page is drawn in full, never a frame with the form appended after it."""
    monkeypatch.delattr(ArticleHost, "render_refusal")
    real = ArticleHost.render_page

    def without_slot(self, target, context, status):
        context = {k: v for k, v in context.items() if k != "respond"}
        return real(self, target, context, status)

    monkeypatch.setattr(ArticleHost, "render_page", without_slot)
    html = refused_post(app, slug, "forged token", {}).get_data(as_text=True)
    assert html.count('id="commentform"') == 1 and html.rstrip().endswith("</html>")
