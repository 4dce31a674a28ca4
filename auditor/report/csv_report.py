"""CSV for spreadsheets: findings, and the inventory register.

Cells that a spreadsheet would run as a formula (starting with = + - @, tab
or carriage return) are prefixed with an apostrophe (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from auditor.model.findings import AuditResult
from auditor.model.tia import transfer_ids
from auditor.model.words import category_words, words

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
    """The inventory register: RoPA-style columns plus AI columns, one row per component.

    Data categories and subjects are in words, as the transfer register writes them; their
    taxonomy codes follow in the last two columns, for a machine that joins on them."""
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
        "data_category_codes",
        "data_subject_codes",
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
            "; ".join(category_words(c) for c in r.categories),
            "; ".join(words(s) for s in r.subjects),
            r.file or "",
            r.line or "",
            "; ".join(r.categories),
            "; ".join(r.subjects),
        ]
        for r in result.inventory_register
    )
    return _table(header, rows)


def _one_year_after(day: str) -> str:
    """The re-evaluation date ``auditor tia`` pre-fills: one year after the audit date."""
    year, rest = day[:4], day[4:]
    if not year.isdigit():
        return ""
    return f"{int(year) + 1:04d}{'-02-28' if rest == '-02-29' else rest}"


# The conclusions for which the transfer needs a transfer impact assessment (EDPB
# Recommendations 01/2020, step 3: transfers on an Art. 46 tool), or cannot have one yet.
_TIA_NEED = {
    "adequacy": "not required (adequacy decision)",
    "derogation": "not required (Art. 49 derogation: record the condition relied on)",
    "safeguards": "required (Art. 46 tool)",
    "safeguards_incomplete": "required (Art. 46 tool)",
    "no_valid_tool": "required once a tool is chosen",
    "unknown": "cannot be done: destination unknown",
}


def render_transfers_csv(result: AuditResult) -> str:
    """The GDPR transfer register: one row per Chapter V transfer, the columns a DPO keeps.

    The id is the one ``auditor tia --transfer`` takes; the re-evaluation date is the one the
    pre-filled assessment proposes (one year after the audit date)."""
    header = [
        "id",
        "system",
        "component",
        "data_asset",
        "data_asset_name",
        "data_categories",
        "sensitivity",
        "data_subjects",
        "exporter",
        "importer",
        "importer_country",
        "role",
        "transfer_tool",
        "adequacy",
        "scc_module",
        "supplementary_measures",
        "conclusion",
        "explanation",
        "tia",
        "tia_reference",
        "re_evaluation_due",
        "data_category_codes",
        "data_subject_codes",
    ]
    due = _one_year_after(result.audit_date)
    ids = transfer_ids(result.transfers)
    rows = sorted(
        (
            [
                ident,
                t.system,
                t.component,
                t.data_asset,
                t.data_asset_name or t.data_asset,
                "; ".join(category_words(c) for c in t.categories),
                words(t.sensitivity.value) if t.sensitivity else "",
                "; ".join(words(s) for s in t.subjects) or "not stated in the inventory",
                t.exporter_name or t.exporter,
                t.importer_name,
                t.country_name
                if t.country in ("global", "unknown")
                else f"{t.country_name} ({t.country})",
                t.role,
                "; ".join(words(tool) for tool in t.tools) or "none recorded",
                t.adequacy or "",
                t.scc_module or "",
                "; ".join(t.supplementary_measures) or "none declared",
                words(t.conclusion.value),
                t.explanation,
                _TIA_NEED[t.conclusion.value],
                f"auditor tia --transfer {ident}",
                due,
                "; ".join(t.categories),
                "; ".join(t.subjects),
            ]
            for t, ident in zip(result.transfers, ids, strict=True)
        ),
        key=lambda row: row[0],
    )
    return _table(header, rows)
