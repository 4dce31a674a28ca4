"""A transfer impact assessment (TIA), pre-filled from an audit: every format renders the same facts.

The document follows the six steps of the EDPB's Recommendations 01/2020 on measures that
supplement transfer tools (version 2.0, adopted 18 June 2021). The tool fills in what the
inventory, the knowledge base and the audit engine know; what only people can judge (the
practice of the destination's authorities, the probability of access, the decision to
transfer) is listed as open and left empty, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from auditor.model.common import StrictModel
from auditor.model.findings import Transfer

TIA_SCHEMA_VERSION = "1.0"

EDPB_RECOMMENDATIONS = (
    "EDPB Recommendations 01/2020 on measures that supplement transfer tools to ensure "
    "compliance with the EU level of protection of personal data, version 2.0, adopted "
    "18 June 2021"
)
EDPB_RECOMMENDATIONS_URL = (
    "https://www.edpb.europa.eu/system/files/2021-06/"
    "edpb_recommendations_202001vo.2.0_supplementarymeasurestransferstools_en.pdf"
)


def transfer_base_id(transfer: Transfer) -> str:
    """``system/component/country/data-asset``: readable, and stable while those stay."""
    return f"{transfer.system}/{transfer.component}/{transfer.country}/{transfer.data_asset}"


def transfer_ids(transfers: Sequence[Transfer]) -> list[str]:
    """A stable, readable id for each transfer, in the same order.

    ``system/component/country/data-asset``; where a component sends the same data to the
    same country through two importers (its operator and a support party), the importer's
    id is added to each of them: ``.../data-asset/importer``.
    """
    counts: dict[str, int] = {}
    for transfer in transfers:
        base = transfer_base_id(transfer)
        counts[base] = counts.get(base, 0) + 1
    return [
        transfer_base_id(t) + (f"/{t.importer}" if counts[transfer_base_id(t)] > 1 else "")
        for t in transfers
    ]


class Party(StrictModel):
    """The exporter or the importer, in words."""

    id: str
    name: str
    country: str = Field(description="Country of the registered office, in words, or unknown.")
    role: str = Field(description="Its role for this transfer, in words.")


class Place(StrictModel):
    """Where the importer's component does something with the data."""

    role: str = Field(description="storage, processing, support, ... in words.")
    place: str
    outside_eea: str = Field(
        description="yes, no, not known, or possibly (anywhere): unknown is never assumed safe."
    )


class OnwardTransfer(StrictModel):
    """Someone else the data reaches: a sub-processor, the host, or another component abroad."""

    party: str = Field(description="Display name.")
    party_id: str
    role: str = Field(description="Why it can reach the data, in words.")
    country: str = Field(description="Where it is seated or the data goes, in words.")
    note: str = ""


class KnowYourTransfer(StrictModel):
    """Step 1: what goes where, from whom to whom."""

    data_asset: str
    data_asset_name: str
    description: str
    categories: list[str] = Field(description="Data categories, in words.")
    special_categories: bool = Field(
        description="Special categories of data (GDPR Art. 9) or criminal-offence data (Art. 10)."
    )
    sensitivity: str
    classification: str
    subjects: str = Field(description="Data subjects, or what to ask when the inventory is silent.")
    volume: str
    system: str
    system_name: str
    purpose: str
    component: str
    component_name: str
    component_kind: str
    flow_purposes: list[str]
    exporter: Party
    importer: Party
    destination: str = Field(description="The destination country in words.")
    places: list[Place]
    onward: list[OnwardTransfer]
    onward_note: str


class FrameworkStatus(StrictModel):
    """A transfer tool's own standing in the knowledge base, with its source and date."""

    name: str
    status: str
    challenges: list[str]
    as_of: str
    confidence: str
    sources: list[str]


