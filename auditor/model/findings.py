"""What an audit produces: exposures, transfers, findings, scores, and the result around them."""

from __future__ import annotations

import enum

from pydantic import Field

from auditor.model.common import StrictModel, join_words, trusted
from auditor.model.dora import UnfilledField
from auditor.model.kb import Access
from auditor.model.policy import Severity

SCHEMA_VERSION = "2.0"


class Sensitivity(enum.StrEnum):
    """How sensitive a data asset is, for the severity matrix."""

    PUBLIC = "public"
    INTERNAL = "internal"
    PERSONAL = "personal"
    CONFIDENTIAL = "confidential"
    SPECIAL_CATEGORY = "special_category"

    @property
    def rank(self) -> int:
        """Ascending order of sensitivity."""
        return _SENSITIVITY_ORDER.index(self)


_SENSITIVITY_ORDER = [
    Sensitivity.PUBLIC,
    Sensitivity.INTERNAL,
    Sensitivity.PERSONAL,
    Sensitivity.CONFIDENTIAL,
    Sensitivity.SPECIAL_CATEGORY,
]


class MitigationState(enum.StrEnum):
    """How far measures stop a law from reaching data (DESIGN.md 3.4)."""

    NONE = "none"
    PARTIAL = "partial"
    MITIGATED = "mitigated"


class Hop(StrictModel):
    """One step of an evidence path, with where it is declared."""

    node: str = Field(description="What this step is, in words.")
    kind: str = Field(
        description="data, flow, component, entity, parent, location, jurisdiction, law"
    )
    file: str | None = None
    line: int | None = None
    label: str | None = Field(
        default=None,
        description=(
            "The step for people, naming components 'the <component name> of <system name>' "
            "where `node` gives their system/component ids; absent when `node` reads as is."
        ),
    )

    @property
    def shown(self) -> str:
        """What a person reads for this step."""
        return self.label or self.node


class Exposure(StrictModel):
    """A law that can reach a data asset through a party at a component."""

    data_asset: str
    system: str
    component: str
    party: str = Field(description="Entity id of the access party.")
    party_name: str
    party_role: str = Field(description="operator, hosting, model_provider, subprocessor, support")
    law: str
    law_name: str
    jurisdiction: str
    trigger: str = Field(description="incorporated, control, presence or territorial")
    strength: str = Field(
        default="strong",
        description=(
            "How firmly the law reaches the party: strong (incorporated, control, territorial) "
            "or contested (presence only: reported, rated at most medium by default)."
        ),
    )
    strength_note: str = Field(
        default="", description="Why a contested reach is contested, in words (empty if strong)."
    )
    reach_confidence: str = Field(
        default="confirmed",
        description=(
            "Confidence of the law's trigger that fired, by itself: 'unconfirmed' when no source "
            "read states that the law reaches a party this way (the finding is then a precaution)."
        ),
    )
    access: list[Access]
    mitigation: MitigationState
    mitigation_reasons: list[str]
    sensitivity: Sensitivity
    confidence: str = Field(description="Weakest confidence of the facts this exposure rests on.")
    path: list[Hop]

    @property
    def possibly_there(self) -> bool:
        """Territorial through a place the data may be handled in (one country of a residency
        zone, or one a worldwide option names), not one it is known to be handled in: the
        location step then says what "may" happen there."""
        return self.trigger == "territorial" and any(
            " may " in f" {h.node.split(':', 1)[0]} " for h in self.path if h.kind == "location"
        )


class TransferConclusion(enum.StrEnum):
    """Outcome of a GDPR Chapter V check for one transfer."""

    ADEQUACY = "adequacy"  # covered by an adequacy decision
    SAFEGUARDS = "safeguards"  # Art. 46 tool with TIA and supplementary measures recorded
    SAFEGUARDS_INCOMPLETE = (
        "safeguards_incomplete"  # Art. 46 tool but no TIA / no effective measure
    )
    DEROGATION = "derogation"  # relies on Art. 49
    NO_VALID_TOOL = "no_valid_tool"
    UNKNOWN = "unknown"  # destination unknown: cannot be assessed


class Transfer(StrictModel):
    """Personal data going to a country outside the EEA (GDPR Chapter V)."""

    data_asset: str
    system: str
    component: str
    data_asset_name: str = Field(default="", description="Display name of the data asset.")
    categories: list[str] = Field(
        default_factory=list, description="The data asset's categories (for the register)."
    )
    subjects: list[str] = Field(
        default_factory=list, description="The data asset's data subjects, where declared."
    )
    sensitivity: Sensitivity | None = Field(
        default=None, description="How sensitive the data asset is."
    )
    exporter: str
    exporter_name: str = Field(
        default="",
        description=(
            "Display name of the exporter: the organisation, or the processor that engaged "
            "the importer (then the SCCs are Module 3)."
        ),
    )
    importer: str
    importer_name: str
    country: str = Field(
        description="Country code; 'global' (may be anywhere) or 'unknown' (location not known)."
    )
    country_name: str
    role: str = Field(description="Why data goes there: storage, processing, support, ...")
    adequacy: str | None = Field(description="The adequacy decision relied on, if any.")
    tools: list[str]
    supplementary_measures: list[str]
    conclusion: TransferConclusion
    explanation: str
    scc_module: str | None = Field(
        default=None,
        description=(
            "The module of the Commission's SCCs (Decision (EU) 2021/914) the exporter and "
            "importer's roles call for, in words; none where no second party is known."
        ),
    )
    path: list[Hop]


