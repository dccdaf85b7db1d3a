"""Ask Akismet about comments through the akismet client: never raise, never wait long.

Every function answers with a value and a one-line detail for logs and moderators. Any
failure (timeout, refused connection, HTTP error, an answer that is not a verdict, a
rejected key, a debug-help header) becomes ``AkismetVerdict.UNAVAILABLE`` so the policy
holds the comment instead of guessing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import akismet
import httpx
from flask import current_app, has_app_context

from blogapp.comments.config import DEFAULTS, flag
from blogapp.comments.policy import AkismetVerdict

DEFAULT_API_URL = DEFAULTS["AKISMET_API_URL"][0]
DEFAULT_TIMEOUT = DEFAULTS["AKISMET_TIMEOUT"][0]

_VERDICTS = {
    akismet.CheckResponse.HAM: AkismetVerdict.HAM,
    akismet.CheckResponse.SPAM: AkismetVerdict.SPAM,
    akismet.CheckResponse.DISCARD: AkismetVerdict.DISCARD,
}
_NOT_CONFIGURED = "Akismet is not configured (AKISMET_API_KEY and AKISMET_BLOG_URL)"


@dataclass(frozen=True)
class AkismetConfig:
    api_key: str | None = field(default=None, repr=False)
    blog_url: str | None = None
    api_url: str = DEFAULT_API_URL
    timeout: float = DEFAULT_TIMEOUT
    is_test: bool = False
    blog_lang: str = "en"
    blog_charset: str = "UTF-8"

    @property
    def enabled(self) -> bool:
        """Return whether a key and a blog URL are both set."""
        return bool(self.api_key and self.blog_url)


def config_from_mapping(m: Mapping[str, Any]) -> AkismetConfig:
    """Build the config from AKISMET_* keys of an app config or the environment."""
    return AkismetConfig(
        api_key=_text(m.get("AKISMET_API_KEY")),
        blog_url=_text(m.get("AKISMET_BLOG_URL")),
        api_url=_text(m.get("AKISMET_API_URL")) or DEFAULT_API_URL,
        timeout=float(m.get("AKISMET_TIMEOUT") or DEFAULT_TIMEOUT),
        is_test=flag(m.get("AKISMET_IS_TEST")),
        blog_lang=_text(m.get("AKISMET_BLOG_LANG")) or DEFAULTS["AKISMET_BLOG_LANG"][0],
        blog_charset=_text(m.get("AKISMET_BLOG_CHARSET")) or "UTF-8",
    )


@dataclass(frozen=True)
class CommentData:
    user_ip: str
    user_agent: str = ""
    referrer: str = ""
    permalink: str = ""
    comment_type: str = "comment"  # "comment" or "reply"
    comment_author: str = ""
    comment_author_email: str = ""
    comment_author_url: str = ""
    comment_content: str = ""
    comment_date_gmt: datetime | None = None  # naive means UTC
    comment_post_modified_gmt: datetime | None = None

    def as_params(self) -> dict[str, str]:
        """Return the comment as akismet client arguments, dates in ISO 8601, blanks left out."""
        params = {
            "user_ip": self.user_ip,
            "user_agent": self.user_agent,
            "referrer": self.referrer,
            "permalink": self.permalink,
            "comment_type": self.comment_type,
            "comment_author": self.comment_author,
            "comment_author_email": self.comment_author_email,
            "comment_author_url": self.comment_author_url,
            "comment_content": self.comment_content,
            "comment_date_gmt": _iso(self.comment_date_gmt),
            "comment_post_modified_gmt": _iso(self.comment_post_modified_gmt),
        }
        return {k: v for k, v in params.items() if v or k == "user_ip"}


class RedirectTransport(httpx.BaseTransport):
    """Send each request to *api_url*'s scheme, host and port, all phases within *budget*.

    The akismet client always calls https://rest.akismet.com; this points it elsewhere.
    httpx applies its timeout to each phase (pool, connect, write, read) separately, so
    the timeouts handed to httpcore shrink to whatever is left of the request's budget.
    """

    def __init__(self, api_url: str = DEFAULT_API_URL, *, budget: float | None = None) -> None:
        self._target = httpx.URL(api_url)
        self._budget = budget
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Rewrite the origin, bound the timeouts, then delegate to httpx.HTTPTransport."""
        target = self._target
        url = request.url
        if (url.scheme, url.host, url.port) != (target.scheme, target.host, target.port):
            request.url = url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
            request.headers["Host"] = request.url.netloc.decode("ascii")
        if self._budget is not None:
            timeouts = request.extensions.get("timeout", {})
            request.extensions["timeout"] = _ShrinkingTimeouts(timeouts, self._budget)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class _ShrinkingTimeouts(dict):
    """Timeouts that never exceed the time left before the deadline (httpcore reads them
    with ``.get`` at the start of each phase)."""

    def __init__(self, timeouts: Mapping[str, float | None], budget: float) -> None:
        super().__init__(timeouts)
        self._deadline = time.monotonic() + budget

    def get(self, key: str, default: Any = None) -> Any:
        value = super().get(key, default)
        left = max(self._deadline - time.monotonic(), 0.001)
        return left if value is None else min(value, left)


_last: ContextVar[httpx.Response | None] = ContextVar("akismet_last_response", default=None)


def _remember(response: httpx.Response) -> None:
    response.read()
    _last.set(response)


