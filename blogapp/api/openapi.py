"""The OpenAPI 3.1 document of /api/v1, as data (served at /api/v1/openapi.json).

Every response the tests see is validated against it (tests/api/openapi_check.py), and
Schemathesis fuzzes it (tests/api/test_schemathesis.py). Staff operations are in
blogapp.api.openapi_staff."""

from __future__ import annotations

from typing import Any

from blogapp.comments.entry import MAX_AUTHOR, MAX_CONTENT, MAX_EMAIL, MAX_URL
from blogapp.comments.forms import SUBSCRIBE_CHOICES

JSON = "application/json"
Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: Schema, description: str, headers: dict | None = None) -> Schema:
    answer: Schema = {"description": description, "content": {JSON: {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


ERROR_TEXT = {400: "Bad input (the fields at fault are named)", 401: "No valid credentials",
              403: "Not allowed (origin, scope, CSRF, closed thread)", 404: "Not found",
              405: "Method not allowed", 409: "A duplicate comment",
              413: "The body is too large", 415: "Not a JSON body",
              422: "Well-formed JSON of the wrong shape or types",
              429: "Too many posts: wait Retry-After seconds"}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait",
                               "schema": {"type": "string", "pattern": "^[0-9]+$"}}}


def errors(*codes: int) -> dict[str, Schema]:
    return {str(c): body(ref("Error"), ERROR_TEXT[c], RETRY_AFTER if c == 429 else None)
            for c in codes}


def query(name: str, schema: Schema, description: str, required: bool = False,
          **extra: Any) -> Schema:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description, **extra}


def path(name: str, schema: Schema | None = None) -> Schema:
    return {"name": name, "in": "path", "required": True,
            "schema": schema or {"type": "string", "minLength": 1}}


PAGE = query("page", {"type": "integer", "minimum": 1}, "Thread page (default: the one "
             "the blog opens on)")
URL = query("url", {"type": "string", "format": "uri"}, "The page's absolute address",
            required=True)
OPEN: dict[str, Any] = {"security": [{}]}  # public: no credentials

SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object", "required": ["error", "message", "fields"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                       "fields": {"type": "object",
                                  "additionalProperties": {"type": "string"}}},
    },
    "Comment": {
        "type": "object",
        "required": ["id", "parent", "author", "author_url", "avatar", "html", "created",
                     "permalink", "staff", "replies"],
        "properties": {
            "id": {"type": "integer"}, "parent": {"type": ["integer", "null"]},
            "author": {"type": "string"}, "author_url": {"type": ["string", "null"]},
            "avatar": {"type": "string", "description": "Absolute URL of an SVG image"},
            "html": {"type": "string", "description": "Sanitized HTML"},
            "created": {"type": "string", "format": "date-time"},
            "permalink": {"type": "string"}, "staff": {"type": "boolean"},
            "replies": {"type": "array", "items": ref("Comment")},
        },
    },
    "Thread": {
        "type": "object", "required": ["id", "url", "title", "open", "count", "feed"],
        "properties": {
            "id": {"type": ["integer", "null"],
                   "description": "null until the first accepted comment creates it"},
            "url": {"type": "string"}, "title": {"type": "string"},
            "open": {"type": "boolean"}, "count": {"type": "integer", "minimum": 0},
            "feed": {"type": "string"},
        },
    },
    "Form": {
        "type": "object",
        "required": ["form_token", "require_name_email", "max_length", "thread_depth",
                     "subscribe_comments"],
        "properties": {"form_token": {"type": "string"},
                       "require_name_email": {"type": "boolean"},
                       "max_length": {"type": "integer"}, "thread_depth": {"type": "integer"},
                       "subscribe_comments": {
                           "type": "array", "items": {"enum": list(SUBSCRIBE_CHOICES)},
                           "description": "The \"Notify me by email\" choices to offer: "
                                          "none while the site sends no mail"}},
    },
    "ThreadPage": {
        "type": "object", "required": ["thread", "comments", "page", "pages", "form"],
        "properties": {"thread": ref("Thread"),
                       "comments": {"type": "array", "items": ref("Comment")},
                       "page": {"type": "integer", "minimum": 1},
                       "pages": {"type": "integer", "minimum": 1}, "form": ref("Form")},
    },
    "Counts": {
        "type": "object", "required": ["counts"],
        "properties": {"counts": {"type": "object",
                                  "additionalProperties": {"type": "integer", "minimum": 0}}},
    },
    "NewComment": {
        "type": "object",
        "description": "The Leave a Reply form's fields; name the thread with exactly one "
                       "of thread and article. Unknown keys are ignored.",
        "properties": {
            "thread": {"type": "object", "required": ["url"],
                       "properties": {"url": {"type": "string", "format": "uri"},
                                      "title": {"type": "string", "maxLength": 200}}},
            "article": {"type": "string"},
            "comment": {"type": "string", "maxLength": MAX_CONTENT},
            "author": {"type": "string", "maxLength": MAX_AUTHOR},
            "email": {"type": "string", "maxLength": MAX_EMAIL},
            "url": {"type": "string", "maxLength": MAX_URL},
            "comment_parent": {"type": ["integer", "string"]},
            "form_token": {"type": "string", "description": "From the thread GET"},
            "contact_fax": {"type": "string", "description": "Honeypot: leave empty"},
            "consent": {"type": "boolean"},
            "subscribe_comments": {
                "description": "The ticked \"Notify me by email\" boxes: replies (to this "
                               "comment) and/or all (every new comment); needs email. "
                               "A confirmation mail is sent to a new address first.",
                "oneOf": [{"enum": list(SUBSCRIBE_CHOICES)},
                          {"type": "array", "items": {"enum": list(SUBSCRIBE_CHOICES)}}]},
        },
    },
    "Posted": {
        "type": "object",
        "required": ["comment", "status", "preview_token", "message", "subscribed"],
        "properties": {"comment": ref("Comment"), "status": {"enum": ["approved", "held"]},
                       "preview_token": {"type": ["string", "null"]},
                       "message": {"type": ["string", "null"]},
                       "subscribed": {
                           "enum": [*SUBSCRIBE_CHOICES, None],
                           "description": "The mail asked for; null when none was "
                                          "asked or the site sends no mail. It starts "
                                          "once the address confirms the link mailed to "
                                          "it (whether it has is not said)."}},
    },
    "Preview": {
        "type": "object", "required": ["comment", "status"],
        "properties": {"comment": ref("Comment"), "status": {"const": "held"}},
    },
}

