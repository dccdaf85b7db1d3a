"""Every configuration key the comment engine reads, with its default, in one table.

Comments.init_app sets each default with ``setdefault``: a host app that sets nothing gets
a working engine (local spam rules, jobs in a thread pool, mail off). Keys the engine
added are named COMMENTS_*; the older ones keep the names their environment variables
have always had (AKISMET_*, MAIL_*, SITE_URL, SPAM_CHECK_MODE, ...). A key the app's
config does not hold is read from the environment: ``KEY`` for the AKISMET_*, MAIL_* and
SITE_URL keys, ``BLOGAPP_KEY`` for any key (JSON when it parses, as Flask's
``from_prefixed_env`` reads it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, MutableMapping
from typing import Any

PREFIX = "COMMENTS_"
ENV_PREFIX = "BLOGAPP_"


def flag(value: Any) -> bool:
    """Read a yes/no setting (a bool, or "1", "true", "yes", "on" in any case)."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _same(value: Any) -> Any:
    return value


#: key -> (default, how a value from the environment or the app is coerced)
DEFAULTS: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    # Where the engine's HTML door is mounted: POST {COMMENTS_URL_PREFIX}/<slug>/comments.
    "COMMENTS_URL_PREFIX": ("/comments", str),
    # Staff pages the mail links point at (endpoint names in the host app).
    "COMMENTS_MAIL_ACTION_ENDPOINT": ("moderation.mail_action", str),
    "COMMENTS_QUEUE_ENDPOINT": ("moderation.comments", str),
    # The address readers use; every absolute link the engine writes (mail, Akismet).
    "SITE_URL": ("http://localhost", str),
    "SITE_NAME": ("Comments", str),
    "SITE_TAGLINE": ("", str),
    # The IANA zone the engine's templates show times in (BLOGAPP_TIMEZONE).
    "TIMEZONE": ("UTC", str),
    "RENDER_CACHE_MB": (12, float),  # stored comment lists and pages, per worker
    # Akismet (blogapp.comments.akismet): off without a key and a blog URL.
    "AKISMET_API_KEY": (None, _same),
    "AKISMET_BLOG_URL": (None, _same),
    "AKISMET_API_URL": ("https://rest.akismet.com", str),
    "AKISMET_TIMEOUT": (3.0, float),
    "AKISMET_IS_TEST": (False, flag),
    "AKISMET_BLOG_LANG": ("en", str),
    "AKISMET_BLOG_CHARSET": ("UTF-8", str),
    # Where spam checks, Akismet feedback and mail run: "inline", "thread" or "rq".
    "SPAM_CHECK_MODE": ("thread", str),
    "RQ_REDIS_URL": ("redis://127.0.0.1:6379/0", str),
    # A thread-mode job (a spam check, mail) waits at most this long for a quiet moment of
    # its worker (no request for 50 ms; blogapp/readers_first.py): a rush is served first.
    "COMMENTS_JOB_QUIET_SECONDS": (30.0, float),
    # An import string of the app factory RQ workers build the app with.
    "COMMENTS_RQ_APP_FACTORY": ("blogapp:create_app", str),
    "HELD_COOKIE_MAX_AGE": (3600, int),  # how long an author may see their held comment
    "MODERATION_PER_PAGE": (20, int),  # rows of the moderation queue
    # Mail: moderators about held comments; authors about approved ones when asked.
    "MAIL_SERVER": (None, _same),
    "MAIL_PORT": (25, int),
    "MAIL_USE_TLS": (False, flag),
    "MAIL_USERNAME": (None, _same),
    "MAIL_PASSWORD": (None, _same),
    "MAIL_SENDER": ("blogapp@localhost", str),
    "MAIL_NOTIFY_AUTHORS": (False, flag),
    # The outbox (blogapp/mail/): every message is a row, tried until sent or given up.
    "MAIL_MAX_ATTEMPTS": (8, int),  # then the row is marked gave_up
    "MAIL_RETRY_SECONDS": (60.0, float),  # first retry; doubles each time (1, 2, 4, ... min)
    "MAIL_LEASE_SECONDS": (120.0, float),  # a claimed row no sender finished: tried again
    "MAIL_POLL_SECONDS": (60.0, float),  # how often a thread-mode sender looks anyway
}
#: Keys whose environment variable carries no prefix (as it always has).
PLAIN_ENV = tuple(k for k in DEFAULTS if k.startswith(("AKISMET_", "MAIL_")) or k == "SITE_URL")


def _from_env(key: str, environ: MutableMapping[str, str]) -> tuple[bool, Any]:
    if key in PLAIN_ENV and environ.get(key):
        return True, environ[key]
    raw = environ.get(ENV_PREFIX + key)
    if raw is None:
        return False, None
    try:
        return True, json.loads(raw)
    except ValueError:
        return True, raw


def apply_defaults(config: MutableMapping[str, Any],
                   environ: MutableMapping[str, str] | None = None) -> None:
    """Fill every engine key the app left unset: from the environment, else the default;
    coerce what is set to its type."""
    environ = os.environ if environ is None else environ
    for key, (default, coerce) in DEFAULTS.items():
        if key not in config:
            found, value = _from_env(key, environ)
            config[key] = value if found else default
        if config[key] is not None:
            config[key] = coerce(config[key])
