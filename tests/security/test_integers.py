"""Every integer the app reads from a request is ASCII digits within the database's range,
or the request answers 400/404, never 500 (issue 11, item 5).

The routes and the names they read are not listed by hand: the URL map gives every rule
and its ``<int:...>`` arguments, and a request class that records which query and form
names each view reads gives the rest (run once as the owner with an ordinary request).
Every such rule, name and form is then sent hostile integers on SQLite and PostgreSQL."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from werkzeug.routing import IntegerConverter

from tests.conftest import csrf_from
from tests.security.conftest import FAST_DISCUSSION, STRING_ARGS, seed_small_site
from tests.security.recording import Recorder, record_reads

MAX_ID = 2**31 - 1  # blogapp.integers.MAX_ID: the largest id an INTEGER column holds on PG
# Strings that are not an ASCII integer in range, though Python's int() or str.isdigit()
# take many of them, and the database's largest integer and beyond.
HOSTILE = [
    "²", "¹²", "٣", "١٢", "𝟙", "①", "Ⅻ", "１２", "1_0", "+1", " 1", "1 ", "1e3", "0x10",
    "1.5", "-1", "-0", "0", "9" * 20, "9" * 400, str(MAX_ID + 1), str(2**63 - 1), str(2**63),
    str(2**64), str(-(2**63) - 1), "", "abc", "1\x00", "NaN",
]
IN_RANGE_EXTREMES = [str(MAX_ID), "0" * 30 + "7"]
# Shapes some readers split before reading an integer: "<action>:<id>", "<iso>_<id>".
SHAPED = [f"approve:{v}" for v in ("²", "9" * 20, str(MAX_ID + 1))] + \
    [f"2026-01-01T00:00:00_{v}" for v in ("²", "9" * 20, str(MAX_ID + 1), "٣")] + \
    ["٢٠٢٦-01-01T00:00:00_1"]
# Fewer for the forms (each post may hash a password or store a comment): one of each kind.
FORM_HOSTILE = ["²", "٣", "1_0", "-1", "", "9" * 20, str(MAX_ID + 1), str(MAX_ID),
                "approve:²", f"approve:{MAX_ID + 1}", "2026-01-01T00:00:00_²",
                f"2026-01-01T00:00:00_{'9' * 20}", "1\x00"]
PLACEHOLDER = 918273645


@pytest.fixture
def app_config():
    return {**FAST_DISCUSSION, "SPAM_CHECK_MODE": "inline"}


# -- The one parser ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("0", 0), ("7", 7), ("007", 7), (" 42 ", 42), (str(MAX_ID), MAX_ID), ("-3", -3),
    *((text, None) for text in HOSTILE if text not in ("-1", "-0", "0", " 1", "1 ")),
])
def test_parse_int_reads_ascii_digits_within_range_only(text, expected):
    from blogapp.integers import MAX_ID as APP_MAX_ID
    from blogapp.integers import parse_int

    assert APP_MAX_ID == MAX_ID
    value = parse_int(text, -MAX_ID, MAX_ID)
    assert value == expected
    if expected is not None:
        assert parse_int(text, expected + 1) is None and parse_int(text, high=expected - 1) \
            is None


def test_int_list_drops_what_cannot_be_an_id():
    from blogapp.integers import int_list

    assert int_list(["1", "²", "٣", "2", "9" * 20, "-4", "0", " 3", "x"]) == [1, 2, 3]


def test_every_int_rule_uses_the_bounded_converter(app):
    from blogapp.integers import BoundedIntConverter

    rules = [r for r in app.url_map.iter_rules()
             if any(isinstance(c, IntegerConverter) for c in r._converters.values())]
    assert rules, "no <int:...> rules found"
    for rule in rules:
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                assert isinstance(converter, BoundedIntConverter), f"{rule.rule} <{name}>"


# -- Requests --------------------------------------------------------------------------------


@pytest.fixture
def site(app, staff):
    record_reads(app)
    ids = seed_small_site(app)
    staff.create("owner@example.com", "owner")
    return app, ids


def logged_in(app, staff):
    client = app.test_client()
    assert staff.login("owner@example.com", client=client).status_code == 302
    return client


def build(rule, ids, override: dict[str, str] | None = None) -> str:
    """A URL for *rule* from the seeded ids, with *override* put in verbatim (quoted)."""
    values = {}
    for arg in rule.arguments:
        numeric = isinstance(rule._converters[arg], IntegerConverter)
        if override and arg in override:
            values[arg] = PLACEHOLDER if numeric else "placeholder-arg"
        elif arg in ids:
            values[arg] = ids[arg]
        elif numeric:
            values[arg] = ids["pending_id" if "comment" in arg else "comment_id"]
        else:
            values[arg] = STRING_ARGS.get(arg, "x")
    url = rule.build(values, append_unknown=False)[1]
    for arg, text in (override or {}).items():
        numeric = isinstance(rule._converters[arg], IntegerConverter)
        url = url.replace(str(PLACEHOLDER) if numeric else "placeholder-arg", quote(text), 1)
    return url


def methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def send(client, method: str, url: str, form: dict | None = None):
    """Open *url*; a POST carries the session's CSRF token (fetched once per session)."""
    data = None
    if method != "GET":
        if not getattr(client, "csrf", None):
            client.csrf = csrf_from(client.get("/logout").text)
        data = {"csrf_token": client.csrf, **(form or {})}
    with client.open(url, method=method, data=data) as response:
        return response.status_code


