"""Small look-ups over a ScanResult for the IaC tests."""

from __future__ import annotations

from pathlib import Path

from auditor.loader.iac import How, Resolution, ScanResult
from auditor.model.inventory import Component

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def components(result: ScanResult) -> dict[str, Component]:
    """Every scanned component by its 'system/component' key."""
    return {f"{s.id}/{c.id}": c for s in result.fragment.systems for c in s.components}


def resolution(result: ScanResult, key: str, field: str) -> Resolution:
    """The resolution of one field of one component (exactly one must exist)."""
    found = [r for r in result.resolutions if r.key == key and r.field == field]
    assert len(found) == 1, f"{key} {field}: {found}"
    return found[0]


def hows(res: Resolution) -> list[How]:
    """The kinds of the steps of a resolution chain, outermost first."""
    return [s.how for s in res.steps]
