"""Two app instances (two web hosts) share one media store: S3, here moto in server mode
on a free loopback port, reached over real HTTP by boto3."""

from __future__ import annotations

import io
import socket

import pytest
from PIL import Image

from blogapp import create_app
from blogapp.extensions import db
from blogapp.media.storage import LocalStorage, S3Storage, StorageError, storage
from tests import media_files as files
from tests.conftest import Staff, _empty_tables, csrf_from
from tests.test_media_upload import upload

BUCKET = "blogapp-media"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def hosts(database_url, tmp_path, s3, s3_endpoint):
    """Two apps on the same database and bucket, each with its own instance folder."""
    apps = []
    for name in ("web1", "web2"):
        apps.append(create_app({
            "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "shared-secret", "SERVER_NAME": "blog.test",
            "RATELIMIT_ENABLED": False, "INSTANCE_PATH": str(tmp_path / name),
            "MEDIA_S3_BUCKET": BUCKET, "MEDIA_S3_ENDPOINT_URL": s3_endpoint,
            "MEDIA_S3_REGION": "us-east-1",
        }))
    with apps[0].app_context():
        _empty_tables()
    yield apps
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_two_hosts_share_uploads_through_s3(hosts, s3, tmp_path):
    web1, web2 = hosts
    owner = web1.test_client()
    staff = Staff(web1, owner)
    staff.login_as("owner")
    token = csrf_from(owner.get("/admin/articles/new").get_data(as_text=True))
    response = upload(owner, token, files.jpeg_with_metadata(), alt="Shared")
    assert response.status_code == 201, response.get_data(as_text=True)
    media = response.json
    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert f"media/{media['key']}" in keys
    with web1.app_context():
        assert isinstance(storage(), S3Storage)
    assert not (tmp_path / "web1" / "media").exists()  # nothing on the local disk

    # The other host serves the bytes the first one stored (GPS-free).
    served = web2.test_client().get(media["url"])
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(served.data)).getexif().get_ifd(0x8825) == {}
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    # Deleted through the second host, it is gone for the first.
    second = web2.test_client()
    Staff(web2, second).login("owner@example.com")
    token = csrf_from(second.get("/admin/media").get_data(as_text=True))
    response = second.post(f"/admin/media/{media['id']}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert web1.test_client().get(media["url"]).status_code == 404
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_an_unreachable_store_answers_503_not_500(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "k",
        "SERVER_NAME": "blog.test", "RATELIMIT_ENABLED": False, "INSTANCE_PATH": str(tmp_path),
        "MEDIA_S3_BUCKET": BUCKET, "MEDIA_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "MEDIA_S3_REGION": "us-east-1",
    })
    try:
        with app.app_context():
            _empty_tables()
        client = app.test_client()
        Staff(app, client).login_as("owner")
        token = csrf_from(client.get("/admin/media").get_data(as_text=True))
        response = upload(client, token, files.photo())
        assert response.status_code == 503 and "cannot be reached" in response.json["message"]
        assert client.get("/media/" + "a" * 32 + ".jpg").status_code == 503
        with app.app_context():
            with pytest.raises(StorageError):
                storage().get("a" * 32 + ".jpg")
    finally:
        with app.app_context():
            db.engine.dispose()


def test_local_storage_refuses_anything_but_a_media_key(tmp_path):
    store = LocalStorage(tmp_path / "media")
    store.put("a" * 32 + ".png", b"data", "image/png")
    assert store.get("a" * 32 + ".png") == b"data" and store.exists("a" * 32 + ".png")
    for key in ("../secret_key", "a" * 32 + ".png/../../x", "/etc/passwd", "a" * 32 + ".svg"):
        with pytest.raises(ValueError):
            store.get(key)
    store.delete("a" * 32 + ".png")
    assert store.get("a" * 32 + ".png") is None
    assert [p.name for p in (tmp_path / "media").iterdir()] == []  # no temporary leftovers
