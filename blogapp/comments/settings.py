"""Discussion settings: stored in the database, defaults from config."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from typing import Any

from flask import request
from sqlalchemy import select

from blogapp.comments.policy import DiscussionSettings, parse_keys
from blogapp.extensions import db
from blogapp.models import SiteSetting


@dataclass(frozen=True)
class SiteSettings:
    """Everything an owner can tune about discussions."""

    policy: DiscussionSettings = DiscussionSettings()
    require_name_email: bool = True
    thread_depth: int = 5
    comments_per_page: int = 50  # top-level threads per page
    default_page: str = "newest"  # which page an article opens on: "newest" or "oldest"
    close_after_days: int = 0  # 0: never
    form_min_seconds: int = 3
    form_max_age_hours: int = 24
    akismet_enabled: bool = True
    purge_spam_days: int = 15
    purge_trash_days: int = 30
    anonymize_ip_days: int = 60
    notify_moderators: bool = True
    edit_window_minutes: int = 10  # a commenter may fix their comment this long; 0: never


POLICY_FIELDS = {f.name for f in fields(DiscussionSettings)}
SITE_FIELDS = {f.name for f in fields(SiteSettings)} - {"policy"}


# (setting, config key), by setting name: read on every request that reads the settings.
_CONFIG_KEYS = tuple((name, f"DISCUSSION_{name.upper()}")
                     for name in sorted(POLICY_FIELDS | SITE_FIELDS))


def defaults_from_config(config: dict[str, Any]) -> dict[str, Any]:
    """Read DISCUSSION_<FIELD> overrides of the built-in defaults from app config (in
    the settings' name order)."""
    return {name: config[key] for name, key in _CONFIG_KEYS if key in config}


def build(values: dict[str, Any]) -> SiteSettings:
    """Turn a flat mapping of setting names to values into SiteSettings."""
    policy_values = {k: v for k, v in values.items() if k in POLICY_FIELDS}
    for key in ("moderation_keys", "disallowed_keys"):
        if isinstance(policy_values.get(key), str):
            policy_values[key] = parse_keys(policy_values[key])
        elif key in policy_values:
            policy_values[key] = tuple(policy_values[key])
    site_values = {k: v for k, v in values.items() if k in SITE_FIELDS}
    return SiteSettings(policy=replace(DiscussionSettings(), **policy_values), **site_values)


SETTINGS_ROWS = select(SiteSetting.key, SiteSetting.value)


#: Where a layer before Flask leaves the settings it read for this request.
PRE_READ_KEY = "blogapp.comments.settings"


def request_settings(config: dict[str, Any]) -> SiteSettings:
    """The settings in force for this request: those a layer before Flask read with the
    request's target (blogapp.blog.refused_posts), else load_settings()."""
    found = request.environ.get(PRE_READ_KEY)
    return found if isinstance(found, SiteSettings) else load_settings(config)


def load_settings(config: dict[str, Any]) -> SiteSettings:
    """Return the settings in force: defaults, then config, then what owners saved."""
    return settings_from_rows(config, db.session.connection().execute(SETTINGS_ROWS))


def settings_from_rows(config: dict[str, Any], rows) -> SiteSettings:
    """Build the settings from the stored (key, value) rows of SETTINGS_ROWS.

    The result is memoized on the rows, so an unchanged table costs no JSON parsing or
    object building."""
    rows = tuple(tuple(r) for r in rows)
    defaults = tuple(defaults_from_config(config).items())  # sorted by name already
    try:
        return _build_cached(defaults, rows)
    except TypeError:  # an unhashable config default (a list): build without the memo
        return _build_from(dict(defaults), rows)


@lru_cache(maxsize=64)
def _build_cached(defaults: tuple, rows: tuple) -> SiteSettings:
    return _build_from(dict(defaults), rows)


def _build_from(values: dict[str, Any], rows: tuple) -> SiteSettings:
    for key, value in rows:
        if key in POLICY_FIELDS | SITE_FIELDS:
            values[key] = json.loads(value)
    return build(values)


def flatten(settings: SiteSettings) -> dict[str, Any]:
    values = asdict(settings)
    values.update(values.pop("policy"))
    return values


def save_settings(values: dict[str, Any]) -> None:
    """Store the given settings (unknown names are refused) and commit."""
    unknown = set(values) - POLICY_FIELDS - SITE_FIELDS
    if unknown:
        raise KeyError(f"unknown settings: {sorted(unknown)}")
    for key, value in values.items():
        if isinstance(value, tuple):
            value = list(value)
        db.session.merge(SiteSetting(key=key, value=json.dumps(value)))
    db.session.commit()
