"""What the audit report shows, computed from an ``AuditResult`` into small frozen views.

The structure follows ISACA ITAF 1401 and the IIA 2024 standards (criteria, condition,
cause, effect), as summarised in ``kb/frameworks-and-reports.md`` section 6. Every number,
grouping and ordering is decided here, so the templates only lay it out and an overriding
template cannot get a count wrong. Nothing here reads the clock: the date is the audit's.
Findings and the remediation plan are computed in ``report_findings``, the view objects live
in ``report_views``. On a large estate the report is abridged (``report_summary``, issue 9):
views are built only for what is shown, and every count is taken over the whole result.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from auditor.model.findings import (
    AuditResult,
    ObjectiveScore,
    RegisterRow,
    RuleInfo,
    Scorecard,
    Transfer,
    TransferConclusion,
)
from auditor.report.report_findings import (
    IMPACT_POINTS,
    TARGET_DAYS,
    findings_part,
    remediation_plan,
)
from auditor.report.report_summary import (
    MAX_GRAPHS,
    SEVERITY_ORDER,
    ReportLimits,
    findings_abridgement,
    graphs_abridgement,
    register_abridgement,
    risk_rows,
    scorecards_abridgement,
    system_ranks,
    transfer_tallies,
    transfers_abridgement,
    weakest_cards,
    worst_first,
    worst_systems,
)
from auditor.report.report_views import (
    Abridgement,
    FrameworkView,
    GraphView,
    Opinion,
    ReportMeta,
    RuleView,
    Scope,
    ScorecardView,
    ScoreCell,
    SealRow,
    SeverityCount,
    SystemEntry,
)
from auditor.report.report_words import Names, generic_title, key_actions, top_root_causes

__all__ = [
    "MAX_GRAPHS",
    "OBJECTIVES",
    "SECTIONS",
    "SEVERITY_ORDER",
    "ReportLimits",
    "ScoreCell",
    "Section",
    "build_context",
    "default_report_id",
    "objective_state",
    "snapshot_hash",
]

TOP_EXPOSURES = 5
OBJECTIVES = ("SOV-1", "SOV-2", "SOV-3", "SOV-4", "SOV-5", "SOV-6", "SOV-7", "SOV-8")
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


def default_report_id(result: AuditResult) -> str:
    """``RA-`` and 10 hex digits of the SHA-256 over the sorted input hashes (stable per input)."""
    return "RA-" + snapshot_hash(result)[:10]


def snapshot_hash(result: AuditResult) -> str:
    """SHA-256 over the sorted SHA-256 of every input file: one fingerprint of the inventory."""
    joined = "\n".join(sorted(i.sha256 for i in result.inputs))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()


# ---------------------------------------------------------------- the context


def build_context(
    result: AuditResult,
    *,
    report_id: str,
    classification: str,
    print_mode: bool,
    limits: ReportLimits | None = None,
) -> dict[str, Any]:
    """Everything the templates need (``r`` is the raw result for custom templates).

    ``limits`` bounds what is shown on a large estate (default: ``ReportLimits.default()``).
    """
    limits = limits or ReportLimits.default()
    names = Names.of(result)
    systems = _systems(result.inventory_register)
    system_names = {s.system: s.name for s in systems}
    owners = {s.system: s.owner for s in systems}
    rules = {r.id: r for r in result.rules}
    ranks = system_ranks(result.findings)
    part = findings_part(result, rules, system_names, owners, ranks, limits, names)
    counts = part.counts
    plan = remediation_plan(part.entries, owners, result.audit_date, limits, names)
    graphs, omitted = _graphs(result, system_names, ranks, limits.graphs)
    fired = Counter(f.rule_id for f in result.findings)
    system_cards = [c for c in result.scores if c.kind == "system"]
    provider_cards = [c for c in result.scores if c.kind != "system"]
    shown_system_cards = weakest_cards(system_cards, limits.scorecards)
    shown_provider_cards = weakest_cards(provider_cards, limits.scorecards)
    all_objectives = _by_objective(result.scores)
    transfers = sorted(result.transfers, key=_transfer_key)
    shown_transfers = transfers[: limits.detailed_transfers]
    register_systems, components = _register(result, systems, ranks, limits.register_systems)
    abridged = {
        "findings": findings_abridgement(len(result.findings), len(part.views), len(part.lines)),
        "transfers": transfers_abridgement(len(transfers), len(shown_transfers)),
        "system_cards": scorecards_abridgement(
            len(system_cards), len(shown_system_cards), "system"
        ),
        "provider_cards": scorecards_abridgement(
            len(provider_cards), len(shown_provider_cards), "provider"
        ),
        "register": register_abridgement(
            len(systems), len(register_systems), len(result.inventory_register), len(components)
        ),
        "graphs": graphs_abridgement(len(result.graphs), len(graphs)),
    }
    abridgements = tuple(a for a in abridged.values() if a is not None)
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
        "top_exposures": top_root_causes(result, names, TOP_EXPOSURES),
        "seal_rows": _seal_rows(_by_objective(system_cards), result),
        "scope": _scope(result, systems, abridged["register"] is not None),
        "dora_gaps": _dora_gaps(result),
        "limitations": _limitations(
            result, part.unconfirmed, all_objectives, omitted, limits, abridgements
        ),
        "frameworks": _frameworks(result.rules),
        "blocks": part.blocks,
        "findings_count": len(result.findings),
        "unconfirmed_count": part.unconfirmed,
        "finding_lines": part.lines,
        "finding_line_groups": part.line_groups,
        "rule_tallies": part.tallies,
        "transfers": shown_transfers,
        "transfers_total": len(transfers),
        "transfer_tallies": transfer_tallies(transfers, len(shown_transfers))
        if abridged["transfers"]
        else (),
        "conclusion_words": {c.value: w for c, w in _CONCLUSION_WORDS.items()},
        "system_cards": [_scorecard(c, system_names) for c in shown_system_cards],
        "system_cards_total": len(system_cards),
        "provider_cards": [_scorecard(c, {}) for c in shown_provider_cards],
        "provider_cards_total": len(provider_cards),
        "common_gaps": _common_gaps(all_objectives),
        "plan": plan[: limits.plan_items],
        "plan_total": len(plan),
        "plan_rest_findings": sum(item.count for item in plan[limits.plan_items :]),
        "key_actions": key_actions(plan),
        "systems": register_systems,
        "components": components,
        "graphs": graphs,
        "graphs_omitted": omitted,
        "graphs_total": len(result.graphs),
        # Display names of systems, components and scored providers (issue 18).
        "names": names,
        # Each check's title in words for headings and bookmarks (issue 18).
        "rule_titles": {r.id: generic_title(r.title) for r in result.rules},
        "rule_views": [
            RuleView(r, fired.get(r.id, 0), tuple((ref, _is_web(ref)) for ref in r.references))
            for r in sorted(result.rules, key=lambda r: r.id)
        ],
        "target_days": {s.value: d for s, d in TARGET_DAYS.items()},
        "impact_points": {s.value: p for s, p in IMPACT_POINTS.items()},
        "abridged": abridged,
        "abridgements": abridgements,
    }


def _is_web(reference: str) -> bool:
    return reference.startswith(("https://", "http://"))


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
                # By display name (issue 17: names before ids); an id where none is known.
                data_assets=tuple(
                    sorted(
                        {name for m in members for name in (m.data_asset_names or m.data_assets)}
                    )
                ),
                categories=tuple(sorted({c for m in members for c in m.categories})),
                subjects=tuple(sorted({s for m in members for s in m.subjects})),
                source=source,
            )
        )
    return tuple(entries)


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


def objective_state(score: ObjectiveScore) -> str:
    """below, meets, assessed (no minimum) or not-assessed: the colour of a SEAL cell."""
    if score.seal is None:
        return "not-assessed"
    if score.minimum is None:
        return "assessed"
    return "below" if score.seal < score.minimum else "meets"


def _by_objective(cards: Iterable[Scorecard]) -> dict[str, list[ObjectiveScore]]:
    """Every card's score per objective, in card order: one pass over all the cards."""
    scores: dict[str, list[ObjectiveScore]] = {o: [] for o in OBJECTIVES}
    for card in cards:
        for score in card.objectives:
            scores.setdefault(score.objective, []).append(score)
    return scores


