"""What search engines and link previews read: the sitemap (valid against the
sitemaps.org schema), robots.txt, canonical URLs, OpenGraph and Twitter tags, NewsArticle
JSON-LD; every absolute URL from SITE_URL, whatever host the request came to."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from lxml import etree

from blogapp.blog.seo import script_json
from tests import media_files as files
from tests.conftest import csrf_from, post_form
from tests.factories import make_article
from tests.test_media_upload import upload

SITE = "https://news.example"
SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "data" / "sitemap.xsd")))
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
LD_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@pytest.fixture
def app_config():
    return {"SITE_URL": SITE}


@pytest.fixture
def owner(staff):
    return staff.login_as("owner")


def meta(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, content in re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">',
                                    html):
        found.setdefault(name, []).append(unescape(content))
    return found


def json_ld(html: str) -> dict:
    blocks = LD_RE.findall(html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def sitemap(client) -> etree._Element:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    document = etree.fromstring(response.data)
    SCHEMA.assertValid(document)
    return document


def test_the_sitemap_is_valid_and_lists_what_readers_may_see(app, client, owner):
    with app.app_context():
        from blogapp.services.taxonomy import create_category

        transit = create_category("Transit").id
        create_category("Empty")
    post_form(client, "/admin/articles/new", {"title": "Night buses", "body": "B",
                                              "categories": [str(transit)], "tags": "Night",
                                              "action": "publish"})
    post_form(client, "/admin/articles/new", {"title": "Secret draft", "body": "B",
                                              "tags": "Hidden tag", "action": "draft"})
    document = sitemap(app.test_client())
    urls = {u.findtext("s:loc", namespaces=NS): u.findtext("s:lastmod", namespaces=NS)
            for u in document.findall("s:url", NS)}
    assert set(urls) == {f"{SITE}/", f"{SITE}/articles/night-buses",
                         f"{SITE}/category/transit", f"{SITE}/tag/night",
                         f"{SITE}/author/owner"}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", v) for v in urls.values())


def test_an_empty_site_has_a_valid_sitemap(app):
    document = etree.fromstring(app.test_client().get("/sitemap.xml").data)
    assert document.findall("s:url", NS) == []
    assert not SCHEMA.validate(document)  # the protocol wants at least one <url> ...
    with app.app_context():
        make_article("First")
    sitemap(app.test_client())  # ... which a site has as soon as it has an article


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")
    assert response.headers["Content-Type"].startswith("text/plain")
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines and "Disallow: /admin" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines


def test_an_article_page_carries_canonical_opengraph_twitter_and_json_ld(app, client, owner):
    token = csrf_from(client.get("/admin/articles/new").get_data(as_text=True))
    media = upload(client, token, files.photo(2000, 1000),
                   alt="Buses at the depot").json
    with app.app_context():
        from blogapp.services.taxonomy import create_category

        city = create_category("City").id
    post_form(client, "/admin/articles/new", {
        "title": 'The "Night" Network', "body": "Twelve routes -- from spring.",
        "excerpt": "Twelve new night routes.", "featured": str(media["id"]),
        "categories": [str(city)], "tags": "Transit", "action": "publish"})
    # The first reader to ask comes through another host name: the stored page still
    # names the configured site.
    html = app.test_client().get("/articles/the-night-network",
                                 base_url="http://internal-host:8000").get_data(as_text=True)
    assert f'<link rel="canonical" href="{SITE}/articles/the-night-network">' in html
    assert "internal-host" not in html
    tags = meta(html)
    image = f"{SITE}/media/{media['key'][:-4]}-w1280.jpg"
    assert tags["og:type"] == ["article"] and tags["og:title"] == ['The "Night" Network']
    assert tags["og:url"] == [f"{SITE}/articles/the-night-network"]
    assert tags["og:description"] == ["Twelve new night routes."]
    assert tags["og:image"] == [image] and tags["og:image:alt"] == ["Buses at the depot"]
    assert tags["og:image:width"] == ["1280"] and tags["og:image:height"] == ["640"]
    assert tags["article:section"] == ["City"] and tags["article:tag"] == ["Transit"]
    assert tags["twitter:card"] == ["summary_large_image"] and tags["twitter:image"] == [image]
    data = json_ld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == 'The "Night" Network'
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["datePublished"])
    assert data["dateModified"] >= data["datePublished"]
    assert data["author"] == [{"@type": "Person", "name": "owner", "url": f"{SITE}/author/owner"}]
    assert data["publisher"]["name"] == app.config["SITE_NAME"]
    assert data["image"][0] == f"{SITE}/media/{media['key']}"
    assert data["mainEntityOfPage"]["@id"] == f"{SITE}/articles/the-night-network"
    served = app.test_client().get(image.removeprefix(SITE))
    assert served.status_code == 200


def test_without_a_featured_image_the_card_is_a_summary(app):
    with app.app_context():
        make_article("Plain")
    html = app.test_client().get("/articles/plain").get_data(as_text=True)
    assert meta(html)["twitter:card"] == ["summary"] and "og:image" not in meta(html)
    assert "image" not in json_ld(html)


HOSTILE_TITLES = [
    "</script><script>alert(1)</script>",
    "<!-- <script>",
    "</SCRIPT >x",
    "a\u2028b\u2029c & d",
    "Ampersand & <b>bold</b> > less",
    '"}]}</script>',
]


@pytest.mark.one_engine  # escaping the JSON-LD is the template's work
@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_json_ld_cannot_end_its_script_element(app, title):
    with app.app_context():
        article = make_article(title, body=title)
        slug, stored = article.slug, article.title  # line separators become spaces
    html = app.test_client().get(f"/articles/{slug}").get_data(as_text=True)
    block = LD_RE.findall(html)[0]
    assert "<" not in block and "\u2028" not in block
    assert json.loads(block)["headline"] == stored
    assert html.count('<script type="application/ld+json">') == 1
    assert "<script>alert" not in html


@pytest.mark.parametrize("value", [{"a": "</script>"}, ["<!--", "-->"], "x\u2028y", {"&": ">"}])
def test_script_json_round_trips_without_markup(value):
    text = str(script_json(value))
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == value


@pytest.mark.parametrize("url", ["/", "/category/city", "/tag/transit", "/author/owner"])
def test_listing_pages_have_a_canonical_url_and_feeds_are_discoverable(app, client, owner, url):
    with app.app_context():
        from blogapp.services.taxonomy import create_category

        city = create_category("City").id
    post_form(client, "/admin/articles/new", {"title": "Story", "body": "B", "tags": "Transit",
                                              "categories": [str(city)], "action": "publish"})
    html = app.test_client().get(url).get_data(as_text=True)
    assert f'<link rel="canonical" href="{SITE}{url}">' in html
    feeds = re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"',
                       html)
    assert "/feed.atom" in feeds
    if url != "/":
        assert f"{url}/feed.atom" in feeds
        assert app.test_client().get(f"{url}/feed.atom").status_code == 200


def test_feeds_name_the_configured_site(app):
    with app.app_context():
        make_article("Feed item")
    body = app.test_client().get("/feed.atom", base_url="http://other-host").get_data(
        as_text=True)
    assert f"<id>{SITE}/articles/feed-item</id>" in body and "other-host" not in body
