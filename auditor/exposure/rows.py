"""The subjects checks match over: one frozen, typed row class per kind of subject.

A check (``rules/checks/<id>.yaml``) names fields of one kind of row in its
conditions, severity cases, subject and message placeholders. The fields it may
name are exactly the fields of that kind's class below, less the two every row
carries for the finding rather than for the check (:data:`EVIDENCE_FIELDS`):
``evidence``, the path the finding shows, and ``cited_law``, the law it cites.
Nothing else lists them: the rule schema, its validation when a rule file is
loaded and the message placeholders are all derived from these classes
(``auditor.rules.schema.check_fields``).

Values are JSON values (str, int, bool, None, lists of str), as a check compares
them with the scalars of its YAML. Rows are ``NamedTuple``s: immutable, typed,
read by plain attribute access, validated by nobody (the engine computed every
value itself), and under half the size of the dicts they replace (hundreds of
thousands per audit in a large estate: issue 9). A frozen dataclass with slots
would cost more to build: its ``__init__`` calls ``object.__setattr__`` per field.
"""

from __future__ import annotations

from typing import NamedTuple

from auditor.model.findings import Hop

# Carried by every row for the finding; not fields a check may name.
EVIDENCE_FIELDS = ("evidence", "cited_law")


class ExposureRow(NamedTuple):
    """A law that can reach a data asset through a party at a component (DESIGN.md 3.4)."""

    data_asset: str
    system: str
    component: str
    # Display names (the inventory's ``name``, else the id), for messages: "the
    # {component_name} of {system_name}"; the ids stay in the subject.
    system_name: str
    component_name: str
    party: str
    party_name: str
    party_role: str
    party_role_text: str  # the role in words, with its article: "the hosting provider"
    law: str
    law_name: str
    jurisdiction: str
    trigger: str
    # strong (incorporated, control, territorial) or contested (presence only); a contested
    # reach is rated at most the policy's cap, and ``reach_text`` says why in a sentence.
    strength: str
    strength_note: str
    # The fired trigger's own confidence; "unconfirmed" makes the finding a precaution, and
    # ``compelled_text`` says "may be compellable" instead of "can be compelled".
    reach_confidence: str
    compelled_text: str
    reach_text: str
    mitigation: str
    sensitivity: str
    confidence: str
    jurisdiction_name: str
    jurisdiction_text: str  # the name in a sentence: "the United States", "France"
    access_text: str
    # False when the law reaches only records about the data (metadata) and gag orders, not
    # the data itself (a National Security Letter): the checks rate such a reach lower.
    content_reached: bool
    mitigation_text: str
    citation: str
    law_status: str
    # A sentence (ending in a space) when the law's status is in flux, else empty.
    law_status_text: str
    secrecy: bool
    component_kind: str
    criticality: str
    # False when the policy (or the asset's own residency) does not allow this law to
    # reach the asset; then ``policy_text`` says so, as a sentence ending in a space.
    policy_allows: bool
    policy_text: str
    evidence: list[Hop]
    cited_law: str | None


class TransferRow(NamedTuple):
    """Personal data going to a country outside the EEA (GDPR Chapter V)."""

    data_asset: str
    data_asset_name: str  # the data asset's display name, else its id
    system: str
    component: str
    # Display names (the inventory's ``name``, else the id), for messages: "the
    # {component_name} of {system_name}"; the ids stay in the subject.
    system_name: str
    component_name: str
    exporter: str
    exporter_name: str
    importer: str
    importer_name: str
    country: str  # a country code, 'global' (may be anywhere) or 'unknown'
    country_name: str
    country_text: str  # the name in a sentence: "the United Kingdom", "India"
    role: str
    role_text: str  # what happens there, in words: "processing and storage"
    adequacy: str | None
    conclusion: str
    explanation: str
    scc_module: str
    tools_text: str
    measures_text: str
    sensitivity: str
    evidence: list[Hop]
    cited_law: str | None = None


class GapRow(NamedTuple):
    """Something the audit needed to know and does not: an evidence gap."""

    kind: str  # unknown_location, unbounded_processing, unknown_owner, unknown_operator, ...
    system: str
    component: str
    # Display names (the inventory's ``name``, else the id), for messages: "the
    # {component_name} of {system_name}"; the ids stay in the subject.
    system_name: str
    component_name: str
    entity: str
    entity_name: str  # the entity's display name, else its id; empty when no entity
    detail: str
    data_assets_text: str
    sensitivity: str
    # The ids of the data assets reaching the component, so that a finding grouping the
    # gaps of several components (one entity's unknown owner: issue 17) lists them all.
    data_assets: list[str]
    evidence: list[Hop]
    cited_law: str | None = None


