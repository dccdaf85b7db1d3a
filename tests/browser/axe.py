"""axe-core (installed from npm by `make install` into node_modules/), run inside pages."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import need

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
RUN_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary)}));
}"""


def axe_source() -> str:
    if not AXE.exists():
        need("axe-core", f"{AXE} is missing: run `make install` (npm ci)")
    return AXE.read_text(encoding="utf-8")


def axe_version() -> str:
    package = AXE.parent / "package.json"
    return json.loads(package.read_text(encoding="utf-8"))["version"] if package.exists() else "?"


def inject(context) -> None:
    """Make axe available in every page the context opens (an init script, which the
    pages' Content Security Policy does not block)."""
    context.add_init_script(script=axe_source())


def violations(page) -> list[dict]:
    return page.evaluate(RUN_JS)