class TransferToolStep(StrictModel):
    """Step 2: the Chapter V tool the transfer relies on."""

    conclusion: str = Field(description="The engine's conclusion, in words.")
    conclusion_code: str
    explanation: str
    adequacy: str
    tools: list[str] = Field(description="The tools recorded in the inventory, in words.")
    scc_module: str
    frameworks: list[FrameworkStatus]
    assessment_needed: bool = Field(
        description="Steps 3 and 4 are needed: an Art. 46 tool is relied on, or none is valid."
    )
    assessment_note: str


class Reach(StrictModel):
    """One way a law reaches the data at this importer, from the engine's exposures."""

    party: str
    party_role: str
    trigger: str = Field(description="Why the law applies to the party, in words.")
    strength: str
    strength_note: str
    access: list[str]
    mitigation: str
    mitigation_reasons: list[str]
    chain: list[str] = Field(description="The evidence path, one step a line.")


class LawStep(StrictModel):
    """A law of a third country that reaches this transfer, as the knowledge base records it."""

    id: str
    name: str
    short_name: str
    jurisdiction: str
    citation: str
    summary: str
    status: str
    status_note: str
    reaches: list[str]
    secrecy: bool
    mitigated_by: list[str]
    not_mitigated_by: list[str]
    mitigation_notes: str
    as_of: str
    confidence: str
    sources: list[str]
    reach: list[Reach]


class DestinationStep(StrictModel):
    """Step 3: the destination's law and practice that reach this importer."""

    country: str
    adequacy: str
    notes: str
    as_of: str
    confidence: str
    sources: list[str]
    laws: list[LawStep]
    no_law_note: str = Field(description="Said when no law in the knowledge base reaches it.")
    practice_note: str


class MeasureStep(StrictModel):
    """One supplementary measure and whether it works against compelled access here."""

    measure: str
    declared: bool
    effective: str = Field(description="effective, reduces only, not effective, or unknown.")
    why: str


class MeasuresStep(StrictModel):
    """Step 4: the supplementary measures declared, and whether they are effective."""

    processes_in_clear: str
    keys: str
    measures: list[MeasureStep]
    conclusion: str


class Worksheet(StrictModel):
    """A probability worksheet in the style of David Rosenthal's TIA method, left empty."""

    method: str
    formula: list[str]
    periods: list[str]
    scenarios: list[str]
    factors: list[str]
    cells: list[list[str | None]] = Field(
        description="One row per scenario and factor, one cell per period: always empty (None)."
    )


class FindingRef(StrictModel):
    """A finding of the audit about this data at this component, as the audit report lists it."""

    severity: str
    title: str
    law: str = Field(description="The law the finding is about, by its short name, if any.")
    rule_id: str
    fingerprint: str
    waived: bool


class TransferAssessment(StrictModel):
    """One pre-filled transfer impact assessment."""

    schema_version: str = TIA_SCHEMA_VERSION
    id: str = Field(description="The transfer id: system/component/country/data-asset.")
    title: str
    organisation: str
    organisation_country: str
    audit_date: str
    re_evaluation_date: str
    tool: str
    tool_version: str
    kb_version: str
    kb_as_of: str
    snapshot: str = Field(description="SHA-256 over the sorted SHA-256 of the input files.")
    audit_report_id: str = Field(
        description="The default id of the audit report of the same inputs (auditor audit --html)."
    )
    method: str
    method_url: str
    step1: KnowYourTransfer
    step2: TransferToolStep
    step3: DestinationStep
    step4: MeasuresStep
    step5: list[str] = Field(description="Procedural steps, in words.")
    step6: list[str] = Field(description="When to re-evaluate earlier than the date.")
    findings: list[FindingRef] = Field(
        default_factory=list,
        description="The audit's findings on this data at this component, most severe first.",
    )
    unknowns: list[str] = Field(description="What the inventory does not say, and whom to ask.")
    decisions: list[str] = Field(description="What remains for the signer to decide.")
    worksheet: Worksheet | None = None


class TransferAssessments(StrictModel):
    """Every assessment of one run (``auditor tia ... --json``)."""

    schema_version: str = TIA_SCHEMA_VERSION
    assessments: list[TransferAssessment]
