"""Resolve each component against the catalogue: who can reach it, and where it really is.

A component may name a vendor and override any field. Resolution merges the
two, turns region codes and deployment options into places, and keeps for
every value the reason it has it, so the evidence path can say "processing in
the EU data zone because deployment DataZoneStandard (rules/vendors/azure-openai.yaml)".
Nothing is guessed: what neither the inventory nor the catalogue says stays unknown.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property

from auditor.kb.index import KnowledgeIndex
from auditor.model.common import Confidence, SourceSpan
from auditor.model.inventory import (
    UNKNOWN_DEPLOYMENT,
    Component,
    ComponentKind,
    Entity,
    Inventory,
    KeyCustody,
    Ownership,
    Retention,
    System,
)
from auditor.model.kb import DeploymentOption, LocationRole, ProcessingScope, Vendor
from auditor.model.words import UNKNOWN_COUNTRY, place_in_sentence

# Hosted inference, fine-tuning and RAG indexing see data in clear
# (EDPB Recommendations 01/2020, use case 6): no key arrangement changes that.
ALWAYS_IN_CLEAR = frozenset(
    {
        ComponentKind.MODEL_API,
        ComponentKind.MODEL_WEIGHTS,
        ComponentKind.INFERENCE_ENDPOINT,
        ComponentKind.FINE_TUNING,
        ComponentKind.APPLICATION,
        ComponentKind.SUPPORT,
    }
)
STORES_DATA = frozenset(
    {
        ComponentKind.VECTOR_STORE,
        ComponentKind.DATABASE,
        ComponentKind.OBJECT_STORAGE,
        ComponentKind.FINE_TUNING,
        ComponentKind.LOGGING,
    }
)


class PlaceKind(enum.StrEnum):
    """How precisely a place is known."""

    COUNTRY = "country"
    ZONE = "zone"  # one of several countries (e.g. the EU data zone)
    GLOBAL = "global"  # anywhere the provider operates: not bounded (``countries``: those
    # the vendor names among its possible places, e.g. mainland China for a mode that says so)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Place:
    """Where a component does something, and why we believe it."""

    kind: PlaceKind
    countries: frozenset[str]
    label: str
    reason: str
    span: SourceSpan | None = None
    zone: str | None = None  # the residency zone (rules/zones/) it was resolved from

    @cached_property
    def country(self) -> str | None:
        """The single country, when the place is one."""
        return next(iter(self.countries)) if self.kind is PlaceKind.COUNTRY else None

    @property
    def in_words(self) -> str:
        """The place after a role: "in X", "anywhere" (not "in anywhere"), "at an unknown place"."""
        if self.kind is PlaceKind.GLOBAL:
            return "anywhere"
        if self.kind is PlaceKind.UNKNOWN and self.label == "unknown":
            return "at an unknown place"
        if self.kind is PlaceKind.UNKNOWN and self.label.startswith(UNKNOWN_COUNTRY):
            return "in an unknown country" + self.label.removeprefix(UNKNOWN_COUNTRY)
        if self.kind is PlaceKind.COUNTRY:
            return f"in {place_in_sentence(self.label)}"
        return f"in {self.label}"


UNKNOWN_PLACE = Place(PlaceKind.UNKNOWN, frozenset(), "unknown", "not declared")


@dataclass(frozen=True)
class Party:
    """An entity that can reach a component's data, and in which role."""

    role: str  # operator, hosting, model_provider, subprocessor, support
    entity: str
    reason: str
    span: SourceSpan | None


@dataclass(frozen=True)
class Publisher:
    """Who published the model a component runs: provenance and licence, never an access party.

    Set when the component names a model family (``vendor:`` or ``model.vendor``) of the
    catalogue. No law reaches data through a publisher (DESIGN.md 3.3); it is shown so
    the reader knows where the weights come from and whose licence applies.
    """

    entity: str
    family: Vendor
    reason: str
    span: SourceSpan | None


