"""Lines of figures the import tests measured (printed by this folder's conftest)."""

from __future__ import annotations

FIGURES: list[str] = []
