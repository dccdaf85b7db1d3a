"""Where media bytes live: a folder on this host, or S3-compatible object storage shared
by every host.

The interface is four calls on opaque keys (``put``, ``get``, ``exists``, ``delete``);
keys are content-addressed (blogapp.media.images), so a key's bytes never change and a
``put`` of an existing key is harmless. ``BLOGAPP_MEDIA_S3_BUCKET`` selects S3 (boto3;
``BLOGAPP_MEDIA_S3_ENDPOINT_URL`` for MinIO, Ceph, R2 or moto, ``BLOGAPP_MEDIA_S3_REGION``,
credentials the usual AWS way: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile
or an instance role); otherwise files go to ``BLOGAPP_MEDIA_ROOT`` (default
``instance/media``).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app

KEY_RE = re.compile(r"[0-9a-f]{32}(?:-w[0-9]{1,5})?\.(?:jpg|png|webp)")
_EXTENSION_KEY = "blogapp.media_storage"


class StorageError(RuntimeError):
    """The store could not be reached or refused the operation."""


def check_key(key: str) -> str:
    """Refuse anything but a key the library makes (no paths, no traversal)."""
    if not KEY_RE.fullmatch(key):
        raise ValueError(f"not a media key: {key!r}")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in one folder, written atomically (a reader never sees half a file)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects in one bucket (under a prefix) of S3 or an S3-compatible service."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None,
                 endpoint_url: str | None = None, region: str | None = None) -> None:
        if client is None:
            import boto3
            from botocore.config import Config

            # A reader's request waits for the store: fail in seconds, not minutes.
            config = Config(connect_timeout=3, read_timeout=10,
                            retries={"max_attempts": 2, "mode": "standard"})
            client = boto3.client("s3", endpoint_url=endpoint_url or None,
                                  region_name=region or None, config=config)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _call(self, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise StorageError(f"S3 {method}: {code or exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {method}: {exc}") from exc

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call("put_object", Key=self._name(key), Body=data, ContentType=content_type,
                   CacheControl="public, max-age=31536000, immutable")

    def get(self, key: str) -> bytes | None:
        answer = self._call("get_object", Key=self._name(key))
        return None if answer is None else answer["Body"].read()

    def exists(self, key: str) -> bool:
        return self._call("head_object", Key=self._name(key)) is not None

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=self._name(key))


def make_storage(app: Flask) -> Storage:
    """Build the store the configuration names."""
    config = app.config
    if config.get("MEDIA_S3_BUCKET"):
        return S3Storage(config["MEDIA_S3_BUCKET"], prefix=config.get("MEDIA_S3_PREFIX") or "",
                         endpoint_url=config.get("MEDIA_S3_ENDPOINT_URL"),
                         region=config.get("MEDIA_S3_REGION"))
    root = config.get("MEDIA_ROOT") or os.path.join(app.instance_path, "media")
    return LocalStorage(root)


def storage() -> Storage:
    """Return this app's store (made on first use, kept for the app's life)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get(_EXTENSION_KEY)
    if store is None:
        store = app.extensions[_EXTENSION_KEY] = make_storage(app)
    return store
