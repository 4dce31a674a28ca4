"""Component facts for the checks: who runs a component, where, under whom, with which controls."""

from __future__ import annotations

from auditor.exposure.context import Context
from auditor.exposure.exposures import PartyExposure
from auditor.exposure.rows import ComponentRow
from auditor.graph.resolve import Place, PlaceKind, ResolvedComponent
from auditor.model.common import join_words
from auditor.model.findings import MitigationState, Sensitivity, make_hop
from auditor.model.inventory import KeyCustody
from auditor.model.kb import LocationRole
from auditor.model.policy import ControlTest

# The providers SecNumCloud 19.6.b judges: who runs the service and what it runs on.
SECNUMCLOUD_ROLES = frozenset({"operator", "hosting", "model_provider"})


def _abroad(context: Context, place: Place) -> bool:
    """The place is outside the organisation's home (or may be anywhere)."""
    if place.kind in (PlaceKind.COUNTRY, PlaceKind.ZONE):
        return not place.countries <= context.home
    return place.kind is PlaceKind.GLOBAL


def _place_for_retention(context: Context, rc: ResolvedComponent) -> Place:
    """Where retained prompts are kept: the declared retention location, else storage."""
    retention = rc.retention
    if retention is not None and retention.location:
        return context.graph.resolver.place_of(retention.location, "retention location", None)
    return rc.places[LocationRole.STORAGE]


def component_row(
    context: Context, rc: ResolvedComponent, assets: list[str], exposures: list[PartyExposure]
) -> ComponentRow:
    """The component's row, for the checks over components."""
    operator = next((p.entity for p in rc.parties if p.role == "operator"), "")
    seats: set[str] = set()
    for party in rc.parties:
        if party.role in ("operator", "model_provider"):
            seats |= context.control.controller_seats(party.entity)
    foreign = sorted(s for s in seats if s not in context.home)
    failures: list[str] = []
    if context.control_test is ControlTest.SECNUMCLOUD:
        for party in rc.parties:
            if party.role in SECNUMCLOUD_ROLES and party.entity != context.org.entity:
                for reason in context.control.secnumcloud(party.entity):
                    if reason not in failures:
                        failures.append(reason)
    sensitivity = context.max_sensitivity(assets) if assets else Sensitivity.PUBLIC
    retention = rc.retention
    retention_place = (
        _place_for_retention(context, rc) if retention and retention.prompts_retained else None
    )
    support = rc.places[LocationRole.SUPPORT]
    admin = rc.places[LocationRole.ADMIN]
    vendor = rc.vendor
    entity = context.graph.entities.get(operator)
    held = sorted(set(assets))
    span = rc.component.span
    return ComponentRow(
        system=rc.system.id,
        component=rc.component.id,
        system_name=rc.system.name or rc.system.id,
        component_name=rc.component.name or rc.component.id,
        kind=rc.kind.value,
        criticality=rc.system.criticality.value,
        vendor=vendor.id if vendor else "",
        vendor_name=vendor.name if vendor else "",
        operator=operator,
        operator_name=entity.name if entity else operator,
        foreign_control=bool(foreign),
        controller_jurisdictions=foreign,
        controller_jurisdictions_text=join_words([context.country_words(c) for c in foreign])
        or "none",
        control_test=context.control_test.value,
        secnumcloud_fails=bool(failures),
        secnumcloud_text="; ".join(failures),
        api_only=rc.api_only,
        open_weights=bool(rc.open_weights),
        open_weights_alternatives="; ".join(vendor.open_weights_alternatives) if vendor else "",
        retains_prompts=bool(retention and retention.prompts_retained),
        retention_days=retention.days if retention and retention.days is not None else -1,
        retention_purpose=(retention.purpose or "unspecified") if retention else "",
        retention_where=context.place_words(retention_place) if retention_place else "",
        retention_abroad=bool(retention_place and _abroad(context, retention_place)),
        retention_unknown=bool(retention_place and retention_place.kind is PlaceKind.UNKNOWN),
        retention_reason=rc.retention_reason,
        training_use=rc.training_use is True,
        training_reason=rc.training_reason,
        support_where=context.place_words(support),
        support_abroad=_abroad(context, support),
        admin_where=context.place_words(admin),
        admin_abroad=_abroad(context, admin),
        keys=rc.keys.value if rc.keys else "undeclared",
        provider_can_decrypt=rc.keys
        in (KeyCustody.PROVIDER_MANAGED, KeyCustody.CUSTOMER_MANAGED_IN_PROVIDER_KMS, None),
        processes_in_clear=rc.processes_in_clear,
        third_party=context.third_party(rc),
        exposed=any(e.mitigation is not MitigationState.MITIGATED for e in exposures),
        reached=bool(assets),
        data_assets=held,
        data_assets_text=", ".join(
            context.assets[a].name or a if a in context.assets else a for a in held
        ),
        sensitivity=sensitivity.value,
        confidence=rc.facts_confidence.value,
        evidence=[
            make_hop(
                node=f"{rc.system.id}/{rc.component.id}",
                kind="component",
                file=(span.path if span else "") or None,
                line=(span.line if span else 0) or None,
                label=rc.words,
            )
        ],
    )
