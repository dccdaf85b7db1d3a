"""Login and logout pages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from blogapp.auth.access import safe_next
from blogapp.auth.credentials import authenticate, dummy_hash
from blogapp.auth.sessions import log_in, log_out
from blogapp.extensions import limiter
from blogapp.forms import TextForm

bp = Blueprint("auth", __name__)
bp.record_once(lambda state: dummy_hash())  # pay for the dummy hash at startup

LOGIN_FAILED = "Invalid email or password."


class LoginForm(TextForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Remember me")


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("moderation.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            log_in(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("moderation.dashboard"))
        flash(LOGIN_FAILED, "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        return render_template("auth/logout.html")
    log_out()
    flash("You have been logged out.", "info")
    return redirect(url_for("blog.index"))
