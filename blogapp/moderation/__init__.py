"""Staff pages under /admin: dashboard, comment queue, settings, users, privacy, publishing,
and each staff member's own account."""

from blogapp.moderation import (  # noqa: F401  (attach their routes)
    account,
    articles,
    audit_log,
    comment_page,
    comments,
    dashboard,
    privacy,
    settings_page,
    users,
)
from blogapp.moderation.blueprint import bp

__all__ = ["bp"]
