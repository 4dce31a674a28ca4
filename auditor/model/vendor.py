"""A vendor due-diligence sheet, as data: every report format renders the same facts."""

from __future__ import annotations

from pydantic import Field

from auditor.model.common import StrictModel


class ChainRow(StrictModel):
    """A party of the vendor's service and who controls it."""

    role: str
    entity: str
    name: str
    country: str
    controllers: list[str] = Field(
        description="Each controlling parent, with the reason, in words."
    )
    unknown_ownership: list[str]


class VendorLaw(StrictModel):
    """A law that reaches data at this vendor, and why."""

    law: str
    law_name: str
    citation: str
    status: str
    status_text: str = Field(default="", description="The status in words.")
    trigger: str
    via: str = Field(description="The access party's role (a code) and its name.")
    reach: str = Field(
        default="",
        description=(
            "How the law reaches the party, in words: 'the hosting provider Microsoft "
            "Corporation is incorporated in or controlled from the United States'."
        ),
    )
    confidence: str


class FactRow(StrictModel):
    """One sourced fact of the knowledge base about this vendor."""

    subject: str
    name: str = Field(default="", description="The fact in words, by display names.")
    subjects: list[str] = Field(
        default_factory=list,
        description=(
            "Every fact this row stands for: facts with the same sources, date, confidence and "
            "note (the deployment options of one documentation page) share one row."
        ),
    )
    sources: list[str]
    as_of: str
    confidence: str
    note: str


class VendorAssessment(StrictModel):
    """What procurement needs to know about a catalogue vendor."""

    id: str
    name: str
    kind: str
    model_family: bool = Field(
        default=False,
        description="Weights or containers the organisation runs itself, not a service.",
    )
    nature: str = Field(
        default="",
        description="In words: a service someone runs for you, or a model family and its publisher.",
    )
    kb_version: str
    kb_as_of: str = Field(description="Date of the knowledge base: the sheet's date.")
    tool_version: str
    open_weights: bool
    api_only: bool
    chain: list[ChainRow]
    laws: list[VendorLaw]
    residency_options: list[str]
    deployment_options: list[str]
    certifications: list[str]
    defaults: list[str]
    open_weights_alternatives: list[str]
    notes: str
    facts: list[FactRow]
    questions: list[str]
    gaps: list[str] = Field(description="What the engine cannot determine with the default option.")
    default_deployment: str