class ComponentRow(NamedTuple):
    """The facts of one component: who runs it, where, under whom, with which controls."""

    system: str
    component: str
    # Display names (the inventory's ``name``, else the id), for messages: "the
    # {component_name} of {system_name}"; the ids stay in the subject.
    system_name: str
    component_name: str
    kind: str
    criticality: str
    vendor: str
    vendor_name: str
    operator: str
    operator_name: str
    foreign_control: bool
    controller_jurisdictions: list[str]
    controller_jurisdictions_text: str
    # The policy's ownership test (standard or secnumcloud), and, under secnumcloud, whether
    # a provider of the component (operator, hosting, model provider) fails SecNumCloud
    # 19.6.b, with the holders and shares that fail it in words.
    control_test: str
    secnumcloud_fails: bool
    secnumcloud_text: str
    api_only: bool
    open_weights: bool
    open_weights_alternatives: str
    retains_prompts: bool
    retention_days: int
    retention_purpose: str
    retention_where: str
    retention_abroad: bool
    retention_unknown: bool
    retention_reason: str
    training_use: bool
    training_reason: str
    support_where: str
    support_abroad: bool
    admin_where: str
    admin_abroad: bool
    keys: str
    provider_can_decrypt: bool
    processes_in_clear: bool
    third_party: bool
    exposed: bool
    reached: bool
    data_assets: list[str]
    data_assets_text: str
    sensitivity: str
    confidence: str
    evidence: list[Hop]
    cited_law: str | None = None


class ResidencyRow(NamedTuple):
    """Data outside where the policy allows it, or reachable by a law the policy does not allow."""

    data_asset: str
    system: str
    component: str
    # Display names (the inventory's ``name``, else the id), for messages: "the
    # {component_name} of {system_name}"; the ids stay in the subject.
    system_name: str
    component_name: str
    kind: str  # location or reach
    role: str
    # In words: what happens there ("processing") or who can be compelled ("hosting provider").
    role_text: str
    where: str
    allowed: str
    # Why the place is outside, in words: the zone's countries that are not allowed, or
    # the United States allowed as 'adequate' only for a DPF-certified importer.
    detail: str
    law: str
    mitigation: str
    origin: str  # which policy rule or asset requirement
    sensitivity: str
    confidence: str
    evidence: list[Hop]
    cited_law: str | None


class KbFactRow(NamedTuple):
    """A knowledge-base fact an audit conclusion rests on."""

    fact: str
    kind: str
    confidence: str
    as_of: str
    age_days: int
    stale: bool
    note: str
    where: str
    fact_name: str  # the fact in words, by display names ("the law US CLOUD Act")
    evidence: list[Hop]
    cited_law: str | None = None


class SealRow(NamedTuple):
    """A sovereignty objective below the policy's minimum SEAL level."""

    subject: str
    subject_kind: str
    subject_name: str  # display name: the system's, or the catalogue vendor's
    objective: str
    objective_name: str
    seal: int
    seal_text: str
    assessed: bool
    minimum: int
    reasons_text: str
    evidence: list[Hop]
    cited_law: str | None = None


class DriftRow(NamedTuple):
    """A difference between the inventory and the scanned code or infrastructure (issue 20).

    One row per root cause: an undeclared service with every place it is used, or a
    declared component with every scanned place that contradicts (or cannot confirm) it.
    ``evidence`` lists those places (``file:line`` in the code or IaC), then the declaration.
    """

    kind: str  # undeclared_service, region_mismatch, deployment_mismatch, place_unknown, declared_unused
    system: str  # the declared component's system (for undeclared_service: the first scanned one)
    component: str  # the declared component (for undeclared_service: the first scanned one)
    component_name: str  # display name, then id
    component_kind: str  # model API, inference endpoint, ... (words)
    service: str  # vendor id, or self-hosted:<component kind> when no vendor is known
    service_name: str  # the vendor's name, or "a self-hosted model" in words
    declared: str  # what the inventory says (words), empty for undeclared_service
    scanned: str  # what the code or IaC says (words); "unknown" when it does not say
    how_text: str  # how the scanned value was resolved (literal, constant, env default, ...)
    places: int  # how many scanned places
    places_text: str  # the first few places as file:line
    detail: str  # one sentence
    evidence: list[Hop]
    cited_law: str | None = None


RowType = (
    type[ExposureRow]
    | type[TransferRow]
    | type[GapRow]
    | type[ComponentRow]
    | type[ResidencyRow]
    | type[KbFactRow]
    | type[SealRow]
    | type[DriftRow]
)
# Every row has ``evidence`` (its finding's path, shared: findings are frozen) and
# ``cited_law`` (the law its finding cites, if any).
Row = (
    ExposureRow
    | TransferRow
    | GapRow
    | ComponentRow
    | ResidencyRow
    | KbFactRow
    | SealRow
    | DriftRow
)


def check_fields_of(row_type: RowType) -> tuple[str, ...]:
    """The fields a check over rows of this type may name, in declaration order."""
    return tuple(name for name in row_type._fields if name not in EVIDENCE_FIELDS)