def _seal_rows(
    by_objective: dict[str, list[ObjectiveScore]], result: AuditResult
) -> tuple[SealRow, ...]:
    minimums = result.policy.minimum_seal if result.policy else {}
    rows = []
    for objective in OBJECTIVES:
        scores = by_objective.get(objective, [])
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
        name, weight = (scores[0].name, scores[0].weight) if scores else ("", 0.0)
        levels = Counter(assessed)
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
                tuple(levels.get(level, 0) for level in range(5)),
            )
        )
    return tuple(rows)


def _common_gaps(by_objective: dict[str, list[ObjectiveScore]]) -> tuple[ObjectiveScore, ...]:
    """Objectives no scorecard assesses, for the same reasons everywhere (stated once)."""
    gaps = []
    for objective in OBJECTIVES:
        scores = by_objective.get(objective, [])
        if scores and all(o.seal is None and o.reasons == scores[0].reasons for o in scores):
            gaps.append(scores[0])
    return tuple(gaps)


def _scorecard(card: Scorecard, names: dict[str, str]) -> ScorecardView:
    by_id = {o.objective: o for o in card.objectives}
    cells = tuple(ScoreCell(by_id[o], objective_state(by_id[o])) for o in OBJECTIVES if o in by_id)
    return ScorecardView(
        card=card,
        display_name=names.get(card.subject) or card.name or card.subject,
        cells=cells,
        below=sum(1 for c in cells if c.state == "below"),
    )


