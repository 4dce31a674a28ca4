"""Exposures: which foreign laws reach a component's data, through whom, and how far mitigated.

Exposure is computed once per (component, party, law) and shared by every data
asset that reaches the component, so the cost grows with the estate, not with
the number of paths (DESIGN.md 3.4).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from auditor.exposure.context import Context
from auditor.exposure.control import entity_label
from auditor.exposure.evidence import hop
from auditor.exposure.mitigation import access, mitigation, narrows
from auditor.exposure.triggers import Triggers
from auditor.graph.build import Arrival
from auditor.graph.resolve import (
    Party,
    ResolvedComponent,
    ResolvedEntity,
    party_reason_words,
    weakest,
)
from auditor.model.common import Confidence
from auditor.model.findings import Exposure, Hop, MitigationState, make_exposure
from auditor.model.kb import (
    Access,
    Law,
    LawEffect,
    LawStatus,
    LocationRole,
    SafeguardCovers,
    TriggerKind,
)
from auditor.model.words import words

# A pending or repealed law reaches nothing yet (or any more); "unknown" still counts.
NOT_OPERATIVE = frozenset({LawStatus.PENDING, LawStatus.REPEALED})


@dataclass(frozen=True)
class PartyExposure:
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
    strength_note: str  # why a contested (presence) reach is contested; empty when strong
    reach_confidence: Confidence  # the fired trigger's own confidence
    safeguards: tuple[str, ...] = ()  # ids of the safeguard laws the reasons cite
    # The same exposure for a personal data asset, where a safeguard it cites covers only
    # non-personal data (EU Data Act Art. 32); None when it would not differ.
    for_personal: PartyExposure | None = None

    def for_asset(self, personal: bool) -> PartyExposure:
        """The exposure as it applies to one data asset (personal or not)."""
        return self.for_personal if personal and self.for_personal is not None else self


def foreign_access_laws(context: Context) -> list[Law]:
    """Operative laws of other countries that give access to data, sorted by id."""
    return [
        law
        for law in sorted(context.kb.laws.values(), key=lambda x: x.id)
        if law.jurisdiction != context.org.country
        and law.status not in NOT_OPERATIVE
        and law.effect is LawEffect.ACCESS
    ]


def party_exposures(
    context: Context,
    triggers: Triggers,
    rc: ResolvedComponent,
    laws: list[Law],
    arrivals: list[Arrival],
    *,
    any_personal: bool = False,
) -> list[PartyExposure]:
    """Every (party, law) of ``laws`` whose trigger fires at the component.

    ``any_personal``: some data asset reaching the component holds personal data; for it,
    a safeguard that covers only non-personal data is left out (:meth:`PartyExposure.for_asset`)."""
    found: list[PartyExposure] = []
    kb = context.kb
    # Only laws that can fire are tried: those that reach the entity itself, and for
    # the operator those of a country where the component acts or may act: each country
    # of a residency zone, and each a worldwide option names, counts (territorial).
    acts_in = {country for place in rc.places.values() for country in place.countries}
    for party in rc.parties:
        entity = context.graph.entities.get(party.entity)
        reach = triggers.entity_reach(entity)
        operator = party.role == "operator"
        for law in laws:
            if law.id not in reach and not (operator and law.jurisdiction in acts_in):
                continue
            fired = triggers.fired(rc, party, law)
            if fired is None:
                continue
            trigger, hops, confidence, trigger_fact, note, reach_confidence = fired
            state, reasons, guards = mitigation(rc, law, context.control, context.org.entity)
            jurisdiction = kb.jurisdictions.get(law.jurisdiction)
            tail = [
                hop(
                    f"{party.role} {entity_label(entity, party.entity)} ({party.reason})",
                    "entity",
                    party.span,
                    _party_words(rc, party, entity_label(entity, party.entity)),
                ),
                *hops,
                hop(
                    kb.country_name(law.jurisdiction),
                    "jurisdiction",
                    jurisdiction.span if jurisdiction else None,
                ),
                hop(f"{law.short_name}, {law.citation}", "law", law.span),
            ]
            exposure = PartyExposure(
                party,
                entity,
                law,
                trigger,
                tail,
                state,
                reasons,
                access(rc, law, arrivals),
                # A safeguard that narrows the reach is a fact the verdict rests on.
                weakest(
                    confidence,
                    rc.facts_confidence,
                    *(kb.laws[g].provenance.confidence for g in guards if narrows(kb.laws[g])),
                ),
                trigger_fact,
                note,
                reach_confidence,
                tuple(guards),
            )
            if any_personal and any(_non_personal_only(kb.laws[g]) for g in guards):
                p_state, p_reasons, p_guards = mitigation(
                    rc, law, context.control, context.org.entity, all_personal=True
                )
                exposure = replace(
                    exposure,
                    for_personal=replace(
                        exposure,
                        mitigation=p_state,
                        reasons=p_reasons,
                        confidence=weakest(
                            confidence,
                            rc.facts_confidence,
                            *(
                                kb.laws[g].provenance.confidence
                                for g in p_guards
                                if narrows(kb.laws[g])
                            ),
                        ),
                        safeguards=tuple(p_guards),
                    ),
                )
            found.append(exposure)
    return found


def _non_personal_only(guard: Law) -> bool:
    return guard.safeguard is not None and guard.safeguard.covers is SafeguardCovers.NON_PERSONAL


def _party_words(rc: ResolvedComponent, party: Party, label: str) -> str:
    """The party step for people: its role in words, and the catalogue entry by its display
    name ("the operator OVH SAS (FR), named by the catalogue entry for OVHcloud ...")."""
    return f"the {words(party.role)} {label} ({party_reason_words(rc, party)})"


def catalogue_facts_used(context: Context, rc: ResolvedComponent) -> set[str]:
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
    entities = context.graph.entities
    for party in rc.parties:
        entity = entities.get(party.entity)
        if entity is not None and entity.origin == "catalogue":
            used.add(f"entity {entity.id}")
        for chain in context.control.chains(party.entity)[0]:
            for link in chain:
                parent = entities.get(link.parent)
                if parent is not None and parent.origin == "catalogue":
                    used.add(f"entity {parent.id}")
    return used


def path_head(
    context: Context, asset_id: str, arrival: Arrival, rc: ResolvedComponent
) -> list[Hop]:
    """The first steps of an exposure path: the data, how it arrives, the component
    (the same for every party and law that reaches the data there)."""
    asset = context.assets[asset_id]
    head = [hop(asset.name or asset.id, "data", asset.span)]
    if arrival.flow is not None:
        src, dst = context.graph.flow_ends(rc.system.id, arrival.flow)
        components = context.graph.components
        src_words = components[src].words if src in components else src
        dst_words = components[dst].words if dst in components else dst
        head.append(
            hop(
                f"flow {src} -> {dst}",
                "flow",
                arrival.flow.span,
                f"flow from {src_words} to {dst_words}",
            )
        )
    else:
        head.append(
            hop(
                f"held at {rc.key}",
                "holds",
                rc.component.span_of("holds"),
                f"held at {rc.words}",
            )
        )
    processing = rc.places[LocationRole.PROCESSING]
    assumed = (
        f"; deployment option not declared, assumed {rc.deployment.id} (the vendor's default)"
        if rc.deployment_assumed and rc.deployment is not None
        else ""
    )
    detail = f"({rc.kind.value}, processing: {processing.label}{assumed})"
    head.append(hop(f"{rc.key} {detail}", "component", rc.component.span, f"{rc.words} {detail}"))
    return head


def exposure_of(
    context: Context, asset_id: str, head: list[Hop], rc: ResolvedComponent, pe: PartyExposure
) -> Exposure:
    """The exposure of one data asset through one (party, law) at the component."""
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
        strength=pe.trigger.strength.value,
        strength_note=pe.strength_note,
        reach_confidence=pe.reach_confidence.value,
        access=pe.access,
        mitigation=pe.mitigation,
        mitigation_reasons=pe.reasons,
        sensitivity=context.sensitivity[asset_id],
        confidence=pe.confidence.value,
        path=[*head, *pe.tail],
    )
