"""What the theme's templates need beyond Jinja: times in the site's zone, plurals."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app
from markupsafe import Markup

from blogapp.config import ConfigError

# strftime patterns by name; "time" ones end with the zone's abbreviation (CET, EST, UTC).
FORMATS = {
    "date": "%B %-d, %Y",
    "datetime": "%B %-d, %Y at %H:%M %Z",
    "short": "%Y-%m-%d %H:%M %Z",
    "day": "%b %-d",
}


def site_zone(name: str) -> ZoneInfo:
    """Return the IANA zone *name* (``BLOGAPP_TIMEZONE``); ValueError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as "
                         f"'Europe/Paris' or 'UTC')") from exc


def local(moment: datetime) -> datetime:
    """Return *moment* (stored as naive UTC) in the site's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(site_zone(current_app.config["TIMEZONE"]))


def to_site(moment: datetime | None) -> datetime | None:
    """Naive UTC -> naive wall-clock time in the site's zone (for datetime-local fields)."""
    return None if moment is None else local(moment).replace(tzinfo=None)


def from_site(moment: datetime | None) -> datetime | None:
    """Naive wall-clock time in the site's zone -> naive UTC (how times are stored)."""
    if moment is None:
        return None
    zone = site_zone(current_app.config["TIMEZONE"])
    return moment.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def time_tag(moment: datetime | None, style: str = "date") -> Markup:
    """Return ``<time datetime="...+01:00">`` showing *moment* in the site's zone."""
    if moment is None:
        return Markup("")
    shown = local(moment)
    return Markup('<time datetime="{}">{}</time>').format(
        shown.isoformat(timespec="seconds"), shown.strftime(FORMATS[style]))


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 comment``, ``2 comments``: *n* with the word agreeing."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def register_theme(app: Flask) -> None:
    try:  # fail at start-up, not on the first page
        site_zone(app.config["TIMEZONE"])
    except ValueError as exc:
        raise ConfigError(f"BLOGAPP_TIMEZONE: {exc}") from None
    app.jinja_env.globals["time_tag"] = time_tag
    app.jinja_env.globals["site_zone_name"] = lambda: app.config["TIMEZONE"]
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.filters["local"] = local
