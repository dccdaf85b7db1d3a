"""Database models."""

from __future__ import annotations

from blogapp.comments.policy import CommentStatus
from blogapp.models.api_token import ApiToken
from blogapp.models.article import Article, ArticleKind, ArticleStatus
from blogapp.models.audit import AuditEntry
from blogapp.models.comment import Comment
from blogapp.models.import_record import ImportRecord
from blogapp.models.mail_link import MailLinkUse
from blogapp.models.media import ArticleMedia, Media
from blogapp.models.outbox import MailStatus, OutboxMessage
from blogapp.models.revision import ArticleRevision, RevisionKind
from blogapp.models.setting import SiteSetting
from blogapp.models.subscription import (
    SubscriberAddress,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
)
from blogapp.models.tally import CommentDayCount, CommentStatusCount
from blogapp.models.taxonomy import Category, Tag
from blogapp.models.user import Role, User
from blogapp.models.user_slug import unique_user_slug

__all__ = [
    "ApiToken",
    "Article",
    "ArticleKind",
    "ArticleMedia",
    "ArticleRevision",
    "ArticleStatus",
    "AuditEntry",
    "Category",
    "Comment",
    "CommentDayCount",
    "CommentStatus",
    "CommentStatusCount",
    "ImportRecord",
    "MailLinkUse",
    "MailStatus",
    "Media",
    "OutboxMessage",
    "ArticleMedia",
    "ArticleRevision",
    "RevisionKind",
    "Role",
    "SiteSetting",
    "SubscriberAddress",
    "Subscription",
    "SubscriptionKind",
    "SubscriptionStatus",
    "Tag",
    "User",
    "unique_user_slug",
]
