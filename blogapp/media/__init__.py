"""The media library: images uploaded by the owners, cleaned, stored and served.

``images`` decodes and re-encodes uploads (Pillow), ``storage`` keeps the bytes (a local
folder or S3), ``library`` records them and their use, ``views`` serves them to readers.
The staff pages are blogapp.moderation.media_library.
"""

from blogapp.media.views import bp

__all__ = ["bp"]