class FrameworkRef(StrictModel):
    """A reference from a check into a framework (GDPR article, SecNumCloud, SOV-n, C5, DORA)."""

    framework: str
    reference: str


class Waiver(StrictModel):
    """How a waiver applied to a finding (an expired one is shown but does not waive)."""

    reason: str
    approved_by: str
    expires: str
    expired: bool
    ticket: str | None = None
    source: str = Field(description="Where the waiver is declared (file:line).")


class AffectedData(StrictModel):
    """A data asset a finding's root cause affects, with the severity the rule gives it."""

    id: str
    name: str = Field(description="Display name (the id when the inventory gives none).")
    categories: list[str]
    sensitivity: Sensitivity
    severity: Severity = Field(description="The most severe match of the rule for this asset.")


def affected_data_text(assets: list[AffectedData]) -> str:
    """Data assets by display name (the id when there is none), grouped by sensitivity, most
    sensitive first: "Clinical notes, Lab results and Discharge letters (special category);
    Billing records (personal)"."""
    groups: dict[Sensitivity, list[str]] = {}
    for asset in sorted(assets, key=lambda a: (-a.sensitivity.rank, a.id)):
        groups.setdefault(asset.sensitivity, []).append(asset.name or asset.id)
    parts = []
    for sensitivity, ids in groups.items():
        names = join_words(ids)
        parts.append(f"{names} ({sensitivity.value.replace('_', ' ')})")
    return "; ".join(parts)


class EvidencePath(StrictModel):
    """One distinct path from the data to the cause, with the data assets that take it."""

    data_assets: list[str] = Field(description="Ids of the data assets this path carries.")
    path: list[Hop] = Field(description="The steps after the data asset itself.")


class Finding(StrictModel):
    """One rule applied to one root cause (the rule's ``subject``), with the data it affects."""

    rule_id: str
    severity: Severity = Field(description="The worst severity over the affected data assets.")
    title: str
    fingerprint: str
    subject: dict[str, str] = Field(
        description="The root cause: the ids the rule's `subject` names (system, component, law, ...)."
    )
    subject_names: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Display names of the subject's ids where they have one other than the id (a "
            "system's, an entity's, a country's, a law's name): what a report shows first."
        ),
    )
    condition: str
    cause: str
    effect: str
    law: str | None = None
    citation: str | None = None
    reach_strength: str | None = Field(
        default=None,
        description=(
            "For findings on a law's reach: strong (incorporated, control, territorial) or "
            "contested (presence only), so CI can filter on it."
        ),
    )
    evidence: list[Hop] = Field(description="The path of the most severe match.")
    remediation: str
    frameworks: list[FrameworkRef]
    confidence: str
    location_file: str | None = None
    location_line: int | None = None
    waived: bool = False
    waiver: Waiver | None = None
    data_assets: list[AffectedData] = Field(
        default_factory=list,
        description="The data assets the root cause affects, most severe first (empty when the rule is not about data).",
    )
    evidence_paths: list[EvidencePath] = Field(
        default_factory=list,
        description="Each distinct path once, with the data assets it carries.",
    )


class ObjectiveScore(StrictModel):
    """One EU Cloud Sovereignty Framework objective on the SEAL scale."""

    objective: str
    name: str
    weight: float
    seal: int | None = Field(description="0-4, or None when not assessed.")
    minimum: int | None = None
    reasons: list[str] = Field(
        description="Why, one line per component: 'system/component: reason' (ids, for machines)."
    )
    reasons_named: list[str] = Field(
        default_factory=list,
        description=(
            "The same lines in words, naming each component 'the <component name> of <system "
            "name>'; empty in results written before it existed (reports then show `reasons`)."
        ),
    )

    @property
    def shown_reasons(self) -> list[str]:
        """The reasons a person reads: by display name where the result has them."""
        return self.reasons_named or self.reasons


class Scorecard(StrictModel):
    """SOV-1..SOV-8 for one system or provider."""

    subject: str
    kind: str = Field(description="system or provider")
    name: str = Field(
        default="",
        description=(
            "Display name: the system's name, or the catalogue vendor's (e.g. 'Azure OpenAI in "
            "Microsoft Foundry'); empty in results written before it existed."
        ),
    )
    objectives: list[ObjectiveScore]
    score: float | None = Field(description="Weighted score over assessed objectives, 0-100.")
    assessed_weight: float


class RuleInfo(StrictModel):
    """A check's metadata, as reports show it."""

    id: str
    title: str
    severity: str
    description: str
    rationale: str
    remediation: str
    references: list[str]
    frameworks: list[FrameworkRef]