@dataclass(frozen=True)
class ResolvedEntity:
    """An entity with its origin (inventory or catalogue)."""

    id: str
    name: str
    country: str | None
    headquarters: str | None
    parents: tuple[Ownership, ...] | None
    presence: tuple[str, ...]
    dpf_certified: bool | None
    provider_categories: tuple[str, ...]
    confidence: Confidence
    origin: str  # "inventory" or "catalogue"
    span: SourceSpan | None
    # Per presence country: through whom it is present, and how sure the source is.
    presence_via: tuple[tuple[str, str | None, Confidence], ...] = ()
    lei: str | None = None  # Legal Entity Identifier (ISO 17442), if recorded
    natural_person: bool = False  # a person or family: no LEI, not an undertaking

    @cached_property
    def seats(self) -> frozenset[str]:
        """Countries of registered office and head office."""
        return frozenset(c for c in (self.country, self.headquarters) if c)


@dataclass(frozen=True)
class ResolvedComponent:
    """A component with vendor defaults merged, places and parties resolved."""

    key: str  # system/component
    system: System
    component: Component
    vendor: Vendor | None
    deployment: DeploymentOption | None
    places: dict[LocationRole, Place]
    parties: tuple[Party, ...]
    processes_in_clear: bool
    in_clear_reason: str
    keys: KeyCustody | None
    key_holder: str | None
    retention: Retention | None
    retention_reason: str
    training_use: bool | None
    training_reason: str
    open_weights: bool | None
    api_only: bool
    facts_confidence: Confidence
    publisher: Publisher | None = None
    notes: list[str] = field(default_factory=list)
    # The inventory names no deployment option: ``deployment`` is the vendor's default.
    deployment_assumed: bool = False

    @property
    def service(self) -> Vendor | None:
        """The catalogue vendor when it is a service someone runs for the organisation."""
        return self.vendor if self.vendor is not None and self.vendor.kind.is_service else None

    @property
    def words(self) -> str:
        """The component as a person names it: "the <component name> of <system name>"."""
        return f"the {self.component.name or self.component.id} of {self.system.name or self.system.id}"

    @property
    def kind(self) -> ComponentKind:
        """The component kind."""
        return self.component.kind

    @property
    def stores(self) -> bool:
        """Whether the component keeps data at rest (kind or retention says so)."""
        return self.kind in STORES_DATA or bool(self.retention and self.retention.prompts_retained)


def party_reason_words(rc: ResolvedComponent, party: Party) -> str:
    """Why a party is one, for people: the catalogue entry by its display name ("named by the
    catalogue entry for Amazon Bedrock", not "catalogue vendor aws-bedrock")."""
    if rc.vendor is not None and party.reason == f"catalogue vendor {rc.vendor.id}":
        return f"named by the catalogue entry for {rc.vendor.name}"
    return party.reason


def resolve_entities(inventory: Inventory, kb: KnowledgeIndex) -> dict[str, ResolvedEntity]:
    """Catalogue entities, overridden or extended by the inventory's own."""
    resolved: dict[str, ResolvedEntity] = {}
    for cat in kb.kb.entities:
        resolved[cat.id] = ResolvedEntity(
            cat.id,
            cat.name,
            cat.country,
            cat.headquarters,
            tuple(cat.parents) if cat.parents is not None else None,
            tuple(cat.presence_countries),
            cat.dpf_certified,
            tuple(cat.provider_categories),
            cat.provenance.confidence,
            "catalogue",
            cat.span,
            tuple(
                (p.country, p.through, p.provenance.confidence)
                for p in cat.presence
                if not isinstance(p, str)
            ),
            cat.lei,
            cat.natural_person,
        )
    for ent in inventory.entities:
        resolved[ent.id] = _from_inventory(ent)
    return resolved


def _from_inventory(ent: Entity) -> ResolvedEntity:
    return ResolvedEntity(
        ent.id,
        ent.name,
        ent.country,
        ent.headquarters,
        tuple(ent.parents) if ent.parents is not None else None,
        tuple(ent.presence),
        ent.dpf_certified,
        tuple(ent.provider_categories),
        Confidence.CONFIRMED,  # the organisation's own declaration
        "inventory",
        ent.span,
        lei=ent.lei,
        natural_person=ent.natural_person,
    )


