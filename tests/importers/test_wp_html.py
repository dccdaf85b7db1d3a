"""WordPress bodies made explicit (autop) and written so Markdown leaves them alone."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from blogapp.importers.wp_html import article_body, autop, markdown_inert, wordpress_content
from blogapp.sanitize import render_article

CLASSIC = [
    "Text",
    "One\ntwo\n\nThree",
    "<h2>Head</h2>\nText\n\n<ul>\n<li>a\nb</li>\n</ul>",
    "<blockquote>Q</blockquote>",
    "<div>one\n\ntwo</div>",
    "<pre>a\n\n b</pre>\n\nafter",
    "<p>x<br />\ny</p>",
    "<table><tr><td>cell\ntwo</td></tr></table>",
    "Inline <em>one\ntwo</em> and <img src='https://x/y.png'>",
]


@pytest.mark.parametrize("content", CLASSIC)
def test_autop_is_idempotent(content):
    once = autop(content)
    assert autop(once) == once


@pytest.mark.parametrize("content", CLASSIC)
def test_the_stored_body_has_no_blank_line_outside_pre_and_renders_as_html(content):
    body = article_body(content)
    assert "\n\n" not in body
    assert render_article(body) == render_article(markdown_inert(autop(content)))
    assert "<code>" not in render_article(body) or "<code>" in content


MARKDOWNISH = st.text(alphabet=st.sampled_from(list("ab *_#>-1.`[]()\n    <p>")), max_size=80)


@settings(max_examples=150, deadline=None)
@given(MARKDOWNISH)
def test_markdown_syntax_in_a_wordpress_body_stays_text(content):
    html = render_article(article_body(content))
    for tag in ("<em>", "<strong>", "<h2>", "<ol>", "<ul>", "<code>", "<hr>"):
        assert tag not in html, (content, html)


# Whole tags too: an inline element around a block (HTML lets a link hold a paragraph)
# or across a blank line, as hand-written WordPress bodies have them.
TAGGED = st.lists(st.sampled_from(["a", "b", " ", "\n", "\n\n", "<", "<p>", "</p>", "<a>",
                                   '<a href="https://x.example/">', "</a>", "<b>", "</b>",
                                   "<div>", "</div>", "<br>"]), max_size=24).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n<>/p")), max_size=60))
@example("<a>\n\n<")  # found by this test on 2026-12-04: each round made another empty link
@example('<a href="https://x.example/">\n\n<p>A card</p>\n\n</a>')
def test_an_exported_body_imports_back_to_itself(content):
    html = render_article(article_body(content))
    again = render_article(article_body(wordpress_content(html)))
    assert render_article(article_body(wordpress_content(again))) == again


@settings(max_examples=150, deadline=None)
@given(TAGGED)
@example("<b>one\n\ntwo</b>")  # bold across two paragraphs stays two paragraphs
def test_an_exported_body_of_whole_tags_imports_back_to_itself(content):
    html = render_article(article_body(content))
    again = render_article(article_body(wordpress_content(html)))
    assert render_article(article_body(wordpress_content(again))) == again


@pytest.mark.parametrize(("content", "paragraphs"), [
    ("<b>one\n\ntwo</b>", 2),  # as WordPress shows it: two bold paragraphs
    ('<a href="https://x.example/">\n\n<p>A card</p>\n\n</a>', 1),  # the link holds it
])
def test_inline_elements_across_paragraphs_keep_the_paragraphs(content, paragraphs):
    assert render_article(article_body(content)).count("<p>") == paragraphs
