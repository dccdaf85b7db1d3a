"""Database models."""

from __future__ import annotations

from blogapp.models.article import Article, ArticleStatus
from blogapp.models.audit import AuditEntry
from blogapp.models.comment import Comment
from blogapp.models.import_record import ImportRecord
from blogapp.models.mail_link import MailLinkUse
from blogapp.models.setting import SiteSetting
from blogapp.models.tally import CommentDayCount, CommentStatusCount
from blogapp.models.user import Role, User
from blogapp.policy import CommentStatus

__all__ = [
    "Article",
    "ArticleStatus",
    "AuditEntry",
    "Comment",
    "CommentDayCount",
    "CommentStatus",
    "CommentStatusCount",
    "ImportRecord",
    "MailLinkUse",
    "Role",
    "SiteSetting",
    "User",
]
