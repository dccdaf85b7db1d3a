"""The factory reads config from defaults, the environment and a mapping, and refuses
to start without a secret key outside development and testing."""

from __future__ import annotations

import pytest

from blogapp import create_app
from blogapp.config import ConfigError

KEY = "k" * 32  # the shortest key production accepts


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for key in ("SECRET_KEY", "DATABASE_URL", "BLOGAPP_ENV", "BLOGAPP_SITE_NAME",
                "BLOGAPP_PROXY_COUNT", "AKISMET_API_KEY", "AKISMET_TIMEOUT", "BLOGAPP_SITE_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SITE_URL", "https://blog.example")  # production needs one
    monkeypatch.chdir(tmp_path)


def make(config=None, tmp_path=None):
    base = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}
    base.update(config or {})
    return create_app(base)


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    with pytest.raises(ConfigError, match="(?s)SECRET_KEY is not set.*export SECRET_KEY"):
        make({"INSTANCE_PATH": str(tmp_path / "empty")})


def test_secret_key_file_in_the_instance_folder_is_used(tmp_path):
    (tmp_path / "secret_key").write_text(f"from-file-{KEY}\n")
    assert make({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == f"from-file-{KEY}"


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_testing_may_run_without_a_secret_key(monkeypatch, env):
    monkeypatch.setenv("BLOGAPP_ENV", env)
    assert make().config["SECRET_KEY"]


def test_secret_key_from_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", f"from-env-{KEY}")
    assert make().config["SECRET_KEY"] == f"from-env-{KEY}"


def test_prefixed_environment_keys_reach_config(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BLOGAPP_SITE_NAME", "My Blog")
    monkeypatch.setenv("BLOGAPP_PROXY_COUNT", "1")
    monkeypatch.setenv("AKISMET_TIMEOUT", "1.5")
    app = make()
    assert app.config["SITE_NAME"] == "My Blog"
    assert app.config["PROXY_COUNT"] == 1
    assert app.config["AKISMET_TIMEOUT"] == 1.5


def test_mapping_overrides_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BLOGAPP_SITE_NAME", "From env")
    assert make({"SITE_NAME": "From mapping"}).config["SITE_NAME"] == "From mapping"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_uses_psycopg3(monkeypatch, given, expected):
    from flask import Flask

    from blogapp.config import load_config

    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", given)
    app = Flask(__name__)
    load_config(app, None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    from flask import Flask

    from blogapp.config import load_config

    monkeypatch.setenv("SECRET_KEY", KEY)
    app = Flask(__name__, instance_path=str(__import__("pathlib").Path.cwd() / "inst"))
    load_config(app, None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + app.instance_path + \
        "/blogapp.sqlite3"


@pytest.mark.parametrize(("count", "expected_ip"), [(0, "10.0.0.1"), (1, "203.0.113.9")])
def test_proxy_count_decides_the_client_address(monkeypatch, count, expected_ip):
    monkeypatch.setenv("SECRET_KEY", KEY)
    app = make({"PROXY_COUNT": count})

    @app.route("/ip")
    def ip():
        from flask import request

        return request.remote_addr

    response = app.test_client().get(
        "/ip", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.1"}
    )
    assert response.get_data(as_text=True) == expected_ip


@pytest.mark.parametrize(("env", "expected"), [("development", True), ("production", False)])
def test_akismet_is_test_follows_the_environment(monkeypatch, env, expected):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BLOGAPP_ENV", env)
    assert make().config["AKISMET_IS_TEST"] is expected


def test_production_without_site_url_refuses_to_start(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.delenv("SITE_URL")
    with pytest.raises(ConfigError, match="(?s)SITE_URL is not set.*export SITE_URL=https://"):
        make()


@pytest.mark.parametrize("variable", ["SITE_URL", "BLOGAPP_SITE_URL"])
def test_site_url_from_environment(monkeypatch, variable):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.delenv("SITE_URL")
    monkeypatch.setenv(variable, "https://News.Example/blog/")
    assert make().config["SITE_URL"] == "https://news.example/blog"


@pytest.mark.parametrize(("config", "expected"), [
    ({}, "http://127.0.0.1:5000"),  # where make run serves
    ({"SERVER_NAME": "blog.test"}, "http://blog.test"),
    ({"SERVER_NAME": "blog.test", "PREFERRED_URL_SCHEME": "https"}, "https://blog.test"),
])
def test_development_defaults_the_site_url(monkeypatch, config, expected):
    monkeypatch.setenv("BLOGAPP_ENV", "development")
    monkeypatch.delenv("SITE_URL")
    assert make(config).config["SITE_URL"] == expected


# -- Secret keys: at least 32 bytes outside development and testing (issue 11, item 9) ----

SHORT_KEYS = [
    pytest.param("", id="empty"),
    pytest.param("   \n\t ", id="whitespace only"),
    pytest.param("\n", id="a lone newline (an interrupted `make run`)"),
    pytest.param("x", id="one byte"),
    pytest.param("k" * 31, id="31 bytes"),
    pytest.param("  " + "k" * 31 + "\n", id="31 bytes inside whitespace"),
    pytest.param("é" * 15, id="15 letters, 30 bytes"),
]


@pytest.mark.parametrize("key", SHORT_KEYS)
def test_production_refuses_a_short_or_blank_key_file(tmp_path, key):
    (tmp_path / "secret_key").write_text(key)
    with pytest.raises(ConfigError, match=r"(?s)(at least 32|not set).*token_hex\(32\)"):
        make({"INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("key", SHORT_KEYS)
def test_production_refuses_a_short_or_blank_key_from_the_environment(monkeypatch, tmp_path,
                                                                      key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match=r"(?s)(at least 32|not set).*token_hex\(32\)"):
        make({"INSTANCE_PATH": str(tmp_path / "empty")})


@pytest.mark.parametrize("key", SHORT_KEYS)
def test_production_refuses_a_short_or_blank_key_in_the_mapping(tmp_path, key):
    with pytest.raises(ConfigError):
        make({"INSTANCE_PATH": str(tmp_path / "empty"), "SECRET_KEY": key})


def test_a_blank_environment_key_falls_back_to_the_key_file(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "   ")
    (tmp_path / "secret_key").write_text(KEY + "\n")
    assert make({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == KEY


@pytest.mark.parametrize("key", [KEY, "é" * 16, b"\x00\xff" * 16])
def test_production_accepts_32_bytes(tmp_path, key):
    assert make({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": key}).config["SECRET_KEY"] == key


def test_the_refusal_says_how_many_bytes_and_where_from(tmp_path):
    (tmp_path / "secret_key").write_text("short\n")
    with pytest.raises(ConfigError, match=r"secret_key has 5 bytes; it needs at least 32"):
        make({"INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_with_a_blank_key_file_uses_the_built_in_key(monkeypatch, tmp_path, env):
    monkeypatch.setenv("BLOGAPP_ENV", env)
    (tmp_path / "secret_key").write_text("\n")
    assert make({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == \
        "insecure-development-key"


# -- make run writes the key atomically and repairs a blank one ------------------------------


@pytest.fixture
def make_dir(tmp_path):
    """A copy of the Makefile beside a stand-in virtualenv whose python is this one."""
    import shutil
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if shutil.which("make") is None:
        from tests.conftest import need

        need("make", "not on PATH")
    shutil.copy(root / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (tmp_path / ".venv" / ".installed").touch()  # newer than pyproject.toml: no install
    broken = tmp_path / "broken" / "bin"
    broken.mkdir(parents=True)
    (broken / "python").write_text("#!/bin/sh\nexit 1\n")
    (broken / "python").chmod(0o755)
    return tmp_path


def run_make(directory, *args):
    import subprocess

    return subprocess.run(["make", "--no-print-directory", "secret-key", *args], cwd=directory,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("before", [None, "", "\n", "short\n", "k" * 31])
def test_make_writes_a_new_key_when_missing_empty_or_short(make_dir, before):
    key_file = make_dir / "instance" / "secret_key"
    if before is not None:
        key_file.parent.mkdir()
        key_file.write_text(before)
    result = run_make(make_dir)
    assert result.returncode == 0, result.stderr
    key = key_file.read_text().strip()
    assert len(key) == 64 and int(key, 16) >= 0
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert not (make_dir / "instance" / "secret_key.tmp").exists()


def test_make_keeps_a_good_key(make_dir):
    key_file = make_dir / "instance" / "secret_key"
    key_file.parent.mkdir()
    key_file.write_text(KEY + "\n")
    assert run_make(make_dir).returncode == 0
    assert key_file.read_text() == KEY + "\n"


def test_a_failed_key_write_leaves_no_empty_key_and_the_next_run_repairs(make_dir):
    key_file = make_dir / "instance" / "secret_key"
    failed = run_make(make_dir, f"BIN={make_dir / 'broken' / 'bin'}")
    assert failed.returncode != 0
    assert not key_file.exists()  # the old rule left an empty file here, accepted later
    with pytest.raises(ConfigError):
        make({"INSTANCE_PATH": str(key_file.parent)})
    assert run_make(make_dir).returncode == 0
    assert make({"INSTANCE_PATH": str(key_file.parent)}).config["SECRET_KEY"] == \
        key_file.read_text().strip()
