"""Running axe-core (installed by `npm ci` from package.json) in a Playwright page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 level A and AA, including the success criteria of 2.1 and 2.2.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def require_axe() -> Path:
    if not AXE_SCRIPT.is_file():
        pytest.skip(f"axe-core is not installed ({AXE_SCRIPT} missing): run `npm ci`")
    return AXE_SCRIPT


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """WCAG 2.2 AA violations on the page as it is now (sync Playwright page)."""
    page.add_script_tag(path=str(require_axe()))
    result = page.evaluate(
        "tags => axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_22_AA,
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)
