"""The staff landing page: what waits, what arrived lately, and how spam is checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import case, func, select

from blogapp.auth.access import staff_required
from blogapp.comments.akismet import config_from_mapping
from blogapp.comments.policy import CommentStatus
from blogapp.comments.queue import article_titles, latest_held, status_counts
from blogapp.comments.settings import load_settings
from blogapp.extensions import db
from blogapp.models import CommentDayCount
from blogapp.models.base import utcnow
from blogapp.moderation.blueprint import bp

CHART_DAYS = 30
CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 600, 160, 10, 20


@dataclass(frozen=True)
class Bar:
    day: date
    comments: int
    spam: int
    x: float
    width: float
    comments_y: float
    comments_h: float
    spam_y: float
    spam_h: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    baseline: int = CHART_HEIGHT - CHART_BOTTOM

    @property
    def total(self) -> int:
        return sum(bar.comments for bar in self.bars)

    @property
    def total_spam(self) -> int:
        return sum(bar.spam for bar in self.bars)


def daily_counts(start: datetime) -> dict[date, tuple[int, int]]:
    """Comments received per UTC day since *start*'s day, and how many of them are now spam
    (from the tally the comment triggers keep: see blogapp.comments.queue)."""
    is_spam = case((CommentDayCount.status == CommentStatus.SPAM.value, CommentDayCount.n),
                   else_=0)
    rows = db.session.execute(
        select(CommentDayCount.day, func.sum(CommentDayCount.n), func.sum(is_spam))
        .where(CommentDayCount.day >= start.date()).group_by(CommentDayCount.day))
    return {day: (int(total or 0), int(spam or 0)) for day, total, spam in rows
            if total or spam}


def build_chart(counts: dict[date, tuple[int, int]], today: date) -> Chart:
    """Lay out one bar pair per day for the last CHART_DAYS days, oldest on the left."""
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    peak = max([counts.get(d, (0, 0))[0] for d in days] + [1])
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = CHART_WIDTH / CHART_DAYS
    bars = []
    for i, d in enumerate(days):
        total, spam = counts.get(d, (0, 0))
        h_total, h_spam = plot * total / peak, plot * spam / peak
        base = CHART_HEIGHT - CHART_BOTTOM
        bars.append(Bar(d, total, spam, round(i * slot + 1, 1), round(slot - 2, 1),
                        round(base - h_total, 1), round(h_total, 1),
                        round(base - h_spam, 1), round(h_spam, 1)))
    return Chart(bars, peak)


def akismet_status() -> str:
    if not config_from_mapping(current_app.config).enabled:
        return "Akismet is not configured: local rules only."
    if not load_settings(current_app.config).akismet_enabled:
        return "Akismet is turned off in the settings: local rules only."
    return "Akismet is configured and checks every new comment."


@bp.route("/")
@staff_required
def dashboard():
    now = utcnow()
    start = datetime.combine(now.date() - timedelta(days=CHART_DAYS - 1), datetime.min.time())
    held = latest_held(5)
    return render_template(
        "moderation/dashboard.html", counts=status_counts(),
        chart=build_chart(daily_counts(start), now.date()), held=held,
        articles=article_titles(held), akismet=akismet_status(),
    )
