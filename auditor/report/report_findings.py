"""Section 5 and the remediation plan of the audit report: findings numbered, grouped, counted.

Findings are ordered by severity, rule and system. On a large estate (``report_summary``,
issue 9) only those shown in full get a ``FindingView``; the next ones become one-line
``FindingLine``s, and every (severity, rule) is counted, so the severity counts, the tallies
and the plan cover every finding while the work grows with what is shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.model.findings import AuditResult, Finding, RuleInfo
from auditor.model.policy import SEVERITY_RANK, Severity
from auditor.model.words import LOCATION_ROLE_WORDS
from auditor.report.report_summary import SEVERITY_ORDER, ReportLimits, choose_findings
from auditor.report.report_views import (
    FindingGroup,
    FindingLine,
    FindingLineGroup,
    FindingRef,
    FindingView,
    RemediationItem,
    RuleBlock,
    RuleTally,
    SeverityBlock,
    SeverityCount,
)
from auditor.report.report_words import Names, decision_key, decision_subject, decision_text, words

# Target dates the remediation plan proposes (methodology section states them).
TARGET_DAYS: dict[Severity, int] = {
    Severity.CRITICAL: 30,
    Severity.HIGH: 90,
    Severity.MEDIUM: 180,
    Severity.LOW: 365,
}


# Impact points per open finding an action closes; the plan is ordered by them.
IMPACT_POINTS: dict[Severity, int] = {
    Severity.CRITICAL: 10,
    Severity.HIGH: 5,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


def proposed_due_date(audit_date: str, severity: Severity) -> str:
    days = TARGET_DAYS.get(severity)
    if days is None:
        return ""
    try:
        return (dt.date.fromisoformat(audit_date) + dt.timedelta(days=days)).isoformat()
    except (ValueError, OverflowError):  # an unparsable date, or past 9999-12-31
        return f"{days} days after the audit"


def _criteria(finding: Finding) -> tuple[str, ...]:
    """The framework clauses a finding is measured against (the law is shown on its own)."""
    return tuple(dict.fromkeys(f"{f.framework} {f.reference}" for f in finding.frameworks))


def _law(finding: Finding, laws: dict[str, str]) -> str | None:
    if not finding.law:
        return None
    name = laws.get(finding.law, finding.law)
    return f"{name}, {finding.citation}" if finding.citation else name


def _status(finding: Finding) -> tuple[str, str]:
    if finding.waived:
        return "waived", "Waived"
    if finding.waiver is not None and finding.waiver.expired:
        return "expired-waiver", f"Open (waiver expired {finding.waiver.expires})"
    return "open", "Open"


def _subject_label(finding: Finding) -> str | None:
    """The system (or scored provider, or fact) a finding is about, for owners and the plan."""
    subject = finding.subject
    return subject.get("system") or subject.get("subject") or subject.get("fact") or None


def _owner_of(finding: Finding, owners: dict[str, str], names: Names | None = None) -> str:
    label = _subject_label(finding)
    if label and owners.get(label):
        return owners[label]
    if "fact" in finding.subject:
        return "compliance office (knowledge-base facts)"
    if label:
        return f"owner of the {names.subject(label) if names else label} relationship"
    return "to be assigned"


def _proposed_owner(
    findings: Iterable[Finding], owners: dict[str, str], names: Names | None = None
) -> str:
    """One owner in full; several by what they own (their names are in Appendix A)."""
    findings = list(findings)
    distinct = list(dict.fromkeys(_owner_of(f, owners, names) for f in findings))
    if len(distinct) == 1:
        return distinct[0]
    labels = sorted(
        {names.subject(label) if names else label for f in findings if (label := _subject_label(f))}
    )
    shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
    return f"the owners of {shown} (Appendix A)"


@dataclass(frozen=True)
class FindingsPart:
    """Section 5 and what the plan needs: views only for the findings shown in full."""

    blocks: tuple[SeverityBlock, ...]
    counts: tuple[SeverityCount, ...]
    views: tuple[FindingView, ...]  # shown in full, in report order
    lines: tuple[FindingLine, ...]  # listed one line each (abridged report)
    line_groups: tuple[FindingLineGroup, ...]  # the same lines per (severity, rule)
    tallies: tuple[RuleTally, ...]  # every (severity, rule), for the abridged report
    entries: tuple[tuple[Finding, int | None, FindingView | None], ...]  # all, report order
    unconfirmed: int


def _report_order(finding: Finding) -> tuple[Any, ...]:
    """Severity, rule, system; then open before waived, subject, title, fingerprint."""
    return (
        -SEVERITY_RANK[finding.severity],
        finding.rule_id,
        finding.subject.get("system", ""),
        finding.waived,
        tuple(finding.subject.values()),
        finding.title,
        finding.fingerprint,
    )


def _number(sequence: int) -> str:
    return f"F-{sequence:03d}"


def findings_part(
    result: AuditResult,
    rules: dict[str, RuleInfo],
    system_names: dict[str, str],
    owners: dict[str, str],
    ranks: dict[str, tuple[int, ...]],
    limits: ReportLimits,
    names: Names | None = None,
) -> FindingsPart:
    """Number the findings shown (in full first, then in one line), group and count them all."""
    ordered = sorted(result.findings, key=_report_order)
    detailed, listed = choose_findings(ordered, ranks, limits)
    sequence: list[int | None] = [None] * len(ordered)
    shown = 0
    for position in range(len(ordered)):
        if position in detailed:
            shown += 1
            sequence[position] = shown
    for position in listed:
        shown += 1
        sequence[position] = shown
    laws = {law.id: law.short_name or law.name for law in result.laws}
    views: dict[int, FindingView] = {}
    grouped: dict[tuple[Severity, str, str], list[FindingView]] = {}
    for position in sorted(detailed):
        finding = ordered[position]
        view = _view(finding, _number(sequence[position] or 0), laws, names)
        views[position] = view
        key = (finding.severity, finding.rule_id, finding.subject.get("system", ""))
        grouped.setdefault(key, []).append(view)
    sizes = (
        Counter((f.severity, f.rule_id, f.subject.get("system", "")) for f in ordered)
        if len(detailed) < len(ordered)
        else Counter()
    )
    by_severity: dict[Severity, list[FindingGroup]] = {s: [] for s in SEVERITY_ORDER}
    for (severity, rule_id, system), items in grouped.items():
        shared = _shared(items)
        by_severity[severity].append(
            FindingGroup(
                key=f"{severity.value}-{rule_id}-{system}",
                severity=severity.value,
                rule_id=rule_id,
                rule=rules.get(rule_id),
                system=system or None,
                system_name=system_names.get(system) if system else None,
                items=tuple(items),
                shared_cause=shared.get("cause"),
                shared_effect=shared.get("effect"),
                shared_remediation=shared.get("remediation"),
                shared_criteria=items[0].criteria if "criteria" in shared else None,
                proposed_owner=_proposed_owner((v.finding for v in items), owners, names),
                target_date=proposed_due_date(result.audit_date, severity),
                more=sizes[(severity, rule_id, system)] - len(items) if sizes else 0,
            )
        )
    tallies = _rule_tallies(ordered, detailed, set(listed))
    totals = {(t.severity, t.rule_id): t.total for t in tallies}
    counts: list[SeverityCount] = []
    blocks: list[SeverityBlock] = []
    for severity in SEVERITY_ORDER:
        members = [t for t in tallies if t.severity == severity.value]
        waived = sum(t.waived for t in members)
        count = SeverityCount(severity.value, sum(t.total for t in members) - waived, waived)
        counts.append(count)
        groups = by_severity[severity]
        blocks.append(
            SeverityBlock(severity.value, count, tuple(groups), _rule_blocks(groups, totals))
        )
    lines = tuple(_line(ordered[p], _number(sequence[p] or 0)) for p in listed)
    line_groups: dict[tuple[str, str], list[FindingLine]] = {}
    for line in lines:
        line_groups.setdefault((line.finding.severity.value, line.finding.rule_id), []).append(line)
    return FindingsPart(
        line_groups=tuple(FindingLineGroup(s, r, tuple(g)) for (s, r), g in line_groups.items()),
        blocks=tuple(blocks),
        counts=tuple(counts),
        views=tuple(views[p] for p in sorted(views)),
        lines=lines,
        tallies=tallies if len(detailed) < len(ordered) else (),
        entries=tuple((finding, sequence[p], views.get(p)) for p, finding in enumerate(ordered)),
        unconfirmed=sum(1 for f in ordered if f.confidence != "confirmed"),
    )


def _subject(
    finding: Finding, laws: dict[str, str], names: Names | None
) -> tuple[tuple[str, str, str], ...]:
    """The root cause in words: (what, display name, id), display names first, nothing empty
    (issue 18: no "entity ;", no bare component ids)."""
    subject = finding.subject
    system = subject.get("system", "")
    out = []
    for key, value in subject.items():
        if not value:
            continue
        shown = _named(finding, key, value)
        if key in ("system", "subject") and names:
            shown = names.subject(value)
        elif key == "component" and names and system:
            shown = names.component(system, value)
        elif key == "law":
            shown = laws.get(value, value)
        elif key == "role":
            # a code: its words are all there is to show ("processing", "hosting provider")
            shown = value = LOCATION_ROLE_WORDS.get(value) or words(value)
        elif key == "kind":
            shown = value = words(value)
        elif key == "country" and value in ("global", "unknown"):
            # not a country code: its words ("any country") are all there is to show
            shown = value = finding.subject_names.get(key) or words(value)
        out.append((words(key), shown, value))
    return tuple(out)


def _view(
    finding: Finding, number: str, laws: dict[str, str], names: Names | None = None
) -> FindingView:
    status, label = _status(finding)
    location = (
        f"{finding.location_file}:{finding.location_line}"
        if finding.location_file and finding.location_line
        else finding.location_file
    )
    return FindingView(
        number=number,
        finding=finding,
        status=status,
        status_label=label,
        criteria=_criteria(finding),
        law=_law(finding, laws),
        subject=_subject(finding, laws, names),
        location=location,
        unconfirmed=finding.confidence != "confirmed",
        search_key=f"{finding.rule_id} {finding.fingerprint}",
    )


def _named(finding: Finding, key: str, value: str) -> str:
    """A subject id's display name, else the id; a fact without its article ("law X")."""
    name = finding.subject_names.get(key, value)
    return name.removeprefix("the ") if key == "fact" else name


