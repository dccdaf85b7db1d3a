"""The staff blueprint; every view in it requires a staff login and a role."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/admin")
