"""The versioned JSON result (DESIGN.md section 8): sorted keys, no timestamps, byte-stable."""

from __future__ import annotations

import json

from auditor.model.findings import AuditResult


def render_json(result: AuditResult) -> str:
    """The result as canonical JSON text."""
    return (
        json.dumps(result.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    )
