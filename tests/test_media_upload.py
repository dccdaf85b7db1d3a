"""The media library over HTTP: uploads (hostile ones too), serving, alt text, deletion."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from blogapp.extensions import db
from blogapp.media.storage import storage
from blogapp.models import ArticleMedia, Media
from tests import media_files as files
from tests.conftest import csrf_from, post_form

JSON = {"Accept": "application/json"}


@pytest.fixture
def owner(staff):
    return staff.login_as("owner")


@pytest.fixture
def token(client, owner):
    return csrf_from(client.get("/admin/articles/new").get_data(as_text=True))


def upload(client, token, data: bytes, name: str = "photo.jpg", alt: str = "",
           mimetype: str = "image/jpeg", headers=JSON, **form):
    """POST a multipart upload encoded in memory (the test client would spool a large
    body to a temporary file it leaves open when the app answers 413)."""
    fields = MultiDict({"alt": alt, "csrf_token": token, **form})
    fields.add("file", FileStorage(io.BytesIO(data), filename=name, content_type=mimetype))
    boundary, body = encode_multipart(fields)
    return client.post("/admin/media", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def stored_bytes(app, key: str) -> bytes:
    with app.app_context():
        return storage().get(key)


def test_an_upload_answers_the_markdown_to_insert(app, client, token):
    response = upload(client, token, files.photo(2400, 1200), alt="Night bus [at] the depot")
    assert response.status_code == 201, response.get_data(as_text=True)
    media = response.json
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", media["key"])
    assert media["markdown"] == f"![Night bus (at) the depot](/media/{media['key']})"
    assert (media["width"], media["height"]) == (2400, 1200)
    with app.app_context():
        row = db.session.get(Media, media["id"])
        assert [v.width for v in row.variants] == [640, 1280, 1920]
        assert all(storage().exists(key) for key in row.storage_keys)
        assert row.filename == "photo.jpg" and row.alt == "Night bus [at] the depot"


def test_the_gps_position_is_gone_from_the_stored_bytes(app, client, token):
    response = upload(client, token, files.jpeg_with_metadata(), name="holiday.jpg")
    assert response.status_code == 201
    for data in (stored_bytes(app, response.json["key"]),
                 client.get(response.json["url"]).data):
        image = Image.open(io.BytesIO(data))
        assert image.getexif().get_ifd(files.GPS_IFD) == {}
        assert dict(image.getexif()) == {} and "icc_profile" not in image.info
        assert b"SpyCam" not in data and b"secret" not in data


HOSTILE = [
    pytest.param(files.SVG_WITH_SCRIPT, "photo.svg", "image/svg+xml", 415,
                 "not a JPEG, PNG, WebP or GIF", id="svg-with-script"),
    pytest.param(files.HTML_PAGE, "photo.jpg", "image/jpeg", 415,
                 "not a JPEG, PNG, WebP or GIF", id="html-named-photo.jpg"),
    pytest.param(files.PDF, "scan.pdf", "application/pdf", 415,
                 "not a JPEG, PNG, WebP or GIF", id="pdf"),
    pytest.param(files.PDF, "photo.png", "image/png", 415, "not a JPEG, PNG, WebP or GIF",
                 id="pdf-named-photo.png"),
    pytest.param(files.png_bomb(), "small.png", "image/png", 422, "too many pixels",
                 id="20000x20000-png-bomb"),
    pytest.param(files.truncated(files.photo()), "cut.jpg", "image/jpeg", 422,
                 "damaged or incomplete", id="truncated-jpeg"),
    pytest.param(bytes(range(256)) * 40, "noise.jpg", "image/jpeg", 415,
                 "not a JPEG, PNG, WebP or GIF", id="garbage"),
    pytest.param(b"", "empty.jpg", "image/jpeg", 422, "empty", id="empty-file"),
]


@pytest.mark.parametrize(("data", "name", "mimetype", "status", "reason"), HOSTILE)
def test_hostile_files_are_refused_and_the_server_keeps_answering(app, client, token, data,
                                                                  name, mimetype, status,
                                                                  reason):
    response = upload(client, token, data, name=name, mimetype=mimetype)
    assert response.status_code == status
    assert reason in response.json["message"]
    with app.app_context():
        assert db.session.scalar(select(Media.id)) is None
    assert client.get("/").status_code == 200
    assert upload(client, token, files.photo()).status_code == 201


def test_a_polyglot_is_stored_as_a_plain_jpeg(app, client, token):
    response = upload(client, token, files.jpeg_html_polyglot(), name="page.html")
    assert response.status_code == 201
    served = client.get(response.json["url"])
    assert served.headers["Content-Type"] == "image/jpeg"
    assert b"<script" not in served.data and b"<html" not in served.data


def test_without_javascript_an_upload_redirects_with_the_markdown(client, token):
    response = upload(client, token, files.photo(), headers={},
                      next="/admin/articles/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/articles/new"
    page = client.get("/admin/articles/new").get_data(as_text=True)
    assert "Uploaded photo.jpg" in page and "![](/media/" in page
    refused = upload(client, token, files.HTML_PAGE, headers={}, next="https://evil.example/")
    assert refused.headers["Location"] == "/admin/media"  # never an open redirect
    assert "not a JPEG, PNG, WebP or GIF" in client.get("/admin/media").get_data(as_text=True)


def test_no_file_is_a_clear_400(client, token):
    response = client.post("/admin/media", headers=JSON, data={"csrf_token": token})
    assert response.status_code == 400 and "Choose an image file" in response.json["message"]


def test_an_image_over_the_default_10_mb_answers_413(app, client, token):
    assert app.config["MEDIA_MAX_MB"] == 10 and app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    near = files.noisy_photo(1500, 1500)
    assert len(near) > app.config["MAX_CONTENT_LENGTH"]  # bigger than any other form takes
    assert upload(client, token, near).status_code == 201
    big = near + b"\x00" * (10 * 1024 * 1024 + 1 - len(near))
    response = upload(client, token, big)
    assert response.status_code == 413
    assert "larger than 10 MB" in response.json["message"]
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("app_config", [{"MEDIA_MAX_MB": 0.05}])
@pytest.mark.parametrize("extra", [0, 2 * 1024 * 1024], ids=["file-just-over", "body-over"])
def test_a_configured_limit_answers_413_for_the_file_or_the_body(client, token, extra):
    data = files.noisy_photo(260, 260) + b"\x00" * extra
    assert len(data) > 0.05 * 1024 * 1024
    response = upload(client, token, data)
    assert response.status_code == 413
    assert "larger than 0.05 MB" in response.json["message"]
    html = upload(client, token, data, headers={}).get_data(as_text=True)
    assert "Too much data" in html and "larger than 0.05 MB" in html


def test_other_forms_keep_the_one_mebibyte_limit(client, token):
    response = client.post("/admin/articles/new", data={
        "title": "x", "body": "y" * (1024 * 1024 + 1), "csrf_token": token})
    assert response.status_code == 413


def test_the_upload_checks_its_csrf_token_after_the_login(app, client, token):
    response = upload(app.test_client(), "", files.photo(), headers={})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = upload(client, "forged", files.photo())
    assert response.status_code == 400 and "security token" in response.json["message"]


def test_the_same_picture_twice_is_one_library_entry(app, client, token):
    first = upload(client, token, files.photo()).json
    second = upload(client, token, files.photo(), alt="later alt").json
    assert first["id"] == second["id"] and second["alt"] == "later alt"


# -- Serving ------------------------------------------------------------------------------


def test_media_are_served_same_origin_immutable_and_unsniffable(client, token):
    media = upload(client, token, files.photo(1400, 700, fmt="WEBP"), name="a.webp",
                   mimetype="image/webp").json
    for key in (media["key"], media["thumbnail"].rsplit("/", 1)[1]):
        response = client.get(f"/media/{key}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/webp"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Disposition"] == "inline"
        assert "Set-Cookie" not in response.headers
        assert Image.open(io.BytesIO(response.data)).format == "WEBP"
        again = client.get(f"/media/{key}", headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("key", [
    "0" * 32 + ".jpg", "..%2F..%2Fsecret_key", "0" * 31 + ".jpg", "0" * 32 + ".svg",
    "0" * 32 + ".JPG", "x" * 32 + ".png", "0" * 32 + "-w640.jpg.html",
])
def test_unknown_or_malformed_keys_are_404(client, key):
    assert client.get(f"/media/{key}").status_code == 404


# -- The library page: alt text, where used, deletion --------------------------------------


def publish_with(client, markdown: str, featured: str = "", title: str = "Uses images"):
    return post_form(client, "/admin/articles/new", {
        "title": title, "body": f"Intro.\n\n{markdown}\n\nEnd.", "featured": featured,
        "comments_open": "y", "action": "publish"})


def test_the_library_lists_uses_and_deletes_only_unused_images(app, client, token):
    used = upload(client, token, files.photo(900, 600), name="used.jpg").json
    featured = upload(client, token, files.photo(901, 600), name="featured.jpg").json
    unused = upload(client, token, files.photo(902, 600), name="unused.jpg").json
    assert publish_with(client, used["markdown"], featured=str(featured["id"])).status_code == 302
    with app.app_context():
        links = set(db.session.scalars(select(ArticleMedia.media_id)))
    assert links == {used["id"], featured["id"]}
    page = client.get("/admin/media").get_data(as_text=True)
    assert "used.jpg" in page and "unused.jpg" in page
    for media in (used, featured):
        response = post_form(client, "/admin/media", {},
                             action=f"/admin/media/{media['id']}/delete")
        assert response.status_code == 409 and "used by an article" in response.text
        assert client.get(media["url"]).status_code == 200
    response = post_form(client, "/admin/media", {}, action=f"/admin/media/{unused['id']}/delete")
    assert response.status_code == 302
    assert client.get(unused["url"]).status_code == 404
    assert client.get(unused["thumbnail"]).status_code == 404
    detail = client.get(f"/admin/media/{used['id']}").get_data(as_text=True)
    assert "Uses images" in detail and "cannot be deleted" in detail


def test_editing_the_alt_text_renders_the_articles_again(app, client, token):
    media = upload(client, token, files.photo(900, 600)).json  # no alt yet
    publish_with(client, media["markdown"], featured=str(media["id"]), title="Alt story")
    reader = app.test_client()
    assert 'alt=""' in reader.get("/articles/alt-story").get_data(as_text=True)
    response = post_form(client, f"/admin/media/{media['id']}",
                         {"alt": "Riders board the first night bus"},
                         action=f"/admin/media/{media['id']}/alt")
    assert response.status_code == 302
    page = reader.get("/articles/alt-story").get_data(as_text=True)  # a new page version
    assert page.count('alt="Riders board the first night bus"') == 2  # featured and body
    too_long = post_form(client, f"/admin/media/{media['id']}", {"alt": "x" * 501},
                         action=f"/admin/media/{media['id']}/alt")
    assert too_long.status_code == 422 and "x" * 501 in too_long.text
