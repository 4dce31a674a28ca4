"""GitLab's security report format (SAST, schema 15.2.1) for the merge-request widget.

GitLab's security widget and vulnerability report read their own JSON format, not SARIF
(GitLab's "Security scanner integration" guide; the schema is vendored in GitLab's source
under lib/gitlab/ci/parsers/security/validators/schemas/). Infrastructure-as-code scanners
report as ``sast``, and so does this file.

- One vulnerability per finding that is not waived (GitLab has no suppression state in the
  format; waived findings are counted in a scan message instead).
- The primary identifier is the finding's fingerprint: GitLab tracks and merges
  vulnerabilities by primary identifier and location, and two findings of one rule can point
  at the same inventory line (one component reached by two laws). The rule id follows as a
  second identifier, so the widget can group by rule.
- The vulnerability id is a UUID derived from the fingerprint, so the same inventory gives
  the same ids; the scan's start and end times are the audit date at midnight, as the format
  requires a time and the output must not change from run to run.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from auditor.model.findings import AuditResult, Finding, RuleInfo, affected_data_text
from auditor.model.words import generic_title, plain
from auditor.report.sarif import (
    inventory_hops,
    outside_root,
    primary_place,
    reported_files,
    shown_path,
)

SCHEMA_VERSION = "15.2.1"
SCHEMA_URL = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/sast-report-format.json"
)
SEVERITY = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "info": "Info",
}
# The format's limits on the texts (schema 15.2.1).
_NAME_MAX = 255
_SOLUTION_MAX = 7000
# A fixed namespace for the vulnerability ids (UUID v5 of the fingerprint).
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "residency-auditor:gitlab-sast")
_TOOL = "residency-auditor"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _description(finding: Finding, root: str, cwd: str) -> str:
    lines = [
        finding.condition,
        "",
        f"**Cause.** {finding.cause}",
        "",
        f"**Effect.** {finding.effect}",
    ]
    data = affected_data_text(finding.data_assets)
    if data:
        lines += ["", f"**Data affected.** {data}"]
    hops = inventory_hops(finding)
    if hops:
        lines += ["", "**Evidence.**"]
        lines += [
            f"- {h.kind}: {h.shown} ({shown_path(h.file or '', root, cwd)}:{h.line})" for h in hops
        ]
    if finding.confidence == "unconfirmed":
        lines += ["", "This finding rests on a knowledge-base fact marked unconfirmed."]
    if finding.waiver is not None and finding.waiver.expired:
        lines += ["", f"Its waiver expired on {finding.waiver.expires}."]
    # Read in the merge-request widget: the engine's codes in words, as in the HTML report.
    return plain("\n".join(lines))


def _links(info: RuleInfo | None) -> list[dict[str, str]]:
    if info is None:
        return []
    return [{"url": ref} for ref in info.references if ref.startswith(("https://", "http://"))]


def _vulnerability(
    finding: Finding, rules: dict[str, RuleInfo], root: str, cwd: str, fallback: str
) -> dict[str, Any]:
    info = rules.get(finding.rule_id)
    # The name is the check's, without the finding's specifics (the format asks for that).
    name = generic_title(info.title) if info is not None else finding.rule_id
    file, line = primary_place(finding, fallback)
    vulnerability: dict[str, Any] = {
        "id": str(uuid.uuid5(_ID_NAMESPACE, finding.fingerprint)),
        "name": _cut(name, _NAME_MAX),
        "description": _description(finding, root, cwd),
        "severity": SEVERITY[finding.severity.value],
        "solution": _cut(plain(finding.remediation), _SOLUTION_MAX),
        "identifiers": [
            {
                "type": "residency_auditor_finding",
                "name": _cut(f"{name} ({finding.fingerprint[:12]})", _NAME_MAX),
                "value": finding.fingerprint,
            },
            {"type": "residency_auditor_rule", "name": name, "value": finding.rule_id},
        ],
        "location": {"file": shown_path(file, root, cwd), "start_line": max(1, line)},
    }
    links = _links(info)
    if links:
        vulnerability["links"] = links
    return vulnerability


def render_gitlab_sast(result: AuditResult, *, root: str = "", cwd: str = "") -> str:
    """The GitLab SAST report (JSON text) of ``result``. ``location.file`` is relative to the
    source root ``root`` (the project root, as GitLab reads it); ``cwd`` is the folder the
    audit ran in, which relative input paths start from. A file outside the root keeps its
    absolute path, and a scan message says so."""
    rules = {r.id: r for r in result.rules}
    fallback = result.inputs[0].path if result.inputs else "inventory.yaml"
    shown = [f for f in result.findings if not (f.waiver is not None and not f.waiver.expired)]
    messages = [{"level": "warn", "value": notice} for notice in result.notices if notice]
    outside = outside_root(reported_files(shown, fallback), root, cwd)
    if outside:
        messages.append({"level": "warn", "value": outside})
    waived = len(result.findings) - len(shown)
    if waived:
        messages.append(
            {
                "level": "info",
                "value": f"{waived} waived finding{'s' if waived != 1 else ''} left out: GitLab's "
                "format has no suppression; the JSON and SARIF reports list them",
            }
        )
    tool = {
        "id": _TOOL,
        "name": _TOOL,
        "version": result.tool["version"],
        "vendor": {"name": _TOOL},
    }
    time = f"{result.audit_date}T00:00:00"
    scan: dict[str, Any] = {
        "analyzer": tool,
        "scanner": tool,
        "type": "sast",
        "status": "success",
        "start_time": time,
        "end_time": time,
    }
    if messages:
        scan["messages"] = messages
    report = {
        "schema": SCHEMA_URL,
        "version": SCHEMA_VERSION,
        "scan": scan,
        "vulnerabilities": [_vulnerability(f, rules, root, cwd, fallback) for f in shown],
    }
    return json.dumps(report, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
