"""Identicons: drawn from the keyed seed alone, mirrored, and small."""

from __future__ import annotations

import re

import pytest

from blogapp.comments.avatars import avatar_seed, identicon

RUN_RE = re.compile(r"M(\d) (\d)h(\d)v1h-(\d)z")


def drawn_cells(svg: str) -> list[tuple[int, int]]:
    """The (column, row) cells the path's runs cover, one entry per time covered."""
    cells = []
    for col, row, width, back in RUN_RE.findall(svg):
        assert width == back
        cells.extend((int(col) + i, int(row)) for i in range(int(width)))
    return cells


def cells_of(seed: str) -> set[tuple[int, int]]:
    """The cells the seed asks for: 15 bits, row by row, columns 0-2 mirrored onto 4-2."""
    bits, cells = int(seed[:15], 16), set()
    for row in range(5):
        for col in range(3):
            if bits & 1:
                cells |= {(col, row), (4 - col, row)}
            bits >>= 1
    return cells


@pytest.mark.parametrize("seed", [avatar_seed("k", f"r{n}@example.org", "") for n in range(20)])
def test_identicon_is_mirrored_and_compact(seed):
    svg = str(identicon(seed))
    drawn = drawn_cells(svg)
    assert len(drawn) == len(set(drawn))  # no cell drawn twice
    assert set(drawn) == cells_of(seed)
    assert set(drawn) == {(4 - c, r) for c, r in drawn}
    assert svg.count("M") == len(RUN_RE.findall(svg))  # nothing but runs in the path
    assert len(svg) < 450
    assert svg == str(identicon(seed))


def test_a_row_of_adjacent_cells_is_one_run():
    full = "f" * 32  # every bit set: each row is five adjacent cells
    assert str(identicon(full)).count("M") == 5
    assert "M0 0h5v1h-5z" in str(identicon(full))


def test_different_people_get_different_pictures():
    pictures = {str(identicon(avatar_seed("k", f"r{n}@example.org", ""))) for n in range(50)}
    assert len(pictures) == 50


def test_short_or_empty_seed_still_draws():
    assert str(identicon("")).startswith('<svg class="avatar"')
