"""The inventory format: what an organisation declares about its AI systems.

One file or many; each file is an :class:`InventoryFragment` (every section
optional) and the loader merges them into one :class:`Inventory`. The
semantics are those of DESIGN.md section 3.1.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from auditor.model.common import (
    Classification,
    CountryCode,
    DataCategory,
    Identifier,
    Lei,
    Located,
    Provenance,
    StrictModel,
    join_words,
)
from auditor.model.policy import Policy
from auditor.model.waivers import WaiverSpec

# A place: ``provider:region`` (``aws:eu-central-1``), an ISO country code
# (``DE``), a bloc (``EU``, ``EEA``) or ``global`` (anywhere: not bounded).
LocationRef = Annotated[
    str,
    Field(
        pattern=r"^([a-z0-9-]+:[A-Za-z0-9._/-]+|[A-Z]{2}|EU|EEA|global)$",
        description=(
            "A place: 'provider:region' (aws:eu-central-1, azure:swedencentral, ovh:GRA), "
            "an ISO country code (DE), a bloc (EU, EEA) or 'global' (may be anywhere)."
        ),
        examples=["aws:eu-central-1", "DE", "EU", "global"],
    ),
]

# ``component`` (same system) or ``system/component`` (another system).
ComponentRef = Annotated[
    str,
    Field(
        pattern=r"^([a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*$",
        description="A component id of the same system, or 'system-id/component-id'.",
    ),
]


class ComponentKind(enum.StrEnum):
    """What a component of an AI system is."""

    MODEL_API = "model_api"  # hosted model reached by API
    MODEL_WEIGHTS = "model_weights"  # open-weights model the organisation runs
    INFERENCE_ENDPOINT = "inference_endpoint"
    VECTOR_STORE = "vector_store"
    DATABASE = "database"
    OBJECT_STORAGE = "object_storage"
    FINE_TUNING = "fine_tuning"
    LOGGING = "logging"
    APPLICATION = "application"
    IDENTITY = "identity"
    SUPPORT = "support"  # a human-access channel


class KeyCustody(enum.StrEnum):
    """Who holds the keys that protect data at rest (EDPB Recommendations 01/2020)."""

    PROVIDER_MANAGED = "provider_managed"
    CUSTOMER_MANAGED_IN_PROVIDER_KMS = "customer_managed_in_provider_kms"
    CUSTOMER_HELD_EXTERNAL = "customer_held_external"  # HYOK / external key manager
    NONE = "none"  # not encrypted at rest


class TransitProtection(enum.StrEnum):
    """How a flow is protected in transit."""

    TLS = "tls"
    E2E = "e2e"  # end-to-end, keys held by the organisation
    NONE = "none"


class TransferTool(enum.StrEnum):
    """GDPR Chapter V transfer tools a contract may rely on."""

    ADEQUACY = "adequacy"  # Art. 45
    DPF = "dpf"  # EU-US Data Privacy Framework certification of the importer
    SCCS = "sccs"  # Art. 46(2)(c), Commission SCCs 2021/914
    BCRS = "bcrs"  # Art. 47
    DEROGATION = "derogation"  # Art. 49


class Criticality(enum.StrEnum):
    """How much the organisation depends on a system."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AiActRisk(enum.StrEnum):
    """EU AI Act risk class of a system (Regulation (EU) 2024/1689)."""

    PROHIBITED = "prohibited"
    HIGH = "high"
    LIMITED = "limited"
    MINIMAL = "minimal"
    GPAI = "gpai"
    UNKNOWN = "unknown"


class ControlBasis(enum.StrEnum):
    """What a source that gives no percentage says control rests on."""

    # Listed in a registrant's list of subsidiaries filed with the SEC (Regulation S-K
    # Item 601(b)(21), Exhibit 21 to Form 10-K); SEC rules define a subsidiary as an
    # affiliate the registrant controls, directly or indirectly.
    REPORTED_SUBSIDIARY = "reported_subsidiary"
    # Consolidated as a subsidiary (a controlled undertaking) in a parent's group accounts:
    # stated in the accounts themselves or in GLEIF's accounting-consolidation records.
    CONSOLIDATED_SUBSIDIARY = "consolidated_subsidiary"
    # The group's own published text (the parent's or the entity's legal terms, privacy
    # notice or report) says in words that the parent controls the entity or that the
    # entity is its subsidiary, without a share, a filing or accounts (issue 17). Weaker
    # than a listing: it says control is claimed, not through what.
    GROUP_STATEMENT = "group_statement"


