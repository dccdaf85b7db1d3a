"""Reader privacy for owners: the pages that export or erase everything tied to an email
address: the comments (blogapp.comments.privacy) and the site's subscriptions and mail
(blogapp.subscriptions.privacy), erased in one transaction."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blogapp.auth.access import owner_required
from blogapp.comments import privacy as comments_privacy
from blogapp.moderation.blueprint import bp
from blogapp.subscriptions.privacy import erase_mail_data, export_mail_data


def export(email: str) -> dict[str, Any]:
    """Everything stored about *email*: its comments, subscriptions and mail."""
    return {**comments_privacy.export(email), **export_mail_data(email)}


def erase(email: str, *, keep_text: bool, actor_id: int | None, secret: str) -> int:
    """Erase *email*'s subscriptions and mail, anonymize its comments; commit once; return
    how many comments."""
    erase_mail_data(email)  # the engine's erase commits it with the comments
    return comments_privacy.erase(email, keep_text=keep_text, actor_id=actor_id, secret=secret)


@bp.route("/privacy")
@owner_required
def privacy():
    return render_template("moderation/privacy.html")


def _email_field() -> str | None:
    email = request.form.get("email", "").strip()
    if "@" not in email or len(email) > 254 or not email.isprintable():
        flash("Enter the reader's email address.", "error")
        return None
    return email


@bp.route("/privacy/export", methods=["POST"])
@owner_required
def privacy_export():
    email = _email_field()
    if email is None:
        return redirect(url_for("moderation.privacy"))
    data = export(email)
    comments_privacy.audit_export(current_user.id, len(data["comments"]))
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="comments-export.json"',
                             "Cache-Control": "no-store"})


@bp.route("/privacy/erase", methods=["POST"])
@owner_required
def privacy_erase():
    email = _email_field()
    if email is None:
        return redirect(url_for("moderation.privacy"))
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm: erasing cannot be undone.", "error")
        return redirect(url_for("moderation.privacy"))
    count = erase(email, keep_text=request.form.get("text") == "keep",
                  actor_id=current_user.id, secret=current_app.config["SECRET_KEY"])
    flash(f"Erased personal data from {count} {'comment' if count == 1 else 'comments'}.",
          "success")
    return redirect(url_for("moderation.privacy"))
