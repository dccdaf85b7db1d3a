"""Staff pages under /admin: dashboard, comment queue, settings, users, privacy, publishing
(articles, media, categories, profiles), and each staff member's own account."""

from blogapp.mail import admin as mail_admin  # noqa: F401,E402  (the Mail page)
from blogapp.moderation import (  # noqa: F401  (attach their routes)
    account,
    api_tokens,
    articles,
    audit_log,
    categories,
    comment_page,
    comments,
    dashboard,
    editor_api,
    media_library,
    privacy,
    profiles,
    settings_page,
    users,
)
from blogapp.moderation.blueprint import bp

__all__ = ["bp"]
