"""Types of the knowledge base under ``rules/``: laws, jurisdictions, entities, vendors, regions.

Every fact carries its provenance (:class:`~auditor.model.common.Provenance`):
the source it was read in, the date, and how sure the sources are.
"""

from __future__ import annotations

import datetime as dt
import enum

from pydantic import Field, model_validator

from auditor.model.common import (
    CountryCode,
    Identifier,
    Lei,
    Located,
    Provenance,
    StrictModel,
)
from auditor.model.dora import DoraCatalogue
from auditor.model.inventory import ComponentKind, LocationRef, Ownership, Retention


class TriggerKind(enum.StrEnum):
    """What makes a law reach a party (DESIGN.md 3.2)."""

    INCORPORATED = "incorporated"  # the access party itself is incorporated there
    CONTROL = "control"  # an entity controlling the party (control test) is incorporated there
    PRESENCE = "presence"  # the party (or a controller) does business there
    TERRITORIAL = "territorial"  # the data is stored/processed/administered/supported there

    @property
    def strength(self) -> ReachStrength:
        """How firmly a law reaches through this kind of trigger (DESIGN.md 3.2).

        Incorporation, control and territory are settled reach. Presence (a non-US
        provider with a US subsidiary, office or customers) is real but contested:
        whether a court can compel the parent through it depends on contacts that
        courts weigh case by case.
        """
        return ReachStrength.CONTESTED if self is TriggerKind.PRESENCE else ReachStrength.STRONG


class ReachStrength(enum.StrEnum):
    """How firmly a law reaches a party through the trigger that fired."""

    STRONG = "strong"  # incorporated, control, territorial
    CONTESTED = "contested"  # presence: real, but whether it suffices is disputed


class LocationRole(enum.StrEnum):
    """Why a component touches a place."""

    STORAGE = "storage"
    PROCESSING = "processing"
    ADMIN = "admin"
    SUPPORT = "support"
    TELEMETRY = "telemetry"
    BACKUP = "backup"
    KEY_CUSTODY = "key_custody"


class Access(enum.StrEnum):
    """What kind of access a law gives to data (DESIGN.md 3.2 ``reaches``)."""

    STORED = "stored"  # data at rest held by the party
    PROCESSING = "processing"  # data the party handles in clear
    TRANSIT = "transit"  # interception in transit
    METADATA = "metadata"  # non-content records
    COMPELLED_ASSISTANCE = "compelled_assistance"  # technical assistance, decryption capability
    SECRECY = "secrecy"  # gag orders forbid telling the customer


# The kinds of access that reach the data itself, not only records about it or a gag order.
CONTENT_ACCESS = frozenset(
    {Access.STORED, Access.PROCESSING, Access.TRANSIT, Access.COMPELLED_ASSISTANCE}
)


class Mitigation(enum.StrEnum):
    """Measures a law entry can name as effective or ineffective against it."""

    CUSTOMER_HELD_KEYS = "customer_held_keys"  # HYOK outside the law's reach, ciphertext only
    CONFIDENTIAL_COMPUTING = "confidential_computing"
    PSEUDONYMISATION = "pseudonymisation"
    E2E_TRANSIT_ENCRYPTION = "e2e_transit_encryption"
    SOVEREIGN_OPERATOR = "sovereign_operator"  # no entity under the law in the chain
    OPEN_WEIGHTS_SELF_HOSTED = "open_weights_self_hosted"
    REGION_CHOICE = "region_choice"
    PROVIDER_MANAGED_KEYS = "provider_managed_keys"
    CONTRACTUAL_COMMITMENTS = "contractual_commitments"
    ADEQUACY_OR_DPF = "adequacy_or_dpf"


class LawStatus(enum.StrEnum):
    """Whether a law is operative."""

    IN_FORCE = "in_force"
    LAPSED_OPERATIVE = "lapsed_operative"  # statute lapsed but orders/certifications still run
    PENDING = "pending"
    REPEALED = "repealed"
    UNKNOWN = "unknown"

    @property
    def in_flux(self) -> bool:
        """The law is operative but not simply in force: a finding resting on it says so."""
        return self in (LawStatus.LAPSED_OPERATIVE, LawStatus.UNKNOWN)

    @property
    def words(self) -> str:
        """The status as a reader of a finding needs it."""
        return _STATUS_WORDS[self]


