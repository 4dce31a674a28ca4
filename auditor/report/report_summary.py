"""How the audit report stays readable on a large estate: what it shows, and what it counts.

Issue 9: a 10,000-system estate has about 30,000 findings, 20,000 register rows and 10,000
scorecards; printing all of them made a 140 MB HTML file no browser or reader could use.
Above the limits below, the report keeps every conclusion complete (opinion, counts by
severity and rule, laws, the transfer summary, the remediation plan, the SEAL levels) and
shows the most severe items in full, the next ones in one line each, and counts the rest.
Wherever it does, it says how many items are shown, how many are left out and where the
complete list is: the JSON result (``--json``) and the CSVs (``--csv``). The limits are read
when a report is built (``ReportLimits.default()``), so a test can lower them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditor.model.findings import Finding, Scorecard, Transfer
from auditor.model.policy import SEVERITY_RANK, Severity
from auditor.report.report_views import (
    Abridgement,
    RiskRow,
    SystemEntry,
    TransferTally,
)

# Findings shown in full (criteria, condition, cause, effect, evidence): the most severe.
MAX_DETAILED_FINDINGS = 500
# Further findings listed one line each (severity, rule, system, subject, fingerprint).
MAX_LISTED_FINDINGS = 2000
# Transfers shown with their evidence path, worst conclusion first.
MAX_DETAILED_TRANSFERS = 200
# Scorecards per kind (system, provider) in the matrix and the details, weakest first.
MAX_SCORECARDS = 100
# Systems in the register appendix (with their components): those with the worst findings.
MAX_REGISTER_SYSTEMS = 100
# Dependency-graph pictures: the systems with the most severe findings.
MAX_GRAPHS = 30
# Finding numbers a remediation-plan item links to, and systems it names.
MAX_PLAN_REFS = 20
MAX_PLAN_SUBJECTS = 10
# Decisions of the remediation plan shown (one per system component; issue 18): the most
# severe; the others are counted with the findings they close.
MAX_PLAN_ITEMS = 200

SEVERITY_ORDER: tuple[Severity, ...] = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)
_NO_FINDINGS = (0,) * len(SEVERITY_ORDER)
_JSON = "the JSON result (--json FILE)"
_FINDINGS_CSV = "the findings CSV (--csv FILE)"
_REGISTER_CSV = "the register CSV (--csv FILE also writes FILE.register.csv)"


@dataclass(frozen=True)
class ReportLimits:
    """How many items of each kind the report shows before it summarises them."""

    detailed_findings: int
    listed_findings: int
    detailed_transfers: int
    scorecards: int
    register_systems: int
    graphs: int
    plan_refs: int
    plan_subjects: int
    plan_items: int = MAX_PLAN_ITEMS

    @classmethod
    def default(cls) -> ReportLimits:
        """The module's limits, read now (so ``monkeypatch.setattr`` on them takes effect)."""
        return cls(
            detailed_findings=MAX_DETAILED_FINDINGS,
            listed_findings=MAX_LISTED_FINDINGS,
            detailed_transfers=MAX_DETAILED_TRANSFERS,
            scorecards=MAX_SCORECARDS,
            register_systems=MAX_REGISTER_SYSTEMS,
            graphs=MAX_GRAPHS,
            plan_refs=MAX_PLAN_REFS,
            plan_subjects=MAX_PLAN_SUBJECTS,
            plan_items=MAX_PLAN_ITEMS,
        )

    @classmethod
    def unlimited(cls) -> ReportLimits:
        """Everything in full, however large (for a custom export; slow on a large estate)."""
        n = sys.maxsize
        return cls(n, 0, n, n, n, n, n, n, n)


# ---------------------------------------------------------------- ranking systems


def system_ranks(findings: Iterable[Finding]) -> dict[str, tuple[int, ...]]:
    """Open findings per severity (most severe first) for every system that has findings."""
    counts: dict[str, list[int]] = {}
    index = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    for finding in findings:
        system = finding.subject.get("system")
        if system and not finding.waived:
            row = counts.setdefault(system, [0] * len(SEVERITY_ORDER))
            row[index[finding.severity]] += 1
    return {system: tuple(row) for system, row in counts.items()}


