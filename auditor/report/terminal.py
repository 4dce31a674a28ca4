"""The terminal summary: severity counts, top exposures, one line per system."""

from __future__ import annotations

import re

from auditor.model.findings import AuditResult, MitigationState

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ORDER = ["critical", "high", "medium", "low", "info"]


def clean(text: str) -> str:
    """Strip control characters (ANSI escapes included) from text taken from the input."""
    return _CONTROL.sub("?", text)


def render_summary(result: AuditResult, *, top: int = 10, show_waived: bool = False) -> str:
    """Plain-text summary for people at a terminal."""
    counts = result.summary.findings_by_severity
    lines = [
        f"residency-auditor {result.tool['version']} · knowledge base {result.kb.version} "
        f"(oldest fact {result.kb.oldest_fact})",
        f"organisation: {clean(result.organisation['name'])} ({result.organisation['country']})",
        "findings: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in ORDER),
        f"exposures: {result.summary.exposures} ({result.summary.exposures_unmitigated} not mitigated); "
        f"transfers outside the EEA: {result.summary.transfers} "
        f"({result.summary.transfers_without_valid_tool} without a valid tool)",
        "",
    ]
    for notice in result.notices:
        lines.insert(-1, f"notice: {clean(notice)}")
    if result.summary.waived:
        lines.insert(
            -1,
            f"waived: {result.summary.waived} finding(s)"
            + ("" if show_waived else " (not counted above; --show-waived lists them)"),
        )
    if show_waived:
        for finding in result.findings:
            if finding.waived and finding.waiver is not None:
                lines.insert(
                    -1,
                    f"  waived: {clean(finding.title)} until {finding.waiver.expires} "
                    f"({clean(finding.waiver.approved_by)})",
                )
    unmitigated = [e for e in result.exposures if e.mitigation is not MitigationState.MITIGATED]
    seen: set[tuple[str, str, str]] = set()
    shown = []
    for exposure in sorted(unmitigated, key=lambda e: (-e.sensitivity.rank, e.data_asset, e.law)):
        key = (exposure.data_asset, exposure.component, exposure.law)
        if key in seen:
            continue
        seen.add(key)
        shown.append(exposure)
    if shown:
        lines.append("top exposures:")
        for exposure in shown[:top]:
            lines.append(
                f"  {clean(exposure.data_asset)} -> {clean(exposure.system)}/{clean(exposure.component)} -> "
                f"{clean(exposure.party_name)} -> {exposure.law_name} [{exposure.mitigation.value}]"
            )
        if len(shown) > top:
            lines.append(f"  ... {len(shown) - top} more")
        lines.append("")
    lines.append(
        f"{'system':<32} {'critical':>8} {'high':>6} {'medium':>6} {'low':>5} {'SOV score':>9}"
    )
    per_system: dict[str, dict[str, int]] = {}
    systems = {c.subject for c in result.scores if c.kind == "system"}
    other = "(providers, knowledge base)"
    for finding in result.findings:
        system = finding.subject.get("system") or finding.subject.get("subject", "")
        bucket = system if system in systems else other
        per_system.setdefault(bucket, dict.fromkeys(ORDER, 0))[finding.severity.value] += 1
    scores = {c.subject: c.score for c in result.scores if c.kind == "system"}
    for system in [*sorted(systems), other]:
        if system == other and other not in per_system:
            continue
        row = per_system.get(system, dict.fromkeys(ORDER, 0))
        score = scores.get(system)
        score_text = f"{score:.0f}" if score is not None else "n/a"
        lines.append(
            f"{clean(system)[:32]:<32} {row['critical']:>8} {row['high']:>6} {row['medium']:>6} "
            f"{row['low']:>5} {score_text:>9}"
        )
    return "\n".join(lines) + "\n"
