"""The readers' side: index, articles, archives, feeds, sitemap."""

from blogapp.blog import archives, discovery  # noqa: F401  (attach their routes)
from blogapp.blog.views import bp

__all__ = ["bp"]
