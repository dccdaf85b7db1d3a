"""The readers' side: index, articles, feed."""

from blogapp.blog.views import bp

__all__ = ["bp"]
