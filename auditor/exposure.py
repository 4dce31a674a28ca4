"""Who can reach what: exposures, GDPR Chapter V transfers and evidence gaps (DESIGN.md 3.4, 3.5).

Exposure is computed once per (component, party, law) and shared by every
data asset that reaches the component, so the cost grows with the estate,
not with the number of paths. Unknown facts never silently mean "safe": they
become evidence gaps that the rules turn into findings.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.graph import ControlLink, ResidencyGraph, controllers
from auditor.graph.build import Arrival
from auditor.graph.control import undecided_control
from auditor.graph.resolve import (
    Party,
    Place,
    PlaceKind,
    ResolvedComponent,
    ResolvedEntity,
    weakest,
)
from auditor.model.common import Classification, Confidence, SourceSpan
from auditor.model.findings import (
    Exposure,
    Hop,
    MitigationState,
    RegisterRow,
    Sensitivity,
    Transfer,
    TransferConclusion,
    make_exposure,
    make_hop,
    make_register_row,
    make_transfer,
)
from auditor.model.inventory import DataAsset, KeyCustody, TransferTool, TransitProtection
from auditor.model.kb import (
    Access,
    Law,
    LawEffect,
    LawStatus,
    LocationRole,
    Mitigation,
    TriggerKind,
)
from auditor.model.policy import ControlTest, Policy

TRIGGER_ORDER = [
    TriggerKind.INCORPORATED,
    TriggerKind.CONTROL,
    TriggerKind.TERRITORIAL,
    TriggerKind.PRESENCE,
]
# A pending or repealed law reaches nothing yet (or any more); "unknown" still counts.
NOT_OPERATIVE = frozenset({LawStatus.PENDING, LawStatus.REPEALED})
TRANSFER_ROLES = (
    LocationRole.STORAGE,
    LocationRole.PROCESSING,
    LocationRole.BACKUP,
    LocationRole.ADMIN,
    LocationRole.SUPPORT,
)


@functools.lru_cache(maxsize=1 << 16)
def hop(node: str, kind: str, span: SourceSpan | None) -> Hop:
    """An evidence-path step.

    Hops are frozen, and the same step (a data asset, a flow, a law) recurs in
    the path of every exposure that passes through it: one instance serves them
    all (bounded, so a long-lived process does not grow with it).
    """
    return make_hop(
        node=node, kind=kind, file=span.path if span else None, line=span.line if span else None
    )


@dataclass(frozen=True)
class Gap:
    """Something the audit needed to know and does not: an evidence gap."""

    kind: str  # unknown_location, unbounded_processing, unknown_owner, unknown_operator, ...
    system: str
    component: str
    entity: str
    detail: str
    data_assets: tuple[str, ...]
    sensitivity: Sensitivity
    span: SourceSpan | None


@dataclass(frozen=True)
class ResidencyBreach:
    """Data outside where the policy allows it, or reachable by a law the policy does not allow."""

    data_asset: str
    system: str
    component: str
    kind: str  # location or reach
    role: str
    where: str
    allowed: str
    law: str
    mitigation: str
    origin: str  # which policy rule or asset requirement
    sensitivity: Sensitivity
    span: SourceSpan | None
    path: tuple[Hop, ...] = ()  # the evidence that puts the data where it is, or in reach
    confidence: str = "confirmed"


@dataclass
class ExposureResult:
    """Everything the rules match over."""

    exposures: list[Exposure] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    components: list[dict[str, object]] = field(default_factory=list)
    residency: list[ResidencyBreach] = field(default_factory=list)
    # Knowledge-base facts the conclusions rest on, as KnowledgeIndex.facts() names them.
    facts_used: set[str] = field(default_factory=set)
    arrivals: dict[str, list[Arrival]] = field(default_factory=dict)
    # component key -> list of (law id, mitigation) for scoring
    by_component: dict[str, list[Exposure]] = field(default_factory=dict)


# A trigger that fired: its index in the law, its kind, the hops it adds, its confidence.
_Fired = tuple[int, TriggerKind, tuple[Hop, ...], Confidence]


@dataclass(frozen=True)
class _PartyExposure:
    """Exposure of one (component, party, law), before it is fanned out to data assets."""

    party: Party
    entity: ResolvedEntity | None
    law: Law
    trigger: TriggerKind
    tail: list[Hop]  # from the party to the law
    mitigation: MitigationState
    reasons: list[str]
    access: list[Access]
    confidence: Confidence
    trigger_fact: str  # the knowledge-base fact the trigger rests on


class ExposureEngine:
    """Computes exposures, transfers, gaps and component facts for one graph."""

    def __init__(self, graph: ResidencyGraph, policy: Policy | None) -> None:
        self.graph = graph
        self.kb = graph.kb
        self.policy = policy
        self.test = policy.control_test if policy else ControlTest.STANDARD
        self.org = graph.inventory.organisation
        self.home: frozenset[str] = (
            graph.eea if self.kb.is_eea(self.org.country) else frozenset({self.org.country})
        )
        self._chains: dict[str, tuple[list[list[ControlLink]], list[str]]] = {}
        self._entity_triggers: dict[tuple[str, str], tuple[_Fired | None, _Fired | None]] = {}
        self._seats: dict[str, frozenset[str]] = {}
        self._reach: dict[str, frozenset[str]] = {}
        self._territorial: dict[
            tuple[str, str | None], list[tuple[int, Confidence, tuple[LocationRole, ...]]]
        ] = {}
        self.assets: dict[str, DataAsset] = {a.id: a for a in graph.inventory.data}
        self.sensitivity: dict[str, Sensitivity] = {
            a.id: self.kb.taxonomy.sensitivity(a) for a in graph.inventory.data
        }

    # -- control ------------------------------------------------------------------
    def chains(self, entity_id: str) -> tuple[list[list[ControlLink]], list[str]]:
        """Control chains above an entity (cached)."""
        if entity_id not in self._chains:
            self._chains[entity_id] = controllers(
                entity_id, self.graph.entities, self.test, self.graph.eu
            )
        return self._chains[entity_id]

    def controller_seats(self, entity_id: str) -> frozenset[str]:
        """Countries of the entity and of everyone who controls it (cached)."""
        seats = self._seats.get(entity_id)
        if seats is None:
            entity = self.graph.entities.get(entity_id)
            found = set(entity.seats) if entity else set()
            for chain in self.chains(entity_id)[0]:
                parent = self.graph.entities.get(chain[-1].parent)
                if parent:
                    found |= parent.seats
            seats = self._seats[entity_id] = frozenset(found)
        return seats

    def _entity_label(self, entity: ResolvedEntity | None, ident: str) -> str:
        if entity is None:
            return ident
        return f"{entity.name} ({entity.country or 'country unknown'})"

    # -- triggers -----------------------------------------------------------------
    def _party_triggers(
        self, rc: ResolvedComponent, party: Party, law: Law
    ) -> tuple[TriggerKind, list[Hop], Confidence, str] | None:
        """The strongest trigger of ``law`` that fires for ``party``, with the fact it rests on."""
        fired = self._first_trigger(rc, party, law)
        if fired is None:
            return None
        index, kind, hops, confidence = fired
        return kind, hops, confidence, f"law {law.id} trigger {index + 1}"

    def _first_trigger(
        self, rc: ResolvedComponent, party: Party, law: Law
    ) -> tuple[int, TriggerKind, list[Hop], Confidence] | None:
        """Triggers in TRIGGER_ORDER: incorporation, control, territory, presence.

        Only the territorial trigger depends on the component (where its operator
        acts); the others depend on the entity alone and are computed once per
        (entity, law) however many components the entity serves.
        """
        entity = self.graph.entities.get(party.entity)
        corporate, presence = self._entity_level(entity, law)
        fired = corporate
        if fired is None and party.role == "operator":
            fired = self._territorial_trigger(rc, entity, law)
        if fired is None:
            fired = presence
        if fired is None:
            return None
        index, kind, hops, confidence = fired
        return index, kind, list(hops), confidence

    def _entity_reach(self, entity: ResolvedEntity | None) -> frozenset[str]:
        """Ids of the laws whose incorporation, control or presence triggers reach the entity."""
        if entity is None:
            return frozenset()
        cached = self._reach.get(entity.id)
        if cached is not None:
            return cached
        found = self._reach[entity.id] = frozenset(
            law.id
            for law in self.kb.laws.values()
            if self._entity_level(entity, law) != (None, None)
        )
        return found

    def _entity_level(
        self, entity: ResolvedEntity | None, law: Law
    ) -> tuple[_Fired | None, _Fired | None]:
        """:meth:`_entity_level_triggers`, computed once per (entity, law)."""
        if entity is None:
            return None, None
        key = (entity.id, law.id)
        held = self._entity_triggers.get(key)
        if held is None:
            held = self._entity_triggers[key] = self._entity_level_triggers(entity, law)
        return held

    def _applicable(
        self, law: Law, kind: TriggerKind, entity: ResolvedEntity | None
    ) -> list[tuple[int, Confidence]]:
        """Triggers of one kind that apply to the entity's provider categories, with confidence."""
        found = []
        for index, trigger in enumerate(law.triggers):
            if trigger.kind is not kind:
                continue
            if (
                trigger.provider_categories
                and entity
                and entity.provider_categories
                and not set(trigger.provider_categories) & set(entity.provider_categories)
            ):
                continue
            # A trigger with its own provenance is as sure as its own sources say.
            found.append(
                (
                    index,
                    trigger.provenance.confidence
                    if trigger.provenance
                    else law.provenance.confidence,
                )
            )
        return found

    def _entity_level_triggers(
        self, entity: ResolvedEntity, law: Law
    ) -> tuple[_Fired | None, _Fired | None]:
        """The first incorporation-or-control trigger, and the first presence trigger."""
        jurisdiction = law.jurisdiction
        seats = entity.seats
        for index, conf in self._applicable(law, TriggerKind.INCORPORATED, entity):
            if jurisdiction in seats:
                return (index, TriggerKind.INCORPORATED, (), weakest(conf, entity.confidence)), None
        for index, conf in self._applicable(law, TriggerKind.CONTROL, entity):
            for chain in self.chains(entity.id)[0]:
                top = self.graph.entities.get(chain[-1].parent)
                if top is not None and jurisdiction in top.seats:
                    hops = []
                    confs = [conf, entity.confidence]
                    for link in chain:
                        parent = self.graph.entities.get(link.parent)
                        confs.append(parent.confidence if parent else Confidence.UNCONFIRMED)
                        hops.append(
                            hop(
                                f"parent {self._entity_label(parent, link.parent)}: {link.reason}",
                                "parent",
                                link.ownership.span,
                            )
                        )
                    return (index, TriggerKind.CONTROL, tuple(hops), weakest(*confs)), None
        for index, conf in self._applicable(law, TriggerKind.PRESENCE, entity):
            if jurisdiction in entity.presence:
                return None, (
                    index,
                    TriggerKind.PRESENCE,
                    (hop(f"does business in {jurisdiction}", "presence", entity.span),),
                    weakest(conf, entity.confidence),
                )
        return None, None

    def _territorial_trigger(
        self, rc: ResolvedComponent, entity: ResolvedEntity | None, law: Law
    ) -> _Fired | None:
        """The law's territorial trigger, when the operator acts inside its country."""
        key = (law.id, entity.id if entity else None)
        territorial = self._territorial.get(key)
        if territorial is None:
            territorial = self._territorial[key] = [
                (index, conf, tuple(law.triggers[index].roles or LocationRole))
                for index, conf in self._applicable(law, TriggerKind.TERRITORIAL, entity)
            ]
        for index, conf, roles in territorial:
            for role in roles:
                place = rc.places.get(role)
                if (
                    place is not None
                    and place.kind is PlaceKind.COUNTRY
                    and law.jurisdiction in place.countries
                ):
                    location = hop(
                        f"{role.value} in {place.label}: {place.reason}", "location", place.span
                    )
                    return index, TriggerKind.TERRITORIAL, (location,), conf
        return None

    # -- mitigation ---------------------------------------------------------------
    def _reachable(self, entity_id: str | None, law: Law) -> bool:
        if entity_id is None:
            return True
        return law.jurisdiction in self.controller_seats(entity_id)

    def mitigation(self, rc: ResolvedComponent, law: Law) -> tuple[MitigationState, list[str]]:
        """DESIGN.md 3.4: key custody and processing in clear decide."""
        reasons: list[str] = []
        controls = rc.component.controls
        if rc.processes_in_clear:
            reasons.append(f"processes data in clear: {rc.in_clear_reason}")
            if controls.confidential_computing:
                return MitigationState.PARTIAL, [
                    *reasons,
                    "attested confidential computing narrows provider access (not an EDPB-endorsed measure)",
                ]
            state = MitigationState.NONE
        else:
            custody = rc.places.get(LocationRole.KEY_CUSTODY)
            if rc.keys is KeyCustody.CUSTOMER_HELD_EXTERNAL:
                holder_ok = not self._reachable(rc.key_holder or self.org.entity, law)
                place_ok = (
                    custody is not None
                    and custody.kind in (PlaceKind.COUNTRY, PlaceKind.ZONE)
                    and law.jurisdiction not in custody.countries
                )
                if (
                    holder_ok
                    and place_ok
                    and Mitigation.CUSTOMER_HELD_KEYS not in law.not_mitigated_by
                ):
                    reasons.append(
                        f"the provider holds only ciphertext; keys held by {rc.key_holder or 'the organisation'} in {custody.label if custody else '?'}, outside {law.jurisdiction} (EDPB use cases 1-3)"
                    )
                    if Access.METADATA in law.reaches:
                        reasons.append("metadata (accounts, sizes, timing) remains reachable")
                    return MitigationState.MITIGATED, reasons
                if not place_ok:
                    reasons.append(
                        "external keys, but where they are held is unknown or inside the law's reach"
                    )
                else:
                    reasons.append("external keys, but their holder is reachable by the law")
            elif rc.keys in (
                KeyCustody.PROVIDER_MANAGED,
                KeyCustody.CUSTOMER_MANAGED_IN_PROVIDER_KMS,
            ):
                reasons.append(
                    f"keys in the provider's custody ({rc.keys.value}): the provider can decrypt"
                )
            elif rc.keys is KeyCustody.NONE:
                reasons.append("data at rest is not encrypted")
            else:
                reasons.append("key custody not declared")
            state = MitigationState.NONE
        if controls.pseudonymised_before:
            reasons.append(
                "data is pseudonymised before it arrives; the re-identification key stays at home"
            )
            state = MitigationState.PARTIAL
        if controls.notification_commitment and not law.secrecy:
            reasons.append("provider commits to notify and challenge orders")
            state = MitigationState.PARTIAL
        elif controls.notification_commitment:
            reasons.append(
                "a contractual commitment to notify is overridden by the law's secrecy orders"
            )
        reasons.append("the region choice alone does not change who can be compelled")
        return state, reasons

    def _access(
        self, rc: ResolvedComponent, law: Law, arrival_flows: Iterable[Arrival]
    ) -> list[Access]:
        wanted: list[Access] = []
        for access in law.reaches:
            if access is Access.STORED and not rc.stores:
                continue
            if access is Access.PROCESSING and not rc.processes_in_clear:
                continue
            if access is Access.TRANSIT and all(
                a.flow is None or a.flow.in_transit is TransitProtection.E2E for a in arrival_flows
            ):
                continue
            wanted.append(access)
        return sorted(wanted, key=lambda a: a.value) or sorted(law.reaches, key=lambda a: a.value)

    # -- main ---------------------------------------------------------------------
    def run(self) -> ExposureResult:
        """Compute everything, sorted for deterministic output."""
        result = ExposureResult()
        arrivals = self.graph.arrivals()
        result.arrivals = arrivals
        by_component: dict[str, list[tuple[str, Arrival]]] = {}
        for asset_id, items in arrivals.items():
            for arrival in items:
                by_component.setdefault(arrival.component, []).append((asset_id, arrival))
        foreign_laws = [
            law
            for law in sorted(self.kb.laws.values(), key=lambda x: x.id)
            if law.jurisdiction != self.org.country
            and law.status not in NOT_OPERATIVE
            and law.effect is LawEffect.ACCESS
        ]
        for key in sorted(self.graph.components):
            rc = self.graph.components[key]
            reached = by_component.get(key, [])
            party_exposures = self._component_exposures(rc, foreign_laws, [a for _, a in reached])
            if reached:
                result.facts_used |= self._component_facts_used(rc)
                for pe in party_exposures:
                    result.facts_used |= {f"law {pe.law.id}", pe.trigger_fact}
            for asset_id, arrival in reached:
                head = self._head(asset_id, arrival, rc) if party_exposures else []
                for pe in party_exposures:
                    exposure = self._exposure(asset_id, head, rc, pe)
                    result.exposures.append(exposure)
                    result.by_component.setdefault(key, []).append(exposure)
            result.gaps.extend(self._gaps(rc, [a for a, _ in reached]))
            transfers = self._transfers(rc, reached)
            result.facts_used |= {f"adequacy {t.country}" for t in transfers if t.adequacy}
            result.transfers.extend(transfers)
            result.components.append(self._facts(rc, [a for a, _ in reached], party_exposures))
        result.residency = self._residency(result, arrivals)
        result.exposures.sort(
            key=lambda e: (e.data_asset, e.system, e.component, e.law, e.party_role, e.party)
        )
        result.transfers.sort(
            key=lambda t: (t.data_asset, t.system, t.component, t.country, t.importer)
        )
        result.gaps.sort(key=lambda g: (g.kind, g.system, g.component, g.entity, g.detail))
        return result

    def _component_exposures(
        self, rc: ResolvedComponent, laws: list[Law], arrivals: list[Arrival]
    ) -> list[_PartyExposure]:
        found: list[_PartyExposure] = []
        # Only laws that can fire are tried: those that reach the entity itself, and for
        # the operator those of a country where the component acts (territorial).
        acts_in = {
            country
            for place in rc.places.values()
            if place.kind is PlaceKind.COUNTRY
            for country in place.countries
        }
        for party in rc.parties:
            entity = self.graph.entities.get(party.entity)
            reach = self._entity_reach(entity)
            operator = party.role == "operator"
            for law in laws:
                if law.id not in reach and not (operator and law.jurisdiction in acts_in):
                    continue
                fired = self._party_triggers(rc, party, law)
                if fired is None:
                    continue
                trigger, hops, confidence, trigger_fact = fired
                state, reasons = self.mitigation(rc, law)
                jurisdiction = self.kb.jurisdictions.get(law.jurisdiction)
                tail = [
                    hop(
                        f"{party.role} {self._entity_label(entity, party.entity)} ({party.reason})",
                        "entity",
                        party.span,
                    ),
                    *hops,
                    hop(
                        self.kb.country_name(law.jurisdiction),
                        "jurisdiction",
                        jurisdiction.span if jurisdiction else None,
                    ),
                    hop(f"{law.short_name}, {law.citation}", "law", law.span),
                ]
                found.append(
                    _PartyExposure(
                        party,
                        entity,
                        law,
                        trigger,
                        tail,
                        state,
                        reasons,
                        self._access(rc, law, arrivals),
                        weakest(confidence, rc.facts_confidence),
                        trigger_fact,
                    )
                )
        return found

    def _component_facts_used(self, rc: ResolvedComponent) -> set[str]:
        """Catalogue facts behind a component's resolution: vendor, option, defaults, region, owners."""
        used: set[str] = set()
        if rc.vendor is not None:
            used.add(f"vendor {rc.vendor.id}")
            if rc.deployment is not None:
                used.add(f"vendor {rc.vendor.id} deployment {rc.deployment.id}")
            if rc.retention_reason.startswith("default of vendor") or rc.training_reason.startswith(
                "default of vendor"
            ):
                used.add(f"vendor {rc.vendor.id} defaults")
        region = rc.component.region
        if region and ":" in region:
            used |= {f"regions {region.split(':', 1)[0]}", f"region {region}"}
        for party in rc.parties:
            entity = self.graph.entities.get(party.entity)
            if entity is not None and entity.origin == "catalogue":
                used.add(f"entity {entity.id}")
            for chain in self.chains(party.entity)[0]:
                for link in chain:
                    parent = self.graph.entities.get(link.parent)
                    if parent is not None and parent.origin == "catalogue":
                        used.add(f"entity {parent.id}")
        return used

    def _head(self, asset_id: str, arrival: Arrival, rc: ResolvedComponent) -> list[Hop]:
        """The first steps of an exposure path: the data, how it arrives, the component
        (the same for every party and law that reaches the data there)."""
        asset = self.assets[asset_id]
        head = [hop(asset.name or asset.id, "data", asset.span)]
        if arrival.flow is not None:
            src, dst = self.graph.flow_ends(rc.system.id, arrival.flow)
            head.append(hop(f"flow {src} -> {dst}", "flow", arrival.flow.span))
        else:
            head.append(hop(f"held at {rc.key}", "holds", rc.component.span_of("holds")))
        processing = rc.places[LocationRole.PROCESSING]
        head.append(
            hop(
                f"{rc.key} ({rc.kind.value}, processing: {processing.label})",
                "component",
                rc.component.span,
            )
        )
        return head

    def _exposure(
        self, asset_id: str, head: list[Hop], rc: ResolvedComponent, pe: _PartyExposure
    ) -> Exposure:
        return make_exposure(
            data_asset=asset_id,
            system=rc.system.id,
            component=rc.component.id,
            party=pe.party.entity,
            party_name=pe.entity.name if pe.entity else pe.party.entity,
            party_role=pe.party.role,
            law=pe.law.id,
            law_name=pe.law.short_name,
            jurisdiction=pe.law.jurisdiction,
            trigger=pe.trigger.value,
            access=pe.access,
            mitigation=pe.mitigation,
            mitigation_reasons=pe.reasons,
            sensitivity=self.sensitivity[asset_id],
            confidence=pe.confidence.value,
            path=[*head, *pe.tail],
        )

    # -- gaps ---------------------------------------------------------------------
    def _gaps(self, rc: ResolvedComponent, assets: list[str]) -> list[Gap]:
        if not assets:
            return []
        gaps: list[Gap] = []
        sens = max((self.sensitivity[a] for a in assets), key=lambda s: s.rank)

        def gap(kind: str, entity: str, detail: str, span: SourceSpan | None) -> None:
            gaps.append(
                Gap(
                    kind,
                    rc.system.id,
                    rc.component.id,
                    entity,
                    detail,
                    tuple(sorted(set(assets))),
                    sens,
                    span,
                )
            )

        for role in (LocationRole.STORAGE, LocationRole.PROCESSING):
            place = rc.places[role]
            if place.kind is PlaceKind.UNKNOWN:
                gap(
                    "unknown_location",
                    "",
                    f"{role.value} location unknown ({place.reason})",
                    place.span or rc.component.span,
                )
            elif place.kind is PlaceKind.GLOBAL:
                gap(
                    "unbounded_processing",
                    "",
                    f"{role.value} may happen anywhere: {place.reason}",
                    place.span or rc.component.span,
                )
        third_party = self._third_party(rc)
        if third_party:
            for role in (LocationRole.SUPPORT, LocationRole.ADMIN):
                if rc.places[role].kind is PlaceKind.UNKNOWN:
                    gap(
                        "unknown_access_location",
                        "",
                        f"{role.value} access location unknown",
                        rc.component.span,
                    )
        if not any(p.role == "operator" for p in rc.parties):
            gap(
                "unknown_operator",
                "",
                "no operator is declared and none follows from a vendor",
                rc.component.span,
            )
        if (
            rc.keys is KeyCustody.CUSTOMER_HELD_EXTERNAL
            and rc.places[LocationRole.KEY_CUSTODY].kind is PlaceKind.UNKNOWN
        ):
            gap(
                "unknown_key_custody",
                "",
                "external keys, but locations.key_custody is not declared",
                rc.component.span_of("controls"),
            )
        for party in rc.parties:
            entity = self.graph.entities.get(party.entity)
            if entity is None:
                continue
            if entity.country is None:
                gap(
                    "unknown_country",
                    entity.id,
                    f"{party.role} {entity.name}: country of registration unknown",
                    entity.span,
                )
            for unknown in self.chains(entity.id)[1]:
                owner = self.graph.entities.get(unknown)
                name = owner.name if owner else unknown
                undecided = (
                    undecided_control(owner, self.graph.entities, self.test, self.graph.eu)
                    if owner
                    else None
                )
                gap(
                    "unknown_owner",
                    unknown,
                    f"{party.role} chain: who controls {name} cannot be decided: {undecided}"
                    if undecided
                    else f"{party.role} chain: ownership of {name} unknown",
                    owner.span if owner else party.span,
                )
        return gaps

    def _third_party(self, rc: ResolvedComponent) -> bool:
        """Someone other than the organisation (operator, host, support, ...) can reach it."""
        return any(p.entity != self.org.entity for p in rc.parties)

    # -- transfers ----------------------------------------------------------------
    def _transfers(
        self, rc: ResolvedComponent, reached: list[tuple[str, Arrival]]
    ) -> list[Transfer]:
        personal = [a for a, _ in reached if self.kb.taxonomy.is_personal(self.assets[a])]
        if not personal or not self.kb.is_eea(self.org.country):
            return []
        places: dict[tuple[str, str], list[LocationRole]] = {}
        for role in TRANSFER_ROLES:
            place = rc.places[role]
            importer = self._importer(rc, role)
            if (
                place.kind is PlaceKind.COUNTRY
                and place.country
                and not self.kb.is_eea(place.country)
            ):
                places.setdefault((place.country, importer), []).append(role)
            elif place.kind is PlaceKind.GLOBAL and role in (
                LocationRole.STORAGE,
                LocationRole.PROCESSING,
            ):
                places.setdefault(("global", importer), []).append(role)
        transfers: list[Transfer] = []
        for (country, importer), roles in sorted(places.items()):
            for asset_id in sorted(set(personal)):
                transfers.append(self._transfer(rc, asset_id, country, importer, roles))
        return transfers

    def _importer(self, rc: ResolvedComponent, role: LocationRole) -> str:
        wanted = "support" if role is LocationRole.SUPPORT else "operator"
        for party in rc.parties:
            if party.role == wanted:
                return party.entity
        for party in rc.parties:
            if party.role == "operator":
                return party.entity
        return "unknown"

    def _transfer(
        self,
        rc: ResolvedComponent,
        asset_id: str,
        country: str,
        importer: str,
        roles: list[LocationRole],
    ) -> Transfer:
        controls = rc.component.controls
        tools = sorted(t.value for t in controls.transfer_tools)
        entity = self.graph.entities.get(importer)
        measures: list[str] = []
        if rc.keys is KeyCustody.CUSTOMER_HELD_EXTERNAL and not rc.processes_in_clear:
            measures.append("encryption with keys held by the exporter")
        if controls.pseudonymised_before:
            measures.append("pseudonymisation before transfer")
        if controls.confidential_computing:
            measures.append("confidential computing")
        adequacy_text: str | None = None
        if country == "global":
            conclusion = TransferConclusion.UNKNOWN
            explanation = "processing may happen in any country; the destination cannot be assessed"
            country_name = "anywhere (global)"
        else:
            country_name = self.kb.country_name(country)
            jurisdiction = self.kb.jurisdictions.get(country)
            adequacy = jurisdiction.adequacy if jurisdiction else None
            dpf = (
                entity is not None and entity.dpf_certified is True
            ) or TransferTool.DPF.value in tools
            if adequacy is not None and adequacy.scope.value != "dpf_certified":
                conclusion = TransferConclusion.ADEQUACY
                adequacy_text = f"{adequacy.decision} of {adequacy.date} ({adequacy.scope.value})"
                explanation = f"adequacy decision for {country_name} (GDPR Art. 45)"
                if adequacy.scope.value != "full":
                    explanation += f"; scope limited: {adequacy.scope_note or adequacy.scope.value}: confirm the importer is covered"
            elif adequacy is not None and dpf:
                conclusion = TransferConclusion.ADEQUACY
                adequacy_text = (
                    f"{adequacy.decision} of {adequacy.date} (DPF-certified importers only)"
                )
                explanation = "importer certified under the EU-US Data Privacy Framework (Art. 45); the framework's pending court challenge is a continuity risk"
            elif TransferTool.SCCS.value in tools or TransferTool.BCRS.value in tools:
                effective = bool(measures) and not rc.processes_in_clear
                if controls.tia_done and effective:
                    conclusion = TransferConclusion.SAFEGUARDS
                    explanation = "Art. 46 safeguards with a transfer impact assessment and effective supplementary measures"
                else:
                    conclusion = TransferConclusion.SAFEGUARDS_INCOMPLETE
                    missing = []
                    if not controls.tia_done:
                        missing.append("no transfer impact assessment is recorded")
                    if not effective:
                        missing.append(
                            "no effective supplementary measure: the importer processes data in clear (EDPB Recs 01/2020 use case 6)"
                        )
                    explanation = "Art. 46 tool in place, but " + "; ".join(missing)
            elif TransferTool.DEROGATION.value in tools:
                conclusion = TransferConclusion.DEROGATION
                explanation = (
                    "relies on an Art. 49 derogation: only for occasional, non-repetitive transfers"
                )
            else:
                conclusion = TransferConclusion.NO_VALID_TOOL
                if adequacy is not None:
                    explanation = f"{country_name} is adequate only for DPF-certified organisations, and the importer is not shown as certified; no Art. 46 tool is recorded"
                else:
                    explanation = f"no adequacy decision for {country_name} and no Art. 46 tool or Art. 49 derogation is recorded"
        asset = self.assets[asset_id]
        place = rc.places[roles[0]]
        path = [
            hop(asset.name or asset.id, "data", asset.span),
            hop(
                f"{rc.key} ({', '.join(r.value for r in roles)} in {place.label})",
                "component",
                place.span or rc.component.span,
            ),
            hop(
                f"importer {entity.name if entity else importer}",
                "entity",
                entity.span if entity else None,
            ),
        ]
        return make_transfer(
            data_asset=asset_id,
            system=rc.system.id,
            component=rc.component.id,
            exporter=self.org.entity or self.org.name,
            importer=importer,
            importer_name=entity.name if entity else importer,
            country=country,
            country_name=country_name,
            role=", ".join(r.value for r in roles),
            adequacy=adequacy_text,
            tools=tools,
            supplementary_measures=measures,
            conclusion=conclusion,
            explanation=explanation,
            path=path,
        )

    # -- component facts for the rules -------------------------------------------
    def _country_of(self, place: Place) -> str:
        if place.kind is PlaceKind.COUNTRY and place.country:
            return place.country
        return place.kind.value if place.kind is not PlaceKind.ZONE else "zone"

    def _abroad(self, place: Place) -> bool:
        if place.kind is PlaceKind.COUNTRY:
            return not place.countries <= self.home
        if place.kind is PlaceKind.ZONE:
            return not place.countries <= self.home
        return place.kind is PlaceKind.GLOBAL

    def _facts(
        self, rc: ResolvedComponent, assets: list[str], exposures: list[_PartyExposure]
    ) -> dict[str, object]:
        operator = next((p.entity for p in rc.parties if p.role == "operator"), "")
        seats: set[str] = set()
        for party in rc.parties:
            if party.role in ("operator", "model_provider"):
                seats |= self.controller_seats(party.entity)
        foreign = sorted(s for s in seats if s not in self.home)
        sens = (
            max((self.sensitivity[a] for a in assets), key=lambda s: s.rank)
            if assets
            else Sensitivity.PUBLIC
        )
        retention = rc.retention
        retention_place = (
            self._place_for_retention(rc) if retention and retention.prompts_retained else None
        )
        support = rc.places[LocationRole.SUPPORT]
        admin = rc.places[LocationRole.ADMIN]
        vendor = rc.vendor
        entity = self.graph.entities.get(operator)
        return {
            "system": rc.system.id,
            "component": rc.component.id,
            "kind": rc.kind.value,
            "criticality": rc.system.criticality.value,
            "vendor": vendor.id if vendor else "",
            "vendor_name": vendor.name if vendor else "",
            "operator": operator,
            "operator_name": entity.name if entity else operator,
            "foreign_control": bool(foreign),
            "controller_jurisdictions": foreign,
            "controller_jurisdictions_text": ", ".join(foreign) or "none",
            "api_only": rc.api_only,
            "open_weights": bool(rc.open_weights),
            "open_weights_alternatives": "; ".join(vendor.open_weights_alternatives)
            if vendor
            else "",
            "retains_prompts": bool(retention and retention.prompts_retained),
            "retention_days": retention.days if retention and retention.days is not None else -1,
            "retention_purpose": (retention.purpose or "unspecified") if retention else "",
            "retention_where": retention_place.label if retention_place else "",
            "retention_abroad": bool(retention_place and self._abroad(retention_place)),
            "retention_unknown": bool(
                retention_place and retention_place.kind is PlaceKind.UNKNOWN
            ),
            "retention_reason": rc.retention_reason,
            "training_use": rc.training_use is True,
            "training_reason": rc.training_reason,
            "support_where": support.label,
            "support_abroad": self._abroad(support),
            "admin_where": admin.label,
            "admin_abroad": self._abroad(admin),
            "keys": rc.keys.value if rc.keys else "undeclared",
            "provider_can_decrypt": rc.keys
            in (KeyCustody.PROVIDER_MANAGED, KeyCustody.CUSTOMER_MANAGED_IN_PROVIDER_KMS, None),
            "processes_in_clear": rc.processes_in_clear,
            "third_party": self._third_party(rc),
            "exposed": any(e.mitigation is not MitigationState.MITIGATED for e in exposures),
            "reached": bool(assets),
            "data_assets": sorted(set(assets)),
            "data_assets_text": ", ".join(sorted(set(assets))),
            "sensitivity": sens.value,
            "confidence": rc.facts_confidence.value,
            "_span_file": rc.component.span.path if rc.component.span else "",
            "_span_line": rc.component.span.line if rc.component.span else 0,
        }

    def _place_for_retention(self, rc: ResolvedComponent) -> Place:
        retention = rc.retention
        if retention is not None and retention.location:
            return self.graph.resolver.place_of(retention.location, "retention location", None)
        return rc.places[LocationRole.STORAGE]

    def _residency(
        self, result: ExposureResult, arrivals: dict[str, list[Arrival]]
    ) -> list[ResidencyBreach]:
        breaches: list[ResidencyBreach] = []
        # Where a component keeps or handles data outside an allowed area: the same for
        # every data asset under the same requirement that reaches it, so worked out once.
        outside_of: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, str, Hop], ...]] = {}

        def outside(rc: ResolvedComponent, allowed: list[str]) -> tuple[tuple[str, str, Hop], ...]:
            """(role, place, evidence step) for each of the component's storage, processing
            and backup places not wholly inside ``allowed``."""
            key = (rc.key, tuple(allowed))
            known = outside_of.get(key)
            if known is not None:
                return known
            located = self.kb.area(allowed)
            found: list[tuple[str, str, Hop]] = []
            for role in (LocationRole.STORAGE, LocationRole.PROCESSING, LocationRole.BACKUP):
                place = rc.places[role]
                inside = place.kind in (PlaceKind.COUNTRY, PlaceKind.ZONE) and all(
                    located(c) for c in place.countries
                )
                if not inside:
                    step = hop(
                        f"{rc.key}: {role.value} in {place.label} ({place.reason})",
                        "component",
                        place.span or rc.component.span,
                    )
                    found.append((role.value, place.label, step))
            outside_of[key] = tuple(found)  # mostly empty: the one shared empty tuple
            return outside_of[key]

        exposures_by_asset: dict[str, list[Exposure]] = {}
        for exposure in result.exposures:
            exposures_by_asset.setdefault(exposure.data_asset, []).append(exposure)
        for asset_id, items in arrivals.items():
            asset = self.assets[asset_id]
            requirements: list[tuple[str, list[str], list[str], SourceSpan | None]] = []
            if asset.residency is not None:
                requirements.append(
                    (
                        f"residency of {asset_id}",
                        asset.residency.allowed,
                        asset.residency.allowed,
                        asset.span_of("residency"),
                    )
                )
            if self.policy is not None:
                for index, rule in enumerate(self.policy.residency):
                    if self._rule_applies(rule.categories, rule.classification, asset):
                        requirements.append(
                            (
                                f"policy residency rule {index + 1}",
                                rule.allowed,
                                rule.reach_allowed or rule.allowed,
                                rule.span,
                            )
                        )
            data_hop = hop(asset.name or asset.id, "data", asset.span)
            for origin, allowed, reach_allowed, span in requirements:
                allowed_text, reach_text = ", ".join(allowed), ", ".join(reach_allowed)
                reachable = self.kb.area(reach_allowed)
                for arrival in items:
                    rc = self.graph.components[arrival.component]
                    for role, where, component_hop in outside(rc, allowed):
                        breaches.append(
                            ResidencyBreach(
                                asset_id,
                                rc.system.id,
                                rc.component.id,
                                "location",
                                role,
                                where,
                                allowed_text,
                                "",
                                "",
                                origin,
                                self.sensitivity[asset_id],
                                span,
                                (data_hop, component_hop),
                            )
                        )
                for exposure in exposures_by_asset.get(asset_id, []):
                    if exposure.mitigation is MitigationState.MITIGATED or reachable(
                        exposure.jurisdiction
                    ):
                        continue
                    breaches.append(
                        ResidencyBreach(
                            asset_id,
                            exposure.system,
                            exposure.component,
                            "reach",
                            exposure.party_role,
                            exposure.jurisdiction,
                            reach_text,
                            exposure.law,
                            exposure.mitigation.value,
                            origin,
                            self.sensitivity[asset_id],
                            span,
                            tuple(exposure.path),
                            exposure.confidence,
                        )
                    )
        unique = {
            (b.data_asset, b.system, b.component, b.kind, b.role, b.where, b.law, b.origin): b
            for b in breaches
        }
        return [unique[k] for k in sorted(unique)]

    def _rule_applies(
        self, categories: list[str], classification: object, asset: DataAsset
    ) -> bool:

        order = list(Classification)
        if (
            classification is not None
            and isinstance(classification, Classification)
            and order.index(asset.classification) >= order.index(classification)
        ):
            return True
        return any(c == k or c.startswith(k + ".") for c in asset.categories for k in categories)


