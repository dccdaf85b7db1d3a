"""The HTML door: check the form's shape, hand it to submit(), redirect or re-render with
the text kept."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from werkzeug.exceptions import NotFound

from blogapp.comments.area import (
    DETAIL_COOKIES,
    EDIT_COOKIE,
    HELD_COOKIE,
    held_cookie,
    render_article_page,
)
from blogapp.comments.entry import Accepted, Door, Entry, Refused
from blogapp.comments.forms import CommentForm
from blogapp.comments.host import Target
from blogapp.comments.own_edit import edit_cookie
from blogapp.comments.pipeline import (
    CLOSED,
    history_refusal,
    known_history,
    reader_history,
    screen,
    submission_for,
    submit,
)
from blogapp.comments.policy import CommentStatus
from blogapp.comments.services import comments_closed
from blogapp.comments.settings import SiteSettings, request_settings
from blogapp.comments.state import current_host
from blogapp.database import read_only
from blogapp.errors import error_response
from blogapp.models.base import utcnow
from blogapp.paths import TEMPLATES
from blogapp.security import cross_origin
from blogapp.subscriptions.service import subscribe_from_post

# Its templates are blogapp's (comments/*.html, _form.html): a host app's own templates
# of the same names come first.
bp = Blueprint("comments", __name__, template_folder=str(TEMPLATES))
YEAR = 365 * 24 * 3600
CROSS_SITE = ("This form was sent from another site's page, so it was not posted. Your "
              "comment is kept below: send it from this page if you meant to.")
CROSS_SITE_REFUSED = Refused("cross_site", 403, CROSS_SITE)
ARTICLE_GONE = ("This article was deleted while your comment was being sent, so it was not "
                "posted. Your text is below, to copy.")


@bp.route("/<slug>/comments", methods=["POST"])
def post_comment(slug: str):
    """The HTML door: check the origin and the form's shape, hand the rest to submit().

    No session CSRF token (Comments.init_app exempts this blueprint from the app's
    CSRFProtect): readers have no session (see CommentForm); instead the cross-origin
    check and the signed form token stop forged posts."""
    with read_only():  # every check only reads: on SQLite no write lock is taken for them
        article = current_host().find(slug)
        if article is None or not article.visible:
            abort(404)
        settings = request_settings(current_app.config)
        form = CommentForm(require_name_email=settings.require_name_email)
        answer, history = early_answer(article, settings, form)
        if answer is not None:
            return answer
    entry = entry_from_form(form, article.id)
    outcome = submit(entry, door=Door.FORM, settings=settings, history=history)
    if isinstance(outcome, Refused):
        with read_only():
            return _refused(article, settings, form, outcome)
    target = url_for(current_host().endpoint, slug=slug, cpage=outcome.page)
    response = redirect(f"{target}#comment-{outcome.comment_id}", code=303)
    _remember_details(response, form, entry)
    subscribe_from_post(outcome, entry.email, form.subscription_kind)
    _give_edit_cookie(response, outcome, settings)
    if outcome.status != CommentStatus.APPROVED:
        response.set_cookie(HELD_COOKIE, held_cookie(outcome.comment_id, outcome.preview_token),
                            max_age=current_app.config["HELD_COOKIE_MAX_AGE"], httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def early_answer(article: Target, settings: SiteSettings, form: CommentForm):
    """The door's answer to a post refused before submit(): (the answer, None), or (None,
    the entry's history, for submit()).

    First what early_refusal() decides from plain facts, then what the database holds (a
    duplicate, a flood), then the form's shape. The refused-posts layer before Flask
    (blogapp.blog.refused_posts) decides in the same order with the same functions, and
    answers through this one or with its stored bytes; the history it read is used here
    (known_history), not read again."""
    entry = entry_from_form(form, article.id)
    now = utcnow()
    refused = early_refusal(cross_site=cross_origin(request.headers, request.host),
                            closed=comments_closed(article, settings, now), entry=entry,
                            settings=settings)
    history = None
    if refused is None:
        history = reader_history(entry, settings, now, known_history(request.environ, entry))
        refused = history_refusal(submission_for(entry), settings, history, now)
    if refused is not None:
        return _refused(article, settings, form, refused), None
    if not form.validate():
        return render_article_page(article, form, 400, settings), None
    return None, history


def early_refusal(*, cross_site: bool, closed: bool, entry: Entry, settings: SiteSettings,
                  secret: str | None = None) -> Refused | None:
    """Why a post to a visible target is refused before its fields are checked or any
    history is read, or None: in the pipeline's order, sent from another site's page,
    the target takes no comment, then blogapp.comments.pipeline.screen (the form token,
    the honeypot). None of these is about a field, so none names the fields' problems:
    the text is kept, and a post sent again from the page is checked in full. *secret*:
    the app's SECRET_KEY, for a caller outside an app context."""
    if cross_site:
        return CROSS_SITE_REFUSED
    if closed:
        return CLOSED
    return screen(entry, settings, secret=secret)


def _give_edit_cookie(response, outcome: Accepted, settings: SiteSettings) -> None:
    """Let this browser fix the comment it just posted (blogapp/comments/own_edit.py)."""
    value = edit_cookie(outcome.comment_id, outcome.preview_token, settings) if (
        outcome.shown) else None
    if value:
        response.set_cookie(EDIT_COOKIE, value, max_age=settings.edit_window_minutes * 60,
                            httponly=True, samesite="Lax", secure=request.is_secure)


def entry_from_form(form: CommentForm, target_id: int) -> Entry:
    """The pipeline's view of a shape-checked form and of the request it came in."""
    return Entry(
        target_id=target_id, parent_id=form.parent_id, author=form.author.data or "",
        email=(form.email.data or "").lower(), url=form.url.data or "",
        content=form.comment.data, ip=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
        referrer=request.headers.get("Referer", ""),
        honeypot=bool(form.contact_fax.data), form_token=form.form_token.data or "",
    )


def _refused(article, settings, form: CommentForm, refused: Refused):
    if refused.field:
        form[refused.field].errors = [refused.message]
    try:
        body, status = render_article_page(article, form, refused.status_code, settings,
                                           message=None if refused.field else refused.message)
    except NotFound:  # the article was deleted while the post was checked: no page to show
        return error_response(404, "Not found", ARTICLE_GONE, kept=form.comment.data or "")
    headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else {}
    return body, status, headers


def _remember_details(response, form: CommentForm, data: Entry) -> None:
    """Save name, email and website for a year only with consent; clear the saved ones
    without (a browser that sent none has none to clear: they are the site's, path /)."""
    values = {"author": data.author, "email": data.email, "url": data.url}
    for field, cookie in DETAIL_COOKIES.items():
        if form.consent.data and values[field]:
            response.set_cookie(cookie, values[field], max_age=YEAR, httponly=True,
                                samesite="Lax", secure=request.is_secure)
        elif cookie in request.cookies:
            response.delete_cookie(cookie)
