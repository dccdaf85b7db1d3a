"""The public API: threads, counts, posting, held previews, feeds (every answer is checked
against the OpenAPI document by the `api` fixture)."""

from __future__ import annotations

import json

import pytest

from blogapp.extensions import db
from blogapp.models import Article, Comment
from tests.api.conftest import PAGE_URL, SITE, good_body
from tests.factories import make_article

ARTICLE = {"article": "night-buses"}
PAGE = {"thread": {"url": PAGE_URL, "title": "Hello"}}
ORIGIN = {"Origin": SITE}


def post(api, body, **kwargs):
    kwargs.setdefault("headers", ORIGIN)
    return api.post("/api/v1/comments", json=body, **kwargs)


@pytest.mark.parametrize("target", [ARTICLE, PAGE], ids=["article", "page"])
def test_a_good_post_is_shown_in_its_thread_and_counted(api, article_slug, target):
    response = post(api, good_body(api, target))
    assert response.status_code == 201
    posted = response.get_json()
    assert posted["status"] == "approved" and posted["preview_token"] is None
    assert posted["comment"]["html"] == "<p>A thoughtful reply.</p>"
    if "article" in target:
        thread = api.get("/api/v1/threads/article/night-buses").get_json()
        url = "http://blog.test/articles/night-buses"
    else:
        thread = api.get("/api/v1/threads", query_string={"url": PAGE_URL}).get_json()
        url = PAGE_URL
        assert thread["thread"]["title"] == "Hello"
    assert [c["id"] for c in thread["comments"]] == [posted["comment"]["id"]]
    assert thread["thread"]["count"] == 1 and thread["thread"]["url"] == url
    counts = api.get("/api/v1/counts", query_string={"url": [url, f"{SITE}/other/"]})
    assert counts.get_json() == {"counts": {url: 1, f"{SITE}/other/": 0}}


def test_replies_nest_under_their_parent(api, article_slug):
    first = post(api, good_body(api, ARTICLE)).get_json()["comment"]
    reply = post(api, good_body(api, ARTICLE, comment="Agreed.", comment_parent=first["id"]))
    assert reply.status_code == 201
    thread = api.get("/api/v1/threads/article/night-buses").get_json()
    assert [r["id"] for r in thread["comments"][0]["replies"]] == [
        reply.get_json()["comment"]["id"]]
    assert thread["comments"][0]["replies"][0]["parent"] == first["id"]


@pytest.mark.parametrize("spelling", [
    "https://SITE.example/posts/hello/", "https://site.example:443/posts/hello/",
    "https://site.example/posts/hello/?utm_source=x", "https://site.example/posts/hello/#c",
])
def test_one_page_has_one_thread_however_its_address_is_spelled(api, app, spelling):
    body = good_body(api, {"thread": {"url": spelling, "title": "Hello"}})
    assert post(api, body).status_code == 201
    thread = api.get("/api/v1/threads", query_string={"url": PAGE_URL}).get_json()
    assert thread["thread"]["count"] == 1
    with app.app_context():
        assert db.session.query(Article).filter_by(kind="external").one().url == PAGE_URL


def test_an_allowed_page_without_comments_reads_as_an_empty_thread(api):
    thread = api.get("/api/v1/threads", query_string={"url": PAGE_URL}).get_json()
    assert thread["thread"]["id"] is None and thread["comments"] == []
    assert thread["thread"]["count"] == 0 and thread["pages"] == 1


