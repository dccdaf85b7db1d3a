"""Moderators' endpoints: the queue by status (keyset cursor), one comment, status
changes, edits, permanent deletes and bulk actions, all through blogapp.moderation."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from blogapp.api.auth import caller, scope_required
from blogapp.api.blueprint import bp
from blogapp.api.body import field, id_list, ident, int_arg, json_body
from blogapp.api.errors import ApiError
from blogapp.api.thread_json import iso, thread_address
from blogapp.comments.moderation import (
    ACTIONS,
    MAX_IDS,
    NOT_YOURS,
    ActionError,
    edit_text,
    moderate,
)
from blogapp.comments.queue import (
    TAB_ORDER,
    Cursor,
    QueueFilter,
    article_titles,
    queue_page,
    status_counts,
)
from blogapp.extensions import db
from blogapp.models import Article, Comment
from blogapp.site import site_url
from blogapp.unicode_text import normalize_text

STATUS_ACTIONS = tuple(name for name in ACTIONS if name != "delete")


def staff_comment(comment: Comment, article: Article) -> dict[str, Any]:
    return {
        "id": comment.id, "status": comment.status, "parent": comment.parent_id,
        "thread": {"id": article.id, "title": article.title, "url": thread_address(article)},
        "author": comment.author, "email": comment.email, "author_url": comment.url or None,
        "ip": comment.ip, "content": comment.content, "html": comment.content_html,
        "created": iso(comment.created_at), "updated": iso(comment.updated_at),
        "reasons": [{"code": str(r.get("code", "")), "message": str(r.get("message", ""))}
                    for r in comment.reasons],
        "staff": comment.user_id is not None,
    }


def _one(comment_id: str) -> tuple[Comment, Article]:
    comment = db.session.get(Comment, ident(comment_id))
    if comment is None:
        raise ApiError(404, "No comment has that id.", code="not_found")
    return comment, db.session.get(Article, comment.article_id)


@bp.get("/moderation/comments")
@scope_required("read")
def queue():
    status = request.args.get("status", "pending")
    if status not in TAB_ORDER:
        raise ApiError(400, f"status must be one of {', '.join(TAB_ORDER)}.",
                       code="bad_request", fields={"status": "Unknown status."})
    cursor = None
    if "cursor" in request.args:
        cursor = Cursor.parse(request.args["cursor"])
        if cursor is None:
            raise ApiError(400, "That cursor is not one this API handed out.",
                           code="bad_request", fields={"cursor": "Malformed."})
    limit = int_arg("limit", 20, 100)
    thread_id = int_arg("thread", 0, 2**31 - 1) or None
    search = normalize_text(request.args.get("q", "")[:200], multiline=False)  # no NUL
    spec = QueueFilter(status=status, q=search, article_id=thread_id)
    page = queue_page(spec, limit, before=cursor)
    articles = article_titles(page.comments)
    return {"comments": [staff_comment(c, articles[c.article_id]) for c in page.comments],
            "next": str(page.older) if page.older else None,
            "counts": status_counts(thread_id)}


@bp.get("/moderation/comments/<comment_id>")
@scope_required("read")
def comment(comment_id: str):
    return {"comment": staff_comment(*_one(comment_id))}


@bp.post("/moderation/comments/<comment_id>/actions")
@scope_required("moderate")
def act(comment_id: str):
    action = field(json_body(), "action", str, required=True)
    if action not in STATUS_ACTIONS:
        raise ApiError(422, f"action must be one of {', '.join(STATUS_ACTIONS)}.",
                       code="unprocessable", fields={"action": "Unknown action."})
    found, _ = _one(comment_id)
    entries = moderate([found.id], action, caller().user.id, site_url=site_url(current_app))
    if not entries:
        raise ApiError(409, f"A comment that is {found.status} cannot be "
                            f"{ACTIONS[action].done}.", code="conflict")
    db.session.expire_all()
    return {"comment": staff_comment(*_one(comment_id))}


@bp.patch("/moderation/comments/<comment_id>")
@scope_required("moderate")
def edit(comment_id: str):
    text = field(json_body(), "comment", str, required=True)
    _one(comment_id)
    try:
        edit_text(ident(comment_id), text, caller().user.id, site_url=site_url(current_app))
    except ActionError as error:
        status = 403 if str(error) == NOT_YOURS else 422
        raise ApiError(status, str(error), fields={} if status == 403 else
                       {"comment": str(error)}) from None
    return {"comment": staff_comment(*_one(comment_id))}


@bp.delete("/moderation/comments/<comment_id>")
@scope_required("moderate")
def delete(comment_id: str):
    found, _ = _one(comment_id)
    if not moderate([found.id], "delete", caller().user.id):
        raise ApiError(409, "Only a comment in spam or the trash can be deleted "
                            "permanently: move it there first.", code="conflict")
    return "", 204


@bp.post("/moderation/comments/bulk")
@scope_required("moderate")
def bulk():
    body = json_body()
    action = field(body, "action", str, required=True)
    if action not in ACTIONS:
        raise ApiError(422, f"action must be one of {', '.join(ACTIONS)}.",
                       code="unprocessable", fields={"action": "Unknown action."})
    ids = id_list(body.get("ids"), MAX_IDS)
    entries = moderate(ids, action, caller().user.id, site_url=site_url(current_app))
    # The audit rows keep the ids they were made with (a delete's row loses it in the
    # database only).
    done = sorted({entry.comment_id for entry in entries if entry.comment_id is not None})
    return {"action": action, "done": done, "skipped": sorted(set(ids) - set(done))}