# {registrant}: the company whose filing or accounts list the entity; {parent}: the parent.
_BASIS_WORDS = {
    ControlBasis.REPORTED_SUBSIDIARY: (
        "listed as a subsidiary in {registrant}'s annual report filing (Exhibit 21)"
    ),
    ControlBasis.CONSOLIDATED_SUBSIDIARY: (
        "consolidated as a subsidiary in {registrant}'s group accounts"
    ),
    ControlBasis.GROUP_STATEMENT: (
        "stated in the group's own published text to be controlled by {parent} or a "
        "subsidiary of its group (no share published)"
    ),
}


def _same(ident: str) -> str:
    return ident


class Ownership(Located):
    """One parent of an entity, with the facts the control tests need."""

    entity: Identifier = Field(description="Id of the parent entity.")
    share_pct: float | None = Field(default=None, ge=0, le=100, description="Capital held, %.")
    voting_pct: float | None = Field(default=None, ge=0, le=100, description="Votes held, %.")
    veto: bool = Field(default=False, description="The parent holds a veto over decisions.")
    appoints_board_majority: bool = Field(
        default=False, description="The parent appoints the majority of the board."
    )
    majority: bool = Field(
        default=False,
        description=(
            "The source says the parent holds the majority of the capital or votes "
            "('majority-owned') without giving a figure. For 'wholly owned' use share_pct: 100."
        ),
    )
    basis: ControlBasis | None = Field(
        default=None,
        description=(
            "What control rests on where the source gives no percentage: "
            "'reported_subsidiary' (listed in a registrant's list of subsidiaries filed "
            "with the SEC, Exhibit 21), 'consolidated_subsidiary' (consolidated as a "
            "subsidiary in the parent's group accounts, as the accounts or GLEIF's "
            "accounting-consolidation records state) or 'group_statement' (the group's own "
            "published text, such as its terms, privacy notice or report, says in words that "
            "the parent controls the entity or that it is a subsidiary of the parent's group; "
            "no share, filing or accounts)."
        ),
    )
    reported_by: Identifier | None = Field(
        default=None,
        description=(
            "Id of the group company whose filing or accounts list the entity, where it is "
            "not the parent itself; only with basis."
        ),
    )
    via: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list,
        description=(
            "The parent holds the entity indirectly, through these intermediate companies "
            "(entity ids or names as the source gives them), from the parent down."
        ),
    )
    controlling: bool = Field(
        default=False,
        description=(
            "The sources state that this parent controls the entity but not what control "
            "rests on; prefer share_pct, majority or basis where the source says it. "
            "'auditor kb check' lists such links."
        ),
    )
    provenance: Provenance | None = Field(
        default=None,
        description=(
            "Where the share, votes, veto, board right, majority, subsidiary listing or the "
            "group's own statement of control is stated, with its date and confidence; "
            "without it the entity's own provenance covers the link."
        ),
    )

    @property
    def stated_basis(self) -> bool:
        """The link records what control rests on: a controlling stake, a veto, the
        board majority, a stated majority or a subsidiary listing."""
        pct = self.percentage
        return (
            (pct is not None and pct > 50)
            or self.veto
            or self.appoints_board_majority
            or self.majority
            or self.basis is not None
        )

    @property
    def stated_control(self) -> bool:
        """The sources state control without a controlling percentage (a majority, a
        subsidiary listing, or bare ``controlling: true``)."""
        return self.controlling or self.majority or self.basis is not None

    @property
    def control_basis_missing(self) -> bool:
        """The link says ``controlling: true`` but records nothing control rests on: the
        sources state control without saying through which share, votes, veto or board
        right, majority or subsidiary listing."""
        return self.controlling and not self.stated_basis

    @property
    def percentage(self) -> float | None:
        """Votes held, or the capital held where the votes are not stated."""
        return self.voting_pct if self.voting_pct is not None else self.share_pct

    def control_reason(self, name: Callable[[str], str] = _same) -> str | None:
        """Why this parent controls under the standard test (DESIGN.md 3.3), in words, or None.

        More than 50 % of the votes (or capital where votes are not stated), a veto,
        the board majority, a majority the source states without a figure, a listing as
        a subsidiary, the group's own statement that it controls the entity, or control the
        sources state without its basis. ``name`` turns an
        entity id into its display name (the registrant, the intermediate companies).
        """
        reason = self._reason(name)
        if reason is None or not self.via:
            return reason
        return f"{reason}, held indirectly through {join_words([name(v) for v in self.via])}"

    def _reason(self, name: Callable[[str], str]) -> str | None:
        pct = self.percentage
        if pct is not None and pct > 50:
            kind = "votes" if self.voting_pct is not None else "capital"
            return f"holds {pct:g} % of the {kind}"
        if self.veto:
            return "holds a veto"
        if self.appoints_board_majority:
            return "appoints the board majority"
        if self.majority:
            return "majority-owned (no figure stated in the source)"
        if self.basis is not None:
            registrant = name(self.reported_by or self.entity)
            return _BASIS_WORDS[self.basis].format(registrant=registrant, parent=name(self.entity))
        if self.controlling:
            return "controls it (the sources do not state what control rests on)"
        return None

    @property
    def stake_unknown(self) -> bool:
        """Listed, but neither a percentage nor any control right is stated."""
        return self.percentage is None and self.control_reason() is None

    @field_validator("share_pct", "voting_pct", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: object) -> object:
        # YAML reads 'yes' as true; pydantic would take it as 1 %. A stake is a number.
        if isinstance(value, bool):
            raise ValueError("a percentage is a number from 0 to 100, not yes/no")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Ownership:
        pct = self.percentage
        if self.majority and pct is not None and pct <= 50:
            raise ValueError(
                f"majority: true contradicts a stake of {pct:g} %: keep the figure the "
                "source gives, or drop majority"
            )
        if self.reported_by is not None and self.basis is None:
            raise ValueError(
                "reported_by names whose filing lists the entity: add basis "
                "(reported_subsidiary or consolidated_subsidiary), or drop reported_by"
            )
        return self


