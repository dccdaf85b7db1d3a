"""A minimal staff side: one shared password (STAFF_PASSWORD) and a moderation queue that
uses the engine's services (blogapp.comments.queue and blogapp.comments.moderation)."""

from __future__ import annotations

import hmac
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from blogapp.comments.moderation import ACTIONS, TAB_ACTIONS, ActionError, moderate
from blogapp.comments.policy import CommentStatus
from blogapp.comments.queue import QueueFilter, queue_page, status_counts

bp = Blueprint("staff", __name__, url_prefix="/staff")


def staff_only(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not session.get("staff"):
            return redirect(url_for("staff.login", next=request.path))
        return view(*args, **kwargs)
    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        wanted = current_app.config.get("STAFF_PASSWORD") or ""
        given = request.form.get("password", "")
        if wanted and hmac.compare_digest(given.encode(), wanted.encode()):
            session.clear()
            session["staff"] = True
            return redirect(url_for("staff.queue"))
        flash("That password is not right.")
        return render_template("login.html"), 400
    return render_template("login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("pages.home"))


@bp.route("/comments")
@staff_only
def queue():
    status = request.args.get("status", CommentStatus.PENDING.value)
    if status not in TAB_ACTIONS:
        abort(404)
    page = queue_page(QueueFilter(status=status), current_app.config["MODERATION_PER_PAGE"])
    return render_template("queue.html", page=page, status=status, counts=status_counts(),
                           actions=[ACTIONS[name] for name in TAB_ACTIONS[status]])


@bp.route("/comments/<int:comment_id>", methods=["POST"])
@staff_only
def act(comment_id: int):
    action = request.form.get("action", "")
    try:
        done = moderate([comment_id], action, None, site_url=current_app.config["SITE_URL"])
    except ActionError as exc:
        abort(400, str(exc))
    if done:
        flash(f"Comment #{comment_id} {ACTIONS[action].done}.")
    return redirect(url_for("staff.queue"))
