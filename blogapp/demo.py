"""Demo content: one article shaped like the articles the site publishes."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from blogapp.extensions import db
from blogapp.models import Article, Role, User
from blogapp.models.base import utcnow
from blogapp.services.articles import ArticleDraft, save_article

DEMO_SLUG = "riverside-city-bets-on-night-buses-for-2027"

DEMO_TITLE = "Riverside City Bets on Night Buses for 2027"

DEMO_BODY = """\
As the year winds down, Riverside City's transit board has made it plain that the coming year
will be about the hours after dark. At its final meeting of the season, the board approved a
plan to run twelve new night bus routes and to keep four tram lines open until two in the
morning, starting in the spring.

The decision follows a year of public hearings and a survey in which night-shift workers,
students and restaurant staff described long waits and expensive taxi rides home.

## A "Quiet Revolution" for Late Workers

Presenting the plan, the board's chair said the network is built around the people who keep
the city running while others sleep. The plan asks the transit agency to:

- **Add routes:** twelve night lines linking hospitals, the university and the industrial port.
- **Run on time:** publish a fixed timetable with buses every twenty minutes.
- **Stay safe:** staff every interchange with a trained attendant after midnight.

## What It Will Cost, and Who Pays

The agency estimates the first year at 14 million, split between the city budget and a new
surcharge on late-night parking in the centre. Critics on the council argue the money would be
better spent on daytime reliability, where delays affect far more riders.

> "Night service is where a transit system shows whom it is really for. Cities that get it
> right see the benefits in employment, safety and the night economy within two years."
> — Dr. Mara Olsen, urban mobility researcher.

Supporters point to pilot routes run last winter, which carried more passengers than forecast
in every month of the trial.

## What to Expect Next

The first six routes are due to open in April, the rest by the autumn. Riders can comment on
the draft timetable until the end of January.
"""

DEMO_EXCERPT = (
    "Twelve new night bus routes and late trams: Riverside City's transit board approves a plan "
    "built for the people who work while the city sleeps."
)


@dataclass(frozen=True)
class DemoResult:
    email: str
    password: str | None  # set only when the owner account was created now


def load_demo(email: str) -> DemoResult:
    """Create the owner account and the demo article unless they exist."""
    email = email.strip().lower()
    owner = db.session.scalar(select(User).where(func.lower(User.email) == email))
    password = None
    if owner is None:
        password = secrets.token_urlsafe(12)
        owner = User(email=email, role=Role.OWNER.value, display_name="Site Owner")
        owner.set_password(password)
        db.session.add(owner)
        db.session.commit()
        _remember_login(email, password)
    if db.session.scalar(select(Article.id).where(Article.slug == DEMO_SLUG)) is None:
        save_article(
            ArticleDraft(title=DEMO_TITLE, slug=DEMO_SLUG, body_md=DEMO_BODY,
                         excerpt=DEMO_EXCERPT, comments_open=True, action="publish"),
            author_id=owner.id,
            now=utcnow() - timedelta(minutes=1),
        )
    return DemoResult(email=email, password=password)


def _remember_login(email: str, password: str) -> None:
    """Write the generated login to the instance folder so `make run` can show it again."""
    path = Path(current_app.instance_path) / "owner-login.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"Owner login: {email}  password: {password}\n")
