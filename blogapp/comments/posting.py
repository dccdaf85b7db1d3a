"""What every door does with a shape-checked comment: the form token, then the pipeline.

The HTML form (blogapp.comments.views) and the JSON API (blogapp.api.public) both hand
their submission here, so the checks, the transactions and the jobs dispatched after a
post are the same for both. (Issue 12's ``submit()`` replaces this module.)"""

from __future__ import annotations

from flask import current_app

from blogapp.akismet_check import config_from_mapping
from blogapp.comments.form import check_form_token
from blogapp.database import read_only
from blogapp.discussion import SiteSettings
from blogapp.extensions import db
from blogapp.jobs import dispatch
from blogapp.models import Comment
from blogapp.policy import AkismetVerdict, CommentStatus
from blogapp.services.comments import CommentInput, CommentRefused, prepare_comment, store_comment
from blogapp.site import site_url


def require_form_token(token: str | None, subject: int | str, settings: SiteSettings) -> None:
    """Raise CommentRefused (400) when the signed form timestamp for *subject* (an article
    id, or an external page's URL) is forged, too fresh or too old."""
    complaint = check_form_token(current_app.config["SECRET_KEY"], token or "", subject,
                                 settings.form_min_seconds, settings.form_max_age_hours)
    if complaint:
        raise CommentRefused(400, complaint)


def take_comment(data: CommentInput, settings: SiteSettings) -> Comment:
    """Check and decide *data* reading only, store it, dispatch what it owes; return it.

    Raise CommentRefused when it can't be posted."""
    app = current_app
    with read_only():  # every check only reads: on SQLite no write lock is taken for them
        comment = prepare_comment(
            data, settings, secret=app.config["SECRET_KEY"], site_url=site_url(app),
            akismet_configured=config_from_mapping(app.config).enabled)
        db.session.commit()  # end the reading transaction; the insert takes its own
    comment = store_comment(comment)
    if comment.spam_check == AkismetVerdict.OWED.value:
        dispatch("spam_check", comment.id)
    elif comment.status == CommentStatus.PENDING.value:
        dispatch("notify", comment.id)
    return comment