class AkismetClients:
    """One HTTP client per Akismet config, reused across requests (built unverified: no
    extra round trip). An app keeps its own on app.extensions["comments"]."""

    def __init__(self) -> None:
        self._clients: dict[AkismetConfig, tuple[akismet.SyncClient, httpx.Client]] = {}
        self._lock = threading.Lock()

    def get(self, config: AkismetConfig) -> akismet.SyncClient:
        with self._lock:
            entry = self._clients.get(config)
            if entry is None:
                http = httpx.Client(
                    headers={"User-Agent": akismet.USER_AGENT},
                    timeout=httpx.Timeout(config.timeout),
                    transport=RedirectTransport(config.api_url, budget=config.timeout),
                    event_hooks={"response": [_remember]},
                )
                keys = akismet.Config(key=config.api_key or "", url=config.blog_url or "")
                entry = (akismet.SyncClient(config=keys, http_client=http), http)
                self._clients[config] = entry
            return entry[0]

    def close(self) -> None:
        """Close every HTTP client (at shutdown, in tests, after a config change)."""
        with self._lock:
            entries = list(self._clients.values())
            self._clients.clear()
        for _, http in entries:
            http.close()


#: The clients of code that runs outside any app (scripts, the unit tests).
APPLESS_CLIENTS = AkismetClients()


def _client(config: AkismetConfig) -> akismet.SyncClient:
    """Return the client for *config* from the current app's engine state, if any."""
    state = current_app.extensions.get("comments") if has_app_context() else None
    clients = state.akismet if state is not None else APPLESS_CLIENTS
    return clients.get(config)


def close_clients() -> None:
    """Close the clients of code that runs outside an app."""
    APPLESS_CLIENTS.close()


def check(config: AkismetConfig, data: CommentData) -> tuple[AkismetVerdict, str]:
    """Ask comment-check; answer the verdict and a detail, UNAVAILABLE on any failure."""
    if not config.enabled:
        return AkismetVerdict.DISABLED, _NOT_CONFIGURED
    _last.set(None)
    try:
        answer = _client(config).comment_check(**_params(config, data))
    except Exception as exc:  # any failure means "unavailable"
        return AkismetVerdict.UNAVAILABLE, _describe(exc, config)
    verdict = _VERDICTS[answer]
    debug = _header("X-akismet-debug-help")
    if debug:
        return AkismetVerdict.UNAVAILABLE, f"Akismet answered {verdict} with debug help: {debug}"
    return verdict, verdict.value + _alert()


def submit(config: AkismetConfig, data: CommentData, *, spam: bool) -> tuple[bool, str]:
    """Report a missed spam (spam=True) or a false positive (spam=False); never raise."""
    operation = "submit-spam" if spam else "submit-ham"
    if not config.enabled:
        return False, _NOT_CONFIGURED
    _last.set(None)
    client = _client(config)
    send = client.submit_spam if spam else client.submit_ham
    try:
        send(**_params(config, data))
    except Exception as exc:
        return False, f"{operation}: {_describe(exc, config)}"
    return True, f"{operation} accepted"


def verify(config: AkismetConfig) -> tuple[bool, str]:
    """Ask verify-key whether the key and blog URL are valid; never raise."""
    if not config.enabled:
        return False, _NOT_CONFIGURED
    _last.set(None)
    try:
        valid = _client(config).verify_key()
    except Exception as exc:
        return False, _describe(exc, config)
    if valid:
        return True, f"key valid for {config.blog_url}"
    return False, _rejected(config)


def _params(config: AkismetConfig, data: CommentData) -> dict[str, Any]:
    params: dict[str, Any] = {
        **data.as_params(),
        "blog_lang": config.blog_lang,
        "blog_charset": config.blog_charset,
    }
    if config.is_test:
        params["is_test"] = True
    return params


def _describe(exc: Exception, config: AkismetConfig) -> str:
    """Turn an akismet or httpx failure into one line a moderator can act on."""
    cause = exc.__cause__
    if isinstance(exc, akismet.APIKeyError):
        return _rejected(config)
    if isinstance(cause, httpx.TimeoutException):
        return f"timeout after {config.timeout}s ({type(cause).__name__})"
    if isinstance(cause, httpx.HTTPStatusError):
        return f"Akismet answered HTTP {cause.response.status_code}"
    if isinstance(cause, httpx.ConnectError):
        return f"cannot connect to {config.api_url}: {cause}"
    if isinstance(exc, akismet.ProtocolError):
        response = _last.get()
        text = response.text[:200] if response is not None else "?"
        debug = _header("X-akismet-debug-help")
        return f"unexpected answer {text!r}" + (f" (debug help: {debug})" if debug else "")
    if cause is not None:
        return f"request failed: {type(cause).__name__}: {cause}"
    return f"{type(exc).__name__}: {exc}"


def _rejected(config: AkismetConfig) -> str:
    debug = _header("X-akismet-debug-help")
    detail = f"API key or blog URL {config.blog_url} rejected as invalid"
    return detail + (f" (debug help: {debug})" if debug else "")


def _alert() -> str:
    code, message = _header("X-akismet-alert-code"), _header("X-akismet-alert-msg")
    return f" (alert {code}: {message})" if code or message else ""


def _header(name: str) -> str:
    response = _last.get()
    return response.headers.get(name, "") if response is not None else ""


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="seconds")


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
