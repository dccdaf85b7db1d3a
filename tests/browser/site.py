"""A small published site for the browser tests and the screenshots: a news article with
subheadings, a quote and a threaded discussion (a staff reply among them), held and spam
comments with their reasons, a category, a tag, an owner and a moderator.

Times show in Europe/Paris (BLOGAPP_TIMEZONE), so the pages prove they name the zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from blogapp.extensions import db
from tests.security.conftest import add_comment, sqlite_app

OWNER = ("owner@news.example", "Mara Olsen")
MODERATOR = ("moderator@news.example", "Theo Quinn")
PASSWORD = "correct horse battery staple"
ZONE = "Europe/Paris"

ARTICLE_BODY = """\
As the year winds down, Riverside City's transit board has made it plain that the coming \
year will be about the hours after dark. At its final meeting of the season, the board \
approved a plan to run twelve new night bus routes and to keep four tram lines open until \
two in the morning.

The decision follows a year of public hearings and a survey in which night-shift workers, \
students and restaurant staff described long waits and expensive taxi rides home.

## A "Quiet Revolution" for Late Workers

Presenting the plan, the board's chair said the network is built around the people who \
keep the city running while others sleep. The plan asks the transit agency to:

- **Add routes:** twelve night lines linking hospitals, the university and the port.
- **Run on time:** a fixed timetable with buses every twenty minutes.
- **Stay safe:** a trained attendant at every interchange after midnight.

## What It Will Cost, and Who Pays

The agency estimates the first year at 14 million, split between the city budget and a \
new surcharge on late-night parking in the centre.

> "Night service is where a transit system shows whom it is really for," said Dr. Ines \
Varga, an urban mobility researcher.

Supporters point to [last winter's pilot](https://transit.example/pilot), which carried \
more passengers than forecast in every month of the trial.

### What to Expect Next

The first six routes open in April, the rest by the autumn.
"""

EXCERPT = ("Twelve night bus routes and four late trams: Riverside City's transit board "
           "bets on the hours after dark.")


@dataclass
class Seeded:
    slug: str
    article_id: int
    other_slug: str
    category: str
    tag: str
    approved: int  # a top-level approved comment (replies go under it)
    pending: int  # held, with reasons
    spam: int
    owner_id: int
    moderator_id: int
    revision_id: int
    media_id: int | None = None


def build_app(directory: Path, **config: Any) -> Flask:
    return sqlite_app(directory, TIMEZONE=ZONE, DISCUSSION_MANUAL_APPROVAL=True,
                      SITE_NAME="Riverside Today",
                      SITE_TAGLINE="City news and the conversations it starts", **config)


def seed(app: Flask) -> Seeded:
    from flask import current_app

    from blogapp.comments.entry import Accepted, Door, Entry
    from blogapp.comments.moderation import reply
    from blogapp.comments.pipeline import submit
    from blogapp.comments.policy import CommentStatus
    from blogapp.comments.services import set_visible_status
    from blogapp.comments.settings import load_settings
    from blogapp.models import Comment, User
    from blogapp.models.revision import ArticleRevision as Revision
    from blogapp.services.articles import ArticleDraft, save_article
    from blogapp.services.taxonomy import create_category

    with app.app_context():
        users = {}
        for (email, name), role in ((OWNER, "owner"), (MODERATOR, "moderator")):
            user = User(email=email, role=role, display_name=name)
            user.set_password(PASSWORD)
            db.session.add(user)
            users[role] = user
        db.session.commit()
        city = create_category("City", description="Transport, housing and the council.")
        db.session.commit()

        def publish(title: str, body: str, excerpt: str, days_ago: int, tags: str = ""):
            article = save_article(ArticleDraft(
                title=title, slug="", body_md=body, excerpt=excerpt, comments_open=True,
                action="publish", category_ids=(city.id,), tags=tags),
                author_id=users["owner"].id)
            from blogapp.models.base import utcnow
            article.published_at = utcnow() - timedelta(days=days_ago, hours=3)
            db.session.commit()
            return article

        publish("Library Opens Its Doors Until Midnight",
                "The central library now stays open until midnight on weekdays.",
                "Longer hours at the central library, from Monday.", 3)
        publish("Council Approves Riverside Park Cycle Path",
                "A new cycle path will run the length of Riverside Park.",
                "Four kilometres of protected cycle path along the river.", 2, "cycling")
        article = publish("Riverside City Bets on Night Buses for 2027", ARTICLE_BODY,
                          EXCERPT, 0, "night buses, transit")

        def approved(text: str, author: str, email: str, parent: int | None = None):
            outcome = submit(Entry(target_id=article.id, author=author, email=email, url="",
                                   content=text, ip="192.0.2.10", user_agent="UA",
                                   parent_id=parent), door=Door.IMPORT)
            assert isinstance(outcome, Accepted), outcome
            comment = db.session.get(Comment, outcome.comment_id)
            set_visible_status(comment, CommentStatus.APPROVED.value)
            db.session.commit()
            return comment

        first = approved("Twenty minutes between buses is the detail that matters. "
                         "I finish at 1 a.m. and wait forty now.", "Ana Ruiz",
                         "ana@reader.example")
        answer = approved("Same here. Does anyone know if the port line stops at the "
                          "ferry terminal?", "Jon Bell", "jon@reader.example", first.id)
        settings = load_settings(current_app.config)
        reply(answer.id, "It does: the port line's last stop is the ferry terminal, "
              "every twenty minutes until 2 a.m.", users["owner"], settings,
              secret=current_app.config["SECRET_KEY"])
        approved("Who pays for the attendants after the first year?", "Lee Park",
                 "lee@reader.example")
        pending = add_comment(article.id, "Cheaper taxis here http://cabs.example/a and "
                              "http://cabs.example/b and http://cabs.example/c",
                              author="Cab Deals", email="deals@cabs.example", ip="192.0.2.50")
        held = add_comment(article.id, "Will the night buses take bicycles?",
                           author="Sam Ortiz", email="sam@reader.example", ip="192.0.2.51")
        spam = add_comment(article.id, "Buy cheap watches", author="Watches",
                           email="spam@spam.example", ip="192.0.2.60")
        set_visible_status(spam, CommentStatus.SPAM.value)
        db.session.commit()
        other = publish("Night Market Returns to the Old Harbour",
                        "Stalls open from six until late every Friday.",
                        "Food stalls and music every Friday from six.", 1)
        del held
        revision_id = db.session.scalar(
            db.select(Revision.id).where(Revision.article_id == article.id))
        return Seeded(slug=article.slug, article_id=article.id, other_slug=other.slug,
                      category=city.slug, tag="transit", approved=first.id,
                      pending=pending.id, spam=spam.id, owner_id=users["owner"].id,
                      moderator_id=users["moderator"].id, revision_id=revision_id)
