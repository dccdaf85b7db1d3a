"""Avatars drawn locally from a keyed hash: no Gravatar, no email in any page."""

from __future__ import annotations

import hashlib
import hmac

from markupsafe import Markup


def avatar_seed(secret: str, email: str, author: str) -> str:
    """Return an HMAC-SHA256 of the address (or the name) keyed with the app secret."""
    identity = (email.strip().lower() or "name:" + author.strip().lower()).encode()
    return hmac.new(secret.encode(), b"avatar:" + identity, hashlib.sha256).hexdigest()[:32]


def identicon(seed: str, size: int = 40) -> Markup:
    """Draw a symmetric 5x5 identicon as inline SVG from a hex seed."""
    if len(seed) < 32:
        seed = (seed or "0").ljust(32, "0")
    bits = int(seed[:15], 16)
    hue = int(seed[15:18], 16) % 360
    cell = size / 5
    rects = []
    for row in range(5):
        for col in range(3):
            if bits & 1:
                for c in {col, 4 - col}:
                    rects.append(
                        f'<rect x="{c * cell:g}" y="{row * cell:g}" '
                        f'width="{cell:g}" height="{cell:g}"/>'
                    )
            bits >>= 1
    return Markup(
        f'<svg class="avatar" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'role="img" aria-hidden="true"><rect width="{size}" height="{size}" fill="#f0f0f1"/>'
        f'<g fill="hsl({hue},55%,45%)">{"".join(rects)}</g></svg>'
    )