_STATUS_WORDS = {
    LawStatus.IN_FORCE: "in force",
    LawStatus.LAPSED_OPERATIVE: (
        "its statutory authority has lapsed, but orders and certifications issued under it are "
        "treated as still operative; whether and how it is renewed is in flux"
    ),
    LawStatus.PENDING: "not yet in force",
    LawStatus.REPEALED: "repealed",
    LawStatus.UNKNOWN: "its current status could not be confirmed",
}


class LawEffect(enum.StrEnum):
    """What a law does to data held by a party it reaches."""

    ACCESS = "access"  # authorities can compel access, disclosure or assistance
    LOCALISATION = "localisation"  # data must stay in (or may not leave) the territory
    SAFEGUARD = "safeguard"  # limits other laws' access to data held in a place (see Safeguard)


class SafeguardAgainst(enum.StrEnum):
    """Whose access a safeguard law limits."""

    FOREIGN = "foreign"  # laws of jurisdictions outside the places it protects
    LOCAL = "local"  # the protected places' own laws (e.g. a "data embassy" regime)


class SafeguardEffect(enum.StrEnum):
    """What a safeguard does to the mitigation state of a law it concerns."""

    NONE = "none"  # a duty or limit that does not by itself stop compelled access
    PARTIAL = "partial"  # narrows the law's reach in a way a finding can count as partial


class SafeguardCovers(enum.StrEnum):
    """Which data a safeguard protects, as the engine tells it (taxonomy: personal or not)."""

    ALL = "all"
    NON_PERSONAL = "non_personal"  # e.g. EU Data Act Art. 32: personal data is GDPR Art. 48's


class Safeguard(StrictModel):
    """How a safeguard law bears on other laws' access to data held where it applies.

    A safeguard is not an access power: it appears in the mitigation reasons of each
    exposure it concerns, with its citation, and changes the mitigation state only as
    far as ``effect`` says (DESIGN.md 3.4).
    """

    held_in: list[str] = Field(
        min_length=1,
        description=(
            "Country codes or blocs (EU, EEA): the safeguard concerns data stored there "
            "(or, for a component that stores nothing, processed there)."
        ),
    )
    against: SafeguardAgainst
    data: str = Field(
        min_length=1,
        description="The data it covers, in words (e.g. 'non-personal data').",
    )
    covers: SafeguardCovers = Field(
        default=SafeguardCovers.ALL,
        description=(
            "non_personal: cited only where data without personal categories is among the "
            "data at the component; all: wherever the data is held in held_in."
        ),
    )
    effect: SafeguardEffect = SafeguardEffect.NONE
    finding: str = Field(
        min_length=1,
        description=(
            "What it does, in words, for the mitigation reasons of a finding; the engine adds "
            "whether it stops the law in question."
        ),
    )


class Trigger(StrictModel):
    """One way a law attaches to a party or a place."""

    kind: TriggerKind
    roles: list[LocationRole] = Field(
        default_factory=list,
        description="For territorial triggers: the location roles that count (empty: all).",
    )
    provider_categories: list[str] = Field(
        default_factory=list,
        description=(
            "Narrows the trigger to parties of these statutory kinds (e.g. ecs, rcs). "
            "A party whose kind is not declared is treated as in scope, conservatively."
        ),
    )
    note: str | None = None
    provenance: Provenance | None = None


class Law(Located):
    """A law that can compel access to data, with its triggers and reach."""

    id: Identifier
    name: str
    short_name: str = Field(description="Name used in findings, e.g. 'US CLOUD Act'.")
    jurisdiction: CountryCode
    citation: str
    summary: str
    enacted: str | None = None
    status: LawStatus
    status_note: str | None = None
    effect: LawEffect = Field(
        default=LawEffect.ACCESS,
        description=(
            "access: a compelled-access law (reported as exposure); localisation: a rule that "
            "data stay in the territory, which gives authorities no access by itself."
        ),
    )
    safeguard: Safeguard | None = Field(
        default=None,
        description="For effect safeguard (required then): the places, laws and data it concerns.",
    )
    triggers: list[Trigger] = Field(
        default_factory=list, description="At least one, except for a safeguard."
    )
    reaches: list[Access] = Field(
        default_factory=list, description="At least one, except for a safeguard."
    )
    secrecy: bool = Field(description="The law lets authorities forbid telling the customer.")
    mitigated_by: list[Mitigation] = Field(default_factory=list)
    not_mitigated_by: list[Mitigation] = Field(default_factory=list)
    mitigation_notes: str | None = None
    provenance: Provenance

    @model_validator(mode="after")
    def _safeguard_shape(self) -> Law:
        """A safeguard names what it protects and reaches nothing; any other law needs
        at least one trigger and one kind of access."""
        if self.effect is LawEffect.SAFEGUARD:
            if self.safeguard is None:
                raise ValueError("a law with effect safeguard needs a 'safeguard' block")
            if self.triggers or self.reaches:
                raise ValueError("a safeguard gives no access: leave out 'triggers' and 'reaches'")
        else:
            if self.safeguard is not None:
                raise ValueError("'safeguard' is only for a law with effect safeguard")
            if not self.triggers or not self.reaches:
                raise ValueError("a law needs at least one trigger and one kind of access")
        return self


