"""What the audit report shows, computed from an ``AuditResult`` into small frozen views.

The structure follows ISACA ITAF 1401 and the IIA 2024 standards (criteria, condition,
cause, effect), as summarised in ``kb/frameworks-and-reports.md`` section 6. Every number,
grouping and ordering is decided here, so the templates only lay it out and an overriding
template cannot get a count wrong. Nothing here reads the clock: the date is the audit's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from auditor.model.findings import (
    AuditResult,
    Exposure,
    Finding,
    MitigationState,
    ObjectiveScore,
    RegisterRow,
    RuleInfo,
    Scorecard,
    Transfer,
    TransferConclusion,
)
from auditor.model.policy import SEVERITY_RANK, Severity

MAX_GRAPHS = 30  # beyond this many systems the appendix shows the worst ones (issue 9: size)
TOP_EXPOSURES = 5
SEVERITY_ORDER: tuple[Severity, ...] = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)
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
OBJECTIVES = ("SOV-1", "SOV-2", "SOV-3", "SOV-4", "SOV-5", "SOV-6", "SOV-7", "SOV-8")
_TRIGGER_WORDS = {
    "incorporated": "incorporated in or controlled from",
    "control": "controlled from",
    "presence": "doing business in",
    "territorial": "handling the data on the territory of",
}
_CONCLUSION_WORDS: dict[TransferConclusion, str] = {
    TransferConclusion.ADEQUACY: "Adequacy decision",
    TransferConclusion.SAFEGUARDS: "Art. 46 safeguards",
    TransferConclusion.SAFEGUARDS_INCOMPLETE: "Safeguards incomplete",
    TransferConclusion.DEROGATION: "Art. 49 derogation",
    TransferConclusion.NO_VALID_TOOL: "No valid tool",
    TransferConclusion.UNKNOWN: "Cannot be assessed",
}
# What a trusted dependency-graph SVG must never contain (it is inserted unescaped).
_UNSAFE_SVG = re.compile(
    r"<\s*(?:script|foreignObject|image|use|style|iframe|a|animate|set)\b"
    r"|<[^>]*\s(?:href|xlink:href|on[a-z]+|style)\s*=",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Section:
    """A numbered part of the report, listed in the table of contents."""

    anchor: str
    number: str
    title: str

    @property
    def label(self) -> str:
        """``5`` for a section, ``Appendix A`` for an appendix."""
        return self.number if self.number.isdigit() else f"Appendix {self.number}"


SECTIONS: tuple[Section, ...] = (
    Section("summary", "1", "Executive summary"),
    Section("scope", "2", "Scope and limitations"),
    Section("criteria", "3", "Audit criteria"),
    Section("methodology", "4", "Methodology"),
    Section("findings", "5", "Findings"),
    Section("transfers", "6", "Transfers outside the EEA"),
    Section("scorecards", "7", "Sovereignty scorecards"),
    Section("remediation", "8", "Remediation plan"),
    Section("signoff", "9", "Sign-off"),
    Section("register", "A", "Inventory register"),
    Section("graphs", "B", "Dependency graphs"),
    Section("rules", "C", "Rule catalogue"),
    Section("reference", "D", "Jurisdictions and laws"),
    Section("glossary", "E", "Glossary"),
)


# ---------------------------------------------------------------- view objects


@dataclass(frozen=True)
class SeverityCount:
    """Findings of one severity: open (incl. expired waivers) and waived."""

    severity: str
    open: int
    waived: int

    @property
    def total(self) -> int:
        return self.open + self.waived


@dataclass(frozen=True)
class Opinion:
    """The overall opinion and the sentence that justifies it."""

    label: str
    level: str  # satisfactory | needs-improvement | unsatisfactory (CSS class)
    basis: str
    qualifications: tuple[str, ...]


@dataclass(frozen=True)
class FindingView:
    """One finding with its report number and the words around it."""

    number: str
    finding: Finding
    status: str  # open | waived | expired-waiver
    status_label: str
    criteria: tuple[str, ...]
    law: str | None
    subject: tuple[tuple[str, str], ...]
    location: str | None
    unconfirmed: bool
    search_key: str


@dataclass(frozen=True)
class FindingGroup:
    """Findings of one rule and system at one severity; shared sentences are shown once."""

    key: str
    severity: str
    rule_id: str
    rule: RuleInfo | None
    system: str | None
    system_name: str | None
    items: tuple[FindingView, ...]
    shared_cause: str | None
    shared_effect: str | None
    shared_remediation: str | None
    shared_criteria: tuple[str, ...] | None
    proposed_owner: str
    target_date: str


@dataclass(frozen=True)
class RuleBlock:
    """The groups of one rule at one severity: the PDF prints what all of them share once."""

    key: str
    rule_id: str
    rule: RuleInfo | None
    groups: tuple[FindingGroup, ...]
    count: int
    systems: int
    shared_cause: str | None
    shared_effect: str | None
    shared_remediation: str | None
    shared_criteria: tuple[str, ...] | None
    shared_confidence: str | None  # when every finding rests on a fact of this confidence


@dataclass(frozen=True)
class SeverityBlock:
    """All groups of one severity, and the same groups per rule (the PDF's layout)."""

    severity: str
    count: SeverityCount
    groups: tuple[FindingGroup, ...]
    rules: tuple[RuleBlock, ...] = ()


@dataclass(frozen=True)
class ExposureLine:
    """A top exposure, in words."""

    data_name: str
    exposure: Exposure
    trigger_words: str
    mitigation_reason: str


@dataclass(frozen=True)
class SealRow:
    """One SOV objective across all system scorecards, against the policy minimum."""

    objective: str
    name: str
    weight: float
    minimum: int | None
    lowest: int | None
    assessed: int
    not_assessed: int
    below: int
    state: str  # below | meets | assessed | not-assessed


@dataclass(frozen=True)
class ScoreCell:
    """One objective of one scorecard."""

    objective: ObjectiveScore
    state: str  # below | meets | assessed | not-assessed


@dataclass(frozen=True)
class ScorecardView:
    """A scorecard with its cells in SOV order."""

    card: Scorecard
    display_name: str
    cells: tuple[ScoreCell, ...]
    below: int


@dataclass(frozen=True)
class RemediationItem:
    """One action of the plan, with the findings it would close."""

    rank: int
    action: str
    severity: str
    impact: int
    findings: tuple[FindingView, ...]
    subjects: tuple[str, ...]
    objectives: tuple[str, ...]
    proposed_owner: str
    target_date: str


@dataclass(frozen=True)
class SystemEntry:
    """A system of the register (RoPA-style row)."""

    system: str
    name: str
    purpose: str
    owner: str
    criticality: str
    ai_act_risk: str
    components: int
    data_assets: tuple[str, ...]
    categories: tuple[str, ...]
    subjects: tuple[str, ...]
    source: str | None


@dataclass(frozen=True)
class GraphView:
    """A dependency-graph picture of one system."""

    system: str
    name: str
    svg: Markup | None
    findings: int
    worst: str | None


@dataclass(frozen=True)
class RuleView:
    """A catalogue entry with the number of findings it raised and its safe links."""

    rule: RuleInfo
    fired: int
    links: tuple[tuple[str, bool], ...]  # (reference, is a web link)


@dataclass(frozen=True)
class FrameworkView:
    """A framework the rules refer to and which rule maps to which clause."""

    name: str
    references: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class ReportMeta:
    """The control block."""

    report_id: str
    classification: str
    date: str
    organisation: str
    country: str
    tool: str
    tool_version: str
    snapshot: str
    print_mode: bool
    policy_name: str | None


@dataclass(frozen=True)
class Scope:
    """What the audit covered."""

    systems: tuple[SystemEntry, ...]
    components: int
    data_assets: int
    categories: tuple[str, ...]
    subjects: tuple[str, ...]
    providers: tuple[str, ...]
    countries: tuple[str, ...]
    laws: tuple[str, ...]


@dataclass
class _Counter:
    values: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, amount: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + amount


def default_report_id(result: AuditResult) -> str:
    """``RA-`` and 10 hex digits of the SHA-256 over the sorted input hashes (stable per input)."""
    return "RA-" + snapshot_hash(result)[:10]


def snapshot_hash(result: AuditResult) -> str:
    """SHA-256 over the sorted SHA-256 of every input file: one fingerprint of the inventory."""
    joined = "\n".join(sorted(i.sha256 for i in result.inputs))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()


# ---------------------------------------------------------------- the context


def build_context(
    result: AuditResult, *, report_id: str, classification: str, print_mode: bool
) -> dict[str, Any]:
    """Everything the templates need (``r`` is the raw result for custom templates)."""
    systems = _systems(result.inventory_register)
    system_names = {s.system: s.name for s in systems}
    owners = {s.system: s.owner for s in systems}
    rules = {r.id: r for r in result.rules}
    blocks, views = _finding_blocks(result, rules, system_names, owners)
    counts = tuple(b.count for b in blocks)
    plan = _remediation_plan(views, owners, result.audit_date)
    graphs, omitted = _graphs(result, system_names)
    fired = _Counter()
    for finding in result.findings:
        fired.add(finding.rule_id)
    system_cards = [c for c in result.scores if c.kind == "system"]
    meta = ReportMeta(
        report_id=report_id,
        classification=classification,
        date=result.audit_date,
        organisation=result.organisation.get("name", ""),
        country=result.organisation.get("country", ""),
        tool=result.tool.get("name", "residency-auditor"),
        tool_version=result.tool.get("version", ""),
        snapshot=snapshot_hash(result),
        print_mode=print_mode,
        policy_name=result.policy.name if result.policy else None,
    )
    return {
        "r": result,
        "report": meta,
        "counts": counts,
        "total_open": sum(c.open for c in counts),
        "total_waived": sum(c.waived for c in counts),
        "opinion": _opinion(result, counts),
        "top_exposures": _top_exposures(result.exposures),
        "seal_rows": _seal_rows(system_cards, result),
        "scope": _scope(result, systems),
        "limitations": _limitations(result, views, omitted),
        "frameworks": _frameworks(result.rules),
        "blocks": blocks,
        "findings_count": len(views),
        "unconfirmed_count": sum(1 for v in views if v.unconfirmed),
        "transfers": sorted(result.transfers, key=_transfer_key),
        "conclusion_words": {c.value: w for c, w in _CONCLUSION_WORDS.items()},
        "system_cards": [_scorecard(c, system_names) for c in system_cards],
        "provider_cards": [_scorecard(c, {}) for c in result.scores if c.kind != "system"],
        "common_gaps": _common_gaps(result.scores),
        "plan": plan,
        "key_actions": plan[:3],
        "systems": systems,
        "components": sorted(result.inventory_register, key=lambda r: (r.system, r.component)),
        "graphs": graphs,
        "graphs_omitted": omitted,
        "graphs_total": len(result.graphs),
        "rule_views": [
            RuleView(
                r, fired.values.get(r.id, 0), tuple((ref, _is_web(ref)) for ref in r.references)
            )
            for r in sorted(result.rules, key=lambda r: r.id)
        ],
        "target_days": {s.value: d for s, d in TARGET_DAYS.items()},
        "impact_points": {s.value: p for s, p in IMPACT_POINTS.items()},
    }


def _is_web(reference: str) -> bool:
    return reference.startswith(("https://", "http://"))


def _target(audit_date: str, severity: Severity) -> str:
    days = TARGET_DAYS.get(severity)
    if days is None:
        return ""
    try:
        return (dt.date.fromisoformat(audit_date) + dt.timedelta(days=days)).isoformat()
    except ValueError:
        return f"{days} days after the audit"


def _systems(rows: Iterable[RegisterRow]) -> tuple[SystemEntry, ...]:
    by_system: dict[str, list[RegisterRow]] = {}
    for row in rows:
        by_system.setdefault(row.system, []).append(row)
    entries = []
    for system, members in sorted(by_system.items()):
        first = members[0]
        source = next((f"{m.file}:{m.line}" if m.line else m.file for m in members if m.file), None)
        entries.append(
            SystemEntry(
                system=system,
                name=first.system_name or system,
                purpose=first.purpose,
                owner=first.owner,
                criticality=first.criticality,
                ai_act_risk=first.ai_act_risk,
                components=len(members),
                data_assets=tuple(sorted({a for m in members for a in m.data_assets})),
                categories=tuple(sorted({c for m in members for c in m.categories})),
                subjects=tuple(sorted({s for m in members for s in m.subjects})),
                source=source,
            )
        )
    return tuple(entries)


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


def _owner_of(finding: Finding, owners: dict[str, str]) -> str:
    label = _subject_label(finding)
    if label and owners.get(label):
        return f"owner of {label}: {owners[label]}"
    if "fact" in finding.subject:
        return "compliance office (knowledge-base facts)"
    if label:
        return f"owner of the {label} relationship"
    return "to be assigned"


def _proposed_owner(findings: Iterable[Finding], owners: dict[str, str]) -> str:
    """One owner in full; several by what they own (their names are in Appendix A)."""
    findings = list(findings)
    distinct = list(dict.fromkeys(_owner_of(f, owners) for f in findings))
    if len(distinct) == 1:
        return distinct[0]
    labels = sorted({label for f in findings if (label := _subject_label(f))})
    shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
    return f"the owners of {shown} (Appendix A)"


def _finding_blocks(
    result: AuditResult,
    rules: dict[str, RuleInfo],
    system_names: dict[str, str],
    owners: dict[str, str],
) -> tuple[tuple[SeverityBlock, ...], list[FindingView]]:
    laws = {law.id: law.short_name or law.name for law in result.laws}
    grouped: dict[tuple[int, str, str], list[Finding]] = {}
    for finding in result.findings:
        system = finding.subject.get("system", "")
        key = (-SEVERITY_RANK[finding.severity], finding.rule_id, system)
        grouped.setdefault(key, []).append(finding)
    blocks: list[SeverityBlock] = []
    views: list[FindingView] = []
    by_severity: dict[Severity, list[FindingGroup]] = {s: [] for s in SEVERITY_ORDER}
    for (_rank, rule_id, system), members in sorted(grouped.items()):
        members.sort(key=lambda f: (f.waived, tuple(f.subject.values()), f.title, f.fingerprint))
        items = []
        for finding in members:
            status, label = _status(finding)
            location = (
                f"{finding.location_file}:{finding.location_line}"
                if finding.location_file and finding.location_line
                else finding.location_file
            )
            view = FindingView(
                number=f"F-{len(views) + 1:03d}",
                finding=finding,
                status=status,
                status_label=label,
                criteria=_criteria(finding),
                law=_law(finding, laws),
                subject=tuple(finding.subject.items()),
                location=location,
                unconfirmed=finding.confidence != "confirmed",
                search_key=f"{finding.rule_id} {finding.fingerprint}",
            )
            views.append(view)
            items.append(view)
        severity = members[0].severity
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
                proposed_owner=_proposed_owner(members, owners),
                target_date=_target(result.audit_date, severity),
            )
        )
    for severity in SEVERITY_ORDER:
        groups = by_severity[severity]
        open_count = sum(1 for g in groups for v in g.items if v.status != "waived")
        waived = sum(1 for g in groups for v in g.items if v.status == "waived")
        blocks.append(
            SeverityBlock(
                severity.value,
                SeverityCount(severity.value, open_count, waived),
                tuple(groups),
                _rule_blocks(groups),
            )
        )
    return tuple(blocks), views


