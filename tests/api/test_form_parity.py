"""The form and the API are two doors to one pipeline: the same submission gets the same
status and the same words through either."""

from __future__ import annotations

import html

import pytest

from tests.api.conftest import SITE, good_body
from tests.comment_helpers import form_tokens, post_comment

CASES = [  # (id, change to a good submission, config, status, the words both show)
    ("good", {}, {}, 201, None),
    ("no text", {"comment": ""}, {}, 400, "This field is required."),
    ("no name", {"author": ""}, {}, 400, "Please enter your name."),
    ("no email", {"email": ""}, {}, 400, "Please enter your email address."),
    ("bad website", {"url": "mailto:a@b.example"}, {}, 400,
     "Please enter a web address starting with http:// or https://."),
    ("missing parent", {"comment_parent": "4242"}, {}, 400,
     "The comment you are replying to is not available."),
    ("forged token", {"form_token": "x"}, {}, 400, "This form could not be verified."),
    ("too quick", {}, {"DISCUSSION_FORM_MIN_SECONDS": 60}, 400, "That was quick!"),
    ("disallowed word", {"comment": "buy cheapviagra now"},
     {"DISCUSSION_DISALLOWED_KEYS": "cheapviagra"}, 201, None),
    ("held", {}, {"DISCUSSION_MANUAL_APPROVAL": True}, 201, None),
]


@pytest.mark.parametrize(("change", "config", "status", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_form_and_api_agree(app, client, api, article_slug, change, config, status, words):
    app.config.update(config)
    tokens = form_tokens(client, article_slug)
    form = post_comment(client, article_slug, {**tokens, **{
        k: v for k, v in change.items() if k == "form_token"}},
        **{k: v for k, v in change.items() if k != "form_token"})
    body = good_body(api, {"article": article_slug}, **change)
    body["comment"] = body.get("comment", "") + " (by API)" if body.get("comment") else ""
    answer = api.post("/api/v1/comments", json=body, headers={"Origin": SITE})
    assert answer.status_code == status, answer.get_json()
    assert form.status_code == (303 if status == 201 else status)
    if words:
        error = answer.get_json()
        assert words in error["message"] or any(words in m for m in error["fields"].values())
        assert words in html.unescape(form.get_data(as_text=True))


def test_duplicate_and_flood_agree(app, client, api, article_slug):
    body = good_body(api, {"article": article_slug})
    assert api.post("/api/v1/comments", json=body).status_code == 201
    form = post_comment(client, article_slug, comment=body["comment"])
    answer = api.post("/api/v1/comments", json=good_body(api, {"article": article_slug}))
    assert form.status_code == answer.status_code == 409
    assert answer.get_json()["message"] in html.unescape(form.get_data(as_text=True))
    app.config["DISCUSSION_FLOOD_SECONDS"] = 60
    form = post_comment(client, article_slug, comment="Something new.")
    answer = api.post("/api/v1/comments",
                      json=good_body(api, {"article": article_slug}, comment="And more."))
    assert form.status_code == answer.status_code == 429
    assert form.headers["Retry-After"] and answer.headers["Retry-After"]