def compute_exposure(graph: ResidencyGraph, policy: Policy | None) -> ExposureResult:
    """Exposures, transfers, gaps, residency breaches and component facts of one graph."""
    return ExposureEngine(graph, policy).run()


def register_rows(engine: ExposureEngine, arrivals: dict[str, list[Arrival]]) -> list[RegisterRow]:
    """The inventory register: one row per component, with who runs it, where and under whom."""
    graph = engine.graph
    reached: dict[str, set[str]] = {}
    for asset_id, items in arrivals.items():
        for arrival in items:
            reached.setdefault(arrival.component, set()).add(asset_id)
    # Thousands of components share a few operators and data-asset sets: their chain,
    # seats, categories and subjects are worked out once each.
    operators: dict[str, tuple[str, str]] = {}
    asset_sets: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}

    def operator_facts(operator: str) -> tuple[str, str]:
        """The operator's ownership chain and the countries controlling it, in words."""
        if operator not in operators:
            chains, unknown = engine.chains(operator)
            longest = max(chains, key=len, default=[])
            names = [engine._entity_label(graph.entities.get(operator), operator)]
            names += [
                engine._entity_label(graph.entities.get(link.parent), link.parent)
                for link in longest
            ]
            chain_text = " -> ".join(names)
            if unknown:
                chain_text += " (ownership unknown beyond)"
            seats = sorted(engine.controller_seats(operator))
            operators[operator] = (chain_text, ", ".join(seats) if seats else "unknown")
        return operators[operator]

    rows: list[RegisterRow] = []
    for key in sorted(graph.components):
        rc = graph.components[key]
        operator = next((p.entity for p in rc.parties if p.role == "operator"), "")
        operator_entity = graph.entities.get(operator)
        chain_text, seats_text = operator_facts(operator) if operator else ("", "unknown")
        assets = sorted(reached.get(key, set()))
        held = tuple(assets)
        if held not in asset_sets:
            asset_sets[held] = (
                sorted({c for a in assets for c in engine.assets[a].categories}),
                sorted({s for a in assets for s in engine.assets[a].subjects}),
            )
        categories, subjects = asset_sets[held]  # shared lists: rows are frozen
        model = rc.component.model
        supplier_entity = (
            graph.entities.get(rc.vendor.operator or "") if rc.vendor else operator_entity
        )
        span = rc.component.span
        rows.append(
            make_register_row(
                system=rc.system.id,
                system_name=rc.system.name or rc.system.id,
                purpose=rc.system.purpose,
                owner=rc.system.owner or "",
                criticality=rc.system.criticality.value,
                ai_act_risk=rc.system.ai_act_risk.value,
                component=rc.component.id,
                kind=rc.kind.value,
                model=(model.name + (" (open weights)" if rc.open_weights else ""))
                if model
                else "",
                supplier=rc.vendor.name
                if rc.vendor
                else (supplier_entity.name if supplier_entity else ""),
                supplier_country=seats_text,
                operator=operator_entity.name if operator_entity else operator or "unknown",
                parent_chain=chain_text,
                processing=rc.places[LocationRole.PROCESSING].label,
                storage=rc.places[LocationRole.STORAGE].label,
                key_custody=(rc.keys.value if rc.keys else "undeclared")
                + f" ({rc.places[LocationRole.KEY_CUSTODY].label})",
                support=rc.places[LocationRole.SUPPORT].label,
                subprocessors=sorted(p.entity for p in rc.parties if p.role == "subprocessor"),
                data_assets=assets,
                categories=categories,
                subjects=subjects,
                file=span.path if span else None,
                line=span.line if span else None,
            )
        )
    return rows
