"""Validate every API response the tests see against the OpenAPI document."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse

from blogapp.api.openapi import document

PREFIX = "/api/v1"


@lru_cache(maxsize=1)
def spec() -> dict:
    return document("http://blog.test/api/v1")


@lru_cache(maxsize=1)
def routes() -> list[tuple[re.Pattern, str]]:
    out = []
    for template in spec()["paths"]:
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", pattern)
        out.append((re.compile(pattern + "$"), template))
    # Literal paths first: /avatars/held.svg before /avatars/{seed}.svg.
    return sorted(out, key=lambda item: item[1].count("{"))


def operation(method: str, path: str) -> dict | None:
    local = path.split("?", 1)[0].removeprefix(PREFIX)
    for pattern, template in routes():
        if pattern.fullmatch(local):
            return spec()["paths"][template].get(method.lower())
    return None


def validate(schema: dict, instance) -> None:
    root = {**schema, "components": spec()["components"]}
    Draft202012Validator(root).validate(instance)


def check(method: str, path: str, response: TestResponse) -> None:
    """Assert the response is one the document describes, body and headers."""
    if method.upper() == "OPTIONS":
        return  # preflights are CORS, not operations
    op = operation(method, path)
    status = str(response.status_code)
    if op is None:  # no operation: only the error shape (an unknown URL or method)
        assert response.status_code in (404, 405), f"{method} {path}: {status} undocumented"
        assert response.mimetype == "application/json"
        validate({"$ref": "#/components/schemas/Error"}, response.get_json())
        return
    assert status in op["responses"], f"{method} {path}: status {status} not documented"
    described = op["responses"][status]
    content = described.get("content", {})
    if not content:
        assert not response.get_data(), f"{method} {path}: {status} should be empty"
        return
    assert response.mimetype in content, f"{method} {path}: {response.mimetype} undocumented"
    for header in described.get("headers", {}):
        assert header in response.headers, f"{method} {path}: {header} missing"
    if response.mimetype == "application/json":
        validate(content["application/json"]["schema"], json.loads(response.get_data()))