def worst_first(ranks: dict[str, tuple[int, ...]], system: str) -> tuple[tuple[int, ...], str]:
    """Sort key: the system with the most critical, then high, ... open findings first."""
    return tuple(-c for c in ranks.get(system, _NO_FINDINGS)), system


def worst_systems(
    systems: Iterable[str], ranks: dict[str, tuple[int, ...]], limit: int
) -> list[str]:
    """The ``limit`` systems with the most severe open findings, in id order."""
    chosen = sorted(systems, key=lambda s: worst_first(ranks, s))[:limit]
    return sorted(chosen)


# ---------------------------------------------------------------- findings


def choose_findings(
    ordered: Sequence[Finding], ranks: dict[str, tuple[int, ...]], limits: ReportLimits
) -> tuple[set[int], list[int]]:
    """Positions (in ``ordered``) of the findings shown in full and of those listed in one line.

    Shown in full: the first finding of every (severity, rule), so that the reader sees one
    worked example of each kind, then the most severe others. The priority is severity, open
    before waived, then the systems with the most severe open findings first, so that a
    system's findings stay together (as its graph does in Appendix B). The next ones in that
    priority are listed in one line. Positions are returned in report order.
    """
    total = len(ordered)
    if total <= limits.detailed_findings:
        return set(range(total)), []
    system_key = {
        system: worst_first(ranks, system)
        for system in {f.subject.get("system", "") for f in ordered}
    }
    priority = sorted(
        range(total),
        key=lambda i: (
            -SEVERITY_RANK[ordered[i].severity],
            ordered[i].waived,
            system_key[ordered[i].subject.get("system", "")],
            i,
        ),
    )
    examples: dict[tuple[Severity, str], int] = {}
    for position in priority:
        finding = ordered[position]
        examples.setdefault((finding.severity, finding.rule_id), position)
    first = set(list(examples.values())[: limits.detailed_findings])  # in priority order
    room = limits.detailed_findings - len(first)
    others = [p for p in priority if p not in first]
    detailed = first | set(others[:room])
    listed = sorted(others[room : room + limits.listed_findings])
    return detailed, listed


def findings_abridgement(total: int, detailed: int, listed: int) -> Abridgement | None:
    """The sentence for section 5, or None when every finding is shown in full."""
    if detailed >= total:
        return None
    counted = total - detailed - listed
    parts = [
        f"{detailed} of the {total} findings are shown in full: one example of every rule at "
        "every severity, and the most severe others (by severity, then the systems with the "
        "most severe open findings)"
    ]
    if listed:
        parts.append(f"the next {listed} are listed one line each under 'Further findings'")
    if counted:
        parts.append(
            f"the other {counted} are counted in the table 'Findings by severity and rule'"
        )
    text = (
        f"{'; '.join(parts)}. Every finding, with its evidence, is in {_JSON} "
        f"and {_FINDINGS_CSV}; look one up by its fingerprint."
    )
    return Abridgement(
        "findings", "Findings (section 5)", "findings", total, detailed, listed, text
    )


# ---------------------------------------------------------------- transfers


def transfer_tallies(transfers: Sequence[Transfer], shown: int) -> tuple[TransferTally, ...]:
    """Transfers per (conclusion, importer, country), in the order of ``transfers``."""
    rows: dict[tuple[str, str, str], list[Transfer]] = {}
    shown_in: dict[tuple[str, str, str], int] = {}
    for position, transfer in enumerate(transfers):
        key = (transfer.conclusion.value, transfer.importer, transfer.country)
        rows.setdefault(key, []).append(transfer)
        if position < shown:
            shown_in[key] = shown_in.get(key, 0) + 1
    return tuple(
        TransferTally(
            conclusion=key[0],
            importer=key[1],
            importer_name=members[0].importer_name,
            country=key[2],
            country_name=members[0].country_name,
            transfers=len(members),
            systems=len({t.system for t in members}),
            data_assets=len({t.data_asset for t in members}),
            shown=shown_in.get(key, 0),
        )
        for key, members in rows.items()
    )