def _rule_blocks(groups: Sequence[FindingGroup]) -> tuple[RuleBlock, ...]:
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


def _opinion(result: AuditResult, counts: Sequence[SeverityCount]) -> Opinion:
    open_by = {c.severity: c.open for c in counts}
    critical, high, medium = (open_by.get(s, 0) for s in ("critical", "high", "medium"))
    if critical:
        label, level = "Unsatisfactory", "unsatisfactory"
        basis = f"{critical} open critical finding{'s' if critical != 1 else ''}."
    elif high or medium:
        label, level = "Needs improvement", "needs-improvement"
        basis = f"No open critical finding; {high} high and {medium} medium open findings."
    else:
        label, level = "Satisfactory", "satisfactory"
        basis = "No open critical, high or medium finding."
    qualifications = []
    if result.kb.unconfirmed_facts_used:
        n = result.kb.unconfirmed_facts_used
        qualifications.append(
            f"{n} knowledge-base fact{'s' if n != 1 else ''} the conclusions rely on "
            f"{'are' if n != 1 else 'is'} unconfirmed."
        )
    if result.summary.in_baseline:
        qualifications.append(
            f"{result.summary.in_baseline} findings already in the baseline are left out; "
            "the opinion covers new findings only."
        )
    if result.notices:
        count = len(result.notices)
        qualifications.append(
            f"{count} notice{'s need' if count != 1 else ' needs'} attention (see below)."
        )
    return Opinion(label, level, basis, tuple(qualifications))


