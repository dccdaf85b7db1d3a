"""Posting the Leave a Reply form as a browser does."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

HIDDEN_RE = re.compile(r'<input type="hidden" name="(csrf_token|form_token)" value="([^"]*)"')

# Every post goes through at once: no wait after opening the form, no flood pause, no
# manual approval, the spam check on the request path.
#: What differs between two refusals of the same post: its fresh form token, and a
#: flood's wait in whole seconds (the two posts may straddle a second).
FORM_TOKEN_RE = re.compile(r'name="form_token" value="[^"]*"')
WAIT_RE = re.compile(r"post again in \d+ seconds?")


def steady_text(response) -> str:
    """A refusal page without its token and its wait, to compare two of them."""
    html = response.get_data(as_text=True)
    return WAIT_RE.sub("post again in N seconds", FORM_TOKEN_RE.sub("", html))


def same_wait(first, second) -> bool:
    """Both answers say Retry-After or neither does, the same give or take a second."""
    waits = [response.headers.get("Retry-After") for response in (first, second)]
    if None in waits:
        return waits[0] is waits[1]
    return abs(int(waits[0]) - int(waits[1])) <= 1


OPEN_DISCUSSION = {"DISCUSSION_FORM_MIN_SECONDS": 0, "DISCUSSION_FLOOD_SECONDS": 0,
                   "SPAM_CHECK_MODE": "inline", "DISCUSSION_MANUAL_APPROVAL": False,
                   "DISCUSSION_AUTO_APPROVE_KNOWN_AUTHORS": False}

GOOD = {"comment": "A thoughtful reply.", "author": "Ann Reader", "email": "ann@example.org",
        "url": "", "comment_parent": "0"}


def open_article(app: Flask) -> str:
    """Publish the article the comment tests post to; return its slug."""
    from tests.factories import make_article

    with app.app_context():
        return make_article("Night buses", body="Body.").slug


def form_tokens(client: FlaskClient, slug: str, query: str = "") -> dict[str, str]:
    html = client.get(f"/articles/{slug}{query}").get_data(as_text=True)
    tokens = dict(HIDDEN_RE.findall(html))
    # Readers have no session: the form carries its signed timestamp and no CSRF token.
    assert set(tokens) == {"form_token"}, "comment form not found"
    return tokens


def post_comment(client: FlaskClient, slug: str, tokens: dict[str, str] | None = None,
                 **fields):
    """Fetch the article, then post the form with *fields* over the defaults."""
    data = {**GOOD, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    payload = {**(tokens if tokens is not None else form_tokens(client, slug)), **data}
    return client.post(f"/articles/{slug}/comments", data=payload)
