"""The machines' blueprint: JSON in and out, one error shape, CORS for embedding sites."""

from __future__ import annotations

from flask import Blueprint

from blogapp.api.errors import ApiError, api_error_response
from blogapp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_error_handler(ApiError, api_error_response)
# Readers' posts carry the signed form token and pass the Origin rules instead; staff
# calls carry a bearer token, or the session with X-CSRFToken (blogapp.api.auth).
csrf.exempt(bp)
