"""Residency: data kept or handled outside where the policy (or the asset itself) allows it,
or within reach of a law of a country the policy does not allow."""

from __future__ import annotations

from auditor.exposure.context import Context
from auditor.exposure.evidence import hop
from auditor.exposure.rows import ResidencyRow
from auditor.graph.build import Arrival
from auditor.graph.resolve import PlaceKind, ResolvedComponent
from auditor.model.common import Classification, SourceSpan
from auditor.model.findings import Exposure, Hop, MitigationState
from auditor.model.inventory import DataAsset
from auditor.model.kb import LocationRole

# (which policy rule or asset requirement, allowed places, places whose laws may reach, where)
Requirement = tuple[str, list[str], list[str], SourceSpan | None]


def _rule_applies(categories: list[str], classification: object, asset: DataAsset) -> bool:
    """A policy residency rule covers the asset: by classification (at least as high) or category."""
    order = list(Classification)
    if (
        classification is not None
        and isinstance(classification, Classification)
        and order.index(asset.classification) >= order.index(classification)
    ):
        return True
    return any(c == k or c.startswith(k + ".") for c in asset.categories for k in categories)


def _requirements(context: Context, asset: DataAsset) -> list[Requirement]:
    """The asset's own residency requirement, then each policy rule that covers it."""
    requirements: list[Requirement] = []
    if asset.residency is not None:
        requirements.append(
            (
                f"residency of {asset.id}",
                asset.residency.allowed,
                asset.residency.allowed,
                asset.span_of("residency"),
            )
        )
    if context.policy is not None:
        for index, rule in enumerate(context.policy.residency):
            if _rule_applies(rule.categories, rule.classification, asset):
                requirements.append(
                    (
                        rule.origin(index),
                        rule.allowed,
                        rule.reach_allowed or rule.allowed,
                        rule.span,
                    )
                )
    return requirements


def residency_rows(
    context: Context, exposures: list[Exposure], arrivals: dict[str, list[Arrival]]
) -> list[ResidencyRow]:
    """Every residency breach, one per (asset, component, kind, role, place, law, requirement)."""
    breaches: list[ResidencyRow] = []
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
        located = context.kb.area(allowed)
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
    for exposure in exposures:
        exposures_by_asset.setdefault(exposure.data_asset, []).append(exposure)
    for asset_id, items in arrivals.items():
        asset = context.assets[asset_id]
        sensitivity = context.sensitivity[asset_id].value
        data_hop = hop(asset.name or asset.id, "data", asset.span)
        for origin, allowed, reach_allowed, span in _requirements(context, asset):
            allowed_text, reach_text = ", ".join(allowed), ", ".join(reach_allowed)
            # The requirement's step is the same for every breach of it: one shared instance.
            location_step = hop(f"{origin}: {allowed_text}", "policy", span)
            reachable = context.kb.area(reach_allowed)
            for arrival in items:
                rc = context.graph.components[arrival.component]
                for role, where, component_hop in outside(rc, allowed):
                    breaches.append(
                        ResidencyRow(
                            data_asset=asset_id,
                            system=rc.system.id,
                            component=rc.component.id,
                            kind="location",
                            role=role,
                            where=where,
                            allowed=allowed_text,
                            law="",
                            mitigation="",
                            origin=origin,
                            sensitivity=sensitivity,
                            confidence="confirmed",
                            evidence=[data_hop, component_hop, location_step],
                            cited_law=None,
                        )
                    )
            reach_step: Hop | None = None
            for exposure in exposures_by_asset.get(asset_id, []):
                if exposure.mitigation is MitigationState.MITIGATED or reachable(
                    exposure.jurisdiction
                ):
                    continue
                if reach_step is None:
                    reach_step = hop(f"{origin}: {reach_text}", "policy", span)
                breaches.append(
                    ResidencyRow(
                        data_asset=asset_id,
                        system=exposure.system,
                        component=exposure.component,
                        kind="reach",
                        role=exposure.party_role,
                        where=exposure.jurisdiction,
                        allowed=reach_text,
                        law=exposure.law,
                        mitigation=exposure.mitigation.value,
                        origin=origin,
                        sensitivity=sensitivity,
                        confidence=exposure.confidence,
                        evidence=[*exposure.path, reach_step],
                        cited_law=exposure.law or None,
                    )
                )
    unique = {
        (b.data_asset, b.system, b.component, b.kind, b.role, b.where, b.law, b.origin): b
        for b in breaches
    }
    return [unique[k] for k in sorted(unique)]
