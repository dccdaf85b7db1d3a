"""Readers' subscriptions to comments: double opt-in, notices, one-click unsubscribe."""

from blogapp.subscriptions.views import bp

__all__ = ["bp"]