class InputFile(StrictModel):
    """An input file and its SHA-256."""

    path: str
    sha256: str


class KbInfo(StrictModel):
    """Knowledge-base version and dates for the control block."""

    version: str
    as_of: str
    oldest_fact: str | None
    unconfirmed_facts_used: int


class Summary(StrictModel):
    """Counts for the executive summary and the exit policy."""

    findings_by_severity: dict[str, int]
    exposures: int
    exposures_unmitigated: int
    transfers: int
    transfers_without_valid_tool: int = Field(
        description="Transfers concluded 'no valid transfer tool'."
    )
    transfers_unassessable: int = Field(
        default=0,
        description="Transfers to an unknown destination: they cannot be assessed "
        "(results before issue 21 counted them as without a valid tool).",
    )
    systems: int
    data_assets: int
    waived: int

    def transfer_conclusions(self, tool: str = "tool") -> str:
        """The transfers that fail, as their conclusions say it: "2 without a valid tool,
        1 cannot be assessed" (the second part only when a destination is unknown)."""
        text = f"{self.transfers_without_valid_tool} without a valid {tool}"
        if self.transfers_unassessable:
            text += f", {self.transfers_unassessable} cannot be assessed"
        return text

    in_baseline: int = Field(
        default=0, description="Findings left out because the baseline has them."
    )


class RegisterRow(StrictModel):
    """One component in the inventory register (RoPA-style columns plus AI columns)."""

    system: str
    system_name: str
    purpose: str
    owner: str
    criticality: str
    ai_act_risk: str
    component: str
    kind: str
    model: str
    supplier: str
    supplier_country: str
    operator: str
    parent_chain: str = Field(
        description="Controllers from the operator up, e.g. 'A (IE) -> B (US)'."
    )
    processing: str
    storage: str
    key_custody: str
    support: str
    subprocessors: list[str]
    data_assets: list[str]
    categories: list[str]
    subjects: list[str]
    file: str | None
    line: int | None
    data_asset_names: list[str] = Field(
        default_factory=list,
        description="Display names of `data_assets`, in the same order (the id where none).",
    )
    component_name: str = Field(
        default="", description="The component's display name (the inventory's name, else its id)."
    )


class LawRef(StrictModel):
    """A law the audit relied on, for the report's reference appendix."""

    id: str
    name: str
    short_name: str
    jurisdiction: str
    citation: str
    status: str
    status_note: str
    as_of: str
    confidence: str
    sources: list[str]
    effect: str = Field(
        default="access",
        description=(
            "access, localisation or safeguard: a safeguard (e.g. EU Data Act Art. 32) limits "
            "other laws' access and reaches no data itself."
        ),
    )


class JurisdictionRef(StrictModel):
    """A country the audit touched, with its EU data-protection status and date."""

    code: str
    name: str
    blocs: list[str]
    adequacy: str | None
    as_of: str
    confidence: str


class PolicyInfo(StrictModel):
    """The policy the audit applied, in words."""

    name: str
    control_test: str
    residency: list[str]
    minimum_seal: dict[str, int]
    max_fact_age_days: int


class SystemGraph(StrictModel):
    """The dependency-graph picture of one system (SVG, self-contained)."""

    system: str
    svg: str


class AuditResult(StrictModel):
    """Everything an audit found; what every report writer renders."""

    schema_version: str = SCHEMA_VERSION
    tool: dict[str, str]
    organisation: dict[str, str]
    inputs: list[InputFile]
    kb: KbInfo
    exposures: list[Exposure]
    transfers: list[Transfer]
    findings: list[Finding]
    scores: list[Scorecard]
    rules: list[RuleInfo]
    summary: Summary
    audit_date: str = Field(description="The date the audit was run for (YYYY-MM-DD).")
    policy: PolicyInfo | None = None
    inventory_register: list[RegisterRow] = Field(default_factory=list)
    laws: list[LawRef] = Field(default_factory=list)
    jurisdictions: list[JurisdictionRef] = Field(default_factory=list)
    notices: list[str] = Field(
        default_factory=list, description="Things every output must say: expired waivers, ..."
    )
    graphs: list[SystemGraph] = Field(
        default_factory=list, description="Per-system pictures; left out of the JSON output."
    )
    dora_gaps: list[UnfilledField] = Field(
        default_factory=list,
        description=(
            "For a DORA financial entity: the register-of-information fields the inventory "
            "could not fill (auditor dora lists them row by row); left out of the JSON output."
        ),
    )


# Constructors for the audit's own output, which is built from values it computed itself
# and is not validated again (see :func:`auditor.model.common.trusted`).
make_hop = trusted(Hop)
make_exposure = trusted(Exposure)
make_transfer = trusted(Transfer)
make_finding = trusted(Finding)
make_affected_data = trusted(AffectedData)
make_evidence_path = trusted(EvidencePath)
make_register_row = trusted(RegisterRow)
make_objective_score = trusted(ObjectiveScore)
make_scorecard = trusted(Scorecard)