class AdequacyScope(enum.StrEnum):
    """How far an EU adequacy decision reaches."""

    FULL = "full"
    COMMERCIAL = "commercial"  # e.g. Canada: organisations under PIPEDA
    DPF_CERTIFIED = "dpf_certified"  # United States: DPF-certified organisations only
    PARTIAL = "partial"  # other limits, see the note


class Adequacy(StrictModel):
    """An EU adequacy decision (GDPR Art. 45) in force."""

    decision: str
    date: dt.date
    scope: AdequacyScope
    scope_note: str | None = None
    valid_until: dt.date | None = None
    provenance: Provenance


class Jurisdiction(Located):
    """A country or territory (or international organisation) and its EU data-protection status."""

    code: str = Field(
        pattern=r"^([A-Z]{2}|[A-Z]{2,6}-[A-Z0-9]+)$",
        description="ISO 3166-1 alpha-2, or an id such as INT-EPO for an international body.",
    )
    name: str
    blocs: list[str] = Field(default_factory=list, description="EU, EEA, EFTA, ...")
    adequacy: Adequacy | None = None
    notes: str | None = None
    provenance: Provenance


class Bloc(Located):
    """A named group of jurisdictions usable in policies (EU, EEA, adequate)."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    name: str
    description: str
    provenance: Provenance


class PresenceFact(StrictModel):
    """A country where an entity does business, with who does it there and the source saying so."""

    country: CountryCode
    through: str | None = Field(
        default=None,
        description="The subsidiary, office, site or region through which it is present there.",
    )
    provenance: Provenance


class DoraDesignation(StrictModel):
    """The entity is on the ESAs' list of critical ICT third-party service providers.

    DORA (Regulation (EU) 2022/2554) Art. 31(1)(a) has the ESAs designate the ICT
    third-party service providers that are critical for financial entities, and
    Art. 31(9) has them publish the list every year. A designated provider is overseen
    by a Lead Overseer (Art. 33); its customers still manage their own ICT third-party
    risk (Art. 28).
    """

    listed_as: str = Field(min_length=1, description="The provider's name as the list spells it.")
    designated_on: dt.date = Field(description="Date the ESAs published the list.")
    provenance: Provenance


class CatalogueEntity(Located):
    """A legal entity in the catalogue, with the ownership chain the sources give."""

    id: Identifier
    name: str
    country: CountryCode | None = Field(description="Country of the registered office.")
    headquarters: CountryCode | None = Field(
        default=None,
        description="Head-office country where it differs (e.g. Cayman holding, PRC seat).",
    )
    parents: list[Ownership] | None = Field(
        default=None, description="[] = independent; omitted = ownership unknown."
    )
    presence: list[CountryCode | PresenceFact] = Field(
        default_factory=list,
        description=(
            "Countries where it does business: a code, or a mapping naming the subsidiary, "
            "office or site and its own source (needed for presence outside the home country)."
        ),
    )
    dpf_certified: bool | None = None
    provider_categories: list[str] = Field(default_factory=list)
    listed: str | None = Field(default=None, description="Stock listing, if any.")
    lei: Lei | None = Field(
        default=None,
        description="Legal Entity Identifier (ISO 17442); needs lei_provenance, its own source.",
    )
    lei_provenance: Provenance | None = Field(
        default=None, description="Where the LEI was read (the GLEIF record or a filing)."
    )
    natural_person: bool = Field(
        default=False,
        description=(
            "A natural person or a family at the top of an ownership chain, not an undertaking: "
            "it has no LEI, and the DORA register leaves its ultimate-parent code empty."
        ),
    )
    dora_designation: DoraDesignation | None = Field(
        default=None,
        description=(
            "On the ESAs' list of designated critical ICT third-party service providers "
            "(DORA Art. 31), with the list's date and source; omitted = not on the list read."
        ),
    )
    notes: str | None = None
    provenance: Provenance

    @model_validator(mode="after")
    def _person_has_no_lei(self) -> CatalogueEntity:
        if self.natural_person and self.lei:
            raise ValueError(
                "a natural person or family has no LEI: remove lei: or natural_person:"
            )
        return self

    @property
    def presence_countries(self) -> list[str]:
        """The countries of :attr:`presence`, in order."""
        return [p if isinstance(p, str) else p.country for p in self.presence]


class ProcessingScope(enum.StrEnum):
    """Where a deployment option processes data, relative to the chosen region."""

    REGION = "region"  # in the region itself
    GEOGRAPHY = "geography"  # in the region's country / geography
    DATA_ZONE = "data_zone"  # in a vendor-defined zone (e.g. EU member states)
    GLOBAL = "global"  # anywhere the vendor operates
    FIXED = "fixed"  # at a fixed place named in ``location``


class DeploymentOption(StrictModel):
    """A vendor option that decides where data is processed and stored."""

    id: str = Field(min_length=1)
    description: str
    processing: ProcessingScope
    storage: ProcessingScope = ProcessingScope.REGION
    location: LocationRef | None = Field(
        default=None, description="For FIXED scope, or the zone (EU) for DATA_ZONE."
    )
    zones: list[Identifier] = Field(
        default_factory=list,
        description=(
            "Residency zones (rules/zones/) the option may process or store in. With several, "
            "the one containing the resource's region applies (a US or an EU data zone); "
            "the zone's own members and sources replace ``location``."
        ),
    )
    provenance: Provenance


class Zone(Located):
    """A vendor's residency zone: the set of places where an option may handle data.

    A zone is not a bloc label: Amazon Bedrock's 'eu.' profiles may route to London
    and Zurich, OpenAI's 'Europe' is the EEA plus Switzerland. Members are region
    references (``aws:eu-west-2``), country codes or the blocs EU and EEA; each zone
    carries the source that lists them.
    """

    id: Identifier
    name: str = Field(description="In words, e.g. \"Amazon Bedrock 'eu.' inference profiles\".")
    members: list[LocationRef] = Field(
        min_length=1, description="provider:region references, country codes, EU or EEA."
    )
    notes: str | None = None
    provenance: Provenance


class Certification(StrictModel):
    """A certification or qualification (SecNumCloud, C5, ISO 27001, ...)."""

    scheme: str
    scope: str | None = None
    date: dt.date | None = None
    provenance: Provenance


class VendorKind(enum.StrEnum):
    """What a catalogue entry is: a service someone runs for you, or a model family.

    Every kind but ``model_family`` is a **service**: its ``operator`` (and hosting,
    model provider, subprocessors, support) handle the organisation's data, so the
    laws that reach them reach the data. A **model family** is weights or containers
    a publisher distributes: its ``publisher`` is provenance and licence, never a
    party to the data. Whoever runs the hardware operates it (DESIGN.md 3.3).
    """

    MODEL_API = "model_api"
    CLOUD = "cloud"
    SOVEREIGN_CLOUD = "sovereign_cloud"
    SAAS = "saas"
    MODEL_HUB = "model_hub"
    MODEL_FAMILY = "model_family"  # open weights / containers the organisation runs itself

    @property
    def is_service(self) -> bool:
        """Someone else runs it and can reach the data it handles."""
        return self is not VendorKind.MODEL_FAMILY


class VendorDefaults(StrictModel):
    """Defaults a component inherits when it names this vendor, each with its source."""

    retention: Retention | None = None
    training_use: bool | None = None
    processes_in_clear: bool | None = None
    support_location: LocationRef | None = None
    admin_location: LocationRef | None = None
    provenance: Provenance


class Vendor(Located):
    """A catalogue vendor a component can name with ``vendor: <id>`` (or ``model.vendor``).

    A service names its ``operator`` and the other access parties; a model family
    (``kind: model_family``) names its ``publisher`` instead and no access party:
    the knowledge-base loader rejects an operator, hosting, model provider,
    subprocessor or support entity on a model family.
    """

    id: Identifier
    name: str
    kind: VendorKind
    component_kinds: list[ComponentKind] = Field(
        default_factory=list, description="Component kinds this vendor usually provides."
    )
    operator: Identifier | None = Field(
        default=None,
        description=(
            "Services only: catalogue entity that contracts with and serves EU customers "
            "and runs the service."
        ),
    )
    publisher: Identifier | None = Field(
        default=None,
        description=(
            "Model families only: catalogue entity that publishes and licenses the weights or "
            "containers. Provenance and licence, never an operator of the organisation's data."
        ),
    )
    hosted_api: Identifier | None = Field(
        default=None,
        description=(
            "Model families only: the catalogue service through which the publisher hosts "
            "this family, if catalogued (e.g. deepseek for deepseek-open-weights)."
        ),
    )
    hosting: Identifier | None = Field(
        default=None, description="Services only: entity hosting the service."
    )
    model_provider: Identifier | None = Field(
        default=None, description="Services only: entity whose model the service serves."
    )
    subprocessors: list[Identifier] = Field(
        default_factory=list, description="Services only: subprocessors with access to data."
    )
    support: Identifier | None = Field(
        default=None, description="Services only: entity with support access."
    )
    region_provider: str | None = Field(
        default=None, description="Region namespace (rules/regions/<provider>.yaml), e.g. azure."
    )
    default_location: LocationRef | None = Field(
        default=None, description="Where the service runs when no region is given, if known."
    )
    deployment_options: list[DeploymentOption] = Field(default_factory=list)
    default_deployment: str | None = None
    moved_options: dict[str, Identifier] = Field(
        default_factory=dict,
        description=(
            "Deployment options that became vendors of their own, because they have an "
            "operator of their own (option id -> vendor id): an inventory that names the old "
            "option is told which vendor to name instead."
        ),
    )
    open_weights: bool = Field(
        description="Weights are published for self-hosting (always true for a model family)."
    )
    api_only: bool = Field(description="The models are reachable only through the vendor's API.")
    open_weights_alternatives: list[str] = Field(
        default_factory=list, description="Open-weights models that could replace it."
    )
    residency_options: list[str] = Field(
        default_factory=list, description="EU residency options and their limits, in words."
    )
    certifications: list[Certification] = Field(default_factory=list)
    defaults: VendorDefaults | None = None
    questions: list[str] = Field(
        default_factory=list, description="What to ask the vendor where the facts are unconfirmed."
    )
    notes: str | None = None
    provenance: Provenance


class Region(StrictModel):
    """One region code of a provider."""

    code: str
    country: CountryCode
    city: str | None = None
    partition: str | None = None
    description: str | None = None
    provenance: Provenance | None = Field(
        default=None, description="Overrides the file's provenance for this region."
    )


class RegionCatalogue(Located):
    """All region codes of one provider (rules/regions/<provider>.yaml)."""

    provider: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    operator_vendor: Identifier | None = None
    regions: list[Region] = Field(min_length=1)
    provenance: Provenance


class KbMeta(StrictModel):
    """Version and date of the knowledge base (rules/kb.yaml)."""

    version: str
    as_of: dt.date
    description: str
    attribution: list[str] = Field(default_factory=list)


class TransferFramework(Located):
    """A transfer framework whose status matters (e.g. the EU-US Data Privacy Framework)."""

    id: Identifier
    name: str
    jurisdiction: CountryCode | None = Field(
        default=None,
        description="The third country it concerns; omitted for a tool usable for any (the SCCs).",
    )
    status: str = Field(description="In words: in force, challenged, invalidated ...")
    adopted: dt.date | None = None
    challenges: list[str] = Field(
        default_factory=list, description="Pending cases and reviews, each in words with dates."
    )
    provenance: Provenance


class KnowledgeBase(StrictModel):
    """Everything under rules/ except the checks, validated and cross-referenced."""

    meta: KbMeta
    laws: tuple[Law, ...]
    jurisdictions: tuple[Jurisdiction, ...]
    blocs: tuple[Bloc, ...]
    transfer_frameworks: tuple[TransferFramework, ...]
    entities: tuple[CatalogueEntity, ...]
    vendors: tuple[Vendor, ...]
    regions: tuple[RegionCatalogue, ...]
    zones: tuple[Zone, ...] = ()
    dora: DoraCatalogue | None = Field(
        default=None, description="DORA register-of-information templates (rules/dora/)."
    )