def _top_exposures(exposures: Iterable[Exposure]) -> tuple[ExposureLine, ...]:
    open_ = [e for e in exposures if e.mitigation is not MitigationState.MITIGATED]
    open_.sort(
        key=lambda e: (
            -e.sensitivity.rank,
            e.mitigation is not MitigationState.NONE,
            e.data_asset,
            e.system,
            e.component,
            e.law,
        )
    )
    seen: set[tuple[str, str, str, str]] = set()
    lines = []
    for exposure in open_:
        key = (exposure.data_asset, exposure.system, exposure.component, exposure.law)
        if key in seen:
            continue
        seen.add(key)
        data = next((h.node for h in exposure.path if h.kind == "data"), exposure.data_asset)
        lines.append(
            ExposureLine(
                data_name=data,
                exposure=exposure,
                trigger_words=_TRIGGER_WORDS.get(exposure.trigger, exposure.trigger),
                mitigation_reason=exposure.mitigation_reasons[0]
                if exposure.mitigation_reasons
                else "",
            )
        )
        if len(lines) == TOP_EXPOSURES:
            break
    return tuple(lines)


def objective_state(score: ObjectiveScore) -> str:
    """below, meets, assessed (no minimum) or not-assessed: the colour of a SEAL cell."""
    if score.seal is None:
        return "not-assessed"
    if score.minimum is None:
        return "assessed"
    return "below" if score.seal < score.minimum else "meets"


