"""Discussion settings for owners: every SiteSettings field, validated, stored in the DB."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from blogapp.auth.access import owner_required
from blogapp.comments.policy import DISCARD_AS_SPAM, DISCARD_DROP, parse_keys
from blogapp.comments.settings import flatten, load_settings, save_settings
from blogapp.extensions import db
from blogapp.forms import TextForm, WholeNumberField
from blogapp.models import AuditEntry
from blogapp.models.base import utcnow
from blogapp.moderation.blueprint import bp

KEY_FIELDS = ("moderation_keys", "disallowed_keys")


def _number(label: str, low: int, high: int, description: str = "") -> WholeNumberField:
    return WholeNumberField(label, validators=[InputRequired(), NumberRange(low, high)],
                        description=description)


class SettingsForm(TextForm):
    manual_approval = BooleanField("Comments must be manually approved")
    auto_approve_known_authors = BooleanField(
        "Otherwise approve authors who have a previously approved comment")
    require_name_email = BooleanField("Comment author must fill out name and email")
    max_links = _number("Hold a comment with this many links or more", 0, 100, "0: never")
    moderation_keys = TextAreaField(
        "Comment moderation keys", validators=[Length(max=65_535)],
        description="One word, name, email, URL or IP per line; a comment containing one "
                    "in any field is held for moderation.")
    disallowed_keys = TextAreaField(
        "Disallowed comment keys", validators=[Length(max=65_535)],
        description="One per line; a comment containing one in any field goes to the trash.")
    flood_seconds = _number("Refuse a second comment from the same IP or email within (seconds)",
                            0, 3600, "0: off")
    duplicate_check = BooleanField("Refuse duplicate comments")
    close_after_days = _number("Close comments on articles older than (days)", 0, 36_500,
                               "0: never")
    thread_depth = _number("Threaded comments nest this many levels deep", 1, 10)
    comments_per_page = _number("Top-level comments per page", 1, 500)
    # Plain-string choices: WTForms 3.3 deprecates tuples, and SelectChoice is 3.3-only.
    default_page = SelectField("Article pages open on the comments page", choices=[
        "newest", "oldest"])
    form_min_seconds = _number("Treat a form sent faster than this as a robot (seconds)", 0, 600)
    form_max_age_hours = _number("A comment form expires after (hours)", 1, 720)
    akismet_enabled = BooleanField("Check comments with Akismet (when a key is configured)")
    akismet_discard = SelectField(
        "Blatant spam (Akismet's discard)", choices=[DISCARD_AS_SPAM, DISCARD_DROP],
        description="spam: keep it in the spam folder; drop: do not store it (it is logged).")
    purge_spam_days = _number("Delete spam after (days)", 0, 3650, "0: never")
    purge_trash_days = _number("Delete trashed comments after (days)", 0, 3650, "0: never")
    anonymize_ip_days = _number("Anonymize commenters' IP addresses after (days)", 0, 3650,
                                "0: never")
    notify_moderators = BooleanField("Email moderators when a comment is held")

    def values(self) -> dict[str, Any]:
        out = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        for key in KEY_FIELDS:
            out[key] = parse_keys(out[key] or "")
        return out


def form_data(current: dict[str, Any]) -> dict[str, Any]:
    data = dict(current)
    for key in KEY_FIELDS:
        data[key] = "\n".join(current[key])
    return data


@bp.route("/settings", methods=["GET", "POST"])
@owner_required
def settings():
    current = flatten(load_settings(current_app.config))
    form = SettingsForm(data=form_data(current))
    if form.validate_on_submit():
        changed = {k: v for k, v in form.values().items() if v != current.get(k)}
        if changed:
            db.session.add(AuditEntry(user_id=current_user.id, action="settings",
                                      note="Changed " + ", ".join(sorted(changed)),
                                      created_at=utcnow()))
            save_settings(changed)  # commits the audit row too
            flash("Settings saved.", "success")
        else:
            flash("Nothing changed.", "info")
        return redirect(url_for("moderation.settings"))
    status = 422 if form.is_submitted() else 200
    return render_template("moderation/settings.html", form=form), status
