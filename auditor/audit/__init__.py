"""The library façade: load, check, audit. Every CLI command is a thin call into here."""

from auditor.audit.core import (
    AuditOptions,
    KnowledgeReport,
    audit_inventory,
    failing_findings,
    graph_of,
    inventory_json_schema,
    knowledge_report,
    list_rules,
    load_checked_inventory,
    run_audit,
)
from auditor.audit.text import explain_text, vendor_rows, vendor_sheet

__all__ = [
    "AuditOptions",
    "KnowledgeReport",
    "audit_inventory",
    "explain_text",
    "failing_findings",
    "graph_of",
    "inventory_json_schema",
    "knowledge_report",
    "list_rules",
    "load_checked_inventory",
    "run_audit",
    "vendor_rows",
    "vendor_sheet",
]