def _seal_rows(cards: Sequence[Scorecard], result: AuditResult) -> tuple[SealRow, ...]:
    minimums = result.policy.minimum_seal if result.policy else {}
    names: dict[str, tuple[str, float]] = {}
    rows = []
    for card in cards:
        for obj in card.objectives:
            names.setdefault(obj.objective, (obj.name, obj.weight))
    for objective in OBJECTIVES:
        scores = [o for c in cards for o in c.objectives if o.objective == objective]
        assessed = [o.seal for o in scores if o.seal is not None]
        minimum = minimums.get(objective)
        below = sum(1 for s in assessed if minimum is not None and s < minimum)
        lowest = min(assessed) if assessed else None
        if lowest is None:
            state = "not-assessed"
        elif minimum is None:
            state = "assessed"
        else:
            state = "below" if below else "meets"
        name, weight = names.get(objective, ("", 0.0))
        rows.append(
            SealRow(
                objective,
                name,
                weight,
                minimum,
                lowest,
                len(assessed),
                len(scores) - len(assessed),
                below,
                state,
            )
        )
    return tuple(rows)


def _common_gaps(cards: Sequence[Scorecard]) -> tuple[ObjectiveScore, ...]:
    """Objectives no scorecard assesses, for the same reasons everywhere (stated once)."""
    gaps = []
    for objective in OBJECTIVES:
        scores = [o for c in cards for o in c.objectives if o.objective == objective]
        if scores and all(o.seal is None and o.reasons == scores[0].reasons for o in scores):
            gaps.append(scores[0])
    return tuple(gaps)