THREAD_REFUSALS = [  # (query or path, status, error code)
    ("/api/v1/threads?url=https://evil.example/post/", 404, "unknown_thread"),
    ("/api/v1/threads?url=ftp://site.example/x", 422, "invalid_url"),
    ("/api/v1/threads?url=javascript:alert(1)", 422, "invalid_url"),
    ("/api/v1/threads?url=/posts/hello/", 422, "invalid_url"),
    ("/api/v1/threads", 422, "invalid_url"),
    (f"/api/v1/threads?url={PAGE_URL}&page=2", 404, "no_such_page"),
    ("/api/v1/threads/article/nope", 404, "not_found"),
    ("/api/v1/threads/article/draft-one", 404, "not_found"),
    ("/api/v1/threads/article/night-buses?page=2", 404, "not_found"),
    ("/api/v1/threads/article/night-buses?page=0", 400, "invalid_page"),
    ("/api/v1/threads/article/night-buses?page=01", 400, "invalid_page"),
    ("/api/v1/threads/article/night-buses?page=%EF%BC%91", 400, "invalid_page"),
    ("/api/v1/threads/article/night-buses?page=1&page=1", 400, "invalid_page"),
    ("/api/v1/threads/article/night-buses?page=99999999999", 400, "invalid_page"),
    ("/api/v1/counts", 422, "invalid_url"),
    ("/api/v1/counts?" + "&".join(f"url={SITE}/{n}" for n in range(101)), 422, "invalid_url"),
    ("/api/v1/comments/1/preview", 404, "not_found"),
    ("/api/v1/avatars/nothex.svg", 404, "not_found"),
    ("/api/v1/nothing-here", 404, "not_found"),
]


@pytest.mark.parametrize(("path", "status", "code"), THREAD_REFUSALS)
def test_reads_refused(api, app, article_slug, path, status, code):
    with app.app_context():
        make_article("Draft one", action="draft")
    response = api.get(path)
    assert (response.status_code, response.get_json()["error"]) == (status, code)


def test_an_external_thread_is_never_an_article_page_or_listed(api, app, client, staff,
                                                               runner, tmp_path):
    assert post(api, good_body(api, PAGE)).status_code == 201
    with app.app_context():
        thread = db.session.query(Article).filter_by(kind="external").one()
    assert client.get(f"/articles/{thread.slug}").status_code == 404
    assert api.get(f"/api/v1/threads/article/{thread.slug}").status_code == 404
    for listing in ("/", "/feed.atom", "/sitemap.xml", "/robots.txt"):
        assert thread.slug not in client.get(listing).get_data(as_text=True), listing
    exported = tmp_path / "export.xml"
    assert runner.invoke(args=["export", "wordpress", str(exported)]).exit_code == 0
    assert "Hello" not in exported.read_text() and PAGE_URL not in exported.read_text()
    staff.login_as("owner")
    assert thread.slug not in client.get("/admin/articles").get_data(as_text=True)
    assert client.get(f"/admin/articles/{thread.id}/edit").status_code == 404
    # Its comments are moderated like any other: the queue shows them.
    assert "A thoughtful reply." in client.get("/admin/comments?status=approved").get_data(
        as_text=True)


def test_threads_page_as_the_article_page_does(api, app, article_slug):
    app.config["DISCUSSION_COMMENTS_PER_PAGE"] = 2
    ids = [post(api, good_body(api, ARTICLE, comment=f"Number {n}.")).get_json()["comment"]
           ["id"] for n in range(3)]
    newest = api.get("/api/v1/threads/article/night-buses").get_json()  # opens on the last
    assert (newest["page"], newest["pages"]) == (2, 2)
    assert [c["id"] for c in newest["comments"]] == ids[2:]
    first = api.get("/api/v1/threads/article/night-buses?page=1").get_json()
    assert [c["id"] for c in first["comments"]] == ids[:2]
    assert first["comments"][0]["permalink"].endswith(f"cpage=1#comment-{ids[0]}")
    assert api.get("/api/v1/threads/article/night-buses?page=3").status_code == 404


FORM_TOKEN_FORGED = ("This form could not be verified. Your comment is kept below: "
                     "please send it again.")