def transfers_abridgement(total: int, shown: int) -> Abridgement | None:
    """The sentence for section 6, or None when every transfer is shown."""
    if shown >= total:
        return None
    text = (
        f"The {shown} worst of the {total} transfers are shown with their evidence "
        f"(worst conclusion first); the table by importer counts all {total}. Every transfer "
        f"is in {_JSON}, under 'transfers'."
    )
    return Abridgement("transfers", "Transfers (section 6)", "transfers", total, shown, 0, text)


# ---------------------------------------------------------------- scorecards


def below_minimum(card: Scorecard) -> int:
    """Objectives of a scorecard assessed below the policy minimum."""
    return sum(
        1
        for o in card.objectives
        if o.seal is not None and o.minimum is not None and o.seal < o.minimum
    )


def weakest_cards(cards: Sequence[Scorecard], limit: int) -> list[Scorecard]:
    """All cards in their order when they fit; else the weakest ``limit``, weakest first.

    Weakest: most objectives below the policy minimum, then the lowest score (a card with
    nothing assessed before any score), then the subject id.
    """
    if len(cards) <= limit:
        return list(cards)
    return sorted(
        cards,
        key=lambda c: (-below_minimum(c), -1.0 if c.score is None else c.score, c.subject),
    )[:limit]


def scorecards_abridgement(total: int, shown: int, kind: str) -> Abridgement | None:
    """The sentence for section 7 (one per kind of scorecard), or None when all are shown."""
    if shown >= total:
        return None
    plural = "systems" if kind == "system" else "providers"
    text = (
        f"The scorecards of the {shown} weakest of the {total} {plural} are shown "
        "(most objectives below the policy minimum, then the lowest score); the table of "
        f"SEAL levels and the executive summary count all {total}. Every scorecard is in "
        f"{_JSON}, under 'scores'."
    )
    return Abridgement(
        "scorecards", f"{kind.capitalize()} scorecards (section 7)", plural, total, shown, 0, text
    )


# ---------------------------------------------------------------- register and scope


def risk_rows(systems: Sequence[SystemEntry]) -> tuple[RiskRow, ...]:
    """Systems and components per criticality and AI Act risk class."""
    rows: dict[tuple[str, str], list[int]] = {}
    for system in systems:
        row = rows.setdefault((system.criticality, system.ai_act_risk), [0, 0])
        row[0] += 1
        row[1] += system.components
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    return tuple(
        RiskRow(c, r, n, k)
        for (c, r), (n, k) in sorted(rows.items(), key=lambda i: (order.get(i[0][0], 4), i[0]))
    )


def register_abridgement(
    systems: int, shown: int, components: int, components_shown: int
) -> Abridgement | None:
    """The sentence for Appendix A and the scope, or None when every system is listed."""
    if shown >= systems:
        return None
    text = (
        f"The {shown} of the {systems} systems with the most severe open findings "
        f"are listed, with their {components_shown} components; the other {systems - shown} "
        f"systems and {components - components_shown} components are in {_REGISTER_CSV} and "
        f"{_JSON}, under 'inventory_register'."
    )
    return Abridgement(
        "register", "Inventory register (Appendix A)", "systems", systems, shown, 0, text
    )


def graphs_abridgement(total: int, shown: int) -> Abridgement | None:
    """The sentence for Appendix B, or None when every graph is drawn."""
    if shown >= total:
        return None
    text = (
        f"The dependency graphs of the {shown} systems with the most severe open "
        f"findings are drawn; the other {total - shown} are left out (auditor graph draws any "
        "of them)."
    )
    return Abridgement("graphs", "Dependency graphs (Appendix B)", "graphs", total, shown, 0, text)