class Entity(Located):
    """A legal entity: an operator, a parent company, a subprocessor, the organisation."""

    id: Identifier
    name: str = Field(min_length=1)
    country: CountryCode | None = Field(
        default=None, description="Country of the registered office; omit only if unknown."
    )
    headquarters: CountryCode | None = Field(
        default=None,
        description="Country of the head office where it differs from the registered office.",
    )
    parents: list[Ownership] | None = Field(
        default=None,
        description=(
            "Direct shareholders that matter for control. [] means independent / no "
            "controlling parent; omitting the key means ownership is unknown (an evidence gap)."
        ),
    )
    presence: list[CountryCode] = Field(
        default_factory=list, description="Countries where the entity does business."
    )
    dpf_certified: bool | None = Field(
        default=None, description="Certified under the EU-US Data Privacy Framework."
    )
    provider_categories: list[str] = Field(
        default_factory=list,
        description="Statutory provider kinds this entity is, e.g. ecs, rcs (FISA 702, CLOUD Act).",
    )
    lei: Lei | None = Field(
        default=None,
        description="Legal Entity Identifier (ISO 17442) from the entity's GLEIF record, if it has one.",
    )
    natural_person: bool = Field(
        default=False,
        description=(
            "A natural person or a family at the top of an ownership chain, not an undertaking: "
            "it has no LEI, and the DORA register leaves its ultimate-parent code empty."
        ),
    )

    @model_validator(mode="after")
    def _person_has_no_lei(self) -> Entity:
        if self.natural_person and self.lei:
            raise ValueError(
                "a natural person or family has no LEI: remove lei: or natural_person:"
            )
        return self


class ResidencyRequirement(StrictModel):
    """Where the organisation requires a data asset to stay."""

    allowed: list[str] = Field(
        min_length=1,
        description="Countries (DE) or blocs (EU, EEA, adequate) where the data may be.",
    )
    reason: str | None = None


class DataAsset(Located):
    """A set of data fed into AI systems."""

    id: Identifier
    name: str | None = None
    description: str | None = None
    categories: list[DataCategory] = Field(min_length=1)
    subjects: list[str] = Field(default_factory=list, description="e.g. patient, customer.")
    classification: Classification = Classification.INTERNAL
    residency: ResidencyRequirement | None = None
    volume: str | None = Field(default=None, description="Rough size, e.g. '40k records/year'.")


