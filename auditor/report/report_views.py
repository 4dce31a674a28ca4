"""The frozen view objects the audit report's templates see (built by ``report_context``).

Templates only lay these out: every number, grouping and ordering is decided before them.
The abridged parts of a large estate (issue 9) have their own views at the end: one-line
findings, tallies per rule, per importer and per SEAL level, and the notice that says what
is left out and where the complete list is.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from auditor.model.findings import (
    Finding,
    ObjectiveScore,
    RuleInfo,
    Scorecard,
)


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
    subject: tuple[tuple[str, str, str], ...]  # (what, display name, id)
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
    more: int = 0  # findings of this rule and system at this severity not shown in full


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
    total: int = 0  # all findings of the rule at this severity, shown in full or not


@dataclass(frozen=True)
class SeverityBlock:
    """All groups of one severity, and the same groups per rule (the PDF's layout)."""

    severity: str
    count: SeverityCount
    groups: tuple[FindingGroup, ...]
    rules: tuple[RuleBlock, ...] = ()

    @property
    def shown(self) -> int:
        """How many findings of this severity are shown in full."""
        return sum(len(g.items) for g in self.groups)


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
    levels: tuple[int, ...] = ()  # how many systems are at SEAL-0 .. SEAL-4


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
class FindingRef:
    """A finding the report shows (in full or in one line): its number and its anchor."""

    number: str
    fingerprint: str
    in_full: bool = True  # False: in the one-line list (an anchor on screen only)


@dataclass(frozen=True)
class RemediationItem:
    """One action of the plan, with the findings it would close."""

    rank: int
    action: str
    severity: str
    impact: int
    findings: tuple[FindingView, ...]  # those shown in full
    subjects: tuple[str, ...]  # the first MAX_PLAN_SUBJECTS
    objectives: tuple[str, ...]
    proposed_owner: str
    target_date: str
    count: int = 0  # every open finding it closes
    refs: tuple[FindingRef, ...] = ()  # the first MAX_PLAN_REFS the report shows
    subjects_more: int = 0
    decision: str = ""  # the decision alone, naming system and component (page 1)

    @property
    def refs_more(self) -> int:
        """Findings it closes beyond those referred to by number."""
        return self.count - len(self.refs)


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
    by_risk: tuple[RiskRow, ...] = ()  # systems per criticality and AI Act risk (abridged)
    # Safeguard laws cited in mitigation reasons (they limit other laws, reach no data).
    safeguards: tuple[str, ...] = ()


# ---------------------------------------------------------------- abridged parts (issue 9)


@dataclass(frozen=True)
class Abridgement:
    """A part of the report that shows fewer items than the audit found, and says so.

    ``text`` is the sentence the report prints: how many are shown, how they were chosen,
    how many are left out and where the complete list is. Counts elsewhere stay complete.
    """

    anchor: str
    part: str
    noun: str
    total: int
    shown: int
    listed: int
    text: str

    @property
    def left_out(self) -> int:
        """Items neither shown in full nor listed in one line (they are only counted)."""
        return self.total - self.shown - self.listed


@dataclass(frozen=True)
class FindingLine:
    """A finding listed in one line: enough to find it in the JSON result or the CSV."""

    number: str
    finding: Finding
    system: str  # the system's display name, else its id
    subject: str  # the rest of the subject (component, data, law, ...) by display names
    status: str
    status_label: str


@dataclass(frozen=True)
class FindingLineGroup:
    """The one-line findings of one rule at one severity (the PDF prints them under one head)."""

    severity: str
    rule_id: str
    lines: tuple[FindingLine, ...]


@dataclass(frozen=True)
class RuleTally:
    """All findings of one rule at one severity, and how many of them the report shows."""

    severity: str
    rule_id: str
    total: int
    waived: int
    systems: int
    detailed: int
    listed: int

    @property
    def counted(self) -> int:
        """Findings of the rule only counted here (neither in full nor in one line)."""
        return self.total - self.detailed - self.listed


@dataclass(frozen=True)
class RiskRow:
    """Systems in scope of one criticality and AI Act risk class."""

    criticality: str
    ai_act_risk: str
    systems: int
    components: int


@dataclass(frozen=True)
class TransferTally:
    """Transfers to one importer in one country with one conclusion."""

    conclusion: str
    importer: str
    importer_name: str
    country: str
    country_name: str
    transfers: int
    systems: int
    data_assets: int
    shown: int
