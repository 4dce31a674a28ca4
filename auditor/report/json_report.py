"""The versioned JSON result (DESIGN.md section 8): sorted keys, no timestamps, byte-stable."""

from __future__ import annotations

import json

from auditor.model.findings import AuditResult


def render_json(result: AuditResult) -> str:
    """The result as canonical JSON text (graph pictures are left to the HTML report)."""
    data = result.model_dump(mode="json", exclude={"graphs"})
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
