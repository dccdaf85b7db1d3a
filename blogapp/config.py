"""Configuration: defaults, then the environment, then an explicit mapping."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

INSECURE_ENVS = {"development", "testing"}


class Defaults:
    BLOGAPP_ENV = "production"
    SECRET_KEY: str | None = None
    # The address readers use, e.g. https://blog.example or https://example.org/blog:
    # every absolute link (feed, mail, exports, Akismet) and every stored page's links.
    SITE_URL: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    # A server's pooled connections are checked on checkout by blogapp.database (no
    # round trip unless idle for a while); pool_pre_ping=True here pings every checkout.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SITE_NAME = "blogapp"
    SITE_TAGLINE = "Articles and the conversations they start"
    TIMEZONE = "UTC"  # BLOGAPP_TIMEZONE: the IANA zone pages show times in
    ARTICLES_PER_PAGE = 10
    MAX_CONTENT_LENGTH = 1024 * 1024  # bodies over 1 MiB answer 413
    PROXY_COUNT = 0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "http"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "5 per minute;20 per hour"
    FRAME_ANCESTORS = "'self'"
    # The comment engine's keys and their defaults: blogapp/comments/config.py (Akismet,
    # jobs, mail, ...). The blog mounts its form door under its articles' addresses.
    COMMENTS_URL_PREFIX = "/articles"
    # Media library (see blogapp/media/): uploads, their limits and where they are kept.
    MEDIA_MAX_MB = 10  # an upload over this answers 413
    MEDIA_MAX_PIXELS = 40_000_000  # width x height, checked before decoding
    MEDIA_WIDTHS = (640, 1280, 1920)  # resized variants (never wider than the original)
    MEDIA_ROOT: str | None = None  # local storage folder; None: instance/media
    MEDIA_S3_BUCKET: str | None = None  # set: S3-compatible object storage instead
    MEDIA_S3_ENDPOINT_URL: str | None = None  # MinIO, Ceph, R2...; None: AWS
    MEDIA_S3_REGION: str | None = None
    MEDIA_S3_PREFIX = "media/"
    EDITOR_AUTOSAVE_SECONDS = 20  # how often the editor saves a changed draft aside
    # Sites that may embed threads and call the public API from a browser
    # (BLOGAPP_EMBED_ORIGINS=https://a.example,https://b.example; see blogapp/api/cors.py).
    EMBED_ORIGINS: str | tuple[str, ...] = ""
    # Readers first (blogapp/readers_first.py): while readers are served, strangers'
    # writes (and spam checks) may take this share of a worker's time; more answers 429.
    WRITE_SHARE = 0.1


#: Read from the environment without the BLOGAPP_ prefix; the comment engine reads its
#: own (AKISMET_*, MAIL_*) the same way (blogapp.comments.config).
PLAIN_ENV_KEYS = ("SECRET_KEY", "SITE_URL")


class ConfigError(RuntimeError):
    """The configuration cannot run safely."""


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config from defaults, the environment and *overrides*, in that order."""
    app.config.from_object(Defaults)
    for key in PLAIN_ENV_KEYS:
        if os.environ.get(key):
            app.config[key] = os.environ[key]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.from_prefixed_env("BLOGAPP")
    if os.environ.get("BLOGAPP_ENV"):
        app.config["BLOGAPP_ENV"] = os.environ["BLOGAPP_ENV"]
    if overrides:
        app.config.update(overrides)
    _coerce(app)
    if app.config.get("AKISMET_IS_TEST") is None and not os.environ.get("AKISMET_IS_TEST"):
        app.config["AKISMET_IS_TEST"] = bool(is_insecure_env(app))  # Akismet learns nothing
    _fill_secret_key(app)
    _fill_site_url(app)
    _fill_database_uri(app)


def _coerce(app: Flask) -> None:
    cfg = app.config
    cfg["PROXY_COUNT"] = int(cfg["PROXY_COUNT"])
    cfg["WRITE_SHARE"] = float(cfg["WRITE_SHARE"])
    cfg["MEDIA_MAX_MB"] = float(cfg["MEDIA_MAX_MB"])
    cfg["MEDIA_MAX_PIXELS"] = int(cfg["MEDIA_MAX_PIXELS"])
    if isinstance(cfg["MEDIA_WIDTHS"], str):  # BLOGAPP_MEDIA_WIDTHS=640,1280
        cfg["MEDIA_WIDTHS"] = [w for w in cfg["MEDIA_WIDTHS"].split(",") if w.strip()]
    cfg["MEDIA_WIDTHS"] = tuple(sorted({int(w) for w in cfg["MEDIA_WIDTHS"]}))
    cfg["EMBED_ORIGINS"] = _origins(cfg["EMBED_ORIGINS"])


