"""Reader privacy for owners: the pages that export or erase everything tied to an email
address (the work is blogapp.comments.privacy's)."""

from __future__ import annotations

import json

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blogapp.auth.access import owner_required
from blogapp.comments.privacy import audit_export, erase, export
from blogapp.moderation.blueprint import bp


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
    audit_export(current_user.id, len(data["comments"]))
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
