"""The logged-in staff member's own account: who they are, a new password, log out
everywhere. Every staff member has this page; it shows and changes only their account."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from blogapp.auth.access import staff_required
from blogapp.auth.sessions import end_every_session, keep_this_session
from blogapp.auth.views import login_limit
from blogapp.extensions import db, limiter
from blogapp.forms import TextForm
from blogapp.moderation.blueprint import bp
from blogapp.moderation.users import audit_user

MIN_PASSWORD = 8  # as `flask users create` asks


class PasswordForm(TextForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    new = PasswordField("New password", validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=1024,
                               message=f"Use {MIN_PASSWORD} to 1024 characters.")])
    confirm = PasswordField("New password again", validators=[
        DataRequired(), EqualTo("new", message="The two new passwords differ.")])

    def validate_current(self, field) -> None:
        if not current_user.check_password(field.data):
            raise ValidationError("That is not your current password.")


def _page(form: PasswordForm, status: int = 200):
    return render_template("moderation/account.html", form=form), status


@bp.route("/account")
@staff_required
def account():
    return _page(PasswordForm(formdata=None))


@bp.route("/account/password", methods=["POST"])
@staff_required
@limiter.limit(login_limit)  # the current password is a guess worth limiting too
def account_password():
    form = PasswordForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    user = current_user._get_current_object()
    user.set_password(form.new.data)  # ends every session of the account...
    audit_user("user_password", user)
    db.session.commit()
    keep_this_session(user)  # ...but this one
    flash("Password changed. Every other browser logged in as you is logged out.", "success")
    return redirect(url_for("moderation.account"))


@bp.route("/account/logout", methods=["POST"])
@staff_required
def account_logout():
    user = current_user._get_current_object()
    audit_user("user_logout_everywhere", user)
    end_every_session(user)  # commits the audit row too
    flash("You are logged out everywhere, this browser included.", "info")
    return redirect(url_for("blog.index"))  # as after logging out
