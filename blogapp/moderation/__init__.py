"""Staff pages under /admin: dashboard, publishing, and (later) the comment queue."""

from blogapp.moderation import articles, dashboard  # noqa: F401  (attach their routes)
from blogapp.moderation.blueprint import bp

__all__ = ["bp"]