def _line(finding: Finding, number: str) -> FindingLine:
    status, label = _status(finding)
    # Display names first (issue 17): the ids are in the finding's detail and the JSON.
    subject = " · ".join(
        f"{key.replace('_', ' ')} {_named(finding, key, value)}"
        for key, value in finding.subject.items()
        if key != "system" and value
    )
    ids = [a.name or a.id for a in finding.data_assets]
    if ids:
        shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        subject = f"{subject} · data {shown}" if subject else f"data {shown}"
    system = _named(finding, "system", finding.subject.get("system", ""))
    return FindingLine(number, finding, system, subject, status, label)


def _rule_tallies(
    ordered: Sequence[Finding], detailed: set[int], listed: set[int]
) -> tuple[RuleTally, ...]:
    """Every (severity, rule) in report order, with how many findings each tier shows."""
    rows: dict[tuple[str, str], list[int]] = {}  # total, waived, detailed, listed
    systems: dict[tuple[str, str], set[str]] = {}
    for position, finding in enumerate(ordered):
        key = (finding.severity.value, finding.rule_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = [0, 0, 0, 0]
            systems[key] = set()
        row[0] += 1
        row[1] += finding.waived
        row[2] += position in detailed
        row[3] += position in listed
        if system := finding.subject.get("system"):
            systems[key].add(system)
    return tuple(
        RuleTally(
            severity, rule_id, row[0], row[1], len(systems[(severity, rule_id)]), row[2], row[3]
        )
        for (severity, rule_id), row in rows.items()
    )


def _rule_blocks(
    groups: Sequence[FindingGroup], totals: dict[tuple[str, str], int]
) -> tuple[RuleBlock, ...]:
    """Consecutive groups of one rule (groups are sorted by rule, then system)."""
    by_rule: dict[str, list[FindingGroup]] = {}
    for group in groups:
        by_rule.setdefault(group.rule_id, []).append(group)
    blocks = []
    for rule_id, members in by_rule.items():
        items = [v for g in members for v in g.items]
        shared = _shared(items)
        confidences = {v.finding.confidence for v in items}
        blocks.append(
            RuleBlock(
                key=f"{members[0].severity}-{rule_id}",
                rule_id=rule_id,
                rule=members[0].rule,
                groups=tuple(members),
                count=len(items),
                systems=len({g.system for g in members if g.system}),
                shared_cause=shared.get("cause"),
                shared_effect=shared.get("effect"),
                shared_remediation=shared.get("remediation"),
                shared_criteria=items[0].criteria if "criteria" in shared else None,
                shared_confidence=next(iter(confidences))
                if len(items) > 1 and len(confidences) == 1 and "confirmed" not in confidences
                else None,
                total=totals.get((members[0].severity, rule_id), len(items)),
            )
        )
    return tuple(blocks)


def _shared(items: Sequence[FindingView]) -> dict[str, str]:
    """The sentences every finding of a group has in common (only for groups of two or more)."""
    if len(items) < 2:
        return {}
    shared: dict[str, str] = {}
    first = items[0].finding
    for name in ("cause", "effect", "remediation"):
        value = getattr(first, name)
        if all(getattr(v.finding, name) == value for v in items):
            shared[name] = value
    if all(v.criteria == items[0].criteria for v in items):
        shared["criteria"] = "yes"
    return shared


def remediation_plan(
    entries: Sequence[tuple[Finding, int | None, FindingView | None]],
    owners: dict[str, str],
    audit_date: str,
    limits: ReportLimits,
    names: Names,
) -> list[RemediationItem]:
    """One decision per system component (or system, vendor, provider) over every open finding
    (shown or not), whatever rule found it: the decision closes them all (issue 18)."""
    actions: dict[tuple[str, ...], list[tuple[Finding, int | None, FindingView | None]]] = {}
    for entry in entries:
        if not entry[0].waived:
            actions.setdefault(decision_key(entry[0]), []).append(entry)
    items = []
    for key, members in actions.items():
        findings = sorted(
            (finding for finding, _, _ in members), key=lambda f: -SEVERITY_RANK[f.severity]
        )
        worst = findings[0].severity
        lead, how = decision_text(key, findings, names)
        subject = decision_subject(key, names)
        subjects = [subject] if subject else []
        objectives = tuple(
            sorted(
                {
                    ref.reference
                    for f in findings
                    for ref in f.frameworks
                    if ref.reference.startswith("SOV-")
                }
            )
        )
        numbered = sorted(
            (n, f.fingerprint, view is not None) for f, n, view in members if n is not None
        )
        items.append(
            RemediationItem(
                rank=0,
                action=f"{lead}: {how}" if how else f"{lead}.",
                decision=lead,
                severity=worst.value,
                impact=sum(IMPACT_POINTS[f.severity] for f in findings),
                findings=tuple(view for _, _, view in members if view is not None),
                subjects=tuple(subjects[: limits.plan_subjects]),
                objectives=objectives,
                proposed_owner=_proposed_owner(findings, owners, names),
                target_date=proposed_due_date(audit_date, worst),
                count=len(findings),
                refs=tuple(
                    FindingRef(_number(n), fp, in_full)
                    for n, fp, in_full in numbered[: limits.plan_refs]
                ),
                subjects_more=max(0, len(subjects) - limits.plan_subjects),
            )
        )
    items.sort(key=lambda i: (-SEVERITY_RANK[Severity(i.severity)], -i.impact, -i.count, i.action))
    return [dataclasses.replace(item, rank=n) for n, item in enumerate(items, start=1)]