def _origins(value: Any) -> tuple[str, ...]:
    """Parse BLOGAPP_EMBED_ORIGINS (a comma-separated string or a list) into origins."""
    from blogapp.api.origins import normalize_origin

    items = value.split(",") if isinstance(value, str) else list(value or ())
    origins = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        origin = normalize_origin(item)
        if origin is None:
            raise ConfigError(f"BLOGAPP_EMBED_ORIGINS: {item!r} is not an origin; write it "
                              "as https://site.example (scheme, host and port only).")
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


def is_insecure_env(app: Flask) -> bool:
    return app.config.get("TESTING") or app.config["BLOGAPP_ENV"] in INSECURE_ENVS


MIN_SECRET_KEY_BYTES = 32
MAKE_A_KEY = ("    export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')\n"
              "or write one to {key_file} (make run does this for you)")


def _fill_secret_key(app: Flask) -> None:
    """Take SECRET_KEY from the config or environment, else the instance folder's file.

    Outside development and testing, a key must have at least 32 bytes (a blank one counts
    as none): a short key can be guessed offline from any signed cookie, and then sessions,
    CSRF tokens and mail links can be forged."""
    key_file = Path(app.instance_path) / "secret_key"
    key, source = _text(app.config.get("SECRET_KEY")), "SECRET_KEY"
    if not key and key_file.is_file():
        key, source = _text(key_file.read_bytes()), str(key_file)
    if not key:
        if is_insecure_env(app):
            app.config["SECRET_KEY"] = "insecure-development-key"
            return
        empty = " (the file there is empty)" if key_file.is_file() else ""
        raise ConfigError(
            "SECRET_KEY is not set. Set it in the environment, e.g.\n"
            + MAKE_A_KEY.format(key_file=key_file) + f"{empty}. "
            "Only BLOGAPP_ENV=development or testing may run without one."
        )
    size = len(key.encode() if isinstance(key, str) else key)
    if size < MIN_SECRET_KEY_BYTES and not is_insecure_env(app):
        raise ConfigError(
            f"The secret key from {source} has {size} bytes; it needs at least "
            f"{MIN_SECRET_KEY_BYTES}. Make a new one:\n" + MAKE_A_KEY.format(key_file=key_file)
            + "."
        )
    app.config["SECRET_KEY"] = key


def _text(value: str | bytes | None) -> str | bytes:
    """A key without the whitespace around it (a file's newline, a blank variable)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        try:
            return value.decode().strip()
        except UnicodeDecodeError:
            return value  # raw random bytes: every byte counts
    return str(value).strip()


DEVELOPMENT_SITE_URL = "http://127.0.0.1:5000"  # where `make run` serves
SITE_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")  # IDN: punycode
SITE_PATH = re.compile(r"(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*")  # no empty segment: no "//"


def _fill_site_url(app: Flask) -> None:
    """Check SITE_URL; outside production default it to SERVER_NAME or `make run`'s address."""
    value = app.config.get("SITE_URL")
    if not value:
        if not is_insecure_env(app):
            raise ConfigError(
                "SITE_URL is not set. Set it to the address readers use, e.g.\n"
                "    export SITE_URL=https://blog.example.org\n"
                "(or BLOGAPP_SITE_URL; add the path if the blog lives under one, e.g. "
                "https://example.org/blog). Feeds, mail and stored pages link to it, never "
                "to the Host a request names. Only BLOGAPP_ENV=development or testing may "
                "run without one.")
        server_name = app.config.get("SERVER_NAME")
        value = (f"{app.config['PREFERRED_URL_SCHEME']}://{server_name}" if server_name
                 else DEVELOPMENT_SITE_URL)
    app.config["SITE_URL"] = normalize_site_url(str(value))


def normalize_site_url(value: str) -> str:
    """Return *value* as scheme://host[:port][/path] without a trailing slash, or raise."""
    value = value.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise ConfigError(f"SITE_URL {value!r} is not a URL: {exc}") from None
    path = parts.path.rstrip("/")
    if (parts.scheme not in {"http", "https"} or not SITE_HOST.fullmatch(parts.netloc)
            or parts.query or parts.fragment or value.endswith(("?", "#"))
            or not SITE_PATH.fullmatch(path)):
        raise ConfigError(
            f"SITE_URL {value!r} must be an http(s) address with a host and an optional "
            "path, and nothing else, e.g. https://blog.example.org or "
            "https://example.org/blog")
    return f"{parts.scheme}://{parts.netloc.lower()}{path}"


def _fill_database_uri(app: Flask) -> None:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        uri = "sqlite:///" + str(Path(app.instance_path) / "blogapp.sqlite3")
    elif uri.startswith("postgres://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgres://")
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
