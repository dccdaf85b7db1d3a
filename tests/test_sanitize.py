"""Table-driven specification of blogapp.sanitize: input -> expected property."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blogapp import sanitize
from blogapp.sanitize import (
    ARTICLE_TAGS,
    COMMENT_BLOCK_TAGS,
    COMMENT_TAGS,
    count_links,
    normalize_text,
    render_article,
    render_comment,
    render_excerpt,
    render_plain,
    strip_tags,
    visible_text,
)

COMMENT_ALLOWED = COMMENT_TAGS | COMMENT_BLOCK_TAGS
COMMENT_REL = ' rel="nofollow ugc noopener"'

# -- The safety checker -----------------------------------------------------------------

URL_ATTRIBUTES = frozenset(
    {"href", "src", "cite", "action", "formaction", "data", "poster", "background",
     "xlink:href", "ping", "lowsrc", "dynsrc", "srcdoc"}
)
FORBIDDEN_ATTRIBUTES = frozenset({"style", "srcset", "formaction", "srcdoc", "xlink:href"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
DANGEROUS_RAW_RE = re.compile(r"<\s*/?\s*(script|style|iframe|object|embed|svg|math|base)\b", re.I)
SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append((tag, []))

    def handle_comment(self, data: str) -> None:
        self.other.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.other.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.other.append(f"unknown declaration {data!r}")


def _url_problem(value: str, *, allow_relative: bool) -> str | None:
    squeezed = re.sub(r"[\x00-\x20\x7f-\x9f\s]", "", html.unescape(value)).lower()
    if squeezed.startswith(("javascript:", "data:", "vbscript:")):
        return "dangerous scheme"
    match = SCHEME_RE.match(squeezed)
    if match is None:
        return None if allow_relative else "relative URL"
    return None if match.group(1) in SAFE_SCHEMES else f"scheme {match.group(1)!r}"


def assert_safe_html(
    html_text: str, allowed_tags: frozenset[str], *, allow_relative: bool = False
) -> None:
    """Fail unless ``html_text`` holds only allowed tags and inert attributes and URLs."""
    assert DANGEROUS_RAW_RE.search(html_text) is None, f"raw dangerous tag in {html_text!r}"
    collector = _Collector()
    collector.feed(html_text)
    collector.close()
    assert collector.other == [], html_text
    for tag, attrs in collector.tags:
        assert tag in allowed_tags, f"tag <{tag}> in {html_text!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"handler {name} in {html_text!r}"
            assert name not in FORBIDDEN_ATTRIBUTES, f"attribute {name} in {html_text!r}"
            if name in URL_ATTRIBUTES:
                problem = _url_problem(value or "", allow_relative=allow_relative)
                assert problem is None, f"{problem}: {name}={value!r} in {html_text!r}"


def assert_safe_comment(html_text: str) -> None:
    assert_safe_html(html_text, COMMENT_ALLOWED)


def assert_safe_article(html_text: str) -> None:
    assert_safe_html(html_text, ARTICLE_TAGS, allow_relative=True)


@pytest.mark.parametrize(
    ("html_text", "message"),
    [
        ("<script>alert(1)</script>", "raw dangerous tag"),
        ("<form>x</form>", "tag <form>"),
        ("<b onclick=x>b</b>", "handler onclick"),
        ('<a href="java&#x09;script:alert(1)">x</a>', "dangerous scheme"),
        ('<a href="/local">x</a>', "relative URL"),
        ('<b style="color:red">b</b>', "attribute style"),
        ("<!-- c -->", "comment"),
    ],
)
def test_checker_catches_unsafe_html(html_text: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        assert_safe_html(html_text, frozenset({"a", "b"}))


# -- Hostile input never yields executable content --------------------------------------

HOSTILE = (
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    '<img srcset="javascript:alert(1) 1x">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><mtext><table><mglyph><style><!--</style><img title=\"--&gt;&lt;/mglyph&gt;"
    '&lt;img&Tab;src=1&Tab;onerror=alert(1)&gt;">',
    '<math href="javascript:alert(1)">x</math>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "<a href=javascript:alert(1)>unquoted</a>",
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="java&#x0A;script:alert(1)">x</a>',
    '<a href="java&#13;script:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java\x00script:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="jav&#x61;script:alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    '&#0000112&#0000116&#0000058alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="&#x1;javascript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="javascript://%0aalert(1)">x</a>',
    '<a href="javascript:alert(1)" href="https://x.example">duplicate</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="vbscript&#58;msgbox(1)">x</a>',
    '<a href="https://x.example" onclick="alert(1)">x</a>',
    '<a href="https://x.example" style="background:url(javascript:alert(1))">x</a>',
    '<a href="https://x.example" target="_blank" rel="opener">x</a>',
    '<a href="https://x.example" data-x="1" id="a" class="b">x</a>',
    '<a href="mailto:x@y.example?body=<script>alert(1)</script>">x</a>',
    '<blockquote cite="javascript:alert(1)">q</blockquote>',
    '<blockquote cite=" JAVA\tSCRIPT:alert(1)">q</blockquote>',
    '<q cite="data:text/html,x">q</q>',
    '<q cite="vbscript:msgbox(1)">q</q>',
    '<del datetime="2020" onmouseover=alert(1)>d</del>',
    '<abbr title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">x</abbr>',
    '<abbr title=""><script>alert(1)</script>">x</abbr>',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<img src="x` `<script>alert(1)</script>"` `>',
    "<b><i>unclosed",
    '<b style="background:url(javascript:alert(1))">x</b>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<plaintext><img src=x onerror=alert(1)>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<select><option><iframe></iframe><img src=x onerror=alert(1)></option></select>",
    "<table><td><img src=x onerror=alert(1)></td></table>",
    '<video poster="javascript:alert(1)"><source src=x onerror=alert(1)></video>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<!--><script>alert(1)</script>-->",
    "<!-- --!><script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<?xml version="1.0"?><script>alert(1)</script>',
    'https://x.example/"onmouseover="alert(1)',
    "www.example.com/<script>alert(1)</script>",
    "https://x.example/?q=<img src=x onerror=alert(1)>",
    '<a href="https://x.example/ javascript:alert(1)">x</a>',
)

MARKDOWN_HOSTILE = (
    "[x](javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '[x][ref]\n\n[ref]: <data:text/html,x> "t"',
    "![x][img]\n\n[img]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,x>",
    '[x](https://x.example "t\\" onmouseover=\\"alert(1)")',
    '![x](https://x.example/a.png "\\" onerror=\\"alert(1)")',
    "# <img src=x onerror=alert(1)>",
    "| <script>alert(1)</script> | x |\n|-|-|\n| <img src=x onerror=alert(1)> | y |",
    "> <iframe src=javascript:alert(1)>",
    '<div onclick="alert(1)">raw block</div>',
    'inline <a href="javascript:alert(1)">raw</a> link',
    '<img src="https://x.example/a.png" srcset="javascript:alert(1) 2x" onload="alert(1)">',
    "```html\n<script>alert(1)</script>\n```",
    "<script>alert(1)</script>",
)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_comment_is_inert(text: str) -> None:
    assert_safe_comment(render_comment(text))


@pytest.mark.parametrize("text", HOSTILE + MARKDOWN_HOSTILE)
def test_hostile_article_is_inert(text: str) -> None:
    assert_safe_article(render_article(text))


@pytest.mark.parametrize("text", HOSTILE)
def test_stored_comment_html_is_stable(text: str) -> None:
    stored = render_comment(text)
    assert render_comment(text) == stored
    assert sanitize._COMMENT_GATE.clean(stored) == stored


# -- Comments: allowed markup survives --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>bold</b>", "<b>bold</b>"),
        ("<strong>strong</strong>", "<strong>strong</strong>"),
        ("<em>em</em> <i>i</i>", "<em>em</em> <i>i</i>"),
        ("<code>x = 1</code>", "<code>x = 1</code>"),
        ("<cite>Title</cite>", "<cite>Title</cite>"),
        ("<s>s</s> <strike>strike</strike>", "<s>s</s> <strike>strike</strike>"),
        ('<del datetime="2020-01-01">old</del>', '<del datetime="2020-01-01">old</del>'),
        ('<abbr title="HyperText">HTML</abbr>', '<abbr title="HyperText">HTML</abbr>'),
        ('<acronym title="NASA">NASA</acronym>', '<acronym title="NASA">NASA</acronym>'),
        ('<q cite="https://a.example">q</q>', '<q cite="https://a.example">q</q>'),
        (
            '<blockquote cite="https://a.example">q</blockquote>',
            '<blockquote cite="https://a.example"><p>q</p></blockquote>',
        ),
        (
            '<a href="https://example.com" title="t">x</a>',
            f'<a href="https://example.com" title="t"{COMMENT_REL}>x</a>',
        ),
        ('<a href="mailto:me@example.com">m</a>', f'<a href="mailto:me@example.com"{COMMENT_REL}>'),
        ('<a href="HTTP://EXAMPLE.COM">x</a>', 'href="HTTP://EXAMPLE.COM"'),
    ],
)
def test_comment_keeps_allowed_markup(text: str, expected: str) -> None:
    assert expected in render_comment(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<div>text</div>", "<p>text</p>"),
        ("<h1>title</h1>", "<p>title</p>"),
        ("<span class='x'>kept</span>", "<p>kept</p>"),
        ("<p>typed</p><br>tags", "<p>typedtags</p>"),
        ("<script>gone()</script>kept", "<p>kept</p>"),
        ("<style>p{}</style><iframe>x</iframe>kept", "<p>kept</p>"),
        ('<a href="/relative">x</a>', f"<p><a{COMMENT_REL}>x</a></p>"),
        ('<a href="#anchor">x</a>', f"<p><a{COMMENT_REL}>x</a></p>"),
        ('<blockquote cite="/relative">q</blockquote>', "<blockquote><p>q</p></blockquote>"),
        ('<q cite="mailto:a@b.example">q</q>', "<p><q>q</q></p>"),
        ('<a href="https://x.example" rel="opener" target="_blank">x</a>',
         f'<p><a href="https://x.example"{COMMENT_REL}>x</a></p>'),
    ],
)
def test_comment_strips_disallowed_markup(text: str, expected: str) -> None:
    assert render_comment(text) == expected


# -- Comments: paragraphs and line breaks -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("   \n\n  ", ""),
        ("one line", "<p>one line</p>"),
        ("  padded  ", "<p>padded</p>"),
        ("a\n\nb", "<p>a</p><p>b</p>"),
        ("a\nb", "<p>a<br>b</p>"),
        ("a\r\n\r\nb\r\nc", "<p>a</p><p>b<br>c</p>"),
        ("a\n\n\n\nb", "<p>a</p><p>b</p>"),
        ("a\n \t\nb", "<p>a</p><p>b</p>"),
        ("<b>a\n\nb</b>", "<p><b>a</b></p><p><b>b</b></p>"),
        (
            "before\n<blockquote>q1\n\nq2</blockquote>\nafter",
            "<p>before</p><blockquote><p>q1</p><p>q2</p></blockquote><p>after</p>",
        ),
        ('<abbr title="a\n\nb">x</abbr>', '<p><abbr title="a\n\nb">x</abbr></p>'),
    ],
)
def test_comment_paragraphs(text: str, expected: str) -> None:
    assert render_comment(text) == expected


# -- Comments: bare URLs become links ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "links"),
    [
        (
            "see https://example.com/x?a=1&b=2 now",
            f'<p>see <a href="https://example.com/x?a=1&amp;b=2"{COMMENT_REL}>'
            "https://example.com/x?a=1&amp;b=2</a> now</p>",
            1,
        ),
        ("http://a.example and https://b.example", 'href="https://b.example"', 2),
        ("www.example.com", f'<a href="https://www.example.com"{COMMENT_REL}>www.example.com</a>',
         1),
        ("end https://x.example/a.", '<a href="https://x.example/a"', 1),
        ("(https://x.example/a_(b))", '(<a href="https://x.example/a_(b)"', 1),
        ("(see https://x.example/a)", '<a href="https://x.example/a"', 1),
        (
            '<a href="https://x.example">https://y.example</a>',
            f'<p><a href="https://x.example"{COMMENT_REL}>https://y.example</a></p>',
            1,
        ),
        ("<code>https://x.example</code>", "<p><code>https://x.example</code></p>", 0),
        ('https://x.example/"onmouseover="alert(1)', 'href="https://x.example/"', 1),
        ("javascript:alert(1)", "<p>javascript:alert(1)</p>", 0),
        ("data:text/html,x vbscript:x", "<p>data:text/html,x vbscript:x</p>", 0),
        ("example.com readme.md", "<p>example.com readme.md</p>", 0),
        ("https:// and www.", "<p>https:// and www.</p>", 0),
        ("user@example.com",
         f'<p><a href="mailto:user@example.com"{COMMENT_REL}>user@example.com</a></p>', 1),
    ],
)
def test_comment_linkifies_bare_urls(text: str, expected: str, links: int) -> None:
    rendered = render_comment(text)
    assert expected in rendered
    assert count_links(rendered) == links


# -- Comments: links to the site, relative links, email addresses ------------------------

SITE = "http://blog.test"
SITE_REL = ' rel="ugc noopener"'


@pytest.mark.parametrize(
    ("site", "text", "expected"),
    [
        # The site's own links are followed: same scheme, host and port as SITE_URL.
        (SITE, '<a href="http://blog.test/about">a</a>', f'href="http://blog.test/about"{SITE_REL}'),
        (SITE, "see http://blog.test/x", f'href="http://blog.test/x"{SITE_REL}'),
        (SITE, '<a href="HTTP://BLOG.TEST/x">a</a>', f'href="HTTP://BLOG.TEST/x"{SITE_REL}'),
        (SITE, '<a href="http://blog.test:80/">a</a>', f'href="http://blog.test:80/"{SITE_REL}'),
        ("https://blog.test/", "https://blog.test/a", f'href="https://blog.test/a"{SITE_REL}'),
        # ... anything else is not the site.
        (SITE, "https://blog.test/a", f'href="https://blog.test/a"{COMMENT_REL}'),
        (SITE, "http://blog.test:8080/a", f'href="http://blog.test:8080/a"{COMMENT_REL}'),
        (SITE, "http://www.blog.test/a", f'href="http://www.blog.test/a"{COMMENT_REL}'),
        (SITE, "http://blog.test.evil.example/", COMMENT_REL),
        (SITE, '<a href="http://blog.test@evil.example/">a</a>', COMMENT_REL),
        (SITE, '<a href="http://evil.example\\@blog.test/">a</a>', COMMENT_REL),
        (SITE, '<a href="http://blog.test%2Eevil.example/">a</a>', COMMENT_REL),
        (None, "http://blog.test/x", f'href="http://blog.test/x"{COMMENT_REL}'),
        # Relative links keep their target, made absolute to the site.
        (SITE, '<a href="/about">a</a>', f'href="http://blog.test/about"{SITE_REL}'),
        (SITE, '<a href="page.html">a</a>', f'href="http://blog.test/page.html"{SITE_REL}'),
        (SITE, '<a href="#frag">a</a>', f'href="http://blog.test/#frag"{SITE_REL}'),
        (SITE, '<a href="?q=1">a</a>', f'href="http://blog.test/?q=1"{SITE_REL}'),
        (SITE, '<a href="../../etc">a</a>', f'href="http://blog.test/etc"{SITE_REL}'),
        ("https://example.org/blog", '<a href="page.html">a</a>',
         f'href="https://example.org/blog/page.html"{SITE_REL}'),
        ("https://example.org/blog/", '<a href="/about">a</a>',
         f'href="https://example.org/about"{SITE_REL}'),
        # ... but a network path is another site, as a browser reads it.
        (SITE, '<a href="//evil.example/x">a</a>', f'href="http://evil.example/x"{COMMENT_REL}'),
        (SITE, '<a href="/\\evil.example">a</a>', f'href="http://evil.example/"{COMMENT_REL}'),
        (None, '<a href="/about">a</a>', f"<a{COMMENT_REL}>a</a>"),
        (SITE, '<a href="javascript:alert(1)">a</a>', f"<a{COMMENT_REL}>a</a>"),
        # Bare email addresses become mailto: links, as make_clickable makes them.
        (SITE, "write to ann@example.org.",
         f'<a href="mailto:ann@example.org"{COMMENT_REL}>ann@example.org</a>.'),
        (SITE, "mail Ann.Lee+blog@mail.example.co.uk, thanks",
         f'<a href="mailto:Ann.Lee+blog@mail.example.co.uk"{COMMENT_REL}>'),
        (SITE, "<b>ann@example.org</b>", '<b><a href="mailto:ann@example.org"'),
        (SITE, "ask @ann on social", "<p>ask @ann on social</p>"),
        (SITE, "ann@localhost", "<p>ann@localhost</p>"),
        (SITE, "x@y.z", "<p>x@y.z</p>"),
        (SITE, "mailto:ann@example.org", "<p>mailto:ann@example.org</p>"),
        (SITE, "<code>ann@example.org</code>", "<p><code>ann@example.org</code></p>"),
        (SITE, '<a href="https://x.example">ann@example.org</a>',
         f'<a href="https://x.example"{COMMENT_REL}>ann@example.org</a>'),
        (SITE, "https://ann@x.example/", 'href="https://ann@x.example/"'),
    ],
)
def test_comment_links_to_the_site_relative_links_and_emails(
    site: str | None, text: str, expected: str
) -> None:
    rendered = render_comment(text, site)
    assert expected in rendered
    assert_safe_comment(rendered)


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("ann@example.org and bob@example.org", 2),
        ('<a href="mailto:ann@example.org">write</a> https://x.example', 2),
        ('<a href="/about">a</a> <a href="#top">b</a>', 2),
        ('<a title="t" href="https://x.example">x</a>', 1),
        ("ask @ann", 0),
    ],
)
def test_email_and_relative_links_count_toward_the_link_rule(text: str, links: int) -> None:
    """WordPress counts what make_clickable made, mailto links included."""
    assert count_links(render_comment(text, SITE)) == links


# -- Comments: text stays text ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 < 2 & 3 > 2", "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"),
        ("a <notatag> b", "<p>a  b</p>"),
        ("&lt;b&gt; is a tag", "<p>&lt;b&gt; is a tag</p>"),
        ("\"quotes\" and 'apostrophes'", "<p>\"quotes\" and 'apostrophes'</p>"),
        ("caf\u00e9 \u2603 \U0001f600", "<p>caf\u00e9 \u2603 \U0001f600</p>"),
        ("x&#1;y&#0;z", "<p>xy\ufffdz</p>"),
    ],
)
def test_comment_escapes_text(text: str, expected: str) -> None:
    assert render_comment(text) == expected


# -- normalize_text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "multiline", "expected"),
    [
        ("e\u0301", False, "\u00e9"),
        ("a\x00b", False, "ab"),
        ("a\x00b", True, "ab"),
        ("a\x07b\x1bc\x7fd", True, "abcd"),
        ("a\x85b\x9bc", False, "abc"),
        ("a\ud800b\udfffc", False, "abc"),
        ("a\r\nb", True, "a\nb"),
        ("a\rb", True, "a\nb"),
        ("a\u2028b\u2029c", True, "a\nb\nc"),
        ("a\nb", False, "a b"),
        ("a\r\nb", False, "a b"),
        ("a\tb", False, "a b"),
        ("a\tb", True, "a\tb"),
        ("  a b  ", False, "a b"),
        ("\n\n a\n\nb \n", True, "a\n\nb"),
        ("\u00a0a\u3000", False, "a"),
        ("a\u200bb", False, "a\u200bb"),  # zero-width characters are kept on purpose
        ("\U0001f469\u200d\U0001f4bb", False, "\U0001f469\u200d\U0001f4bb"),
        ("", True, ""),
        # Stream-safe (UAX #15): a combining grapheme joiner after every 30 marks in a row.
        ("a" + "\u0301" * 30, False, unicodedata.normalize("NFC", "a" + "\u0301" * 30)),
        ("a" + "\u0316\u0301" * 16, False,
         unicodedata.normalize("NFC", "a" + "\u0316\u0301" * 15 + "\u034f\u0316\u0301")),
        ("a" + "\u0f73" * 31, False, unicodedata.normalize("NFC", "a" + "\u0f73" * 30)
         + "\u034f" + "\u0f71\u0f72"),
    ],
)
def test_normalize_text(value: str, multiline: bool, expected: str) -> None:
    assert normalize_text(value, multiline=multiline) == expected


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(st.sampled_from("a\u0301\u0316\u05b0\u0f73\u034f\u00e9 \n")))
def test_normalize_text_is_idempotent_and_bounds_runs_of_marks(value: str) -> None:
    once = normalize_text(value, multiline=True)
    assert normalize_text(once, multiline=True) == once
    decomposed = unicodedata.normalize("NFD", once)
    run = longest = 0
    for char in decomposed:
        run = run + 1 if unicodedata.combining(char) else 0
        longest = max(longest, run)
    assert longest <= 60  # 30 characters of at most two marks each


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>half</b>way", "halfway"),
        ("&#104;alfway", "halfway"),
        ("&amp;#104;alfway", "&#104;alfway"),
        ("<i>Half</i><!-- x -->Way", "HalfWay"),
        ("half<br>way", "halfway"),
        ("<script>casino</script>ok", "ok"),
        ("x < y &amp; z", "x < y & z"),
        ("caf\u0065\u0301", "caf\u00e9"),
    ],
)
def test_visible_text_is_what_the_comment_reads(text: str, expected: str) -> None:
    assert visible_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("plain", "<p>plain</p>"),
        ("<b>x</b> & https://x.example", "<p>&lt;b&gt;x&lt;/b&gt; &amp; https://x.example</p>"),
        ("a\nb\n\n\nc", "<p>a<br>b</p><p>c</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ],
)
def test_render_plain_escapes_everything(text: str, expected: str) -> None:
    rendered = render_plain(text)
    assert rendered == expected
    assert_safe_comment(rendered)


# -- Properties -------------------------------------------------------------------------

TRICKY_PIECES = st.sampled_from(
    [*'<>"\'=/&#;: \n\t', "a", "b", "x", "script", "img", "a ", "svg", "onerror", "javascript",
     "href=", "src=", "cite=", "<a ", "</a>", "<b>", "<blockquote", "&#x6a;", "&#9;", "\n\n",
     "https://x.example", "www.", "<!--", "-->", "style", "<math>", "data:"]
)
TRICKY_TEXT = st.lists(TRICKY_PIECES, max_size=30).map("".join)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None)


@PROPERTY_SETTINGS
@given(st.text())
def test_any_text_renders_to_a_stable_safe_comment(text: str) -> None:
    rendered = render_comment(text)
    assert_safe_comment(rendered)
    assert render_comment(text) == rendered


@PROPERTY_SETTINGS
@given(TRICKY_TEXT)
def test_tricky_text_renders_to_a_stable_safe_comment(text: str) -> None:
    rendered = render_comment(text)
    assert_safe_comment(rendered)
    assert render_comment(text) == rendered
    assert sanitize._COMMENT_GATE.clean(rendered) == rendered


@PROPERTY_SETTINGS
@given(st.one_of(st.text(), TRICKY_TEXT))
def test_any_text_renders_to_a_safe_article(text: str) -> None:
    assert_safe_article(render_article(text))


REL_RE = re.compile(r"<a\b([^>]*)>")


LINK_PIECES = st.sampled_from(
    ["http://blog.test/", "https://blog.test", "//blog.test", "http://BLOG.test:80/",
     "http://blog.test:81", "www.blog.test", "a@b.example", "/x", "#f", "?q", "..", "\\\\",
     "@", "evil.example", '<a href="', '">', "</a>", " ", "<code>", "</code>", ":", "x"]
)


@PROPERTY_SETTINGS
@given(st.lists(st.one_of(LINK_PIECES, TRICKY_PIECES), max_size=25).map("".join))
def test_every_link_carries_rel_and_only_the_site_is_followed(text: str) -> None:
    rendered = render_comment(text, SITE)
    for attributes in REL_RE.findall(rendered):
        href = re.search(r'href="([^"]*)"', attributes)
        rel = re.search(r'rel="([^"]*)"', attributes)
        assert rel is not None, rendered
        own = href is not None and re.fullmatch(
            r"http://blog\.test(?::80)?(?:[/?#][^\\\\]*)?", html.unescape(href.group(1)), re.I)
        assert ("nofollow" in rel.group(1)) is (not own), rendered


# -- Articles ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# Title", "<h2>Title</h2>"),
        ("## Section", "<h2>Section</h2>"),
        ("### Sub\n\n###### Deep", "<h3>Sub</h3>\n<h6>Deep</h6>"),
        ("<h1>raw</h1>", "raw"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("```python\nif a < b:\n    pass\n```", "<pre><code>if a &lt; b:\n    pass\n</code></pre>"),
        ("`x<y`", "<code>x&lt;y</code>"),
        ("*em* **strong** ~~gone~~", "<em>em</em> <strong>strong</strong> <s>gone</s>"),
        ("a\\\nb", "a<br>\nb"),
        ("---", "<hr>"),
        ("|a|b|\n|-|:-|\n|1|2|", '<th>a</th>\n<th>b</th>'),
        ("|a|b|\n|-|:-|\n|1|2|", "<td>2</td>"),
        ("x<sup>2</sup> H<sub>2</sub>O", "x<sup>2</sup> H<sub>2</sub>O"),
        (
            "<figure><img src=\"https://x.example/a.png\"><figcaption>c</figcaption></figure>",
            "<figcaption>c</figcaption></figure>",
        ),
        (
            '[home](https://example.com "Home")',
            '<a href="https://example.com" title="Home" rel="noopener">home</a>',
        ),
        ("[about](/about)", '<a href="/about" rel="noopener">about</a>'),
        ("[top](#top)", '<a href="#top" rel="noopener">top</a>'),
        ("[mail](mailto:me@example.com)", 'href="mailto:me@example.com"'),
        ("<https://example.com>", '<a href="https://example.com" rel="noopener">'),
        (
            '![alt](https://x.example/a.png "t")',
            '<img src="https://x.example/a.png" alt="alt" title="t" loading="lazy">',
        ),
        ('<img src="https://x.example/a.png" width="10" height="20" alt="a">', 'width="10"'),
        ("![alt](javascript:alert(1))", "![alt](javascript:alert(1))"),
        ("![alt](data:image/png;base64,iVBORw0KGgo=)", 'alt="alt"'),
        ("![alt](/local.png)", 'alt="alt"'),
        ("before <script>alert(1)</script> after", "<p>before  after</p>"),
        ('<div class="x" onclick="alert(1)">raw</div>', "raw"),
    ],
)
def test_render_article(markdown: str, expected: str) -> None:
    assert expected in render_article(markdown)


@pytest.mark.parametrize(
    ("markdown", "absent"),
    [
        ("# Title", "<h1"),
        ("[x](javascript:alert(1))", "href"),
        ("![x](javascript:alert(1))", "src="),
        ("![x](data:image/png;base64,iVBORw0KGgo=)", "src="),
        ("![x](mailto:a@b.example)", "src="),
        ("![x](/local.png)", "src="),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "href"),
        ("<script>alert(1)</script>", "alert"),
        ('<img src="https://x.example/a.png" onerror="alert(1)">', "onerror"),
        ("```py\nx\n```", "class="),
    ],
)
def test_render_article_drops(markdown: str, absent: str) -> None:
    assert absent not in render_article(markdown)


# -- Excerpts, plain text, link counting ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("plain", "<p>plain</p>"),
        ("<b>not bold</b> & \"q\"", "<p>&lt;b&gt;not bold&lt;/b&gt; &amp; &quot;q&quot;</p>"),
        (" line one\nline two\x00 ", "<p>line one line two</p>"),
    ],
)
def test_render_excerpt(text: str, expected: str) -> None:
    assert render_excerpt(text) == expected


@pytest.mark.parametrize(
    ("html_text", "expected"),
    [
        ("", ""),
        ("<p>1 &lt; 2 &amp; 3</p>", "1 < 2 & 3"),
        ("<p>one</p><p>two</p>", "one two"),
        ("a<br>b", "a b"),
        ("<h2>T</h2>\n<ul><li>x</li><li>y</li></ul>", "T x y"),
        ("<b>bo</b>ld", "bold"),
        ("keep<script>alert(1)</script><style>p{}</style>", "keep"),
        ("x<!-- hidden -->y", "xy"),
        ("&#1;z", "z"),
    ],
)
def test_strip_tags(html_text: str, expected: str) -> None:
    assert strip_tags(html_text) == expected


@pytest.mark.parametrize(
    ("html_text", "expected"),
    [
        ("", 0),
        ("<p>no links</p>", 0),
        ('<a href="https://a.example">a</a>', 1),
        ('<a rel="nofollow">no href</a>', 0),
        ('<a href="https://a.example">a</a> <a href="https://b.example">b</a>', 2),
        ('<abbr title="<a href=x>">t</abbr>', 0),
        (render_comment("https://a.example www.b.example"), 2),
        (render_comment('<a href="javascript:alert(1)">x</a>'), 0),
    ],
)
def test_count_links(html_text: str, expected: int) -> None:
    assert count_links(html_text) == expected


def test_module_does_not_import_flask() -> None:
    source = Path(sanitize.__file__).read_text(encoding="utf-8")
    assert re.search(r"^\s*(import|from)\s+flask\b", source, re.M | re.I) is None


@PROPERTY_SETTINGS
@given(st.one_of(st.text(), TRICKY_TEXT, st.lists(LINK_PIECES, max_size=20).map("".join)))
def test_rendered_comment_agrees_with_the_plain_functions(text: str) -> None:
    rendered = sanitize.rendered_comment(text, SITE)
    assert rendered.html == render_comment(text, SITE)
    assert rendered.text == visible_text(text)
    assert rendered.links == count_links(rendered.html)
