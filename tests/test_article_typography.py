"""Articles' typography and library images, at the renderer (no HTTP): smart quotes and
dashes outside code, srcset/sizes/width/height exactly as the media library emits them,
and nothing else of the kind through the allow-list."""

from __future__ import annotations

import re

import pytest

from blogapp.sanitize import (
    ARTICLE_IMAGE_SIZES,
    LibraryImage,
    render_article,
    summarize,
    typeset_text,
)

DIGEST = "0123456789abcdef0123456789abcdef"
IMAGES = {DIGEST: LibraryImage(
    ((f"/media/{DIGEST}-w640.jpg", 640, 427), (f"/media/{DIGEST}-w1280.jpg", 1280, 853),
     (f"/media/{DIGEST}.jpg", 3000, 2000)), alt="Library alt")}


@pytest.mark.parametrize(("markdown", "expected"), [
    ('"Night buses," she said.', "<p>“Night buses,” she said.</p>"),
    ("It's the city's plan.", "<p>It’s the city’s plan.</p>"),
    ("2026--2027 and a pause --- here...", "<p>2026–2027 and a pause — here…</p>"),
    ("'single'", "<p>‘single’</p>"),
    ("> \"Quoted\" words", "<blockquote>\n<p>“Quoted” words</p>\n</blockquote>"),
    ("## A \"Quiet\" Revolution", "<h2>A “Quiet” Revolution</h2>"),
])
def test_smart_quotes_and_dashes_in_text(markdown, expected):
    assert render_article(markdown).strip() == expected


@pytest.mark.parametrize(("markdown", "kept"), [
    ('Run `x = "a" -- b...`', '<code>x = "a" -- b...</code>'),
    ('```\nprint("hi") -- no\n```', 'print("hi") -- no'),
    ('    indented "code" -- block', 'indented "code" -- block'),
    ('[a "link"](https://example.com/a--b...c)', 'href="https://example.com/a--b...c"'),
    ('<abbr title="x">"raw"</abbr>', "<abbr"),
])
def test_code_urls_and_markup_keep_their_characters(markdown, kept):
    html = render_article(markdown).replace("&quot;", '"')
    if kept == "<abbr":  # abbr is not in the article allow-list: only its text stays
        assert "“raw”" in html
    else:
        assert kept in html


@pytest.mark.parametrize(("text", "expected"), [
    ('He said "no" -- twice...', "He said “no” – twice…"),
    ("*not emphasis* <b>not markup</b> [x](y)", "*not emphasis* <b>not markup</b> [x](y)"),
    ("", ""),
    ("  It's\nfine  ", "It’s\nfine"),
])
def test_excerpts_get_the_same_typography_as_plain_text(text, expected):
    assert typeset_text(text) == expected


def test_a_summary_is_the_opening_words_of_the_body():
    body = render_article(" ".join(f"word{i}," for i in range(80)))
    summary = summarize(body)
    assert summary.startswith("word0, word1,") and summary.endswith("word54…")
    assert summarize("<p>Short one.</p>") == "Short one."


def test_a_library_image_gets_its_renditions_and_size():
    html = render_article(f"Text ![Riders at dawn](/media/{DIGEST}.jpg) more.", IMAGES)
    assert f'src="/media/{DIGEST}-w1280.jpg"' in html
    assert (f'srcset="/media/{DIGEST}-w640.jpg 640w, /media/{DIGEST}-w1280.jpg 1280w, '
            f'/media/{DIGEST}.jpg 3000w"') in html
    assert f'sizes="{ARTICLE_IMAGE_SIZES}"' in html
    assert 'width="3000" height="2000"' in html and 'alt="Riders at dawn"' in html
    assert 'loading="lazy"' in html and "<figure>" not in html


def test_an_image_alone_with_a_title_becomes_a_figure_with_its_caption():
    html = render_article(f'![](/media/{DIGEST}.jpg "The depot at 2 a.m.")', IMAGES)
    assert html.startswith("<figure><img")
    assert 'alt="Library alt"' in html  # the Markdown gave none: the library's
    assert "<figcaption>The depot at 2 a.m.</figcaption></figure>" in html
    assert "title=" not in html


@pytest.mark.parametrize("markdown", [
    '<img src="https://x.example/a.jpg" srcset="https://evil.example/a.jpg 640w">',
    f'<img src="/media/{DIGEST}.jpg" srcset="/media/{DIGEST}.jpg 640w, //evil.example/a.jpg 2x">',
    f'<img src="/media/{DIGEST}.jpg" srcset="javascript:alert(1) 640w">',
    f'<img src="/media/{DIGEST}.jpg" srcset="/media/{DIGEST}.jpg 1x">',
    f'<img src="/media/{DIGEST}.jpg" srcset="/media/../admin 640w">',
    f'<img src="/media/{DIGEST}.jpg" srcset="">',
])
def test_srcset_passes_only_as_the_library_emits_it(markdown):
    assert "srcset" not in render_article(markdown, IMAGES)


@pytest.mark.parametrize(("markdown", "absent"), [
    (f'<img src="/media/{DIGEST}.jpg" sizes="100vw">', "sizes"),
    (f'<img src="/media/{DIGEST}.jpg" sizes="{ARTICLE_IMAGE_SIZES}, 1px">', "sizes"),
    ('<img src="/admin/users">', "src="),
    ('<img src="/media/../secret_key">', "src="),
    (f'<img src="/media/{DIGEST}.svg">', "src="),
    (f'<img src="/media/{DIGEST}.jpg?x=1">', "src="),
])
def test_relative_sources_and_sizes_pass_only_for_the_library(markdown, absent):
    assert absent not in render_article(markdown, IMAGES)


def test_an_unknown_library_key_stays_a_plain_image():
    other = "f" * 32
    html = render_article(f"![x](/media/{other}.png)", IMAGES)
    assert html == f'<p><img src="/media/{other}.png" alt="x" loading="lazy"></p>\n'
    assert not re.search(r"srcset|figure", html)