def _scorecard(card: Scorecard, names: dict[str, str]) -> ScorecardView:
    by_id = {o.objective: o for o in card.objectives}
    cells = tuple(ScoreCell(by_id[o], objective_state(by_id[o])) for o in OBJECTIVES if o in by_id)
    return ScorecardView(
        card=card,
        display_name=names.get(card.subject, card.subject),
        cells=cells,
        below=sum(1 for c in cells if c.state == "below"),
    )


def _scope(result: AuditResult, systems: Sequence[SystemEntry]) -> Scope:
    return Scope(
        systems=tuple(systems),
        components=len(result.inventory_register),
        data_assets=result.summary.data_assets,
        categories=tuple(sorted({c for s in systems for c in s.categories})),
        subjects=tuple(sorted({s for sy in systems for s in sy.subjects})),
        providers=tuple(sorted(c.subject for c in result.scores if c.kind == "provider")),
        countries=tuple(f"{j.name} ({j.code})" for j in result.jurisdictions),
        laws=tuple(law.short_name or law.name for law in result.laws),
    )


def _limitations(
    result: AuditResult, views: Sequence[FindingView], graphs_omitted: int
) -> list[str]:
    notes = [
        "The audit tests what the inventory declares about each system, its suppliers and their "
        "owners; it does not inspect the systems, contracts or providers themselves.",
        f"Legal and supplier facts come from knowledge base {result.kb.version} (as of {result.kb.as_of}); "
        f"the oldest fact relied on dates from {result.kb.oldest_fact or 'an unknown date'}.",
        "It is a point-in-time assessment as at the audit date; it covers no period of operation.",
    ]
    if result.kb.unconfirmed_facts_used:
        notes.append(
            f"{result.kb.unconfirmed_facts_used} knowledge-base facts used are unconfirmed "
            "(from secondary sources or memory); findings that rest on them are marked 'unconfirmed'."
        )
    unconfirmed = sum(1 for v in views if v.unconfirmed)
    if unconfirmed:
        notes.append(
            f"{unconfirmed} of {len(views)} findings rest on at least one unconfirmed fact."
        )
    never, partly = _not_assessed(result.scores)
    if never:
        notes.append(
            "Not assessed for any system or provider (the inventory cannot support them): "
            + ", ".join(never)
            + ". They are shown as 'not assessed', never as zero, and excluded from the weighted score."
        )
    if partly:
        notes.append("Assessed for some subjects only: " + ", ".join(partly) + ".")
    unknown = sum(1 for t in result.transfers if t.conclusion is TransferConclusion.UNKNOWN)
    if unknown:
        notes.append(f"{unknown} transfers go to an unknown destination and cannot be assessed.")
    if result.summary.in_baseline:
        notes.append(
            f"{result.summary.in_baseline} findings already in the baseline are not reported."
        )
    waived = sum(1 for v in views if v.status == "waived")
    if waived:
        notes.append(
            f"{waived} findings are waived by management; they are listed but do not count."
        )
    if graphs_omitted:
        notes.append(
            f"Appendix B shows the dependency graphs of the {MAX_GRAPHS} systems with the most severe "
            f"findings; {graphs_omitted} are omitted (run 'auditor graph' for them)."
        )
    return notes