class Location(StrictModel):
    """Per-role locations where they differ from the component's placement."""

    storage: LocationRef | None = None
    processing: LocationRef | None = None
    admin: LocationRef | None = None
    support: LocationRef | None = None
    telemetry: LocationRef | None = None
    backup: LocationRef | None = None
    key_custody: LocationRef | None = None


class OnPrem(StrictModel):
    """The component runs in the organisation's own premises."""

    country: CountryCode
    site: str | None = None


class Retention(StrictModel):
    """Whether prompts and outputs are kept by the provider, how long, where and why."""

    prompts_retained: bool = Field(description="Prompts/inputs or outputs are stored.")
    days: int | None = Field(default=None, ge=0)
    location: LocationRef | None = None
    purpose: str | None = Field(default=None, description="e.g. abuse_monitoring, training.")


class Controls(StrictModel):
    """Technical and contractual measures on a component."""

    keys: KeyCustody | None = Field(default=None, description="Key custody for data at rest.")
    key_holder: Identifier | None = Field(
        default=None, description="Entity holding external keys (customer_held_external)."
    )
    processes_in_clear: bool | None = Field(
        default=None,
        description=(
            "The component sees data in clear (inference, fine-tuning, indexing). "
            "Defaults to true for model, inference and fine-tuning components."
        ),
    )
    confidential_computing: bool = Field(
        default=False, description="Runs in an attested trusted execution environment."
    )
    pseudonymised_before: bool = Field(
        default=False,
        description="Data is pseudonymised before it reaches the component; keys kept at home.",
    )
    retention: Retention | None = None
    training_use: bool | None = Field(
        default=None, description="The provider may use the data to train models."
    )
    zero_data_retention: bool | None = Field(
        default=None, description="A zero-data-retention agreement is in force."
    )
    transfer_tools: list[TransferTool] = Field(default_factory=list)
    tia_done: bool = Field(default=False, description="A transfer impact assessment exists.")
    notification_commitment: bool = Field(
        default=False, description="Provider contractually commits to notify/challenge orders."
    )


class ModelInfo(StrictModel):
    """The model behind a model component."""

    name: str
    open_weights: bool | None = None
    licence: str | None = None
    vendor: Identifier | None = Field(
        default=None,
        description=(
            "Catalogue vendor of the model. A model family (e.g. meta-llama) names the "
            "publisher of the weights: provenance and licence, never an operator."
        ),
    )


# A component without ``locations:`` or ``controls:`` gets these shared empty values:
# they are frozen, and building two models per component is a tenth of validating it.
@functools.cache
def _no_locations() -> Location:
    return Location()


@functools.cache
def _no_controls() -> Controls:
    return Controls()


# ``deployment: unknown``: the deployment option is not known. Every place the vendor's
# options do not agree on is then unknown, never the vendor's default (issue 19).
UNKNOWN_DEPLOYMENT = "unknown"


class Component(Located):
    """A part of an AI system, placed somewhere and reachable by some parties."""

    id: Identifier
    kind: ComponentKind
    name: str | None = None
    vendor: Identifier | None = Field(
        default=None,
        description=(
            "Catalogue vendor id (rules/vendors/); fields here override it. A service brings "
            "its operator and other parties; a model family (open weights, NIM containers) "
            "brings none: the component's operator, else the organisation, runs it, and the "
            "family's publisher is provenance only."
        ),
    )
    deployment: str | None = Field(
        default=None,
        description=(
            "Vendor deployment option that fixes processing geography (e.g. DataZoneStandard). "
            "Omitted: the vendor's default, stated as an assumption. 'unknown': the option is "
            "not known (what a scan writes when the code does not fix it)."
        ),
    )
    region: LocationRef | None = None
    country: CountryCode | None = None
    on_prem: OnPrem | None = None
    locations: Location = Field(default_factory=_no_locations)
    operator: Identifier | None = Field(default=None, description="Entity that runs it.")
    hosting: Identifier | None = Field(
        default=None, description="Infrastructure provider under it."
    )
    model_provider: Identifier | None = None
    subprocessors: list[Identifier] = Field(default_factory=list)
    support: Identifier | None = Field(default=None, description="Entity with support access.")
    engaged_by: Identifier | None = Field(
        default=None,
        description=(
            "The organisation's processor (an entity id, usually the operator) that engaged "
            "this component's support party and sub-processors. Then that processor, not the "
            "organisation, exports what they receive abroad (SCCs Module 3, processor to "
            "processor). Omitted: the organisation engaged them (Module 2)."
        ),
    )
    model: ModelInfo | None = None
    holds: list[Identifier] = Field(
        default_factory=list, description="Data assets stored here without a flow."
    )
    controls: Controls = Field(default_factory=_no_controls)
    notes: str | None = None

    @model_validator(mode="after")
    def _one_placement(self) -> Component:
        given = [name for name in ("region", "country", "on_prem") if getattr(self, name)]
        if len(given) > 1:
            raise ValueError(
                f"give one placement, not {' and '.join(given)}: region, country or on_prem"
            )
        return self


