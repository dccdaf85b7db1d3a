"""Owners manage staff: invite moderators, disable and enable accounts, reset passwords,
log an account out everywhere.

A new or reset password is shown once, in the response to the POST that made it (never
flashed into the session cookie); the owner passes it on. Disabling, a new password and
"log out everywhere" end every session of the account (see blogapp.auth.sessions).
"""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from blogapp.auth.access import owner_required
from blogapp.auth.sessions import end_every_session, keep_this_session
from blogapp.extensions import db
from blogapp.forms import TextForm
from blogapp.models import AuditEntry, Role, User
from blogapp.models.base import utcnow
from blogapp.moderation.blueprint import bp


class InviteForm(TextForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False),
                                            Length(max=254)])
    display_name = StringField("Name", validators=[Optional(), Length(max=100)])
    role = SelectField("Role", choices=[Role.MODERATOR.value, Role.OWNER.value])


class UserError(ValueError):
    pass


def new_password() -> str:
    return secrets.token_urlsafe(12)


def audit_user(action: str, user: User) -> None:
    """Record *action* on *user*'s account by the logged-in owner or staff member."""
    db.session.add(AuditEntry(user_id=current_user.id, action=action,
                              note=f"{user.role} {user.email}", created_at=utcnow()))


def invite(email: str, display_name: str, role: str) -> tuple[User, str]:
    """Create an account with a generated password; commit; return both."""
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise UserError(f"An account for {email} already exists.")
    password = new_password()
    user = User(email=email, role=Role(role).value,
                display_name=display_name.strip() or email.split("@")[0])
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit_user("user_invite", user)
    db.session.commit()
    return user, password


def set_active(user: User, active: bool) -> None:
    """Disable or enable an account; an owner cannot lock out themselves or the last owner."""
    if not active:
        if user.id == current_user.id:
            raise UserError("You cannot disable your own account.")
        if user.is_owner and _active_owners() <= 1:
            raise UserError("The last active owner cannot be disabled.")
    user.active = active
    audit_user("user_enable" if active else "user_disable", user)
    db.session.commit()


def _active_owners() -> int:
    return db.session.scalar(select(func.count(User.id)).where(
        User.role == Role.OWNER.value, User.active.is_(True))) or 0


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _listing(form: InviteForm, **extra):
    users = db.session.scalars(select(User).order_by(User.role.desc(), User.email)).all()
    return render_template("moderation/users.html", users=users, form=form, **extra)


@bp.route("/users")
@owner_required
def users():
    return _listing(InviteForm())


@bp.route("/users/invite", methods=["POST"])
@owner_required
def users_invite():
    form = InviteForm()
    if not form.validate_on_submit():
        return _listing(form), 422
    try:
        user, password = invite(form.email.data, form.display_name.data or "", form.role.data)
    except UserError as exc:
        form.email.errors = [str(exc)]
        return _listing(form), 409
    return _listing(InviteForm(formdata=None), shown_password=(user, password))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@owner_required
def users_disable(user_id: int):
    return _change_active(user_id, False)


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@owner_required
def users_enable(user_id: int):
    return _change_active(user_id, True)


def _change_active(user_id: int, active: bool):
    user = _user_or_404(user_id)
    try:
        set_active(user, active)
    except UserError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{user.email} is {'enabled' if user.active else 'disabled'}.", "success")
    return redirect(url_for("moderation.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@owner_required
def users_password(user_id: int):
    user = _user_or_404(user_id)
    password = new_password()
    user.set_password(password)  # ends the account's sessions
    audit_user("user_password", user)
    db.session.commit()
    if user.id == current_user.id:
        keep_this_session(user)
    return _listing(InviteForm(formdata=None), shown_password=(user, password))


@bp.route("/users/<int:user_id>/logout", methods=["POST"])
@owner_required
def users_logout(user_id: int):
    user = _user_or_404(user_id)
    yourself = user.id == current_user.id
    audit_user("user_logout_everywhere", user)
    end_every_session(user)  # commits the audit row too
    flash(f"{user.email} is logged out everywhere.", "success")
    return redirect(url_for("blog.index" if yourself else "moderation.users"))
