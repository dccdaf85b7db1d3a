"""Owners issue and revoke personal API tokens (/admin/tokens). A new token's secret is
shown once, in the answer to the POST that made it; only its sha256 is stored."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from blogapp.api.tokens import TokenError, all_tokens, issue_token, revoke_token
from blogapp.auth.access import owner_required
from blogapp.extensions import db
from blogapp.forms import TextForm
from blogapp.models import User
from blogapp.models.api_token import SCOPES
from blogapp.moderation.blueprint import bp


class TokenForm(TextForm):
    name = StringField("Name (what it is for)", validators=[DataRequired(), Length(max=100)])
    # Plain-string choices: WTForms 3.3 deprecates tuples, and SelectChoice is 3.3-only.
    account = SelectField("Account")
    scopes = SelectMultipleField("Scopes", choices=list(SCOPES), default=["read"],
                                 widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput())


def _form(blank: bool = False) -> TokenForm:
    form = TokenForm(formdata=None) if blank else TokenForm()
    form.account.choices = list(db.session.scalars(select(User.email).order_by(User.email)))
    return form


def _page(form: TokenForm, status: int = 200, shown: tuple | None = None):
    return render_template("moderation/tokens.html", tokens=all_tokens(), form=form,
                           shown=shown), status


@bp.route("/tokens")
@owner_required
def tokens():
    return _page(_form())


@bp.route("/tokens", methods=["POST"])
@owner_required
def tokens_create():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 422)
    user = db.session.scalar(select(User).where(User.email == form.account.data))
    if user is None:
        abort(404)
    try:
        token, secret = issue_token(user, form.name.data, form.scopes.data or ())
    except TokenError as exc:
        form.scopes.errors = [str(exc)]
        return _page(form, 422)
    return _page(_form(blank=True), shown=(token, secret))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@owner_required
def tokens_revoke(token_id: int):
    token = revoke_token(token_id)
    if token is None:
        abort(404)
    flash(f"Token “{token.name}” is revoked.", "success")
    return redirect(url_for("moderation.tokens"))