class Flow(Located):
    """Data moving from one component to another."""

    source: ComponentRef = Field(alias="from")
    target: ComponentRef = Field(alias="to")
    data: list[Identifier] = Field(min_length=1)
    purpose: str | None = None
    in_transit: TransitProtection = TransitProtection.TLS


class System(Located):
    """An AI system: purpose, owner, components and the flows between them."""

    id: Identifier
    name: str | None = None
    purpose: str = Field(min_length=1)
    owner: str | None = None
    criticality: Criticality = Criticality.MEDIUM
    ai_act_risk: AiActRisk = AiActRisk.UNKNOWN
    components: list[Component] = Field(min_length=1)
    flows: list[Flow] = Field(default_factory=list)


class Organisation(Located):
    """The organisation whose inventory this is."""

    name: str = Field(min_length=1)
    country: CountryCode
    entity: Identifier | None = Field(default=None, description="Its own entity id, if declared.")
    policy: str | None = Field(default=None, description="Path to a policy file, relative.")
    sector: str | None = Field(
        default=None,
        description=(
            "Business sector in words, e.g. banking, insurance, healthcare. banking, insurance, "
            "investment, payments, asset_management and crypto_assets make it a DORA financial "
            "entity unless financial_entity says otherwise."
        ),
    )
    financial_entity: bool | None = Field(
        default=None,
        description=(
            "A financial entity under DORA (Regulation (EU) 2022/2554, Art. 2): it keeps a "
            "register of information on its ICT third-party providers. Omitted: read from sector."
        ),
    )

    @property
    def is_financial_entity(self) -> bool:
        """Whether DORA's register of information applies: declared, else read from the sector."""
        if self.financial_entity is not None:
            return self.financial_entity
        sector = (self.sector or "").strip().lower().replace(" ", "_").replace("-", "_")
        return sector in FINANCIAL_SECTORS


# Sector words that make an organisation a DORA financial entity (Art. 2(1) lists credit
# institutions, payment and e-money institutions, investment firms, crypto-asset service
# providers, fund managers, insurers and others). Anything else needs financial_entity: true.
FINANCIAL_SECTORS = frozenset(
    {
        "banking",
        "bank",
        "credit_institution",
        "insurance",
        "reinsurance",
        "investment",
        "investment_firm",
        "payments",
        "payment_institution",
        "e_money",
        "asset_management",
        "crypto_assets",
        "financial_services",
    }
)


class InventoryFragment(StrictModel):
    """One inventory file. Every section is optional; the loader merges files."""

    organisation: Organisation | None = None
    entities: list[Entity] = Field(default_factory=list)
    data: list[DataAsset] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
    policy: Policy | None = Field(default=None, description="Inline organisation policy.")
    waivers: list[WaiverSpec] = Field(default_factory=list, description="Inline waivers.")


class Inventory(StrictModel):
    """A whole inventory: all files merged, references not yet checked."""

    organisation: Organisation
    entities: tuple[Entity, ...] = ()
    data: tuple[DataAsset, ...] = ()
    systems: tuple[System, ...] = ()
    policy: Policy | None = None
    waivers: tuple[WaiverSpec, ...] = ()
    files: tuple[str, ...] = Field(default=(), description="The files it was read from.")


__all__ = [
    "FINANCIAL_SECTORS",
    "AiActRisk",
    "Classification",
    "Component",
    "ComponentKind",
    "ControlBasis",
    "Controls",
    "Criticality",
    "DataAsset",
    "Entity",
    "Flow",
    "Inventory",
    "InventoryFragment",
    "KeyCustody",
    "Location",
    "LocationRef",
    "ModelInfo",
    "OnPrem",
    "Organisation",
    "Ownership",
    "ResidencyRequirement",
    "Retention",
    "System",
    "TransferTool",
    "TransitProtection",
]
