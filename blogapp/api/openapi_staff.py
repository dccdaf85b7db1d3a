"""The staff half of the OpenAPI document: moderation, articles, token auth."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

SECURITY_SCHEMES: dict[str, Schema] = {
    "token": {"type": "http", "scheme": "bearer",
              "description": "A personal API token (scopes read, moderate, publish)"},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "The admin's session; writes also need X-CSRFToken"},
}
STAFF_SCHEMAS: dict[str, Schema] = {}
STAFF_PATHS: dict[str, Schema] = {}
