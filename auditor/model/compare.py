"""Procurement: an options file (one use case, N candidate deployments) and the comparison."""

from __future__ import annotations

from pydantic import Field

from auditor.model.common import Identifier, Located, StrictModel
from auditor.model.findings import AuditResult, ObjectiveScore
from auditor.model.inventory import (
    AiActRisk,
    Component,
    Criticality,
    DataAsset,
    Entity,
    Flow,
    Organisation,
)
from auditor.model.policy import Policy


class UseCase(Located):
    """What the organisation wants to do, with which data, under which policy."""

    name: str = Field(min_length=1)
    description: str = Field(min_length=1, description="The purpose, as a system purpose.")
    organisation: Organisation = Field(description="Must declare `entity` (its own legal entity).")
    entities: list[Entity] = Field(
        default_factory=list, description="The organisation's entity and others."
    )
    data: list[DataAsset] = Field(min_length=1)
    criticality: Criticality = Criticality.MEDIUM
    ai_act_risk: AiActRisk = AiActRisk.UNKNOWN
    policy: Policy | None = None


class OptionSpec(Located):
    """One candidate deployment: components (catalogue vendors or declared parties) and optional flows.

    Each option is audited as one system: an application of the organisation's own
    (component ``app``, on premises) plus these components. Without ``flows``, all the
    use case's data flows from ``app`` to every component of the option.
    """

    id: Identifier
    name: str = Field(min_length=1)
    description: str | None = None
    entities: list[Entity] = Field(default_factory=list, description="Parties the catalogue lacks.")
    components: list[Component] = Field(min_length=1)
    flows: list[Flow] = Field(default_factory=list)
    notes: str | None = Field(
        default=None, description="Cost, maturity or other non-sovereignty notes."
    )


class OptionsFile(StrictModel):
    """``auditor compare OPTIONS.yaml``."""

    use_case: UseCase
    options: list[OptionSpec] = Field(min_length=2)


class OptionLaw(StrictModel):
    """A law that reaches the use case's data under one option."""

    law: str
    law_name: str
    citation: str
    jurisdiction: str
    chains: list[str] = Field(description="Through whom: party and controlling parents, in words.")
    mitigation: str = Field(description="The weakest mitigation state among its exposures.")
    data_assets: list[str]


class OptionColumn(StrictModel):
    """One column of the comparison matrix."""

    id: str
    name: str
    description: str
    notes: str
    rank: int
    laws: list[OptionLaw]
    transfers: list[str]
    transfers_valid: bool
    policy_pass: bool
    policy_breaches: list[str]
    objectives: list[ObjectiveScore]
    score: float | None
    assessed_weight: float
    retention: list[str]
    training: list[str]
    open_weights: str
    gaps: list[str]
    findings_by_severity: dict[str, int]
    reasons: list[str]


class Comparison(StrictModel):
    """The comparison: columns ranked best first, with the ranking rule in words."""

    schema_version: str = "1.0"
    use_case: str
    description: str
    organisation: dict[str, str]
    audit_date: str
    kb_version: str
    data_assets: list[str]
    ranking_rule: list[str]
    recommendation: str
    options: list[OptionColumn]
    results: dict[str, AuditResult] = Field(
        default_factory=dict, description="Each option's full audit; left out of the JSON output."
    )


class FindingBrief(StrictModel):
    """A finding in a what-if diff."""

    rule_id: str
    severity: str
    title: str
    fingerprint: str


class ScoreChange(StrictModel):
    """A scorecard before and after."""

    subject: str
    kind: str
    before: float | None
    after: float | None
    objectives: dict[str, list[int | None]] = Field(description="SOV-n -> [before, after] SEAL.")


class WhatIfResult(StrictModel):
    """What a change to the inventory would make disappear and appear."""

    schema_version: str = "1.0"
    changes: list[str]
    disappear: list[FindingBrief]
    appear: list[FindingBrief]
    unchanged: int
    scores: list[ScoreChange]
