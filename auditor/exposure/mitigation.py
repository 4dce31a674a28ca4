"""How far a component's measures stop a law, and which kinds of access the law reaches there.

DESIGN.md 3.4: key custody and processing in clear decide; the region alone
never changes who can be compelled.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.exposure.control import Control
from auditor.graph.build import Arrival
from auditor.graph.resolve import PlaceKind, ResolvedComponent
from auditor.kb.index import KnowledgeIndex
from auditor.model.findings import MitigationState
from auditor.model.inventory import KeyCustody, TransitProtection
from auditor.model.kb import (
    Access,
    Law,
    LawEffect,
    LawStatus,
    LocationRole,
    Mitigation,
    SafeguardAgainst,
    SafeguardCovers,
    SafeguardEffect,
)

# A pending or repealed safeguard protects nothing yet (or any more).
_INOPERATIVE = frozenset({LawStatus.PENDING, LawStatus.REPEALED})


def mitigation(
    rc: ResolvedComponent,
    law: Law,
    control: Control,
    org_entity: str | None,
    *,
    all_personal: bool = False,
) -> tuple[MitigationState, list[str], list[str]]:
    """The mitigation state of ``law`` at ``rc``, the reasons for it, and the ids of the
    safeguard laws those reasons cite. ``all_personal``: every data asset at ``rc`` holds
    personal data, so a safeguard for non-personal data only is not cited."""
    reasons: list[str] = []
    controls = rc.component.controls
    if rc.processes_in_clear:
        reasons.append(f"processes data in clear: {rc.in_clear_reason}")
        if controls.confidential_computing:
            return (
                MitigationState.PARTIAL,
                [
                    *reasons,
                    "attested confidential computing narrows provider access (not an EDPB-endorsed measure)",
                ],
                [],
            )
        state = MitigationState.NONE
    else:
        custody = rc.places.get(LocationRole.KEY_CUSTODY)
        if rc.keys is KeyCustody.CUSTOMER_HELD_EXTERNAL:
            holder = rc.key_holder or org_entity
            holder_ok = holder is not None and law.jurisdiction not in control.controller_seats(
                holder
            )
            place_ok = (
                custody is not None
                and custody.kind in (PlaceKind.COUNTRY, PlaceKind.ZONE)
                and law.jurisdiction not in custody.countries
            )
            if holder_ok and place_ok and Mitigation.CUSTOMER_HELD_KEYS not in law.not_mitigated_by:
                reasons.append(
                    f"the provider holds only ciphertext; keys held by {rc.key_holder or 'the organisation'} in {custody.label if custody else '?'}, outside {law.jurisdiction} (EDPB use cases 1-3)"
                )
                if Access.METADATA in law.reaches:
                    reasons.append("metadata (accounts, sizes, timing) remains reachable")
                return MitigationState.MITIGATED, reasons, []
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
    guards = safeguards(rc, law, control.graph.kb, all_personal=all_personal)
    for guard in guards:
        assert guard.safeguard is not None  # safeguards() yields only those
        if narrows(guard):
            if state is MitigationState.NONE:
                state = MitigationState.PARTIAL
            stops = f"it narrows, but does not remove, what {law.short_name} can reach"
        else:
            stops = f"it does not by itself stop an order under {law.short_name}"
        reasons.append(f"{guard.short_name} ({guard.citation}): {guard.safeguard.finding}; {stops}")
    reasons.append("the region choice alone does not change who can be compelled")
    return state, reasons, [guard.id for guard in guards]


def narrows(guard: Law) -> bool:
    """The safeguard changes a verdict (effect partial), so a finding rests on it."""
    return guard.safeguard is not None and guard.safeguard.effect is SafeguardEffect.PARTIAL


def safeguards(
    rc: ResolvedComponent, law: Law, kb: KnowledgeIndex, *, all_personal: bool = False
) -> list[Law]:
    """Operative safeguard laws that concern ``law`` at ``rc``, sorted by id.

    A safeguard concerns the data where it is held: the component's storage place, or
    its processing place when it stores nothing. Every country of that place must be
    inside the safeguard's ``held_in``. A ``foreign`` safeguard concerns laws of other
    jurisdictions; a ``local`` one the laws of the places it protects. A safeguard that
    covers only non-personal data concerns nothing when all the data there is personal.
    """
    role = LocationRole.STORAGE if rc.stores else LocationRole.PROCESSING
    place = rc.places.get(role)
    if place is None or place.kind not in (PlaceKind.COUNTRY, PlaceKind.ZONE):
        return []
    found = []
    for guard in sorted(kb.laws.values(), key=lambda x: x.id):
        scope = guard.safeguard
        if guard.effect is not LawEffect.SAFEGUARD or scope is None or guard.status in _INOPERATIVE:
            continue
        if all_personal and scope.covers is SafeguardCovers.NON_PERSONAL:
            continue
        inside = kb.area(scope.held_in)
        if not place.countries or not all(inside(c) for c in place.countries):
            continue
        local = inside(law.jurisdiction)
        if local == (scope.against is SafeguardAgainst.LOCAL):
            found.append(guard)
    return found


def access(rc: ResolvedComponent, law: Law, arrivals: Iterable[Arrival]) -> list[Access]:
    """The kinds of access ``law`` gives to data at ``rc`` (all it reaches, if none applies)."""
    wanted: list[Access] = []
    for kind in law.reaches:
        if kind is Access.STORED and not rc.stores:
            continue
        if kind is Access.PROCESSING and not rc.processes_in_clear:
            continue
        if kind is Access.TRANSIT and all(
            a.flow is None or a.flow.in_transit is TransitProtection.E2E for a in arrivals
        ):
            continue
        wanted.append(kind)
    return sorted(wanted, key=lambda a: a.value) or sorted(law.reaches, key=lambda a: a.value)
