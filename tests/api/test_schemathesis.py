"""Schemathesis fuzzes every operation of the OpenAPI document: no input gets a 500,
and every answer (status, content type, headers, body) is one the document describes.

Staff operations are called with an owner's token holding every scope, over a small
thread with a held and an approved comment, so the fuzzing reaches past the auth checks."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from blogapp.api.openapi import document
from blogapp.extensions import db
from blogapp.models import User
from tests.api.conftest import SITE

pytestmark = [pytest.mark.slow, pytest.mark.serial]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 12  # x 22 operations: a few hundred calls per engine


@pytest.fixture
def api_schema(app, client):
    from blogapp.api.tokens import issue_token
    from tests.factories import make_article

    with app.app_context():
        make_article("Night buses", body="Body.")
        owner = User(email="owner@example.com", role="owner", display_name="Owner")
        owner.set_password("x" * 12)
        db.session.add(owner)
        db.session.commit()
        _, secret = issue_token(owner, "fuzz", ["read", "moderate", "publish"])
    for held in (False, True):
        app.config["DISCUSSION_MANUAL_APPROVAL"] = held
        thread = client.get("/api/v1/threads/article/night-buses").get_json()
        client.post("/api/v1/comments", json={
            "article": "night-buses", "comment": f"Seed {held}", "author": "Ann",
            "email": "ann@example.org", "form_token": thread["form"]["form_token"]})
    schema = schemathesis.openapi.from_dict(document("http://blog.test/api/v1"))
    schema.app = app  # call the app in-process (WSGI)
    return schema, secret


OPERATIONS = [f"{method.upper()} {path}"
              for path, item in document("http://blog.test/api/v1")["paths"].items()
              for method in item]


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_conforms(api_schema, label):
    schema, secret = api_schema
    operation = schema.find_operation_by_label(label)
    headers = {"Origin": SITE}
    if operation.definition.raw.get("security") != [{}]:
        headers["Authorization"] = f"Bearer {secret}"

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    def conforms(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    conforms()
