"""Evidence gaps: what the audit needed to know about a component and does not.

Unknown facts never silently mean "safe": each becomes a gap row that the
evidence-gap checks turn into findings.
"""

from __future__ import annotations

from auditor.exposure.context import Context
from auditor.exposure.rows import GapRow
from auditor.graph.resolve import PlaceKind, ResolvedComponent
from auditor.model.common import SourceSpan
from auditor.model.findings import make_hop
from auditor.model.inventory import KeyCustody
from auditor.model.kb import LocationRole


def component_gaps(context: Context, rc: ResolvedComponent, assets: list[str]) -> list[GapRow]:
    """The evidence gaps of a component that data reaches (none where no data does)."""
    if not assets:
        return []
    gaps: list[GapRow] = []
    sensitivity = context.max_sensitivity(assets).value
    # By display name: the text is read in the finding (issue 18).
    assets_text = ", ".join(
        sorted(context.assets[a].name or a if a in context.assets else a for a in set(assets))
    )

    ordered_assets = sorted(set(assets))
    # An entity's gap is one fact however many components rely on the entity (issue 17):
    # its path says which component this row is about, for the finding to list them all.
    reached = make_hop(
        node=f"{rc.system.id}/{rc.component.id}",
        kind="component",
        file=rc.component.span.path if rc.component.span else None,
        line=rc.component.span.line if rc.component.span else None,
        label=f"the {rc.component.name or rc.component.id} of {rc.system.name or rc.system.id}",
    )

    def gap(
        kind: str, entity: str, detail: str, span: SourceSpan | None, entity_name: str = ""
    ) -> None:
        step = make_hop(
            node=detail,
            kind="gap",
            file=span.path if span else None,
            line=span.line if span else None,
        )
        gaps.append(
            GapRow(
                kind=kind,
                system=rc.system.id,
                component=rc.component.id,
                system_name=rc.system.name or rc.system.id,
                component_name=rc.component.name or rc.component.id,
                entity=entity,
                entity_name=entity_name or entity,
                detail=detail,
                data_assets_text=assets_text,
                sensitivity=sensitivity,
                data_assets=ordered_assets,
                evidence=[step, reached] if entity else [step],
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
    if context.third_party(rc):
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
    entities = context.graph.entities
    for party in rc.parties:
        entity = entities.get(party.entity)
        if entity is None:
            continue
        if entity.country is None:
            gap(
                "unknown_country",
                entity.id,
                f"{entity.name}: country of registration unknown",
                entity.span,
                entity.name,
            )
        for unknown in context.control.chains(entity.id)[1]:
            owner = entities.get(unknown)
            name = owner.name if owner else unknown
            # A tie, stakes within rounding of a threshold, or stakes over 100 %: the
            # chain stops there because control cannot be decided, not because nobody
            # said who the owners are (issue 15).
            undecided = context.control.undecided(owner) if owner else None
            gap(
                "unknown_owner",
                unknown,
                # Without the party's role: the finding is the entity's, whichever role
                # it plays at each component that relies on it.
                f"Who controls {name} cannot be decided: {undecided}"
                if undecided
                else f"Ownership of {name} unknown",
                owner.span if owner else party.span,
                name,
            )
    return gaps
