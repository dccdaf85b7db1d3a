"""The pages a subscription mail links to. GET shows, POST acts; no login, no cookie.

Each POST carries its signed token, which is what authorizes it (the pages need no CSRF
session token, and the one-click unsubscribe of RFC 8058 is POSTed by mail clients from
anywhere); a page's own buttons are also refused when a browser sends them cross-site."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from blogapp.extensions import csrf
from blogapp.integers import parse_int
from blogapp.security import cross_origin
from blogapp.subscriptions import service
from blogapp.subscriptions.service import SubscriptionError

bp = Blueprint("subscriptions", __name__, url_prefix="/subscriptions")
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex"}
CROSS_SITE = "This button was pressed on another site's page, so nothing was changed."


def _page(template: str, status: int = 200, **context):
    return render_template(f"subscriptions/{template}", **context), status, NO_STORE


def _token() -> str:
    return (request.values.get("token") or "")[:1000]


@bp.route("/confirm", methods=["GET", "POST"])
@csrf.exempt
def confirm():
    try:
        email = service.email_of_confirm_token(_token())
    except SubscriptionError as exc:
        return _page("result.html", 400, title="This link cannot be used", message=str(exc))
    if request.method == "GET":  # a mail scanner opening the link confirms nothing
        return _page("confirm.html", email=email, token=_token())
    if cross_origin(request.headers, request.host):
        return _page("result.html", 403, title="Not confirmed", message=CROSS_SITE)
    try:
        started = service.confirm(email)
    except SubscriptionError as exc:
        return _page("result.html", 410, title="Nothing to confirm", message=str(exc))
    return _page("result.html", title="Subscription confirmed",
                 message=f"Thank you: {email} will be mailed about new comments "
                         f"({started} {'subscription' if started == 1 else 'subscriptions'} "
                         "started).", manage=service.manage_token(email))


@bp.route("/unsubscribe", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe():
    """The List-Unsubscribe URL: GET shows a button; a POST (the button, or a mail client's
    RFC 8058 "List-Unsubscribe=One-Click") ends the subscription."""
    try:
        subscription = service.subscription_of_end_token(_token())
    except SubscriptionError as exc:
        return _page("result.html", 404, title="This link cannot be used", message=str(exc))
    if request.method == "GET":
        return _page("unsubscribe.html", subscription=subscription, token=_token())
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if not one_click and cross_origin(request.headers, request.host):
        return _page("result.html", 403, title="Still subscribed", message=CROSS_SITE)
    service.end(subscription)
    return _page("result.html", title="Unsubscribed",
                 message="You will get no more mail for this subscription.",
                 manage=service.manage_token(subscription.email))


@bp.route("/manage", methods=["GET", "POST"])
@csrf.exempt
def manage():
    try:
        email = service.email_of_manage_token(_token())
    except SubscriptionError as exc:
        return _page("result.html", 404, title="This link cannot be used", message=str(exc))
    message = None
    if request.method == "POST":
        if cross_origin(request.headers, request.host):
            return _page("result.html", 403, title="Nothing changed", message=CROSS_SITE)
        which = request.form.get("end", "")
        if which == "all":
            count = service.end_all(email)
            message = f"Ended {count} {'subscription' if count == 1 else 'subscriptions'}."
        else:
            sub_id = parse_int(which, 1)
            mine = {s.id: s for s, _, _ in service.subscriptions_of(email)}
            if sub_id not in mine:
                return _page("result.html", 400, title="Nothing changed",
                             message="Choose one of your subscriptions to end.")
            service.end(mine[sub_id])
            message = "Subscription ended."
    return _page("manage.html", email=email, token=_token(), message=message,
                 rows=service.subscriptions_of(email))
