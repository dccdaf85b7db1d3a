"""Imported comments as rows, stored the way live comments are.

The same sanitizer (``render_comment``), the same avatar seed and the same shape rules as
the comment form; the original status and date are kept, and the flood, duplicate, Akismet
and notification steps are skipped (an import is history, not a new submission). When the
comment engine grows its one ``submit`` pipeline with an import door, this module is
what moves behind it.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from blogapp.comments.avatars import avatar_seed
from blogapp.comments.policy import AkismetVerdict
from blogapp.comments.purge import anonymize_ip
from blogapp.comments.settings import SiteSettings
from blogapp.importers.model import ImportedComment, Source
from blogapp.sanitize import normalize_text, render_comment

# The columns' (and WordPress's) limits.
MAX_AUTHOR, MAX_EMAIL, MAX_URL = 245, 100, 200
REASON_IMPORTED = "imported"


@dataclass(frozen=True)
class CommentShaper:
    """Turn ImportedComments into ``comments`` rows for one import run."""

    source: Source
    secret: str
    settings: SiteSettings
    now: datetime

    def ip(self, value: str, created_at: datetime) -> str:
        """Keep a valid address, cut to its network when the settings' age says so."""
        try:
            address = str(ipaddress.ip_address(value.strip()))
        except ValueError:
            return ""
        days = self.settings.anonymize_ip_days
        if days > 0 and created_at < self.now - timedelta(days=days):
            return anonymize_ip(address)
        return address

    def check(self, comment: ImportedComment, warn) -> tuple[str, str, str, str]:
        """Return the author, email, website and text as stored; *warn* hears what is left
        out (an invalid email or website is dropped, as the form would refuse it)."""
        email = _email(comment.email)
        if comment.email.strip() and not email:
            warn("email left out: not a valid address")
        url = _web_url(comment.url)
        if comment.url.strip() and not url:
            warn("website left out: not an http(s) address of at most 200 characters")
        return (normalize_text(comment.author, multiline=False)[:MAX_AUTHOR], email, url,
                normalize_text(comment.content, multiline=True))

    def row(self, comment: ImportedComment, article_id: int, parent_id: int | None,
            depth: int, user_id: int | None, warn) -> dict:
        """Return the column values of *comment* in *article_id*."""
        author, email, url, content = self.check(comment, warn)
        reason = {"code": REASON_IMPORTED,
                  "message": f"Imported from {self.source.label} ({comment.label}) with "
                             "its original status"}
        return {
            "article_id": article_id, "parent_id": parent_id, "depth": depth,
            "author": author, "email": email, "url": url,
            "avatar_seed": avatar_seed(self.secret, email, author),
            "content": content, "content_html": render_comment(content),
            "status": comment.status, "reasons_json": json.dumps([reason], ensure_ascii=False),
            "spam_check": AkismetVerdict.DISABLED.value, "spam_check_attempts": 0,
            "blatant": False, "feedback_owed": None,
            "ip": self.ip(comment.ip, comment.created_at), "user_agent": "", "referrer": "",
            "user_id": user_id, "created_at": comment.created_at,
            "updated_at": comment.created_at,
        }


@lru_cache(maxsize=4096)  # commenters come back: check each address once
def _email(value: str) -> str:
    value = normalize_text(value, multiline=False)
    if not value or len(value) > MAX_EMAIL:
        return ""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return ""
    return value


def _web_url(value: str) -> str:
    value = normalize_text(value, multiline=False)
    if not value or len(value) > MAX_URL:
        return ""
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return ""
    return value
