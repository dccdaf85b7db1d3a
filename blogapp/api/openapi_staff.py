"""The staff half of the OpenAPI document: moderation, articles, token auth."""

from __future__ import annotations

from typing import Any

from blogapp.api.openapi import JSON, body, errors, path, query, ref
from blogapp.comments.moderation import ACTIONS

Schema = dict[str, Any]

SECURITY_SCHEMES: dict[str, Schema] = {
    "token": {"type": "http", "scheme": "bearer",
              "description": "A personal API token (scopes read, moderate, publish)"},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "The admin's session; writes also need X-CSRFToken"},
}
STRING = {"type": "string"}
STAMP = {"type": "string", "format": "date-time"}
STAFF_SCHEMAS: dict[str, Schema] = {
    "StaffComment": {
        "type": "object",
        "required": ["id", "status", "parent", "thread", "author", "email", "author_url", "ip",
                     "content", "html", "created", "updated", "reasons", "staff"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"enum": ["pending", "approved", "spam", "trash"]},
            "parent": {"type": ["integer", "null"]},
            "thread": {"type": "object", "required": ["id", "title", "url"],
                       "properties": {"id": {"type": "integer"}, "title": STRING,
                                      "url": STRING}},
            "author": STRING, "email": STRING, "author_url": {"type": ["string", "null"]},
            "ip": STRING, "content": STRING, "html": STRING, "created": STAMP,
            "updated": STAMP, "staff": {"type": "boolean"},
            "reasons": {"type": "array", "items": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": STRING, "message": STRING}}},
        },
    },
    "OneComment": {"type": "object", "required": ["comment"],
                   "properties": {"comment": ref("StaffComment")}},
    "Queue": {
        "type": "object", "required": ["comments", "next", "counts"],
        "properties": {"comments": {"type": "array", "items": ref("StaffComment")},
                       "next": {"type": ["string", "null"],
                                "description": "Pass as cursor for the next (older) page"},
                       "counts": {"type": "object",
                                  "additionalProperties": {"type": "integer"}}},
    },
    "Bulk": {"type": "object", "required": ["action", "done", "skipped"],
             "properties": {"action": STRING,
                            "done": {"type": "array", "items": {"type": "integer"}},
                            "skipped": {"type": "array", "items": {"type": "integer"}}}},
    "Article": {
        "type": "object",
        "required": ["id", "title", "slug", "status", "comments_open", "published_at",
                     "updated", "comment_count", "url"],
        "properties": {
            "id": {"type": "integer"}, "title": STRING, "slug": STRING,
            "status": {"enum": ["draft", "published", "scheduled", "trash"]},
            "comments_open": {"type": "boolean"},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
            "updated": STAMP, "comment_count": {"type": "integer"}, "url": STRING,
            "body": STRING, "excerpt": STRING, "tags": STRING,
        },
    },
    "OneArticle": {"type": "object", "required": ["article"],
                   "properties": {"article": ref("Article")}},
    "Articles": {"type": "object", "required": ["articles", "next"],
                 "properties": {"articles": {"type": "array", "items": ref("Article")},
                                "next": {"type": ["string", "null"]}}},
    "ArticleInput": {
        "type": "object",
        "properties": {"title": {"type": "string", "maxLength": 200}, "slug": STRING,
                       "body": {"type": "string", "description": "Markdown"},
                       "excerpt": STRING, "tags": {"type": "string",
                                                   "description": "Comma-separated"},
                       "comments_open": {"type": "boolean"},
                       "action": {"enum": ["draft", "publish", "schedule"]},
                       "publish_at": STAMP},
    },
}
STAFF = {"security": [{"token": []}, {"session": []}]}
COMMENT_ID = path("comment_id", {"type": "integer", "minimum": 0})
ARTICLE_ID = path("article_id", {"type": "integer", "minimum": 0})
LIMIT = query("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Page size (20)")
AUTH = (401, 403)


def _op(summary: str, scope: str, responses: dict, parameters: list | None = None,
        request: Schema | None = None) -> Schema:
    op: Schema = {"summary": f"{summary} (scope {scope})", **STAFF,
                  "parameters": parameters or [], "responses": responses}
    if request is not None:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": request}}}
    return op


WRITE = (400, *AUTH, 413, 415, 422)
STAFF_PATHS: dict[str, Schema] = {
    "/moderation/comments": {"get": _op(
        "The moderation queue, newest first", "read",
        {"200": body(ref("Queue"), "One page"), **errors(400, *AUTH)},
        [query("status", {"enum": ["pending", "approved", "spam", "trash"]}, "pending"),
         query("cursor", STRING, "From the previous page's next"), LIMIT,
         query("q", STRING, "Search author, email, IP, URL, text"),
         query("thread", {"type": "integer", "minimum": 1}, "One thread's comments")])},
    "/moderation/comments/{comment_id}": {
        "get": _op("One comment", "read", {"200": body(ref("OneComment"), "The comment"),
                                           **errors(*AUTH, 404)}, [COMMENT_ID]),
        "patch": _op("Edit a comment's text", "moderate",
                     {"200": body(ref("OneComment"), "Edited"), **errors(*WRITE, 404)},
                     [COMMENT_ID], {"type": "object", "required": ["comment"],
                                    "properties": {"comment": STRING}}),
        "delete": _op("Delete a spam or trashed comment for good", "moderate",
                      {"204": {"description": "Deleted"}, **errors(*AUTH, 404, 409)},
                      [COMMENT_ID]),
    },
    "/moderation/comments/{comment_id}/actions": {"post": _op(
        "Change a comment's status", "moderate",
        {"200": body(ref("OneComment"), "Done"), **errors(*WRITE, 404, 409)}, [COMMENT_ID],
        {"type": "object", "required": ["action"],
         "properties": {"action": {"enum": [a for a in ACTIONS if a != "delete"]}}})},
    "/moderation/comments/bulk": {"post": _op(
        "One action on many comments (those it does not fit are skipped)", "moderate",
        {"200": body(ref("Bulk"), "Done"), **errors(*WRITE)}, [],
        {"type": "object", "required": ["action", "ids"],
         "properties": {"action": {"enum": list(ACTIONS)},
                        "ids": {"type": "array", "items": {"type": "integer"},
                                "minItems": 1, "maxItems": 500}}})},
    "/articles": {
        "get": _op("Articles, newest first", "publish",
                   {"200": body(ref("Articles"), "One page"), **errors(400, *AUTH)},
                   [LIMIT, query("cursor", {"type": "integer", "minimum": 1},
                                 "From the previous page's next")]),
        "post": _op("Create an article", "publish",
                    {"201": body(ref("OneArticle"), "Created"), **errors(*WRITE)}, [],
                    {**ref("ArticleInput"), "required": ["title"]}),
    },
    "/articles/{article_id}": {
        "get": _op("One article", "publish", {"200": body(ref("OneArticle"), "The article"),
                                              **errors(*AUTH, 404)}, [ARTICLE_ID]),
        "patch": _op("Update an article", "publish",
                     {"200": body(ref("OneArticle"), "Saved"), **errors(*WRITE, 404, 409)},
                     [ARTICLE_ID], ref("ArticleInput")),
    },
    "/articles/{article_id}/{action}": {"post": _op(
        "Publish, unpublish, trash or restore", "publish",
        {"200": body(ref("OneArticle"), "Done"), **errors(*AUTH, 404)},
        [ARTICLE_ID, path("action", {"enum": ["publish", "unpublish", "trash", "restore"]})])},
}
