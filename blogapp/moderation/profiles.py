"""Owners edit each account's public profile: byline name, author page slug, bio."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from blogapp.auth.access import owner_required
from blogapp.extensions import db
from blogapp.forms import TextForm
from blogapp.models import User
from blogapp.moderation.blueprint import bp
from blogapp.services.authors import MAX_BIO, ProfileError, update_profile


class ProfileForm(TextForm):
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=100)],
                               description="Shown on bylines and the author page.")
    slug = StringField("Slug", validators=[Optional(), Length(max=80)],
                       description="The author page's address: /author/<slug>.")
    bio = TextAreaField("Short bio", validators=[Optional(), Length(max=MAX_BIO)],
                        description="Shown on the author page, as plain text.")


@bp.route("/users/<int:user_id>/profile", methods=["GET", "POST"])
@owner_required
def users_profile(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = ProfileForm() if request.method == "POST" else ProfileForm(formdata=None, obj=user)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                update_profile(user, form.display_name.data, form.slug.data or "",
                               form.bio.data or "")
            except ProfileError as exc:
                form.slug.errors = [str(exc)]
                status = 409
            else:
                flash(f"Profile of {user.display_name} saved.", "success")
                return redirect(url_for("moderation.users_profile", user_id=user.id))
        else:
            status = 422
    return render_template("moderation/profile.html", user=user, form=form), status
