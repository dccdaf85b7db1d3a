"""The widget's files as served: size budget, caching, isolation from the host page."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from blogapp.embed.assets import WIDGET_BUDGET as BUDGET
from blogapp.embed.assets import widget_gzip_bytes
from tests import figures

# On SQLite only (one_engine, tests/conftest.py): the widget's static files: no database in the
# answer.
pytestmark = pytest.mark.one_engine

ASSETS = [("/embed.js", "text/javascript"), ("/embed.css", "text/css"),
          ("/embed/count.js", "text/javascript")]


def served(client, path: str, **headers) -> bytes:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.data


def test_the_widget_and_its_css_fit_in_10_kb_gzipped(client):
    total = sum(len(gzip.compress(served(client, path), 9)) for path in ("/embed.js", "/embed.css"))
    figures.record("Embed", f"/embed.js + /embed.css gzipped: {total} bytes (budget {BUDGET})")
    assert total <= BUDGET
    assert widget_gzip_bytes(Path(client.application.static_folder)) == total  # make bench's


@pytest.mark.parametrize(("path", "mimetype"), ASSETS)
def test_each_file_is_cacheable_and_loadable_from_any_page(client, path, mimetype):
    response = client.get(path)
    assert response.mimetype == mimetype
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "Accept-Encoding" in response.headers["Vary"]
    etag = response.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(("path", "mimetype"), ASSETS)
def test_gzip_is_served_to_browsers_that_accept_it(client, path, mimetype):
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]  # two representations
    assert len(packed.data) < len(plain.data)


def code_of(source: str) -> str:
    """The script without its comments (which may show example addresses)."""
    return re.sub(r"/\*.*?\*/|(?<![:\"'])//[^\n]*", "", source, flags=re.DOTALL)


@pytest.mark.parametrize("path", ["/embed.js", "/embed/count.js"])
def test_the_scripts_name_no_host_and_set_no_inline_style(client, path):
    code = code_of(served(client, path).decode())
    assert not re.search(r"https?://", code), "every address comes from the script's own src"
    assert "currentScript" in code
    # A host page's CSP without 'unsafe-inline' blocks style attributes and <style>
    # elements; the CSS is a <link> to the comment server instead.
    assert not re.search(r"""\.style\b|["']style["']|<style|cssText|eval\(|new Function""", code)


def test_the_widget_keeps_the_forms_field_names_and_words(client):
    code = served(client, "/embed.js").decode()
    for text in ['"comment"', '"author"', '"email"', '"url"', '"wp-comment-cookies-consent"',
                 "Leave a Reply", "Post Comment", "Your comment is awaiting moderation.",
                 "Save my name, email, and website in this browser for the next time I comment.",
                 "Your email address will not be published.", "attachShadow", 'role: "status"',
                 '"aria-invalid"', '"aria-describedby"']:
        assert text in code, text


def test_the_css_is_themable_and_follows_the_colour_scheme(client):
    css = served(client, "/embed.css").decode()
    assert "@media (prefers-color-scheme: dark)" in css
    names = set(re.findall(r"var\((--blogapp-[a-z-]+)", css))
    assert {"--blogapp-fg", "--blogapp-bg", "--blogapp-accent", "--blogapp-error"} <= names
    assert ":host" in css
