"""Residency: data kept or handled outside where the policy (or the asset itself) allows it,
or within reach of a law of a country the policy does not allow."""

from __future__ import annotations

from auditor.exposure.context import Context
from auditor.exposure.evidence import hop
from auditor.exposure.rows import ResidencyRow
from auditor.exposure.transfers import dpf_certified, importer_of
from auditor.graph.build import Arrival
from auditor.graph.resolve import PlaceKind, ResolvedComponent
from auditor.kb.index import ADEQUATE_BLOC
from auditor.model.common import Classification, SourceSpan
from auditor.model.findings import Exposure, Hop, MitigationState
from auditor.model.inventory import DataAsset
from auditor.model.kb import LocationRole
from auditor.model.words import LOCATION_ROLE_WORDS, words

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


def _names(context: Context, codes: list[str]) -> str:
    return ", ".join(context.kb.country_name(c) for c in codes)


def _certified_only_text(context: Context, code: str, importer_name: str) -> str:
    return (
        f"{context.kb.country_name(code)} is adequate only for DPF-certified importers; "
        f"{importer_name} is not recorded as certified"
    )


def residency_rows(
    context: Context, exposures: list[Exposure], arrivals: dict[str, list[Arrival]]
) -> list[ResidencyRow]:
    """Every residency breach, one per (asset, component, kind, role, place, law, requirement)."""
    breaches: list[ResidencyRow] = []
    kb = context.kb
    # Where a component keeps or handles data outside an allowed area: the same for
    # every data asset under the same requirement that reaches it, so worked out once.
    outside_of: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, str, Hop, str], ...]] = {}

    def outside(rc: ResolvedComponent, allowed: list[str]) -> tuple[tuple[str, str, Hop, str], ...]:
        """(role, place, evidence step, why) for each of the component's storage,
        processing and backup places not wholly inside ``allowed``.

        Every country of a zone counts (an 'eu.' profile that may route to London is not
        EU-only), and 'adequate' admits the United States only for the importer in that
        role when it is DPF-certified, the test the transfer engine applies.
        """
        key = (rc.key, tuple(allowed))
        known = outside_of.get(key)
        if known is not None:
            return known
        located = kb.area(allowed)
        adequate = ADEQUATE_BLOC in allowed
        found: list[tuple[str, str, Hop, str]] = []
        for role in (LocationRole.STORAGE, LocationRole.PROCESSING, LocationRole.BACKUP):
            place = rc.places[role]
            detail = place.reason
            if place.kind in (PlaceKind.COUNTRY, PlaceKind.ZONE):
                out = [c for c in sorted(place.countries) if not located(c)]
                importer = importer_of(rc, role)
                if adequate and out and dpf_certified(context, rc, importer):
                    out = [c for c in out if not kb.adequate_for_certified_only(c)]
                if not out:
                    continue
                entity = context.graph.entities.get(importer)
                importer_name = entity.name if entity else importer
                reasons: list[str] = []
                zone = kb.zones.get(place.zone) if place.zone else None
                if zone is not None:
                    reasons.append(
                        f"may be processed in any of: {kb.zone_members_text(zone)}; "
                        f"outside {', '.join(allowed)}: {_names(context, out)}"
                    )
                if adequate:
                    reasons.extend(
                        _certified_only_text(context, c, importer_name)
                        for c in out
                        if kb.adequate_for_certified_only(c)
                    )
                detail = (
                    "; ".join(reasons) or f"{_names(context, out)} is not in {', '.join(allowed)}"
                )
            step = hop(
                f"{rc.key}: {role.value} {place.in_words} ({place.reason})",
                "component",
                place.span or rc.component.span,
                f"{rc.words}: {role.value} {place.in_words} ({place.reason})",
            )
            # Read in "({role} in {where})" and "has its {role} at {where}": never "in anywhere".
            where = "any place" if place.kind is PlaceKind.GLOBAL else context.place_words(place)
            found.append((role.value, where, step, detail))
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
                for role, where, component_hop, detail in outside(rc, allowed):
                    breaches.append(
                        ResidencyRow(
                            data_asset=asset_id,
                            system=rc.system.id,
                            component=rc.component.id,
                            system_name=rc.system.name or rc.system.id,
                            component_name=rc.component.name or rc.component.id,
                            kind="location",
                            role=role,
                            role_text=LOCATION_ROLE_WORDS.get(role, words(role)),
                            where=where,
                            allowed=allowed_text,
                            detail=detail,
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
                reach_detail = ""
                reached = context.graph.components[f"{exposure.system}/{exposure.component}"]
                if ADEQUATE_BLOC in reach_allowed and kb.adequate_for_certified_only(
                    exposure.jurisdiction
                ):
                    # 'adequate' admits US law only through a DPF-certified party.
                    if dpf_certified(context, reached, exposure.party):
                        continue
                    reach_detail = _certified_only_text(
                        context, exposure.jurisdiction, exposure.party_name or exposure.party
                    )
                if reach_step is None:
                    reach_step = hop(f"{origin}: {reach_text}", "policy", span)
                breaches.append(
                    ResidencyRow(
                        data_asset=asset_id,
                        system=exposure.system,
                        component=exposure.component,
                        system_name=reached.system.name or reached.system.id,
                        component_name=reached.component.name or reached.component.id,
                        kind="reach",
                        role=exposure.party_role,
                        role_text=words(exposure.party_role),
                        where=exposure.jurisdiction,
                        allowed=reach_text,
                        detail=reach_detail,
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
