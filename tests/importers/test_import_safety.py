"""Hostile and broken files: refused with a message naming the item, nothing half-imported."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from blogapp.extensions import db
from blogapp.models import Article, Comment, ImportRecord
from tests.importers.files import (
    disqus,
    disqus_post,
    disqus_thread,
    run,
    write,
    wxr,
    wxr_comment,
    wxr_item,
)

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Article, Comment, ImportRecord))


def with_doctype(doctype: str, entity: str, root: str = "wordpress") -> str:
    if root == "wordpress":
        body = wxr(wxr_item(1, title=entity, content=entity,
                            comments=[wxr_comment(1, content="x")]))
    else:
        body = disqus(disqus_thread(1, "http://blog.test/articles/a"),
                      disqus_post(1, 1, message=entity))
    body = body.replace("<![CDATA[" + entity + "]]>", entity)
    return doctype + body.split("\n", 1)[1]


@pytest.mark.parametrize("kind", ["wordpress", "disqus"])
def test_billion_laughs_is_refused_unexpanded(app, runner, tmp_path, kind):
    path = write(tmp_path, with_doctype(LAUGHS, "&lol9;", kind))
    result = run(runner, "import", kind, path)
    assert result.exit_code != 0
    assert "declares a DOCTYPE" in result.output and "line" in result.output
    assert "lollol" not in result.output
    assert counts(app) == (0, 0, 0)


BROKEN_DOCTYPES = [  # the parser stops inside them, before any element, on every libxml2
    ("""<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY broken >\n]>\n""", 2),
    ("""<?xml version="1.0"?>\n<!-- an export -->\n<!DOCTYPE rss [\n <!ELEMENT rss (\n]>\n""", 3),
]


@pytest.mark.parametrize("kind", ["wordpress", "disqus"])
@pytest.mark.parametrize(("doctype", "line"), BROKEN_DOCTYPES, ids=["entity", "element"])
def test_a_doctype_the_parser_stops_in_is_refused_as_a_doctype(app, runner, tmp_path, kind,
                                                              doctype, line):
    path = write(tmp_path, with_doctype(doctype, "plain", kind))
    result = run(runner, "import", kind, path)
    assert result.exit_code != 0
    assert "declares a DOCTYPE" in result.output and "not well-formed" not in result.output
    assert f"line {line}:" in result.output
    assert counts(app) == (0, 0, 0)


@pytest.fixture
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request (it must get none)."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY secret "FETCHED">')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", ["wordpress", "disqus"])
@pytest.mark.parametrize("shape", ["file entity", "network entity", "external DTD",
                                   "parameter entity"])
def test_external_entities_are_never_read_or_fetched(app, runner, tmp_path, dtd_server,
                                                     kind, shape):
    base, requests = dtd_server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doctype = {
        "file entity": f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>\n',
        "network entity": f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{base}/entity">]>\n',
        "external DTD": f'<!DOCTYPE rss SYSTEM "{base}/evil.dtd">\n',
        "parameter entity": f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{base}/p.dtd"> %p;]>\n',
    }[shape]
    path = write(tmp_path, with_doctype('<?xml version="1.0"?>\n' + doctype, "&xxe;", kind))
    result = run(runner, "import", kind, path)
    assert result.exit_code != 0 and "declares a DOCTYPE" in result.output
    assert "TOP-SECRET" not in result.output and "FETCHED" not in result.output
    assert requests == []
    assert counts(app) == (0, 0, 0)


GOOD = wxr_item(1, title="Good one", comments=[wxr_comment(1)])


@pytest.mark.parametrize(("text", "message"), [
    (wxr(GOOD, wxr_item(2, title="Bad status", status="published")),
     "post 2 (\"Bad status\"), line"),
    (wxr(GOOD, wxr_item(2, comments=[wxr_comment(1, approved="approved")])),
     "post 2, comment 1, line"),
    (wxr(GOOD, wxr_item(2, comments=[wxr_comment(8), wxr_comment(9, parent=77)])),
     "comment 9 replies to comment 77, which is neither in the file nor imported before"),
    (wxr(GOOD, wxr_item(2, comments=[wxr_comment(8, parent=9), wxr_comment(9, parent=8)])),
     "reply to each other in a circle"),
    (wxr(GOOD, wxr_item(2, comments=[wxr_comment(8), wxr_comment(8)])),
     "comment id 8 appears twice"),
    (wxr(GOOD, wxr_item(2, comments=[wxr_comment(8, date_gmt="yesterday", date="")])),
     "comment_date_gmt 'yesterday' is not a date"),
    (wxr(GOOD, wxr_item(2, date="", date_gmt="")), "the post has no date"),
])
def test_bad_input_names_the_item_and_leaves_no_half_imported_article(app, runner, tmp_path,
                                                                      text, message):
    result = run(runner, "import", "wordpress", write(tmp_path, text))
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Error:" in result.output and "Nothing of that item was stored" in result.output
    with app.app_context():  # the good post before it is in, whole; the bad one not at all
        assert list(db.session.scalars(select(Article.title))) == ["Good one"]
        assert db.session.scalar(select(func.count(Comment.id))) == 1
    # ... and the summary printed before the error counts only what was stored
    assert "Articles: 1 created, 0 already here" in result.output
    assert "Comments: 1 created (1 approved)" in result.output


def test_truncated_file_names_the_line_and_the_post(app, runner, tmp_path):
    text = wxr(GOOD, wxr_item(2, comments=[wxr_comment(2), wxr_comment(3)]))
    cut = text[:text.rindex("<wp:comment_content>")]
    result = run(runner, "import", "wordpress", write(tmp_path, cut))
    assert result.exit_code == 1
    assert "not well-formed XML (truncated or damaged?)" in result.output
    assert "line" in result.output and "in the post that starts on line" in result.output
    assert counts(app)[:2] == (1, 1)
    fixed = run(runner, "import", "wordpress", write(tmp_path, text))  # a second run goes on
    assert fixed.exit_code == 0 and "Articles: 1 created, 1 already here" in fixed.output
    assert counts(app)[:2] == (2, 3)


@pytest.mark.parametrize(("command", "text", "message"), [
    ("wordpress", "<html><body>not an export</body></html>",
     "wrong format: the file starts with <html>"),
    ("wordpress", disqus(), "this is a Disqus export: use `import disqus`"),
    ("disqus", wxr(GOOD), "this is a WordPress export: use `import wordpress`"),
    ("wordpress", '<?xml version="1.0"?><rss version="2.0"><channel><item/></channel></rss>',
     "declares no wp namespace"),
    ("wordpress", wxr(GOOD).replace("<wp:wxr_version>1.2</wp:wxr_version>", ""),
     "no wp:wxr_version before the first author or post"),
    ("wordpress", "", "not well-formed XML"),
    ("disqus", disqus(disqus_thread(1, "http://blog.test/articles/a"),
                      disqus_post(5, 1, spam="maybe")), "post 5, line"),
    ("disqus", disqus(disqus_post(5, 1, created="last week")),
     "createdAt 'last week' is not a date"),
])
def test_wrong_formats_are_refused_with_a_clear_message(app, runner, tmp_path, command, text,
                                                        message):
    result = run(runner, "import", command, write(tmp_path, text))
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert counts(app) == (0, 0, 0)


def test_a_missing_file_is_a_usage_error(runner, tmp_path):
    result = run(runner, "import", "wordpress", tmp_path / "nope.xml")
    assert result.exit_code == 2 and "does not exist" in result.output
