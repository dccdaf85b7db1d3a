"""The staff landing page."""

from __future__ import annotations

from flask import render_template

from blogapp.auth.access import staff_required
from blogapp.moderation.blueprint import bp


@bp.route("/")
@staff_required
def dashboard():
    return render_template("moderation/dashboard.html")
