"""The commenters' side: the Leave a Reply form and what follows a post."""

from blogapp.comments.views import bp

__all__ = ["bp"]