def _not_assessed(cards: Sequence[Scorecard]) -> tuple[list[str], list[str]]:
    never, partly = [], []
    for objective in OBJECTIVES:
        scores = [o for c in cards for o in c.objectives if o.objective == objective]
        missing = [o for o in scores if o.seal is None]
        label = f"{objective} {scores[0].name}" if scores else objective
        if scores and len(missing) == len(scores):
            never.append(label)
        elif missing:
            partly.append(label)
    return never, partly


def _frameworks(rules: Sequence[RuleInfo]) -> tuple[FrameworkView, ...]:
    mapping: dict[str, dict[str, set[str]]] = {}
    for rule in rules:
        for ref in rule.frameworks:
            mapping.setdefault(ref.framework, {}).setdefault(ref.reference, set()).add(rule.id)
    return tuple(
        FrameworkView(name, tuple((ref, tuple(sorted(ids))) for ref, ids in sorted(refs.items())))
        for name, refs in sorted(mapping.items())
    )


def _remediation_plan(
    views: Sequence[FindingView], owners: dict[str, str], audit_date: str
) -> list[RemediationItem]:
    actions: dict[str, list[FindingView]] = {}
    for view in views:
        if view.status == "waived":
            continue
        actions.setdefault(view.finding.remediation, []).append(view)
    items = []
    for action, members in actions.items():
        worst = max((v.finding.severity for v in members), key=lambda s: SEVERITY_RANK[s])
        subjects = tuple(sorted({label for v in members if (label := _subject_label(v.finding))}))
        objectives = tuple(
            sorted(
                {
                    f.reference
                    for v in members
                    for f in v.finding.frameworks
                    if f.reference.startswith("SOV-")
                }
            )
        )
        owner = _proposed_owner((v.finding for v in members), owners)
        items.append(
            RemediationItem(
                rank=0,
                action=action,
                severity=worst.value,
                impact=sum(IMPACT_POINTS[v.finding.severity] for v in members),
                findings=tuple(members),
                subjects=subjects,
                objectives=objectives,
                proposed_owner=owner,
                target_date=_target(audit_date, worst),
            )
        )
    items.sort(
        key=lambda i: (-SEVERITY_RANK[Severity(i.severity)], -i.impact, -len(i.findings), i.action)
    )
    return [
        RemediationItem(
            n,
            i.action,
            i.severity,
            i.impact,
            i.findings,
            i.subjects,
            i.objectives,
            i.proposed_owner,
            i.target_date,
        )
        for n, i in enumerate(items, start=1)
    ]


