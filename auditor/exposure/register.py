"""The inventory register: one row per component, with who runs it, where and under whom."""

from __future__ import annotations

from auditor.exposure.context import Context
from auditor.exposure.control import entity_label
from auditor.graph.build import Arrival, ResidencyGraph
from auditor.graph.resolve import ResolvedComponent
from auditor.model.findings import RegisterRow, make_register_row
from auditor.model.kb import LocationRole
from auditor.model.words import place_in_sentence


def register_rows(context: Context, arrivals: dict[str, list[Arrival]]) -> list[RegisterRow]:
    """The inventory register: one row per component, with who runs it, where and under whom."""
    graph = context.graph
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
            chains, unknown = context.control.chains(operator)
            longest = max(chains, key=len, default=[])
            names = [entity_label(graph.entities.get(operator), operator)]
            names += [
                entity_label(graph.entities.get(link.parent), link.parent) for link in longest
            ]
            chain_text = " -> ".join(names)
            if unknown:
                chain_text += " (ownership unknown beyond)"
            seats = sorted(context.control.controller_seats(operator))
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
                sorted({c for a in assets for c in context.assets[a].categories}),
                sorted({s for a in assets for s in context.assets[a].subjects}),
            )
        categories, subjects = asset_sets[held]  # shared lists: rows are frozen
        service = rc.service  # a model family is no supplier of a service: its publisher is named
        supplier_entity = graph.entities.get(service.operator or "") if service else operator_entity
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
                component_name=rc.component.name or rc.component.id,
                kind=rc.kind.value,
                model=_model_text(rc, graph),
                supplier=service.name
                if service
                else (supplier_entity.name if supplier_entity else ""),
                supplier_country=seats_text,
                operator=operator_entity.name if operator_entity else operator or "unknown",
                parent_chain=chain_text,
                processing=rc.places[LocationRole.PROCESSING].label,
                storage=rc.places[LocationRole.STORAGE].label,
                # "<custody>, held in <place>": the place label has a parenthesis of its
                # own ("Paris, France (Scaleway fr-par)"), so none around it (issue 17).
                key_custody=(rc.keys.value if rc.keys else "undeclared")
                + f", held in {place_in_sentence(rc.places[LocationRole.KEY_CUSTODY].label)}",
                support=rc.places[LocationRole.SUPPORT].label,
                subprocessors=sorted(p.entity for p in rc.parties if p.role == "subprocessor"),
                data_assets=assets,
                data_asset_names=[context.assets[a].name or a for a in assets],
                categories=categories,
                subjects=subjects,
                file=span.path if span else None,
                line=span.line if span else None,
            )
        )
    return rows


def _model_text(rc: ResolvedComponent, graph: ResidencyGraph) -> str:
    """The model in words: its name, whether its weights are open, and who published them."""
    model = rc.component.model
    publisher = rc.publisher
    if model is None and publisher is None:
        return ""
    text = model.name if model is not None else publisher.family.name if publisher else ""
    if rc.open_weights:
        text += " (open weights)"
    if publisher is not None:
        text += ", published by " + entity_label(
            graph.entities.get(publisher.entity), publisher.entity
        )
    return text