# -- Every <int:...> of every rule ---------------------------------------------------------


def test_every_int_path_argument_refuses_hostile_values(site, staff, figures):
    app, ids = site
    client = logged_in(app, staff)
    sent = 0
    for rule in app.url_map.iter_rules():
        numeric = [a for a in rule.arguments
                   if isinstance(rule._converters[a], IntegerConverter)]
        for arg in numeric:
            for method in methods(rule):
                for text in HOSTILE + IN_RANGE_EXTREMES:
                    if text == "":
                        continue
                    url = build(rule, ids, {arg: text})
                    status = send(client, method, url)
                    sent += 1
                    where = f"{method} {url}"
                    assert status < 500, where
                    if text not in IN_RANGE_EXTREMES + ["0"]:
                        assert status == 404, f"{where}: {status} (the rule took the value)"
                if not opens(client):
                    client = logged_in(app, staff)  # an action logged us out: go on
    figures(f"int path arguments: {sent} requests, 0 server errors")


def opens(client) -> bool:
    return client.get("/admin/").status_code == 200


# -- Every query argument every view reads -------------------------------------------------


def discover(client, method: str, url: str) -> set[str]:
    Recorder.reset()
    send(client, method, url)
    return set(Recorder.names)


def test_every_query_argument_refuses_hostile_integers(site, staff, figures):
    app, ids = site
    client = logged_in(app, staff)
    anonymous = app.test_client()
    sent, names_seen = 0, set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = build(rule, ids)
        for visitor in (client, anonymous):
            names = discover(visitor, "GET", url) - {"csrf_token"}
            names_seen |= names
            for name in sorted(names):
                for text in HOSTILE + IN_RANGE_EXTREMES + SHAPED:
                    status = send(visitor, "GET", f"{url}?{urlencode({name: text})}")
                    sent += 1
                    assert status < 500, f"GET {url}?{name}={text!r}: {status}"
    assert {"page", "article", "before", "after"} <= names_seen, names_seen
    figures(f"query arguments {sorted(names_seen)}: {sent} requests, 0 server errors")


@pytest.mark.parametrize(("url", "expected"), [
    ("/?page=9223372036854775807", 404), ("/?page=9223372036854775808", 404),
    ("/?page=99999999999999999999", 404), ("/?page=²", 400), ("/?page=٣", 400),
    ("/?page=0", 404), ("/?page=-1", 404), ("/?page=1", 200), ("/?page=abc", 400),
    ("/admin/comments?article=99999999999999999999", 404), ("/admin/comments?article=²", 400),
    ("/admin/comments?article=9223372036854775807", 404),
    ("/admin/comments?article=2147483647", 200),
    ("/admin/comments?before=2026-01-01T00:00:00_99999999999999999999", 200),
    ("/admin/comments?after=2026-01-01T00:00:00_2147483648", 200),
    ("/admin/audit?before=99999999999999999999", 404), ("/admin/audit?before=²", 400),
    ("/admin/audit?before=9223372036854775807", 404), ("/admin/audit?before=2147483647", 200),
    ("/admin/comments/99999999999999999999", 404), ("/admin/comments/٣", 404),
    ("/admin/articles/9223372036854775808/edit", 404),
])
def test_the_issues_examples(site, staff, url, expected):
    app, _ids = site
    assert logged_in(app, staff).get(url).status_code == expected


# -- Every field of every form -------------------------------------------------------------


def test_every_form_field_refuses_hostile_integers(site, staff, figures):
    """As the owner for the staff forms, as a stranger for the others (login, comments)."""
    app, ids = site
    client = logged_in(app, staff)
    sent, fields_seen = 0, set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in methods(rule):
            if method == "GET":
                continue
            url = build(rule, ids)
            visitor = client if rule.rule.startswith("/admin") else app.test_client()
            names = discover(visitor, method, url) - {"csrf_token"}
            lists = set(Recorder.lists)
            if not opens(client):
                client = visitor = logged_in(app, staff)
            fields_seen |= {f"{rule.endpoint}:{n}" for n in names}
            for name in sorted(names):
                for text in FORM_HOSTILE:
                    for value in (text, [text, "1"]) if name in lists else (text,):
                        status = send(visitor, method, url, {name: value})
                        sent += 1
                        assert status < 500, f"{method} {url} {name}={value!r}: {status}"
                if not opens(client):
                    client = visitor = logged_in(app, staff)
    for expected in ("moderation.comments_action:ids", "moderation.comments_action:row_action",
                     "moderation.comments_undo:entries", "moderation.settings:max_links",
                     "auth.login:email", "comments.post_comment:comment_parent"):
        assert expected in fields_seen, expected
    figures(f"form fields {len(fields_seen)}: {sent} posts, 0 server errors")


@pytest.mark.parametrize("value", ["²", "٣", "1_0", "+5", "9" * 20, str(2**63), "1e3", " "])
def test_settings_numbers_take_ascii_digits_only(site, staff, value):
    from tests.moderation_helpers import form_values

    app, _ids = site
    client = logged_in(app, staff)
    data = form_values(client.get("/admin/settings").text)
    data["max_links"] = value
    response = client.post("/admin/settings", data=data)
    assert response.status_code == 422
    assert "whole number" in response.text or "This field is required" in response.text
