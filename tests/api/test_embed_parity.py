"""The embed is a third door to the same pipeline: what the widget sends (JSON for an
external page's thread, from a listed site's page) gets the status and the words the
Leave a Reply form gets for the same submission."""

from __future__ import annotations

import html

import pytest

from tests.api.conftest import PAGE_URL, SITE, good_body
from tests.api.test_form_parity import CASES
from tests.comment_helpers import form_tokens, post_comment

WIDGET = {"Origin": SITE, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}


@pytest.mark.parametrize(("change", "config", "status", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_form_and_the_widget_agree(app, client, api, article_slug, change, config, status,
                                       words):
    app.config.update(config)
    tokens = form_tokens(client, article_slug)
    form = post_comment(client, article_slug, {**tokens, **{
        k: v for k, v in change.items() if k == "form_token"}},
        **{k: v for k, v in change.items() if k != "form_token"})
    body = good_body(api, {"thread": {"url": PAGE_URL, "title": "Hello"}}, **change)
    body["comment"] = body.get("comment", "") + " (by widget)" if body.get("comment") else ""
    answer = api.post("/api/v1/comments", json=body, headers=WIDGET)
    assert answer.status_code == status, answer.get_json()
    assert form.status_code == (303 if status == 201 else status)
    assert answer.headers["Access-Control-Allow-Origin"] == SITE
    if words:
        error = answer.get_json()
        assert words in error["message"] or any(words in m for m in error["fields"].values())
        assert words in html.unescape(form.get_data(as_text=True))