def _register(
    result: AuditResult,
    systems: tuple[SystemEntry, ...],
    ranks: dict[str, tuple[int, ...]],
    limit: int,
) -> tuple[tuple[SystemEntry, ...], list[RegisterRow]]:
    """Appendix A: every system and component, or those of the systems with the worst findings."""
    rows: Iterable[RegisterRow] = result.inventory_register
    if len(systems) > limit:
        chosen = set(worst_systems((s.system for s in systems), ranks, limit))
        systems = tuple(s for s in systems if s.system in chosen)
        rows = (r for r in result.inventory_register if r.system in chosen)
    return systems, sorted(rows, key=lambda r: (r.system, r.component))


def _scope(result: AuditResult, systems: Sequence[SystemEntry], abridged: bool) -> Scope:
    return Scope(
        systems=tuple(systems),
        components=len(result.inventory_register),
        data_assets=result.summary.data_assets,
        categories=tuple(sorted({c for s in systems for c in s.categories})),
        subjects=tuple(sorted({s for sy in systems for s in sy.subjects})),
        providers=tuple(sorted(c.name or c.subject for c in result.scores if c.kind == "provider")),
        countries=tuple(f"{j.name} ({j.code})" for j in result.jurisdictions),
        laws=tuple(law.short_name or law.name for law in result.laws if law.effect != "safeguard"),
        by_risk=risk_rows(systems) if abridged else (),
        safeguards=tuple(
            f"{law.short_name or law.name} ({law.citation})"
            for law in result.laws
            if law.effect == "safeguard"
        ),
    )


def _dora_gaps(result: AuditResult) -> list[dict[str, object]]:
    """The DORA register fields the inventory left empty, by template and field, with row counts."""
    tally: dict[tuple[str, str, str, str], int] = {}
    for gap in result.dora_gaps:
        key = (gap.template, gap.column, gap.template_name, gap.label)
        tally[key] = tally.get(key, 0) + 1
    return [
        {"template": code, "name": name, "column": column, "label": label, "rows": rows}
        for (code, column, name, label), rows in sorted(tally.items())
    ]


def _limitations(
    result: AuditResult,
    unconfirmed: int,
    all_objectives: dict[str, list[ObjectiveScore]],
    graphs_omitted: int,
    limits: ReportLimits,
    abridgements: Sequence[Abridgement],
) -> list[str]:
    notes = [
        "The audit tests what the inventory declares about each system, its suppliers and their "
        "owners; it does not inspect the systems, contracts or providers themselves.",
        f"Legal and supplier facts come from knowledge base {result.kb.version} (as of {result.kb.as_of}); "
        f"the oldest fact relied on dates from {result.kb.oldest_fact or 'an unknown date'}.",
        "It is a point-in-time assessment as at the audit date; it covers no period of operation.",
    ]
    if result.kb.unconfirmed_facts_used:
        n = result.kb.unconfirmed_facts_used
        notes.append(
            f"{n} knowledge-base fact{'s' if n != 1 else ''} used could not be confirmed in any "
            "source read; findings that rest on them are marked 'unconfirmed'."
        )
    total = len(result.findings)
    if unconfirmed:
        notes.append(
            f"{unconfirmed} of {total} findings rest on at least one fact that is not confirmed "
            "by a primary source (marked 'secondary' or 'unconfirmed')."
        )
    never, partly = _not_assessed(all_objectives)
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
    waived = sum(1 for f in result.findings if f.waived)
    if waived:
        notes.append(
            f"{waived} findings are waived by management; they are listed but do not count."
        )
    if graphs_omitted:
        notes.append(
            f"Appendix B shows the dependency graphs of the {limits.graphs} systems with the most severe "
            f"findings; {graphs_omitted} are omitted (run 'auditor graph' for them)."
        )
    if any(a.anchor != "graphs" for a in abridgements):
        notes.append(
            "The estate is too large to print every item: "
            + ", ".join(a.part for a in abridgements if a.anchor != "graphs")
            + " show the most severe items and count the others (see the executive summary). "
            "The opinion, the counts and the remediation plan cover every finding; the JSON "
            "result and the CSVs list every item."
        )
    return notes


def _not_assessed(by_objective: dict[str, list[ObjectiveScore]]) -> tuple[list[str], list[str]]:
    never, partly = [], []
    for objective in OBJECTIVES:
        scores = by_objective.get(objective, [])
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


def _graphs(
    result: AuditResult, names: dict[str, str], ranks: dict[str, tuple[int, ...]], limit: int
) -> tuple[list[GraphView], int]:
    chosen = sorted(result.graphs, key=lambda g: worst_first(ranks, g.system))[:limit]
    chosen.sort(key=lambda g: g.system)
    views = []
    for graph in chosen:
        counts = ranks.get(graph.system, ())
        first = next((SEVERITY_ORDER[i].value for i, c in enumerate(counts) if c), None)
        safe = None if _UNSAFE_SVG.search(graph.svg) else Markup(graph.svg)
        views.append(
            GraphView(graph.system, names.get(graph.system, graph.system), safe, sum(counts), first)
        )
    return views, max(0, len(result.graphs) - limit)


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