def _graphs(result: AuditResult, names: dict[str, str]) -> tuple[list[GraphView], int]:
    worst: dict[str, list[int]] = {}
    for finding in result.findings:
        system = finding.subject.get("system")
        if system and not finding.waived:
            counts = worst.setdefault(system, [0] * len(SEVERITY_ORDER))
            counts[SEVERITY_ORDER.index(finding.severity)] += 1

    def rank(system: str) -> tuple[tuple[int, ...], str]:
        counts = worst.get(system, [0] * len(SEVERITY_ORDER))
        return tuple(-c for c in counts), system

    chosen = sorted(result.graphs, key=lambda g: rank(g.system))[:MAX_GRAPHS]
    chosen.sort(key=lambda g: g.system)
    views = []
    for graph in chosen:
        counts = worst.get(graph.system, [])
        first = next((SEVERITY_ORDER[i].value for i, c in enumerate(counts) if c), None)
        safe = None if _UNSAFE_SVG.search(graph.svg) else Markup(graph.svg)
        views.append(
            GraphView(graph.system, names.get(graph.system, graph.system), safe, sum(counts), first)
        )
    return views, max(0, len(result.graphs) - MAX_GRAPHS)


# Worst conclusions first: no tool, unknown, derogation, incomplete, safeguards, adequacy.
_CONCLUSION_ORDER: dict[TransferConclusion, int] = {
    TransferConclusion.NO_VALID_TOOL: 0,
    TransferConclusion.UNKNOWN: 1,
    TransferConclusion.DEROGATION: 2,
    TransferConclusion.SAFEGUARDS_INCOMPLETE: 3,
    TransferConclusion.SAFEGUARDS: 4,
    TransferConclusion.ADEQUACY: 5,
}


def _transfer_key(transfer: Transfer) -> tuple[int, str, str, str, str]:
    rank = _CONCLUSION_ORDER.get(transfer.conclusion, len(_CONCLUSION_ORDER))
    return rank, transfer.system, transfer.component, transfer.data_asset, transfer.importer
