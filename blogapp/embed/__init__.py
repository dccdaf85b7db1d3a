"""The embed: the widget's script and styles, comment counts, and a no-JS thread fragment
for pages this app does not render (a static blog, another site on BLOGAPP_EMBED_ORIGINS)."""

from blogapp.embed import fragment  # noqa: F401  (attach its routes)
from blogapp.embed.assets import bp

__all__ = ["bp"]