POST_REFUSALS = [  # (change to a good body, status, error code, field or message part)
    ({"comment": ""}, 400, "invalid", "comment"),
    ({"comment": None}, 400, "invalid", "comment"),
    ({"author": ""}, 400, "invalid", "author"),
    ({"email": "not an email"}, 400, "invalid", "email"),
    ({"url": "javascript:alert(1)"}, 400, "invalid", "url"),
    ({"comment_parent": "x"}, 400, "invalid", "comment_parent"),
    ({"comment_parent": 99999}, 400, "invalid", "comment_parent"),
    ({"comment": "x" * 65526}, 400, "invalid", "comment"),
    ({"form_token": "forged"}, 400, "refused", FORM_TOKEN_FORGED),
    ({"form_token": None}, 400, "refused", FORM_TOKEN_FORGED),
    ({"comment": 5}, 422, "unprocessable", "comment"),
    ({"author": ["Ann"]}, 422, "unprocessable", "author"),
    ({"comment_parent": True}, 422, "unprocessable", "comment_parent"),
    ({"comment_parent": 1.5}, 422, "unprocessable", "comment_parent"),
    ({"consent": "yes"}, 422, "unprocessable", "consent"),
    ({"article": 7}, 422, "unprocessable", "article"),
    ({"article": "nope"}, 404, "unknown_thread", "does not exist"),
    ({"thread": {"url": PAGE_URL}}, 422, "unprocessable", "thread"),  # and an article
    ({"article": None}, 422, "unprocessable", "thread"),  # neither
]


@pytest.mark.parametrize(("change", "status", "code", "where"), POST_REFUSALS)
def test_posts_refused_with_the_forms_rules(api, app, article_slug, change, status, code,
                                            where):
    body = {**good_body(api, ARTICLE), **change}
    body = {k: v for k, v in body.items() if v is not None or k == "comment"}
    response = post(api, body)
    error = response.get_json()
    assert (response.status_code, error["error"]) == (status, code), error
    assert where in error["fields"] or where in error["message"], error
    with app.app_context():
        assert db.session.query(Comment).count() == 0


EXTERNAL_REFUSALS = [
    ({"thread": {"url": "https://evil.example/p/"}}, 403, "unknown_thread"),
    ({"thread": {"url": "nope"}}, 422, "invalid_url"),
    ({"thread": {"url": PAGE_URL, "title": 5}}, 422, "unprocessable"),
    ({"thread": "x"}, 422, "unprocessable"),
]


@pytest.mark.parametrize(("change", "status", "code"), EXTERNAL_REFUSALS)
def test_external_posts_refused(api, app, change, status, code):
    body = {**good_body(api, PAGE), **change}
    response = post(api, body)
    assert (response.status_code, response.get_json()["error"]) == (status, code)
    with app.app_context():
        assert db.session.query(Article).count() == 0  # no thread made for a refusal


def test_a_pages_title_is_kept_as_plain_text(api, app):
    body = good_body(api, {"thread": {"url": PAGE_URL, "title": " Hello\x00 <b>there</b>\n"}})
    assert post(api, body).status_code == 201
    thread = api.get("/api/v1/threads", query_string={"url": PAGE_URL}).get_json()
    assert thread["thread"]["title"] == "Hello <b>there</b>"


def test_a_refused_first_post_leaves_no_thread_behind(api, app):
    body = good_body(api, PAGE)
    assert post(api, body).status_code == 201
    app.config["DISCUSSION_FLOOD_SECONDS"] = 60
    other = {"thread": {"url": f"{SITE}/other/", "title": "Other"}}
    flood = post(api, good_body(api, other, comment="Elsewhere."))
    assert flood.status_code == 429
    with app.app_context():
        assert [a.url for a in db.session.query(Article)] == [PAGE_URL]


def test_a_token_for_one_thread_does_not_post_to_another(api, app, article_slug):
    body = {**good_body(api, PAGE), "thread": {"url": f"{SITE}/other/"}}
    response = post(api, body)
    assert response.status_code == 400
    assert "another article" in response.get_json()["message"]


BODY_REFUSALS = [  # (raw body, content type, status, error code)
    (b"comment=hi&author=Ann", "application/x-www-form-urlencoded", 415,
     "unsupported_media_type"),
    (b"comment=hi", "text/plain", 415, "unsupported_media_type"),
    (b"--x--", "multipart/form-data; boundary=x", 415, "unsupported_media_type"),
    (b"{not json", "application/json", 400, "malformed_json"),
    (b"\xff\xfe", "application/json", 400, "malformed_json"),
    (b"[" * 100_000, "application/json", 400, "malformed_json"),
    (b"", "application/json", 422, "unprocessable"),
    (b"[1, 2]", "application/json", 422, "unprocessable"),
    (b'"text"', "application/json", 422, "unprocessable"),
    (b'{"comment": "' + b"x" * (1024 * 1024) + b'"}', "application/json", 413, "too_large"),
]


