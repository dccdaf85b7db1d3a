"""The OpenAPI document names every API rule of the URL map, with its methods, and
nothing else: so Schemathesis (which fuzzes the document) reaches every endpoint."""

from __future__ import annotations

import re

import pytest

from blogapp.api.openapi import document

# On SQLite only (one_engine, tests/conftest.py): the URL map against the OpenAPI document: no
# database.
pytestmark = pytest.mark.one_engine


def test_the_document_and_the_url_map_agree(app):
    from_map = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
            path = path.removeprefix("/api/v1")
            from_map |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(method.upper(), path)
                  for path, item in document("http://blog.test/api/v1")["paths"].items()
                  for method in item}
    assert from_map == documented
