"""The Akismet gateway: the real akismet client, over real HTTP, against FakeAkismet."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from blogapp.comments.akismet import (
    AkismetConfig,
    CommentData,
    check,
    close_clients,
    config_from_mapping,
    submit,
    verify,
)
from blogapp.comments.policy import AkismetVerdict
from tests.akismet_server import (
    BLATANT_MARKER,
    GUARANTEED_SPAM_AUTHOR,
    INVALID_KEY_HELP,
    SPAM_MARKER,
    TEST_KEY,
    FakeAkismet,
    start_fake_akismet,
)

BLOG = "https://blog.example.org"
FAST = 0.5  # timeout for fault tests, seconds

COMMENT = CommentData(
    user_ip="203.0.113.7",
    user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    referrer="https://search.example/?q=flask",
    permalink=f"{BLOG}/2025/03/hello-world",
    comment_type="reply",
    comment_author="Ada Lovelace",
    comment_author_email="ada@example.org",
    comment_author_url="https://ada.example.org/",
    comment_content="Lovely article, thank you.",
    comment_date_gmt=datetime(2025, 3, 1, 12, 0, 0),
    comment_post_modified_gmt=datetime(2025, 2, 28, 9, 30, 0, tzinfo=UTC),
)

SENT = {
    "api_key": TEST_KEY,
    "blog": BLOG,
    "user_ip": "203.0.113.7",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    "referrer": "https://search.example/?q=flask",
    "permalink": f"{BLOG}/2025/03/hello-world",
    "comment_type": "reply",
    "comment_author": "Ada Lovelace",
    "comment_author_email": "ada@example.org",
    "comment_author_url": "https://ada.example.org/",
    "comment_content": "Lovely article, thank you.",
    "comment_date_gmt": "2025-03-01T12:00:00+00:00",
    "comment_post_modified_gmt": "2025-02-28T09:30:00+00:00",
    "blog_lang": "en",
    "blog_charset": "UTF-8",
    "is_test": "true",
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeAkismet]:
    fake = start_fake_akismet(delay=1.5)
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _fresh(server: FakeAkismet) -> Iterator[None]:
    server.reset()
    yield
    close_clients()
    server.reset()


@pytest.fixture
def config(server: FakeAkismet) -> AkismetConfig:
    return AkismetConfig(
        api_key=TEST_KEY, blog_url=BLOG, api_url=server.url, timeout=2.0, is_test=True
    )


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        pytest.param({}, AkismetVerdict.HAM, id="ham"),
        pytest.param({"comment_content": f"buy {SPAM_MARKER}"}, AkismetVerdict.SPAM,
                     id="spam-content"),
        pytest.param({"comment_author": SPAM_MARKER}, AkismetVerdict.SPAM, id="spam-author"),
        pytest.param({"comment_author": GUARANTEED_SPAM_AUTHOR}, AkismetVerdict.SPAM,
                     id="guaranteed-spam-author"),
        pytest.param({"comment_content": BLATANT_MARKER}, AkismetVerdict.DISCARD,
                     id="blatant-is-discard"),
    ],
)
def test_check_verdicts(config: AkismetConfig, changes: dict, verdict: AkismetVerdict) -> None:
    assert check(config, replace(COMMENT, **changes)) == (verdict, verdict.value)


def test_check_sends_every_field(config: AkismetConfig, server: FakeAkismet) -> None:
    check(config, COMMENT)
    assert server.requests == [("/1.1/comment-check", SENT)]
    assert server.request_headers[0]["User-Agent"].startswith("akismet.py/")


def test_check_leaves_out_blank_fields_and_is_test_when_off(
    config: AkismetConfig, server: FakeAkismet
) -> None:
    check(replace(config, is_test=False), CommentData(user_ip="198.51.100.1"))
    [(_, form)] = server.requests
    assert form == {
        "api_key": TEST_KEY,
        "blog": BLOG,
        "user_ip": "198.51.100.1",
        "comment_type": "comment",
        "blog_lang": "en",
        "blog_charset": "UTF-8",
    }


def test_check_reports_account_alert_without_changing_verdict(
    config: AkismetConfig, server: FakeAkismet
) -> None:
    server.alert = ("10003", "Your subscription does not cover this site")
    assert check(config, COMMENT) == (
        AkismetVerdict.HAM,
        "ham (alert 10003: Your subscription does not cover this site)",
    )


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        pytest.param({"api_key": None}, "not configured", id="no-key"),
        pytest.param({"blog_url": ""}, "not configured", id="no-blog-url"),
    ],
)
def test_disabled_makes_no_request(
    config: AkismetConfig, server: FakeAkismet, changes: dict, detail: str
) -> None:
    disabled = replace(config, **changes)
    assert not disabled.enabled
    verdict, message = check(disabled, COMMENT)
    assert verdict is AkismetVerdict.DISABLED and detail in message
    assert verify(disabled)[0] is False
    assert submit(disabled, COMMENT, spam=True)[0] is False
    assert server.requests == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("mode", "changes", "details"),
    [
        pytest.param("slow", {}, ["timeout after 0.5s"], id="slow-beyond-timeout"),
        pytest.param("hang", {}, ["timeout after 0.5s"], id="hang"),
        pytest.param("drip", {}, ["timeout after 0.5s"], id="each-phase-fast-but-total-slow"),
        pytest.param("refuse", {}, ["cannot connect", "refused"], id="refused"),
        pytest.param("normal", {"api_url": "closed-port"}, ["cannot connect"],
                     id="nothing-listening"),
        pytest.param("error500", {}, ["HTTP 500"], id="http-500"),
        pytest.param("garbage", {}, ["unexpected answer 'maybe'"], id="garbage"),
        pytest.param("normal", {"api_key": "wrong-key"}, ["invalid", INVALID_KEY_HELP],
                     id="invalid-key"),
        pytest.param("debug-help", {}, ["debug help: Empty comment_content"],
                     id="debug-help-header"),
    ],
)
def test_check_faults_are_unavailable(
    config: AkismetConfig, server: FakeAkismet, mode: str, changes: dict, details: list[str]
) -> None:
    server.delay = 0.3 if mode == "drip" else 1.5
    if changes.get("api_url") == "closed-port":
        changes = {"api_url": f"http://127.0.0.1:{_closed_port()}"}
    server.mode = mode
    started = time.monotonic()
    verdict, detail = check(replace(config, timeout=FAST, **changes), COMMENT)
    assert time.monotonic() - started < FAST + 1.0
    assert verdict is AkismetVerdict.UNAVAILABLE
    for expected in details:
        assert expected in detail


def test_hanging_server_bounded_by_timeout(config: AkismetConfig, server: FakeAkismet) -> None:
    server.mode = "hang"
    started = time.monotonic()
    verdict, _ = check(replace(config, timeout=0.5), COMMENT)
    elapsed = time.monotonic() - started
    assert verdict is AkismetVerdict.UNAVAILABLE
    assert 0.4 < elapsed < 0.5 + 1.0


def test_recovers_once_akismet_is_back(config: AkismetConfig, server: FakeAkismet) -> None:
    server.mode = "refuse"
    assert check(config, COMMENT)[0] is AkismetVerdict.UNAVAILABLE
    server.mode = "normal"
    assert check(config, COMMENT)[0] is AkismetVerdict.HAM


@pytest.mark.parametrize(
    ("spam", "path", "detail"),
    [
        pytest.param(True, "/1.1/submit-spam", "submit-spam accepted", id="submit-spam"),
        pytest.param(False, "/1.1/submit-ham", "submit-ham accepted", id="submit-ham"),
    ],
)
def test_submit_sends_the_original_comment(
    config: AkismetConfig, server: FakeAkismet, spam: bool, path: str, detail: str
) -> None:
    assert submit(config, COMMENT, spam=spam) == (True, detail)
    assert server.requests == [(path, SENT)]


@pytest.mark.parametrize(
    ("mode", "changes", "detail"),
    [
        pytest.param("hang", {}, "submit-spam: timeout after 0.5s", id="hang"),
        pytest.param("error500", {}, "submit-spam: Akismet answered HTTP 500", id="http-500"),
        pytest.param("garbage", {}, "submit-spam: unexpected answer 'maybe'", id="garbage"),
        pytest.param("normal", {"api_key": "wrong-key"}, "rejected as invalid", id="invalid-key"),
    ],
)
def test_submit_faults(
    config: AkismetConfig, server: FakeAkismet, mode: str, changes: dict, detail: str
) -> None:
    server.mode = mode
    ok, message = submit(replace(config, timeout=FAST, **changes), COMMENT, spam=True)
    assert ok is False and detail in message


@pytest.mark.parametrize(
    ("mode", "changes", "result", "detail"),
    [
        pytest.param("normal", {}, True, f"key valid for {BLOG}", id="valid"),
        pytest.param("normal", {"api_key": "wrong-key"}, False, INVALID_KEY_HELP, id="invalid"),
        pytest.param("hang", {}, False, "timeout after 0.5s", id="hang"),
        pytest.param("refuse", {}, False, "cannot connect", id="refused"),
        pytest.param("garbage", {}, False, "unexpected answer 'maybe'", id="garbage"),
    ],
)
def test_verify(
    config: AkismetConfig,
    server: FakeAkismet,
    mode: str,
    changes: dict,
    result: bool,
    detail: str,
) -> None:
    server.mode = mode
    ok, message = verify(replace(config, timeout=FAST, **changes))
    assert ok is result and detail in message


def test_verify_sends_key_and_blog(config: AkismetConfig, server: FakeAkismet) -> None:
    verify(config)
    assert server.requests == [("/1.1/verify-key", {"key": TEST_KEY, "blog": BLOG})]


def test_clients_are_reused(config: AkismetConfig, server: FakeAkismet) -> None:
    for _ in range(3):
        check(config, COMMENT)
    check(replace(config, timeout=1.0), COMMENT)
    assert len(server.requests) == 4


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        pytest.param({}, AkismetConfig(), id="empty-is-disabled"),
        pytest.param(
            {"AKISMET_API_KEY": "k", "AKISMET_BLOG_URL": BLOG},
            AkismetConfig(api_key="k", blog_url=BLOG),
            id="key-and-url",
        ),
        pytest.param(
            {
                "AKISMET_API_KEY": " k ",
                "AKISMET_BLOG_URL": BLOG,
                "AKISMET_API_URL": "http://127.0.0.1:9",
                "AKISMET_TIMEOUT": "0.75",
                "AKISMET_IS_TEST": "true",
            },
            AkismetConfig(
                api_key="k", blog_url=BLOG, api_url="http://127.0.0.1:9", timeout=0.75,
                is_test=True,
            ),
            id="strings-from-environment",
        ),
        pytest.param(
            {"AKISMET_API_KEY": "", "AKISMET_API_URL": None, "AKISMET_TIMEOUT": 5,
             "AKISMET_IS_TEST": "0"},
            AkismetConfig(timeout=5.0),
            id="blanks-mean-defaults",
        ),
    ],
)
def test_config_from_mapping(mapping: dict, expected: AkismetConfig) -> None:
    assert config_from_mapping(mapping) == expected


def test_config_repr_hides_the_key() -> None:
    assert "s3cret" not in repr(AkismetConfig(api_key="s3cret", blog_url=BLOG))


@pytest.mark.parametrize(
    ("moment", "iso"),
    [
        pytest.param(datetime(2025, 3, 1, 12, 0, 0), "2025-03-01T12:00:00+00:00",
                     id="naive-is-utc"),
        pytest.param(datetime(2025, 3, 1, 13, 0, 0, tzinfo=timezone(timedelta(hours=1))),
                     "2025-03-01T12:00:00+00:00", id="aware-converted-to-utc"),
        pytest.param(datetime(2025, 3, 1, 12, 0, 0, 999999), "2025-03-01T12:00:00+00:00",
                     id="whole-seconds"),
    ],
)
def test_as_params_dates(moment: datetime, iso: str) -> None:
    assert CommentData(user_ip="1", comment_date_gmt=moment).as_params()["comment_date_gmt"] == iso


def test_concurrent_checks_share_one_client(config: AkismetConfig, server: FakeAkismet) -> None:
    spam = replace(COMMENT, comment_content=SPAM_MARKER)
    comments = [spam if i % 2 else COMMENT for i in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        verdicts = [verdict for verdict, _ in pool.map(lambda c: check(config, c), comments)]
    assert verdicts == [AkismetVerdict.SPAM if i % 2 else AkismetVerdict.HAM for i in range(16)]
