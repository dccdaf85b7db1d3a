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
    """Draw a symmetric 5x5 identicon as inline SVG from a hex seed.

    Drawn on a 5-unit grid as one path, each row's adjacent cells as one rectangle: ~300
    bytes each, so a hundred of them add ~30 KB to a page (~36 KB with a square a cell,
    ~90 KB with a <rect> a cell)."""
    if len(seed) < 32:
        seed = (seed or "0").ljust(32, "0")
    bits = int(seed[:15], 16)
    hue = int(seed[15:18], 16) % 360
    cells = []
    for row in range(5):
        filled = [False] * 5
        for col in range(3):
            if bits & 1:
                filled[col] = filled[4 - col] = True
            bits >>= 1
        col = 0
        while col < 5:
            if not filled[col]:
                col += 1
                continue
            run = 1
            while col + run < 5 and filled[col + run]:
                run += 1
            cells.append(f"M{col} {row}h{run}v1h-{run}z")
            col += run
    return Markup(
        f'<svg class="avatar" width="{size}" height="{size}" viewBox="0 0 5 5" '
        f'shape-rendering="crispEdges" role="img" aria-hidden="true">'
        f'<rect width="5" height="5" fill="#f0f0f1"/>'
        f'<path fill="hsl({hue},55%,45%)" d="{"".join(cells)}"/></svg>'
    )


def neutral_avatar(size: int = 40) -> Markup:
    """Draw the avatar of a comment awaiting moderation: the same for everyone.

    An identicon comes from the email, so showing one before approval would let a stranger
    post with a guessed address and compare the picture with a public comment's."""
    return Markup(
        f'<svg class="avatar avatar-held" width="{size}" height="{size}" viewBox="0 0 5 5" '
        f'role="img" aria-hidden="true"><rect width="5" height="5" fill="#f0f0f1"/></svg>'
    )
