"""blogapp.html_limits, read as a specification: what bound_markup rewrites, and that nh3
reads everything else exactly as it would have read the input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blogapp import sanitize
from blogapp.html_limits import MAX_ATTRIBUTES, MAX_DEPTH, MAX_SPECIALS, bound_markup

CLEANERS = {"comment": sanitize._COMMENT_GATE, "article": sanitize._ARTICLE_GATE,
            "text": sanitize._TEXT_CLEANER}


def attributes(n: int) -> str:
    return "".join(f" a{i}" for i in range(n))


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param("plain <b>text</b> &amp; more", "plain <b>text</b> &amp; more",
                     id="within-limits-unchanged"),
        # An "&" that starts no character reference: spelled &amp;, read the same.
        pytest.param("Q&A && x", "Q&amp;A &amp;&amp; x", id="bare-ampersands"),
        pytest.param("&#x&#;&#z", "&amp;#x&amp;#;&amp;#z", id="numbers-without-digits"),
        pytest.param("&am &zz; &1", "&amp;am &amp;zz; &amp;1", id="names-that-match-nothing"),
        pytest.param("&amp; &not &notin; &#65; &#x41;", "&amp; &not &notin; &#65; &#x41;",
                     id="references-kept"),
        pytest.param('<b title="&amp=1 &notx &amp;">&ampx</b>',
                     '<b title="&amp;amp=1 &amp;notx &amp;">&ampx</b>',
                     id="attribute-keeps-legacy-reference-literally"),
        # Foreign content and select lose their start tag.
        pytest.param("<svg><g>x</g></svg><MATH>y</MATH><select>z</select>",
                     "<!----><g>x</g></svg><!---->y</MATH><!---->z</select>",
                     id="svg-math-select-start-tags"),
        pytest.param(f"</b{attributes(MAX_ATTRIBUTES + 1)}>", "</b>",
                     id="end-tag-attributes-dropped"),
        pytest.param(f"<b{attributes(MAX_ATTRIBUTES)}>", f"<b{attributes(MAX_ATTRIBUTES)}>",
                     id="attributes-at-the-limit"),
        pytest.param(f"<b{attributes(MAX_ATTRIBUTES + 1)}>",
                     f"&lt;b{attributes(MAX_ATTRIBUTES + 1)}>", id="attributes-over-the-limit"),
        pytest.param('<b title="' + "°" * MAX_SPECIALS + '">', '<b title="' + "°" * MAX_SPECIALS
                     + '">', id="attribute-value-at-the-limit"),
        pytest.param('<b title="' + "°" * (MAX_SPECIALS + 1) + '">',
                     '&lt;b title="' + "°" * MAX_SPECIALS + "<!---->°\">",
                     id="attribute-value-over-the-limit-is-text"),
        pytest.param("°" * MAX_SPECIALS * 2 + "x",
                     "°" * MAX_SPECIALS + "<!---->" + "°" * MAX_SPECIALS + "x",
                     id="long-text-split-in-nodes"),
        pytest.param("<b>" + "°" * MAX_SPECIALS + "</b>" + "°" * MAX_SPECIALS,
                     "<b>" + "°" * MAX_SPECIALS + "</b>" + "°" * MAX_SPECIALS,
                     id="text-nodes-counted-apart"),
        pytest.param("<style>" + "°" * 600 + "</style>", "<style>" + "°" * 600 + "</style>",
                     id="raw-text-not-split"),
    ],
)
def test_rewrites(html: str, expected: str) -> None:
    assert bound_markup(html) == expected


def kept(unit: str, times: int = 400) -> int:
    """How many repetitions of *unit* keep all their tags (the rest start with "&lt;")."""
    bounded = bound_markup(unit * times)
    first = bounded.find("&lt;")
    return times if first == -1 else first // len(unit)


@pytest.mark.parametrize(
    ("unit", "repetitions"),
    [
        pytest.param("<div>", MAX_DEPTH, id="unclosed-divs"),
        pytest.param("<ul><li>", MAX_DEPTH // 2, id="unclosed-lists"),
        pytest.param("<b></b>", 400, id="closed-tags-free-their-level"),
        pytest.param("<br><img><hr>", 400, id="void-elements-never-nest"),
        pytest.param("<p></P >", 400, id="end-tag-names-any-case"),
        pytest.param('<b title="</b>">', MAX_DEPTH, id="end-tag-in-an-attribute"),
        pytest.param("<b x=</b>>", MAX_DEPTH, id="end-tag-in-an-unquoted-value"),
        pytest.param("<b><!--</b>-->", MAX_DEPTH, id="end-tag-in-a-comment"),
        pytest.param("<b><?</b>", MAX_DEPTH, id="end-tag-in-a-bogus-comment"),
        pytest.param("<b><![CDATA[</b>]]>", MAX_DEPTH, id="end-tag-in-cdata"),
        # (The raw text element takes a level of its own while it is open.)
        pytest.param("<b><style></b></style>", MAX_DEPTH - 1, id="end-tag-in-raw-text"),
        pytest.param("<b><textarea></b></textarea>", MAX_DEPTH - 1, id="end-tag-in-rcdata"),
        pytest.param("<b><script><!--<script></script></b>--></script>", MAX_DEPTH - 1,
                     id="end-tag-in-double-escaped-script"),
        pytest.param("<style><div><div><div></style>", 400, id="tags-in-raw-text-are-text"),
        pytest.param("<script><!-- <div> --></script><i></i>", 400,
                     id="tags-in-script-are-text"),
        pytest.param("<b/>", MAX_DEPTH, id="self-closing-html-still-nests"),
        pytest.param("<b\u00a0x></b>", MAX_DEPTH, id="tag-names-end-at-ascii-space-only"),
        pytest.param("<aİ></ai\u0307>", MAX_DEPTH, id="tag-names-lowercase-ascii-only"),
    ],
)
def test_nesting_is_counted_as_the_tokenizer_reads_it(unit: str, repetitions: int) -> None:
    assert kept(unit) == repetitions


def test_svg_children_nest_as_html_once_svg_loses_its_tag() -> None:
    assert bound_markup("<svg><g/>" * 400).count("&lt;g/>") == 400 - MAX_DEPTH


@pytest.mark.parametrize("html", [
    "<b><plaintext>" + "<b>" * 500, "<b x='" + "<b>" * 500, "<b><!--" + "<b>" * 500,
])
def test_nothing_after_the_end_of_the_markup_counts(html: str) -> None:
    assert bound_markup(html) == html


TRICKY = st.sampled_from([
    "<", ">", '"', "'", "=", "/", " ", "\n", "\t", "\f", "a", "x", "&", "#", ";", "amp", "not",
    "ampx", "amp=", "&amp", "&not", "°", "\u00a0", "<b>", "</b>", "<i>", "<a href=\"", "<!--",
    "-->", "--!>", "<!", "<?", "</", "<script>", "</script>", "<style>", "</style>",
    "<textarea>", "</textarea>", "<![CDATA[", "]]>", "<template>", "<plaintext>", "<p>",
    "</p>", "<div>", "</div>", "<table>", "<td>", "<br>", "</br>", "<title>", "</title>",
    "<xmp>", "</xmp>", "<noscript>", "<iframe>", "</iframe>", "ſ", "K", "<STYLE>",
    "</STYLE >", "title=", "x=", "<SCRIPT/", "</script ",
])


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(TRICKY, max_size=40).map("".join), st.sampled_from(sorted(CLEANERS)))
def test_nh3_reads_bounded_markup_as_it_reads_the_input(html: str, cleaner: str) -> None:
    """Within the limits only spelling changes (``&`` as ``&amp;``), so nh3's output is the
    same; svg, math and select are left out here, since they lose their tag."""
    clean = CLEANERS[cleaner].clean
    assert clean(bound_markup(html)) == clean(html)


@settings(max_examples=50, deadline=None, database=None)
@given(st.lists(st.sampled_from(["°", "£", "\u00a0", "&", "&amp;", "&deg;", "a", " ", "<b>",
                                 "</b>", "&ampx", '<abbr title="°&amp=">', "</abbr>"]),
                min_size=300, max_size=3000).map("".join))
def test_splitting_long_text_changes_nothing(html: str) -> None:
    for cleaner in CLEANERS.values():
        assert cleaner.clean(bound_markup(html)) == cleaner.clean(html)
