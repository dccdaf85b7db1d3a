"""Identicons: drawn from the keyed seed alone, mirrored, and small."""

from __future__ import annotations

import re

import pytest

from blogapp.comments.avatars import avatar_seed, identicon

CELL_RE = re.compile(r"M(\d) (\d)h1v1h-1z")


@pytest.mark.parametrize("seed", [avatar_seed("k", f"r{n}@example.org", "") for n in range(20)])
def test_identicon_is_mirrored_and_compact(seed):
    svg = str(identicon(seed))
    cells = {(int(c), int(r)) for c, r in CELL_RE.findall(svg)}
    assert cells == {(4 - c, r) for c, r in cells}
    assert len(svg) < 600
    assert svg == str(identicon(seed))


def test_different_people_get_different_pictures():
    pictures = {str(identicon(avatar_seed("k", f"r{n}@example.org", ""))) for n in range(50)}
    assert len(pictures) == 50


def test_short_or_empty_seed_still_draws():
    assert str(identicon("")).startswith('<svg class="avatar"')
