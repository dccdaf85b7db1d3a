"""Every input path runs in time linear in its size.

Each shape below is an input that made some step of blogapp quadratic (or would, in a
naive implementation): the linkifier's trailing-punctuation trim, html5ever's nesting,
attributes, failed references and output escaping, Unicode normalization of long runs
of combining marks, the email and URL parsers behind a length check that did not stop.
Each runs through the real entry function of its path at two sizes eight times apart;
the larger may cost at most RATIO times the smaller (the best of several runs of process
time, so other processes on the machine do not count). Markdown costs ~20 µs a character
whatever its shape, so article shapes are measured at 1 and 8 KB to keep this quick.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pytest
from werkzeug.datastructures import MultiDict

from blogapp import create_app
from blogapp.comments.forms import CommentForm
from blogapp.comments.pipeline import with_rendering
from blogapp.comments.policy import AkismetVerdict, DiscussionSettings, History, Submission, decide
from blogapp.sanitize import normalize_text, render_article

KB = 1024
NOW = datetime(2026, 1, 1)
RATIO = 16
SITE = "http://blog.test"


def fill(unit: str, size: int) -> str:
    """Repeat *unit* to exactly *size* characters."""
    return (unit * (size // len(unit) + 1))[:size]


def then(head: str, unit: str) -> Callable[[int], str]:
    return lambda size: head + fill(unit, size - len(head))


def repeat(unit: str) -> Callable[[int], str]:
    return lambda size: fill(unit, size)


def cost(run: Callable[[str], object], value: str, samples: int) -> float:
    """Return the least process time one call took, over *samples* timings of >= 5 ms."""
    started = time.process_time()
    run(value)
    first = time.process_time() - started
    loops = max(1, math.ceil(0.005 / max(first, 1e-6)))
    best = first if loops == 1 else math.inf
    for _ in range(samples - (loops == 1)):
        started = time.process_time()
        for _ in range(loops):
            run(value)
        best = min(best, (time.process_time() - started) / loops)
    return best


def assert_linear(run: Callable[[str], object], make: Callable[[int], str],
                  small: int = 8 * KB) -> None:
    large = 8 * small
    small_cost = cost(run, make(small), samples=3)
    large_cost = cost(run, make(large), samples=2)
    ratio = large_cost / small_cost
    assert ratio <= RATIO, (f"{large // KB} KB cost {large_cost * 1000:.1f} ms, "
                            f"{ratio:.1f}x the {small_cost * 1000:.2f} ms of {small // KB} KB")


# -- A comment's text: what the pipeline does with it once the cheap refusals passed ------

KEYS = DiscussionSettings(moderation_keys=("casino", "ｖｉａｇｒａ"), disallowed_keys=("halfway",))
BASE = Submission(article_id=1, parent_id=None, author="Ann", email="ann@example.org",
                  url="", content="", content_html="", ip="203.0.113.7", user_agent="UA",
                  link_count=0)


def comment_path(text: str) -> None:
    content = normalize_text(text, multiline=True)  # the form's filter
    submission = with_rendering(replace(BASE, content=content), SITE)
    decide(submission, KEYS, History(), AkismetVerdict.DISABLED, NOW)


COMMENT_SHAPES = {
    "url-then-close-parens": then("https://x.example/", ")"),
    "url-then-dots": then("https://x.example/", "."),
    "url-then-mixed-punctuation": then("https://x.example/(", ".,;:!?')*"),
    "many-bare-urls": repeat("https://a.example/x "),
    "many-emails": repeat("ann@example.org "),
    "email-with-endless-domain": then("x ann@", "b."),
    "www-runs": repeat("www."),
    "unclosed-divs": repeat("<div>"),
    "unclosed-lists": repeat("<ul><li>"),
    "unclosed-blockquotes": repeat("<blockquote>"),
    "spans-then-stray-end-tags": then("<span>" * 300, "</i>"),
    "formatting-reopened": repeat("<b><p></b>x"),
    "attributes-on-one-tag": lambda size: "<b" + "".join(
        f" a{i}" for i in range(size // 7)) + ">",
    "attributes-on-end-tags": lambda size: "</b" + "".join(
        f" a{i}" for i in range(size // 7)) + ">",
    "bare-ampersands": repeat("&"),
    "numbers-without-digits": repeat("&#x"),
    "legacy-reference-in-attribute": lambda size: '<abbr title="' + fill("&amp=", size) + '">',
    "latin-1-symbols": repeat("°"),
    "no-break-spaces": repeat("\u00a0"),
    "symbols-in-a-link": lambda size: '<a href="https://x.example/?' + fill("£&", size) + '">',
    "combining-marks": then("a", "\u0301\u0316"),
    "marks-from-decomposition": then("a", "\u0f73"),
    "unterminated-attribute-quote": then('<a title="', "x<b>"),
    "less-than-runs": repeat("<"),
    "comment-opens": repeat("<!--"),
    "blank-lines": repeat("\n \n"),
    "script-escapes": then("<script><!--<script>", "</b>"),
    "svg-nesting": then("<svg>", "<g>"),
    "table-cells": repeat("<table><td>"),
    "urls-in-markup": repeat("<b>https://x.example/</b>"),
}


@pytest.mark.parametrize("shape", sorted(COMMENT_SHAPES))
def test_comment_text_costs_linear_time(shape: str) -> None:
    assert_linear(comment_path, COMMENT_SHAPES[shape])


# -- An article's Markdown, as the editor's save and preview render it --------------------

def article_path(markdown: str) -> None:
    render_article(normalize_text(markdown, multiline=True, keep_indent=True))


ARTICLE_SHAPES = {
    "nested-brackets": lambda size: "[" * (size // 2) + "]" * (size - size // 2),
    "image-opens": repeat("!["),
    "link-opens": repeat("[a]("),
    "emphasis-runs": repeat("*_a"),
    "less-than-runs": repeat("<"),
    "backtick-runs": repeat("`a``"),
    "reference-definitions": repeat("[a]: b\n"),
    "list-nesting": lambda size: "".join(f"{'  ' * (i % 40)}- a\n" for i in range(size))[:size],
    "table-rows": then("|a|b|\n|-|-|\n", "|x|y|\n"),
    "blockquote-runs": repeat(">"),
    "raw-html-nesting": repeat("<div>"),
}


@pytest.mark.parametrize("shape", sorted(ARTICLE_SHAPES))
def test_article_markdown_costs_linear_time(shape: str) -> None:
    assert_linear(article_path, ARTICLE_SHAPES[shape], small=KB)


# -- The form's fields: filters and validators, even for a value far over its limit --------

FIELD_SHAPES = {
    ("author", "combining-marks"): then("a", "\u0301\u0316"),
    ("author", "tags"): repeat("<b>"),
    ("email", "letters"): then("@example.org", "a"),
    ("email", "spaces"): then("a@b.example", " "),
    ("email", "combining-marks"): then("a@b.example", "\u0301\u0316"),
    ("url", "open-bracket"): then("http://[", ":"),
    ("url", "close-parens"): then("http://x.example/", ")"),
    ("url", "no-scheme"): repeat("x."),
    ("comment", "combining-marks"): then("a", "\u0301\u0316"),
}


@pytest.fixture(scope="module")
def form_app(tmp_path_factory):
    return create_app({"TESTING": True, "SECRET_KEY": "linear-time-test-key",
                       "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))})


@pytest.mark.parametrize(("field", "shape"), sorted(FIELD_SHAPES))
def test_form_fields_cost_linear_time(form_app, field: str, shape: str) -> None:
    good = {"comment": "Hello", "author": "Ann", "email": "ann@example.org", "url": ""}

    def validate(value: str) -> None:
        with form_app.test_request_context(method="POST"):
            CommentForm(formdata=MultiDict({**good, field: value})).validate()

    assert_linear(validate, FIELD_SHAPES[(field, shape)])


# -- The moderation queue's search box -----------------------------------------------------

SEARCH_SHAPES = {"percents-and-quotes": repeat("%'_\\"),
                 "combining-marks": then("a", "\u0301\u0316")}


def test_queue_search_costs_linear_time(app, client, staff) -> None:
    staff.login_as("moderator")

    def search(q: str) -> None:
        assert client.get("/admin/comments", query_string={"q": q}).status_code == 200

    for make in SEARCH_SHAPES.values():  # the query string's parsing is most of it
        assert_linear(search, make, small=2 * KB)