ATOM = {"description": "An Atom feed of approved comments, newest first",
        "content": {"application/atom+xml": {"schema": {"type": "string"}}}}
SVG = {"description": "An SVG image", "content": {"image/svg+xml": {"schema": {"type": "string"}}}}


def _get(summary: str, ok: Schema, *codes: int, parameters: list | None = None) -> Schema:
    return {"get": {"summary": summary, **OPEN, "parameters": parameters or [],
                    "responses": {"200": ok, **errors(*codes)}}}


PUBLIC_PATHS: dict[str, Schema] = {
    "/threads": _get("An external page's thread", body(ref("ThreadPage"), "The thread"),
                     400, 403, 404, 422, parameters=[URL, PAGE]),
    "/threads/article/{slug}": _get("An article's thread",
                                    body(ref("ThreadPage"), "The thread"), 400, 403, 404,
                                    parameters=[path("slug"), PAGE]),
    "/counts": _get("Approved-comment counts of up to 100 pages",
                    body(ref("Counts"), "Counts by the url as given"), 403, 422,
                    parameters=[query("url", {"type": "array", "items": {"type": "string"},
                                              "minItems": 1, "maxItems": 100},
                                      "Page addresses", required=True, explode=True)]),
    "/comments": {"post": {
        "summary": "Post a comment (JSON only; from an allowed Origin)", **OPEN,
        "requestBody": {"required": True, "content": {JSON: {"schema": ref("NewComment")}}},
        "responses": {"201": body(ref("Posted"), "Taken: approved, or held for moderation"),
                      **errors(400, 403, 404, 409, 413, 415, 422, 429)}}},
    "/comments/{comment_id}/preview": _get(
        "The author's own held comment", body(ref("Preview"), "Still awaiting moderation"),
        403, 404, parameters=[path("comment_id", {"type": "integer", "minimum": 0}),
                              {"name": "X-Blogapp-Preview", "in": "header",
                               "schema": {"type": "string"},
                               "description": "The preview token the post returned"},
                              query("token", {"type": "string"}, "Or the token here")]),
    "/threads/feed.atom": _get("An external page's comment feed", ATOM, 403, 404, 422,
                               parameters=[URL]),
    "/threads/article/{slug}/feed.atom": _get("An article's comment feed", ATOM, 403, 404,
                                              parameters=[path("slug")]),
    "/comments/feed.atom": _get("The site's latest approved comments", ATOM, 403),
    "/avatars/{seed}.svg": _get("An avatar drawn from a keyed hash", SVG, 403, 404,
                                parameters=[path("seed")]),
    "/avatars/held.svg": _get("The avatar of a comment awaiting moderation", SVG, 403),
    "/openapi.json": _get("This document", {"description": "OpenAPI 3.1",
                                            "content": {JSON: {"schema": {"type": "object"}}}},
                          403),
}


def document(server_url: str) -> Schema:
    """The whole document, its server being this site's /api/v1."""
    from blogapp.api.openapi_staff import SECURITY_SCHEMES, STAFF_PATHS, STAFF_SCHEMAS

    return {
        "openapi": "3.1.0",
        "info": {"title": "blogapp API", "version": "1.0.0",
                 "description": "Threads, comments and moderation. Errors always have the "
                                "Error shape."},
        "servers": [{"url": server_url}],
        "paths": {**PUBLIC_PATHS, **STAFF_PATHS},
        "components": {"schemas": {**SCHEMAS, **STAFF_SCHEMAS},
                       "securitySchemes": SECURITY_SCHEMES},
    }