@pytest.mark.one_engine  # a body is refused as it is parsed, before any query
@pytest.mark.parametrize(("raw", "content_type", "status", "code"), BODY_REFUSALS,
                         ids=[f"{c}-{s}-{i}" for i, (_, c, s, _) in enumerate(BODY_REFUSALS)])
def test_bodies_refused(api, raw, content_type, status, code):
    response = api.post("/api/v1/comments", data=raw, content_type=content_type,
                        headers=ORIGIN)
    assert (response.status_code, response.get_json()["error"]) == (status, code)


def test_unknown_fields_are_ignored(api, article_slug):
    response = post(api, good_body(api, ARTICLE, mood="cheerful", id=99, status="approved"))
    assert response.status_code == 201


@pytest.fixture
def held(app):
    app.config["DISCUSSION_MANUAL_APPROVAL"] = True


def test_a_held_comment_is_previewed_by_its_token_only(api, app, article_slug, held):
    response = post(api, good_body(api, ARTICLE))
    posted = response.get_json()
    assert response.status_code == 201 and posted["status"] == "held"
    assert posted["message"] == "Your comment is awaiting moderation."
    comment_id, token = posted["comment"]["id"], posted["preview_token"]
    assert posted["comment"]["avatar"].endswith("/avatars/held.svg")
    url = f"/api/v1/comments/{comment_id}/preview"
    assert api.get(url, headers={"X-Blogapp-Preview": token}).status_code == 200
    assert api.get(url, query_string={"token": token}).status_code == 200
    for wrong in ("", "0" * 32, token[:-1], "x" * 200):
        assert api.get(url, headers={"X-Blogapp-Preview": wrong}).status_code == 404
    thread = api.get("/api/v1/threads/article/night-buses").get_json()
    assert thread["comments"] == []  # nobody else sees it
    from blogapp.comments.moderation import moderate

    with app.app_context():
        moderate([comment_id], "approve", None)
    assert api.get(url, headers={"X-Blogapp-Preview": token}).status_code == 404


def test_duplicates_and_floods_are_refused_as_the_form_refuses_them(api, app, article_slug):
    body = good_body(api, ARTICLE)
    assert post(api, body).status_code == 201
    duplicate = post(api, body)
    assert (duplicate.status_code, duplicate.get_json()["error"]) == (409, "duplicate")
    app.config["DISCUSSION_FLOOD_SECONDS"] = 60
    flood = post(api, {**body, "comment": "Another thought."})
    assert (flood.status_code, flood.get_json()["error"]) == (429, "flood")
    assert 1 <= int(flood.headers["Retry-After"]) <= 60


def test_closed_articles_refuse_posts(api, app):
    with app.app_context():
        make_article("Closed one", comments_open=False)
    response = post(api, good_body(api, {"article": "closed-one"}))
    assert (response.status_code, response.get_json()["error"]) == (403, "closed")
    thread = api.get("/api/v1/threads/article/closed-one").get_json()
    assert thread["thread"]["open"] is False


def test_feeds_list_approved_comments(api, article_slug):
    for target in (ARTICLE, PAGE):
        assert post(api, good_body(api, target, comment=f"On {list(target)[0]}")).status_code \
            == 201
    site = api.get("/api/v1/comments/feed.atom").get_data(as_text=True)
    assert site.count("<entry>") == 2
    article = api.get("/api/v1/threads/article/night-buses/feed.atom")
    assert article.get_data(as_text=True).count("<entry>") == 1
    page = api.get("/api/v1/threads/feed.atom", query_string={"url": PAGE_URL})
    assert page.get_data(as_text=True).count("<entry>") == 1
    assert "#comment-" in page.get_data(as_text=True)


@pytest.mark.one_engine  # the document is built from the code
def test_the_document_is_served_and_is_valid_openapi_3_1(api):
    from openapi_spec_validator import OpenAPIV31SpecValidator

    document = api.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://blog.test/api/v1"}]
    OpenAPIV31SpecValidator(json.loads(json.dumps(document))).validate()
