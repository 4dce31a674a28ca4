"""SARIF 2.1.0 for code-scanning UIs (GitHub code scanning's ingestion rules included).

One run, one rule per rule id. Each result points first at the inventory line
of the finding (repository-relative), relates the other inventory hops of the
evidence path, and carries the stable fingerprint in ``partialFingerprints``.
Severity bands follow GitHub's security-severity scale (a string, 0-10).
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from auditor.model.findings import AuditResult, Finding, Hop, RuleInfo, affected_data_text
from auditor.model.words import generic, generic_title, plain

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0", "info": "0.5"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


# GitHub code scanning rejects a run with more results than this (kb/ci-scanners.md §9).
MAX_RESULTS = 25_000
# The base the locations are relative to: the source root (run.originalUriBaseIds names it).
SOURCE_ROOT = "%SRCROOT%"


@functools.lru_cache(maxsize=4096)
def relative_path(path: str, root: str, cwd: str = "") -> str | None:
    """``path`` relative to the source root ``root``, with forward slashes; None when it lies
    outside. A relative ``path`` is relative to ``cwd``, the folder the audit ran in (without
    one, it is taken as relative to the root already)."""
    native = PurePath(path)
    if not native.is_absolute():
        if not cwd:
            return posixpath.normpath(path.replace("\\", "/"))
        native = PurePath(cwd) / native
    if not root:
        return None
    try:
        return PurePath(os.path.normpath(native)).relative_to(os.path.normpath(root)).as_posix()
    except ValueError:
        return None


def absolute_path(path: str, cwd: str = "") -> str:
    """``path`` whole: joined to ``cwd`` when relative, normalised (no file is read)."""
    return os.path.normpath(os.path.join(cwd, path)) if cwd else os.path.normpath(path)


def shown_path(path: str, root: str, cwd: str = "") -> str:
    """The path a report names: relative to the source root, else whole."""
    relative = relative_path(path, root, cwd)
    return relative if relative is not None else absolute_path(path, cwd)


def artifact_location(path: str, root: str, cwd: str = "") -> dict[str, str]:
    """A SARIF artifactLocation: a percent-encoded reference relative to %SRCROOT%, or, for a
    file outside the source root, an absolute file URI (which takes no base)."""
    relative = relative_path(path, root, cwd)
    if relative is not None:
        return {"uri": quote(relative, safe="/"), "uriBaseId": SOURCE_ROOT}
    whole = PurePath(absolute_path(path, cwd))
    return {"uri": whole.as_uri() if whole.is_absolute() else quote(whole.as_posix(), safe="/")}


def outside_root(paths: Iterable[str], root: str, cwd: str) -> str | None:
    """The notice a report carries when some of its locations lie outside the source root."""
    outside = {p for p in paths if relative_path(p, root, cwd) is None}
    if not outside:
        return None
    count = len(outside)
    return (
        f"{count} file{'s' if count != 1 else ''} named in this report lie{'s' if count == 1 else ''} "
        f"outside the source root {root or '(none given)'} and {'is' if count == 1 else 'are'} "
        "given as absolute paths, which code scanning cannot match to a file of the repository: "
        "run the audit from the repository root, or pass --source-root with the repository root"
    )


def primary_place(finding: Finding, fallback: str) -> tuple[str, int]:
    """The file and line a code-scanning alert for ``finding`` points at: its inventory line,
    else the first inventory hop of its evidence, else line 1 of ``fallback`` (knowledge-base
    findings point at no inventory line, and an alert needs a file of the repository)."""
    if (
        finding.location_file
        and finding.location_line
        and not finding.location_file.startswith("rules/")
    ):
        return finding.location_file, finding.location_line
    hops = inventory_hops(finding)
    if hops:
        return hops[0].file or fallback, hops[0].line or 1
    return fallback, 1


def inventory_hops(finding: Finding) -> list[Hop]:
    """The evidence hops that point at a line of the inventory (not of the knowledge base)."""
    return [h for h in finding.evidence if h.file and h.line and not h.file.startswith("rules/")]


def related_hops(finding: Finding) -> list[Hop]:
    """The inventory hops of the finding's most severe path, then those of its other paths
    not already listed: a root cause several components share (one entity's unknown owner)
    points at each of them (issue 17)."""
    hops = inventory_hops(finding)
    seen = {(h.kind, h.shown, h.file, h.line) for h in hops}
    for other in finding.evidence_paths:
        for h in other.path:
            key = (h.kind, h.shown, h.file, h.line)
            if h.file and h.line and not h.file.startswith("rules/") and key not in seen:
                seen.add(key)
                hops.append(h)
    return hops


def _location(
    artifact: dict[str, str], line: int, message: str | None = None, ident: int | None = None
) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {"startLine": max(1, line)},
        }
    }
    if message:
        location["message"] = {"text": message}
    if ident is not None:
        location["id"] = ident
    return location


def _message(finding: Finding) -> str:
    text = f"{finding.title}. {finding.condition}"
    data = affected_data_text(finding.data_assets)
    if data and data not in finding.condition:  # the built-in checks' conditions name them
        text += f" Data affected: {data}."
    if finding.confidence == "unconfirmed":
        text += " (rests on an unconfirmed knowledge-base fact)"
    if finding.waiver is not None and finding.waiver.expired:
        text += f" Its waiver expired on {finding.waiver.expires}."
    return plain(text)  # read in code scanning: the engine's codes in words


def _result(
    finding: Finding, rule_index: dict[str, int], root: str, cwd: str, fallback: str
) -> dict[str, Any]:
    hops = related_hops(finding)
    file, line = primary_place(finding, fallback)
    primary = _location(artifact_location(file, root, cwd), line)
    related = [
        _location(
            artifact_location(h.file or "", root, cwd),
            h.line or 1,
            plain(f"{h.kind}: {h.shown}"),
            i,
        )
        for i, h in enumerate(hops, start=1)
    ]
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index[finding.rule_id],
        "level": LEVEL[finding.severity.value],
        "message": {"text": _message(finding)},
        "locations": [primary],
        "partialFingerprints": {"residencyAuditorFingerprint/v1": finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "subject": dict(sorted(finding.subject.items())),
            **(
                {"subject_names": dict(sorted(finding.subject_names.items()))}
                if finding.subject_names
                else {}
            ),
            "confidence": finding.confidence,
            **({"law": finding.law} if finding.law else {}),
            **(
                {
                    "data_assets": [
                        {
                            "id": a.id,
                            "name": a.name,
                            "sensitivity": a.sensitivity.value,
                            "severity": a.severity.value,
                        }
                        for a in finding.data_assets
                    ]
                }
                if finding.data_assets
                else {}
            ),
        },
    }
    if related:
        result["relatedLocations"] = related[:100]
    if finding.waiver is not None and not finding.waiver.expired:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{finding.waiver.reason} (approved by {finding.waiver.approved_by}, "
                f"expires {finding.waiver.expires}, {finding.waiver.source})",
            }
        ]
    return result


def _rule(info: RuleInfo, severity: str) -> dict[str, Any]:
    # A rule's texts are templates filled per finding; here no finding fills them.
    title, description = generic_title(info.title), generic(info.description)
    rationale, remediation = generic(info.rationale), generic(info.remediation)
    frameworks = "; ".join(f"{f.framework} {f.reference}" for f in info.frameworks)
    markdown = (
        f"**{title}**\n\n{description}\n\n**Legal basis.** {rationale}\n\n"
        f"**Remediation.** {remediation}"
        + (f"\n\n**Frameworks.** {frameworks}" if frameworks else "")
        + ("\n\n" + "\n".join(f"- <{r}>" for r in info.references) if info.references else "")
    )
    tags = sorted(
        {
            "security",
            "data-residency",
            *(f.framework.split(" ")[0].lower() for f in info.frameworks),
        }
    )
    rule: dict[str, Any] = {
        "id": info.id,
        "name": "".join(part.capitalize() for part in info.id.split("-")),
        "shortDescription": {"text": title[:1024]},
        "fullDescription": {"text": description[:1024]},
        "help": {
            "text": f"{description}\nLegal basis: {rationale}\nRemediation: {remediation}",
            "markdown": markdown,
        },
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "tags": tags[:20],
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[severity],
        },
    }
    if info.references:  # the legal text or guidance behind the rule; no invented project URL
        rule["helpUri"] = info.references[0]
    return rule


def reported_files(findings: Iterable[Finding], fallback: str) -> list[str]:
    """Every file the code-scanning reports point at for ``findings``."""
    return [
        path
        for f in findings
        for path in (primary_place(f, fallback)[0], *(h.file or "" for h in inventory_hops(f)))
    ]


def _source_root() -> dict[str, Any]:
    """The %SRCROOT% entry, described but without a ``uri``: the same audit of the same
    repository gives the same bytes in any checkout folder (a CI runner's workspace differs
    from run to run). The SARIF 2.1.0 schema makes an artifactLocation's ``uri`` optional,
    and a consumer such as a code-scanning service puts the repository root for %SRCROOT%."""
    return {
        "description": {
            "text": "The source root: --source-root, else the folder of .auditor.yaml, else the "
            "folder the audit ran in."
        }
    }


def render_sarif(result: AuditResult, *, root: str = "", cwd: str = "") -> str:
    """SARIF 2.1.0 JSON text. ``root`` is the source root (an absolute folder) the locations
    are relative to; ``cwd`` the folder the audit ran in, which relative input paths start
    from. A file outside the root is given by its absolute URI, and a notice says so."""
    rules = sorted(result.rules, key=lambda r: r.id)
    rule_index = {r.id: i for i, r in enumerate(rules)}
    fallback = result.inputs[0].path if result.inputs else "inventory.yaml"
    # Findings come most severe first, so a capped run keeps the ones that matter most.
    findings = result.findings
    left_out = max(0, len(findings) - MAX_RESULTS)
    notices = list(result.notices)
    outside = outside_root(reported_files(findings[:MAX_RESULTS], fallback), root, cwd)
    if outside:
        notices.append(outside)
    if left_out:
        notices.append(
            f"{left_out} of {len(findings)} findings are left out of this SARIF file: code "
            f"scanning accepts at most {MAX_RESULTS:,} results per run and these are the least "
            "severe; the JSON report has every finding"
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "residency-auditor",
                "semanticVersion": result.tool["version"],
                "rules": [_rule(r, r.severity) for r in rules],
            }
        },
        "automationDetails": {"id": "residency-auditor/"},
        "originalUriBaseIds": {SOURCE_ROOT: _source_root()},
        "results": [_result(f, rule_index, root, cwd, fallback) for f in findings[:MAX_RESULTS]],
        "properties": {
            "knowledgeBase": result.kb.version,
            "auditDate": result.audit_date,
            "notices": notices,
        },
    }
    if left_out:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": notices[-1]}}
                ],
            }
        ]
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    # Compact: with ``indent`` the json module falls back to its pure-Python
    # encoder, which took three quarters of a 10,000-system audit's time.
    return json.dumps(log, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
