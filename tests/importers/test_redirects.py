"""Old WordPress addresses: 301 to the imported article; anything else 404, never elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.importers.files import import_wordpress, wxr, wxr_item


@pytest.fixture
def imported(app, runner, tmp_path) -> None:
    import_wordpress(app, runner, tmp_path, wxr(
        wxr_item(12, name="hello-world", date="2019-03-04 23:30:00",
                 date_gmt="2019-03-05 04:30:00"),
        wxr_item(13, name="draft-post", status="draft"),
        wxr_item(14, name="%c3%bcber-uns", date="2020-01-02 10:00:00"),
        wxr_item(15, name="hello-world", date="2021-05-06 10:00:00")))


@pytest.mark.parametrize(("url", "target"), [
    ("/?p=12", "/articles/hello-world"),
    ("/?p=0012", "/articles/hello-world"),
    ("/index.php?p=12", "/articles/hello-world"),
    ("/?p=12&page=3", "/articles/hello-world"),
    ("/2019/03/04/hello-world/", "/articles/hello-world"),  # the local date, as WordPress
    ("/2019/03/04/hello-world", "/articles/hello-world"),
    ("/2021/05/06/hello-world/", "/articles/hello-world-2"),
    ("/2020/01/02/über-uns/", "/articles/%C3%BCber-uns"),
    ("/2020/01/02/%c3%bcber-uns/", "/articles/%C3%BCber-uns"),
    ("/?p=15", "/articles/hello-world-2"),
])
def test_old_addresses_move_permanently_to_the_article(client, imported, url, target):
    for method in (client.get, client.head):
        response = method(url)
        assert response.status_code == 301, url
        assert response.headers["Location"] == target
    assert client.get(target).status_code == 200


@pytest.mark.parametrize("url", [
    "/?p=99", "/?p=13", "/2019/03/05/hello-world/", "/2019/03/04/other/",
    "/2019/03/04/draft-post/", "/?p=", "/?p=abc", "/?p=-12", "/?p=12.0", "/?p=1e3",
    "/?p=%EF%BC%91%EF%BC%92",  # full-width digits
    "/?p=" + "9" * 40, "/?p=//evil.example", "/?p=http://evil.example/",
    "/?p=12%0d%0aLocation:%20http://evil.example", "/2019/03/04/hello-world/..%2F..%2Fevil",
])
def test_unknown_ids_drafts_and_malformed_addresses_are_not_found(client, imported, url):
    response = client.get(url)
    assert response.status_code == 404, url
    assert "Location" not in response.headers


@pytest.mark.parametrize("url", [
    "/2019/03/04/%2F%2Fevil.example/", "//evil.example/2019/03/04/hello-world/",
    "/?p=12&next=http://evil.example/", "/2019/03/04/hello-world/?to=//evil.example",
    "http://evil.example/?p=12",
])
def test_no_address_sends_readers_to_another_site(client, imported, url):
    response = client.get(url)
    location = urlsplit(response.headers.get("Location", ""))
    assert location.netloc in ("", "blog.test"), url
    assert "evil" not in location.query
    if response.status_code == 301:
        assert location.path == "/articles/hello-world"


def test_the_front_page_is_unchanged_without_a_post_query(client, imported):
    assert client.get("/").status_code == 200
    assert client.get("/?page=1").status_code == 200


def test_nothing_imported_means_old_addresses_are_not_found(client):
    assert client.get("/?p=1").status_code == 404
    assert client.get("/2019/03/04/hello-world/").status_code == 404
    assert client.get("/").status_code == 200
