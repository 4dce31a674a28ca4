"""CSV for spreadsheets: findings, and the inventory register.

Cells that a spreadsheet would run as a formula (starting with = + - @, tab
or carriage return) are prefixed with an apostrophe (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from auditor.model.findings import AuditResult

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A cell value that cannot run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    # Every field quoted: a bare carriage return inside a field cannot start a new row.
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


def render_findings_csv(result: AuditResult) -> str:
    """One row per finding (one rule, one root cause); its data assets in one cell, ``; `` apart."""
    header = [
        "severity",
        "rule_id",
        "title",
        "system",
        "component",
        "data_assets",
        "law",
        "citation",
        "condition",
        "cause",
        "effect",
        "remediation",
        "file",
        "line",
        "confidence",
        "waived",
        "waiver_expires",
        "fingerprint",
    ]
    rows = (
        [
            f.severity.value,
            f.rule_id,
            f.title,
            f.subject.get("system", ""),
            f.subject.get("component", ""),
            "; ".join(a.id for a in f.data_assets) or f.subject.get("data_asset", ""),
            f.law or "",
            f.citation or "",
            f.condition,
            f.cause,
            f.effect,
            f.remediation,
            f.location_file or "",
            f.location_line or "",
            f.confidence,
            "yes" if f.waived else "no",
            f.waiver.expires if f.waiver else "",
            f.fingerprint,
        ]
        for f in result.findings
    )
    return _table(header, rows)


def render_register_csv(result: AuditResult) -> str:
    """The inventory register: RoPA-style columns plus AI columns, one row per component."""
    header = [
        "system",
        "system_name",
        "purpose",
        "owner",
        "criticality",
        "ai_act_risk",
        "component",
        "kind",
        "model",
        "supplier",
        "supplier_country",
        "operator",
        "parent_chain",
        "processing",
        "storage",
        "key_custody",
        "support",
        "subprocessors",
        "data_assets",
        "categories",
        "subjects",
        "file",
        "line",
    ]
    rows = (
        [
            r.system,
            r.system_name,
            r.purpose,
            r.owner,
            r.criticality,
            r.ai_act_risk,
            r.component,
            r.kind,
            r.model,
            r.supplier,
            r.supplier_country,
            r.operator,
            r.parent_chain,
            r.processing,
            r.storage,
            r.key_custody,
            r.support,
            "; ".join(r.subprocessors),
            "; ".join(r.data_assets),
            "; ".join(r.categories),
            "; ".join(r.subjects),
            r.file or "",
            r.line or "",
        ]
        for r in result.inventory_register
    )
    return _table(header, rows)
