"""The factory reads config from defaults, the environment and a mapping, and refuses
to start without a secret key outside development and testing."""

from __future__ import annotations

import pytest

from blogapp import create_app
from blogapp.config import ConfigError


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
    (tmp_path / "secret_key").write_text("from-file\n")
    assert make({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == "from-file"


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_testing_may_run_without_a_secret_key(monkeypatch, env):
    monkeypatch.setenv("BLOGAPP_ENV", env)
    assert make().config["SECRET_KEY"]


def test_secret_key_from_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert make().config["SECRET_KEY"] == "from-env"


def test_prefixed_environment_keys_reach_config(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("BLOGAPP_SITE_NAME", "My Blog")
    monkeypatch.setenv("BLOGAPP_PROXY_COUNT", "1")
    monkeypatch.setenv("AKISMET_TIMEOUT", "1.5")
    app = make()
    assert app.config["SITE_NAME"] == "My Blog"
    assert app.config["PROXY_COUNT"] == 1
    assert app.config["AKISMET_TIMEOUT"] == 1.5


def test_mapping_overrides_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
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

    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("DATABASE_URL", given)
    app = Flask(__name__)
    load_config(app, None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    from flask import Flask

    from blogapp.config import load_config

    monkeypatch.setenv("SECRET_KEY", "x")
    app = Flask(__name__, instance_path=str(__import__("pathlib").Path.cwd() / "inst"))
    load_config(app, None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + app.instance_path + \
        "/blogapp.sqlite3"


@pytest.mark.parametrize(("count", "expected_ip"), [(0, "10.0.0.1"), (1, "203.0.113.9")])
def test_proxy_count_decides_the_client_address(monkeypatch, count, expected_ip):
    monkeypatch.setenv("SECRET_KEY", "x")
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
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("BLOGAPP_ENV", env)
    assert make().config["AKISMET_IS_TEST"] is expected


def test_production_without_site_url_refuses_to_start(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("SITE_URL")
    with pytest.raises(ConfigError, match="(?s)SITE_URL is not set.*export SITE_URL=https://"):
        make()


@pytest.mark.parametrize("variable", ["SITE_URL", "BLOGAPP_SITE_URL"])
def test_site_url_from_environment(monkeypatch, variable):
    monkeypatch.setenv("SECRET_KEY", "x")
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