class Resolver:
    """Turns inventory components into :class:`ResolvedComponent` objects."""

    def __init__(self, inventory: Inventory, kb: KnowledgeIndex) -> None:
        self.inventory = inventory
        self.kb = kb
        self._zone_cache: dict[str, frozenset[str]] = {}

    def zone(self, name: str) -> frozenset[str]:
        """Countries of a bloc (EU, EEA)."""
        if name not in self._zone_cache:
            self._zone_cache[name] = frozenset(
                code for code in self.kb.jurisdictions if name in self.kb.blocs_of(code)
            )
        return self._zone_cache[name]

    def place_of(self, ref: str, reason: str, span: SourceSpan | None) -> Place:
        """A location reference as a place."""
        if ref == "global":
            return Place(PlaceKind.GLOBAL, frozenset(), "anywhere", reason, span)
        if ref in ("EU", "EEA"):
            return Place(PlaceKind.ZONE, self.zone(ref), f"{ref} (some member state)", reason, span)
        if ":" in ref:
            provider, code = ref.split(":", 1)
            region = self.kb.resolve_region(provider, code)
            if region is None:
                return Place(
                    PlaceKind.UNKNOWN,
                    frozenset(),
                    self.kb.region_label(provider, code),
                    f"{reason}; region not in catalogue",
                    span,
                )
            return Place(
                PlaceKind.COUNTRY,
                frozenset({region.country}),
                self.kb.region_label(provider, code),
                reason,
                span,
            )
        # A country by its name (the code where the knowledge base has no name for it).
        return Place(PlaceKind.COUNTRY, frozenset({ref}), self.kb.country_name(ref), reason, span)

    def _base(self, comp: Component, vendor: Vendor | None) -> Place:
        if comp.region:
            return self.place_of(comp.region, f"region {comp.region}", comp.span_of("region"))
        if comp.country:
            return self.place_of(comp.country, f"country {comp.country}", comp.span_of("country"))
        if comp.on_prem:
            return self.place_of(
                comp.on_prem.country,
                f"on premises in {comp.on_prem.country}",
                comp.span_of("on_prem"),
            )
        if vendor is not None and vendor.default_location:
            return self.place_of(
                vendor.default_location,
                f"default location of vendor {vendor.id}",
                vendor.span_of("default_location"),
            )
        return UNKNOWN_PLACE

    def _scoped(
        self,
        base: Place,
        option: DeploymentOption | None,
        vendor: Vendor | None,
        scope: ProcessingScope | None,
        assumed: bool = False,
    ) -> Place:
        """Where a deployment option puts processing (or storage), relative to the region.

        ``assumed``: the inventory does not declare the option; the vendor's default is
        used, and the reason says so.
        """
        if option is None or scope is None:
            return base
        where = f"deployment {option.id} of {vendor.name if vendor else 'the vendor'}"
        if assumed:
            where = (
                f"deployment option not declared; assumed {option.id}, "
                f"the default of {vendor.name if vendor else 'the vendor'}"
            )
        span = vendor.span_of("deployment_options") if vendor else None
        if scope in (ProcessingScope.REGION, ProcessingScope.GEOGRAPHY):
            return Place(
                base.kind, base.countries, base.label, f"{base.reason}; {where}", base.span
            )
        if scope is ProcessingScope.GLOBAL:
            # Unbounded; the zones of a global option are places its vendor names among the
            # possible ones ("worldwide, including mainland China"), so their laws can reach.
            zones = [self.kb.zones[z] for z in option.zones if z in self.kb.zones]
            named = frozenset().union(*(self.kb.zone_countries(z) for z in zones))
            among = "; ".join(self.kb.zone_members_text(z) for z in zones)
            return Place(
                PlaceKind.GLOBAL,
                named,
                "anywhere",
                f"{where}: may be handled in any region"
                + (f", {among} among them" if among else ""),
                span,
                zones[0].id if len(zones) == 1 else None,
            )
        if option.zones and scope in (ProcessingScope.DATA_ZONE, ProcessingScope.FIXED):
            return self._zoned(base, option, where, span)
        if scope is ProcessingScope.DATA_ZONE:
            zone = option.location or "EU"
            # A zone is a bloc (EU, EEA) or a single country (a US data zone).
            countries = self.zone(zone) if zone in ("EU", "EEA") else frozenset({zone})
            if base.kind is PlaceKind.COUNTRY and base.countries <= countries:
                kind = PlaceKind.ZONE if len(countries) > 1 else PlaceKind.COUNTRY
                return Place(
                    kind,
                    countries,
                    f"{zone} data zone",
                    f"{where}: processed within the {zone} data zone",
                    span,
                )
            return Place(
                PlaceKind.UNKNOWN,
                frozenset(),
                "data zone of the region",
                f"{where}: zone not determined for {base.label}",
                span,
            )
        if option.location:  # FIXED
            return self.place_of(option.location, where, span)
        return UNKNOWN_PLACE

    def _undecided(self, base: Place, vendor: Vendor, role: LocationRole) -> Place:
        """Where a component of ``vendor`` whose deployment option is not known does
        ``role``: the place every option agrees on, else unknown (never the default)."""
        options = vendor.deployment_options
        if not options:
            return base
        places = [
            self._scoped(
                base,
                o,
                vendor,
                o.storage if role is LocationRole.STORAGE else o.processing,
            )
            for o in options
        ]
        first = places[0]
        if all((p.kind, p.countries) == (first.kind, first.countries) for p in places):
            return Place(
                first.kind,
                first.countries,
                first.label,
                f"{base.reason}; the deployment option is not known, and every option of "
                f"{vendor.name} keeps {role.value} here",
                first.span,
                first.zone if all(p.zone == first.zone for p in places) else None,
            )
        return Place(
            PlaceKind.UNKNOWN,
            frozenset(),
            "unknown",
            f"the deployment option of {vendor.name} is not known, and its options "
            f"({', '.join(o.id for o in options)}) put {role.value} in different places",
            vendor.span_of("deployment_options"),
        )

    def _zoned(
        self, base: Place, option: DeploymentOption, where: str, span: SourceSpan | None
    ) -> Place:
        """The zone of ``option`` that applies: the only one, or the one containing the
        resource's own place (an EU resource gets the EU data zone); unknown otherwise."""
        zones = [self.kb.zones[z] for z in option.zones if z in self.kb.zones]
        sets = [(z, self.kb.zone_countries(z)) for z in zones]
        chosen = [
            (z, c)
            for z, c in sets
            if len(sets) == 1 or (base.kind is PlaceKind.COUNTRY and base.countries <= c)
        ]
        if len(chosen) != 1:
            return Place(
                PlaceKind.UNKNOWN,
                frozenset(),
                "zone of the region",
                f"{where}: none of its zones ({', '.join(option.zones)}) contains {base.label}",
                span,
            )
        zone, countries = chosen[0]
        return Place(
            PlaceKind.ZONE if len(countries) > 1 else PlaceKind.COUNTRY,
            countries,
            zone.name,
            f"{where}: may be processed in any of: {self.kb.zone_members_text(zone)}",
            span,
            zone.id,
        )

    def resolve(self, system: System, comp: Component, org_entity: str | None) -> ResolvedComponent:
        """Resolve one component of ``system``."""
        vendor = self.kb.vendors.get(comp.vendor) if comp.vendor else None
        option = None
        undecided = vendor is not None and comp.deployment == UNKNOWN_DEPLOYMENT
        # Without `deployment:` the vendor's default applies, said as an assumption.
        assumed = comp.deployment is None
        if vendor is not None and not undecided:
            wanted = comp.deployment or vendor.default_deployment
            option = next((o for o in vendor.deployment_options if o.id == wanted), None)
        base = self._base(comp, vendor)
        places: dict[LocationRole, Place] = {}
        explicit = comp.locations
        span_loc = comp.span_of("locations")
        for role in LocationRole:
            ref = getattr(explicit, role.value)
            if ref is not None:
                places[role] = self.place_of(ref, f"declared {role.value} location", span_loc)
        # The vendor's deployment semantics decide both storage and processing scope.
        for role in (LocationRole.STORAGE, LocationRole.PROCESSING):
            if role in places:
                continue
            if undecided and vendor is not None:
                places[role] = self._undecided(base, vendor, role)
                continue
            scope = None
            if option is not None:
                scope = option.storage if role is LocationRole.STORAGE else option.processing
            places[role] = self._scoped(base, option, vendor, scope, assumed)
        places.setdefault(LocationRole.BACKUP, places[LocationRole.STORAGE])
        places.setdefault(LocationRole.TELEMETRY, places[LocationRole.STORAGE])
        defaults = vendor.defaults if vendor else None
        model = comp.model
        model_vendor = self.kb.vendors.get(model.vendor) if model and model.vendor else None
        # A model family is run by whoever runs the hardware: it brings no operator.
        service = vendor if vendor is not None and vendor.kind.is_service else None
        names_family = service is None and (
            vendor is not None
            or (
                model_vendor is not None
                and not model_vendor.kind.is_service
                and comp.kind is not ComponentKind.MODEL_API
            )
        )
        self_operated = comp.operator is None and (
            names_family or (comp.on_prem is not None and service is None)
        )
        support_entity = comp.support or (service.support if service else None)
        external_support = support_entity is not None and support_entity != org_entity
        for role, default in (
            (LocationRole.SUPPORT, "support_location"),
            (LocationRole.ADMIN, "admin_location"),
        ):
            if role in places:
                continue
            ref = getattr(defaults, default) if defaults else None
            if ref:
                places[role] = self.place_of(
                    ref,
                    f"vendor {vendor.id if vendor else ''} default",
                    vendor.span_of("defaults") if vendor else None,
                )
            elif (
                self_operated or (comp.operator is not None and comp.operator == org_entity)
            ) and not (role is LocationRole.SUPPORT and external_support):
                places[role] = Place(
                    base.kind,
                    base.countries,
                    base.label,
                    "operated by the organisation itself",
                    base.span,
                )
            else:
                places[role] = UNKNOWN_PLACE
        keys = comp.controls.keys
        if LocationRole.KEY_CUSTODY not in places:
            if keys is KeyCustody.CUSTOMER_HELD_EXTERNAL:
                places[LocationRole.KEY_CUSTODY] = UNKNOWN_PLACE
            else:
                places[LocationRole.KEY_CUSTODY] = places[LocationRole.STORAGE]
        parties = self._parties(comp, service, names_family, org_entity)
        in_clear, in_clear_reason = self._in_clear(comp)
        retention = comp.controls.retention
        retention_reason = "declared in the inventory"
        if retention is None and defaults is not None and defaults.retention is not None:
            retention, retention_reason = (
                defaults.retention,
                f"default of vendor {vendor.id if vendor else ''}",
            )
        if comp.controls.zero_data_retention:
            retention = Retention(prompts_retained=False)
            retention_reason = "zero-data-retention agreement"
        training = comp.controls.training_use
        training_reason = "declared in the inventory"
        if training is None and defaults is not None:
            training, training_reason = (
                defaults.training_use,
                f"default of vendor {vendor.id if vendor else ''}",
            )
        open_weights = model.open_weights if model and model.open_weights is not None else None
        if open_weights is None and model_vendor is not None:
            open_weights = model_vendor.open_weights
        if open_weights is None and vendor is not None and service is None:
            open_weights = True  # a model family is open weights by definition
        publisher = self._publisher(comp, vendor, model_vendor)
        api_only = comp.kind is ComponentKind.MODEL_API and (
            vendor.api_only if vendor else open_weights is not True
        )
        confidence = Confidence.CONFIRMED
        if vendor is not None:
            confidence = vendor.provenance.confidence
            if option is not None and _rank(option.provenance.confidence) > _rank(confidence):
                confidence = option.provenance.confidence
        return ResolvedComponent(
            key=f"{system.id}/{comp.id}",
            system=system,
            component=comp,
            vendor=vendor,
            deployment=option,
            places=places,
            parties=parties,
            processes_in_clear=in_clear,
            in_clear_reason=in_clear_reason,
            keys=keys,
            key_holder=comp.controls.key_holder,
            retention=retention,
            retention_reason=retention_reason,
            training_use=training,
            training_reason=training_reason,
            open_weights=open_weights,
            api_only=bool(api_only),
            facts_confidence=confidence,
            publisher=publisher,
            deployment_assumed=assumed and option is not None,
        )

    @staticmethod
    def _publisher(
        comp: Component, vendor: Vendor | None, model_vendor: Vendor | None
    ) -> Publisher | None:
        """The publisher of the model family the component runs, if it names one."""
        for family, field_name in ((vendor, "vendor"), (model_vendor, "model")):
            if family is not None and not family.kind.is_service and family.publisher:
                return Publisher(
                    family.publisher,
                    family,
                    f"publisher of model family {family.id}",
                    comp.span_of(field_name),
                )
        return None

    @staticmethod
    def _in_clear(comp: Component) -> tuple[bool, str]:
        declared = comp.controls.processes_in_clear
        if comp.kind in ALWAYS_IN_CLEAR:
            return (
                True,
                f"a {comp.kind.value} component sees data in clear (EDPB Recs 01/2020, use case 6)",
            )
        if declared is not None:
            return declared, "declared in the inventory"
        if comp.controls.keys is KeyCustody.CUSTOMER_HELD_EXTERNAL:
            return False, "keys held outside the provider; the provider stores ciphertext"
        return True, "not declared otherwise: assumed to handle data in clear"

    def _region_operator(self, comp: Component) -> str | None:
        """The operator entity of the provider whose region a component names, if known."""
        if not comp.region or ":" not in comp.region:
            return None
        catalogue = self.kb.region_catalogues.get(comp.region.split(":", 1)[0])
        if catalogue is None or catalogue.operator_vendor is None:
            return None
        region_vendor = self.kb.vendors.get(catalogue.operator_vendor)
        return region_vendor.operator if region_vendor else None

    def _parties(
        self,
        comp: Component,
        vendor: Vendor | None,
        names_family: bool,
        org_entity: str | None,
    ) -> tuple[Party, ...]:
        """The access parties: declared ones first, then the service vendor's.

        ``vendor`` is the component's catalogue vendor only when it is a service. A
        component that names a model family instead (``names_family``) is run by
        whoever runs the hardware: its declared operator, else the organisation, on
        the declared hosting or the provider of its region.
        """
        parties: list[Party] = []

        def add(role: str, ident: str | None, from_vendor: str | None, field_name: str) -> None:
            if ident:
                parties.append(
                    Party(role, ident, "declared in the inventory", comp.span_of(field_name))
                )
            elif from_vendor:
                parties.append(
                    Party(
                        role,
                        from_vendor,
                        f"catalogue vendor {vendor.id if vendor else ''}",
                        comp.span_of("vendor"),
                    )
                )

        operator = comp.operator
        if operator is None and vendor is None and org_entity:
            if names_family:
                parties.append(
                    Party(
                        "operator",
                        org_entity,
                        "self-hosted model family: run by the organisation",
                        comp.span_of("vendor") or comp.span_of("model"),
                    )
                )
            elif comp.on_prem is not None:
                operator = org_entity
        add("operator", operator, vendor.operator if vendor else None, "operator")
        region_host = (
            self._region_operator(comp) if vendor is None and comp.hosting is None else None
        )
        if region_host is not None:
            # A component in a provider's region runs on that provider's infrastructure.
            parties.append(
                Party(
                    "hosting",
                    region_host,
                    f"operator of region {comp.region}",
                    comp.span_of("region"),
                )
            )
        add("hosting", comp.hosting, vendor.hosting if vendor else None, "hosting")
        add(
            "model_provider",
            comp.model_provider,
            vendor.model_provider if vendor else None,
            "model_provider",
        )
        add("support", comp.support, vendor.support if vendor else None, "support")
        subs = comp.subprocessors or (vendor.subprocessors if vendor else [])
        for ident in subs:
            reason = (
                "declared in the inventory"
                if comp.subprocessors
                else f"catalogue vendor {vendor.id if vendor else ''}"
            )
            parties.append(
                Party("subprocessor", ident, reason, comp.span_of("subprocessors") or comp.span)
            )
        unique: dict[tuple[str, str], Party] = {}
        for party in parties:
            unique.setdefault((party.role, party.entity), party)
        return tuple(unique.values())


_CONF_ORDER = [Confidence.CONFIRMED, Confidence.SECONDARY, Confidence.UNCONFIRMED]


def _rank(confidence: Confidence) -> int:
    return _CONF_ORDER.index(confidence)


def weakest(*levels: Confidence) -> Confidence:
    """The least certain of several confidence levels."""
    return max(levels, key=_rank) if levels else Confidence.CONFIRMED
