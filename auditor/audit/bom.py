"""CycloneDX AI-BOM export: the inventory, as resolved and audited, as a CycloneDX 1.6 BOM.

Each AI system is an ``application`` component; each of its components is a
``service`` (who runs it, where, which data enters and leaves it, whether using it
crosses the organisation's trust boundary); each model is a
``machine-learning-model`` component with a model card; each data asset is a
``data`` component. What the audit found (the jurisdictions whose laws reach a
service's data, and through whom) is written as properties in the
``residency-auditor`` namespace (docs/cyclonedx.md).

The output is reproducible: bom-refs are derived from inventory ids, the serial
number is a name-based UUID (version 5) of the input files' hashes and the
knowledge-base version, and there is no timestamp unless one is passed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from auditor import __version__
from auditor.audit.core import load_checked_inventory
from auditor.exposure.engine import ExposureEngine
from auditor.graph.build import ResidencyGraph, build_graph
from auditor.graph.resolve import PlaceKind, ResolvedComponent, ResolvedEntity
from auditor.kb.index import KnowledgeIndex
from auditor.loader.code.catalogue import load_code_catalogue
from auditor.model.bom import (
    PARTY_PROPERTIES,
    Address,
    Bom,
    Component,
    ComponentData,
    DataFlow,
    Dependency,
    License,
    LicenseChoice,
    Metadata,
    ModelCard,
    OrganizationalEntity,
    Prop,
    Property,
    Service,
    ServiceData,
    ToolComponent,
    Tools,
    location_property,
)
from auditor.model.findings import Exposure
from auditor.model.inventory import ComponentKind, DataAsset, Inventory, System
from auditor.model.kb import LocationRole
from auditor.model.words import country_in_sentence, trigger_words_of, words

# A fixed namespace for the serial numbers (uuid5 of the URL of the namespace's documentation).
_SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "residency-auditor:cyclonedx-bom")

INVENTORY_REF = "inventory"

_KIND_WORDS = {
    ComponentKind.MODEL_API: "hosted model reached by API",
    ComponentKind.MODEL_WEIGHTS: "open-weights model run by the organisation",
    ComponentKind.INFERENCE_ENDPOINT: "inference endpoint",
    ComponentKind.VECTOR_STORE: "vector store",
    ComponentKind.DATABASE: "database",
    ComponentKind.OBJECT_STORAGE: "object storage",
    ComponentKind.FINE_TUNING: "fine-tuning service",
    ComponentKind.LOGGING: "logging",
    ComponentKind.APPLICATION: "application",
    ComponentKind.IDENTITY: "identity service",
    ComponentKind.SUPPORT: "support channel (human access)",
}


def system_ref(system_id: str) -> str:
    """bom-ref of an AI system."""
    return f"system:{system_id}"


def service_ref(key: str) -> str:
    """bom-ref of a component (``system/component``) written as a service."""
    return f"component:{key}"


def model_ref(key: str) -> str:
    """bom-ref of the model a component runs or calls."""
    return f"model:{key}"


def data_ref(asset_id: str) -> str:
    """bom-ref of a data asset."""
    return f"data:{asset_id}"


def serial_number(hashes: Sequence[str], kb_version: str) -> str:
    """``urn:uuid:`` of a version-5 UUID over the input hashes (order-free) and the KB version."""
    name = "\n".join([*sorted(hashes), f"kb {kb_version}"])
    return f"urn:uuid:{uuid.uuid5(_SERIAL_NAMESPACE, name)}"


def bom_link(serial: str, ref: str) -> str:
    """A BOM-Link to an element of this BOM (CycloneDX 1.6 bomLinkElementType)."""
    return f"urn:cdx:{serial.removeprefix('urn:uuid:')}/1#{quote(ref, safe='')}"


def _prop(name: str, value: str) -> Property:
    return Property(name=name, value=value)


def _entity(entity: ResolvedEntity | None, ident: str | None) -> OrganizationalEntity | None:
    if entity is None:
        return OrganizationalEntity(name=ident) if ident else None
    return OrganizationalEntity(
        name=entity.name, address=Address(country=entity.country) if entity.country else None
    )


def bom_of(
    paths: Sequence[Path], rule_dirs: Sequence[Path] = (), timestamp: dt.datetime | None = None
) -> Bom:
    """Load and check the inventory at ``paths``, and build its AI-BOM (``auditor bom``)."""
    inventory, kb = load_checked_inventory(paths, rule_dirs)
    return build_bom(inventory, kb, timestamp=timestamp)


def build_bom(
    inventory: Inventory,
    kb: KnowledgeIndex,
    *,
    timestamp: dt.datetime | None = None,
) -> Bom:
    """The CycloneDX 1.6 AI-BOM of a loaded, checked inventory (``load_checked_inventory``)."""
    graph = build_graph(inventory, kb)
    engine = ExposureEngine(graph, inventory.policy)
    exposure = engine.run()
    hashes = [
        hashlib.sha256(Path(f).read_bytes()).hexdigest()
        for f in inventory.files
        if Path(f).is_file()
    ]
    serial = serial_number(hashes, kb.version)
    builder = _Builder(graph, engine, serial)
    by_component: dict[str, list[Exposure]] = {}
    for row in exposure.exposures:
        by_component.setdefault(f"{row.system}/{row.component}", []).append(row)
    names = {a.id: a.name or a.id for a in inventory.data}
    flows = builder.flow_data(inventory, names)

    systems: list[Component] = []
    models: list[Component] = []
    services: list[Service] = []
    dependencies: list[Dependency] = []
    for system in sorted(inventory.systems, key=lambda s: s.id):
        keys = sorted(graph.system_components[system.id])
        systems.append(_system_component(system))
        system_deps: list[str] = []
        for key in keys:
            rc = graph.components[key]
            services.append(builder.service(rc, flows.get(key, []), by_component.get(key, [])))
            system_deps.append(service_ref(key))
            model = builder.model(rc)
            if model is not None:
                models.append(model)
                dependencies.append(Dependency(ref=service_ref(key), depends_on=[model.bom_ref]))
        dependencies.append(Dependency(ref=system_ref(system.id), depends_on=sorted(system_deps)))
    dependencies.append(
        Dependency(ref=INVENTORY_REF, depends_on=sorted(c.bom_ref for c in systems))
    )
    organisation = inventory.organisation
    org_props = [_prop(Prop.ORGANISATION_COUNTRY, organisation.country)]
    if organisation.entity:
        org_props.append(_prop(Prop.ORGANISATION_ENTITY, organisation.entity))
    org_props += [
        _prop(Prop.KB_VERSION, kb.version),
        _prop(Prop.KB_AS_OF, kb.kb.meta.as_of.isoformat()),
    ]
    org_props += [_prop(Prop.ENTITY, record) for record in _entity_records(inventory, graph, kb)]
    return Bom(
        serial_number=serial,
        metadata=Metadata(
            timestamp=timestamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if timestamp
            else None,
            tools=Tools(components=[ToolComponent(name="residency-auditor", version=__version__)]),
            manufacturer=OrganizationalEntity(
                name=organisation.name, address=Address(country=organisation.country)
            ),
            component=Component(
                type="application",
                bom_ref=INVENTORY_REF,
                name=f"AI systems of {organisation.name}",
                description="The AI systems, models and data flows of the organisation's inventory.",
            ),
            properties=org_props,
        ),
        components=[
            *systems,
            *sorted(models, key=lambda c: c.bom_ref),
            *(_data_component(a) for a in sorted(inventory.data, key=lambda a: a.id)),
        ],
        services=services,
        dependencies=sorted(dependencies, key=lambda d: d.ref),
    )


def _entity_records(inventory: Inventory, graph: ResidencyGraph, kb: KnowledgeIndex) -> list[str]:
    """The inventory's own entities (not the catalogue's) that a party of a component or the
    organisation leads to through its parents, each as the inventory declares it (compact
    JSON), sorted by id: what an import needs to rebuild the chains of control."""
    declared = {e.id: e for e in inventory.entities if e.id not in kb.entities}
    stack = [p.entity for rc in graph.components.values() for p in rc.parties]
    stack += [c.engaged_by for s in inventory.systems for c in s.components if c.engaged_by]
    if inventory.organisation.entity:
        stack.append(inventory.organisation.entity)
    seen: set[str] = set()
    while stack:
        ident = stack.pop()
        if ident in seen or ident not in declared:
            continue
        seen.add(ident)
        stack.extend(p.entity for p in declared[ident].parents or ())
    return [
        json.dumps(
            declared[i].model_dump(mode="json", by_alias=True, exclude_defaults=True),
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for i in sorted(seen)
    ]


def _system_component(system: System) -> Component:
    props = [
        _prop(Prop.ID, system.id),
        _prop(Prop.SYSTEM_CRITICALITY, system.criticality.value),
        _prop(Prop.SYSTEM_AI_ACT_RISK, system.ai_act_risk.value),
    ]
    if system.owner:
        props.append(_prop(Prop.SYSTEM_OWNER, system.owner))
    return Component(
        type="application",
        bom_ref=system_ref(system.id),
        name=system.name or system.id,
        description=system.purpose,
        properties=props,
    )


def _data_component(asset: DataAsset) -> Component:
    props = [_prop(Prop.ID, asset.id)]
    props += [_prop(Prop.DATA_CATEGORY, c) for c in asset.categories]
    props += [_prop(Prop.DATA_SUBJECT, s) for s in asset.subjects]
    if asset.residency is not None:
        props += [_prop(Prop.DATA_RESIDENCY, a) for a in asset.residency.allowed]
    if asset.volume:
        props.append(_prop(Prop.DATA_VOLUME, asset.volume))
    name = asset.name or asset.id
    return Component(
        type="data",
        bom_ref=data_ref(asset.id),
        name=name,
        description=asset.description,
        data=[ComponentData(name=name, classification=asset.classification.value)],
        properties=props,
    )


class _Builder:
    """Services and models of one BOM, with the graph and the catalogue at hand."""

    def __init__(
        self,
        graph: ResidencyGraph,
        engine: ExposureEngine,
        serial: str,
    ) -> None:
        self.graph = graph
        self.engine = engine
        self.serial = serial
        self.org_entity = graph.inventory.organisation.entity
        self.hosts = _literal_hosts()

    def flow_data(
        self, inventory: Inventory, names: dict[str, str]
    ) -> dict[str, list[ServiceData]]:
        """Per component key: the data entering (with its source) and leaving (with its target)."""
        classes = {a.id: a.classification.value for a in inventory.data}
        found: dict[str, set[tuple[str, DataFlow, str, str]]] = {}
        for system in inventory.systems:
            for flow in system.flows:
                source = flow.source if "/" in flow.source else f"{system.id}/{flow.source}"
                target = flow.target if "/" in flow.target else f"{system.id}/{flow.target}"
                for asset in flow.data:
                    found.setdefault(source, set()).add(
                        (asset, DataFlow.OUTBOUND, target, flow.purpose or "")
                    )
                    found.setdefault(target, set()).add(
                        (asset, DataFlow.INBOUND, source, flow.purpose or "")
                    )
        out: dict[str, list[ServiceData]] = {}
        for key, items in found.items():
            rows: list[ServiceData] = []
            for asset, direction, other, purpose in sorted(items):
                link = [bom_link(self.serial, service_ref(other))]
                rows.append(
                    ServiceData(
                        flow=direction,
                        classification=classes.get(asset, "unknown"),
                        name=names.get(asset, asset),
                        description=(f"{purpose} " if purpose else "") + f"(data asset {asset})",
                        source=link if direction is DataFlow.INBOUND else None,
                        destination=link if direction is DataFlow.OUTBOUND else None,
                    )
                )
            out[key] = rows
        return out

    def _operator(self, rc: ResolvedComponent) -> str | None:
        return next((p.entity for p in rc.parties if p.role == "operator"), None)

    def service(
        self, rc: ResolvedComponent, data: list[ServiceData], exposures: list[Exposure]
    ) -> Service:
        """One inventory component as a CycloneDX service."""
        comp = rc.component
        entities = self.graph.entities
        operator = self._operator(rc)
        operator_entity = entities.get(operator) if operator else None
        props = [_prop(Prop.ID, rc.key), _prop(Prop.KIND, rc.kind.value)]
        if comp.vendor:
            props.append(_prop(Prop.VENDOR, comp.vendor))
        if rc.deployment is not None:
            props.append(_prop(Prop.DEPLOYMENT, rc.deployment.id))
        if comp.region:
            props.append(_prop(Prop.REGION, comp.region))
        if comp.country:
            props.append(_prop(Prop.COUNTRY, comp.country))
        if comp.on_prem is not None:
            props.append(_prop(Prop.ON_PREM_COUNTRY, comp.on_prem.country))
        if operator:
            props.append(_prop(Prop.OPERATOR_ID, operator))
            seats = sorted(self.engine.control.controller_seats(operator))
            if seats:
                props.append(_prop(Prop.OPERATOR_CONTROLLED_FROM, ", ".join(seats)))
        # Each party in words; the id too where the component declares it (so an import
        # restores the declaration; the vendor brings the others back by itself).
        declared = {
            ("hosting", comp.hosting),
            ("model_provider", comp.model_provider),
            ("support", comp.support),
            *(("subprocessor", s) for s in comp.subprocessors),
        }
        for party in sorted(rc.parties, key=lambda p: (p.role, p.entity)):
            if party.role not in PARTY_PROPERTIES:
                continue
            name, ident = PARTY_PROPERTIES[party.role]
            entity = entities.get(party.entity)
            props.append(_prop(name, entity.name if entity else party.entity))
            if (party.role, party.entity) in declared:
                props.append(_prop(ident, party.entity))
        if comp.engaged_by:
            props.append(_prop(Prop.ENGAGED_BY_ID, comp.engaged_by))
        for role in LocationRole:
            value = getattr(comp.locations, role.value)
            if value is not None:
                props.append(_prop(location_property(role.value, declared=True), value))
        for role in LocationRole:
            place = rc.places.get(role)
            if place is None:
                continue
            label = place.label
            if (
                place.kind is PlaceKind.COUNTRY
                and place.country is not None
                and label == self.graph.kb.country_name(place.country)
            ):
                label = f"{label} ({place.country})"  # words before codes
            props.append(_prop(location_property(role.value), label))
            if place.kind in (PlaceKind.COUNTRY, PlaceKind.ZONE) and place.countries:
                codes = ", ".join(sorted(place.countries))
                props.append(_prop(location_property(role.value, country=True), codes))
        props += [_prop(Prop.HOLDS, a) for a in sorted(comp.holds)]
        props += _exposure_properties(exposures, self.graph)
        if operator is None:
            zone, boundary = "operator unknown", None
        elif operator == self.org_entity:
            zone, boundary = "the organisation", False
        else:
            zone = "third party: " + (operator_entity.name if operator_entity else operator)
            boundary = True
        endpoint = self.hosts.get((comp.vendor or "", rc.deployment.id if rc.deployment else ""))
        return Service(
            bom_ref=service_ref(rc.key),
            provider=_entity(operator_entity, operator),
            name=comp.name or comp.id,
            description=f"{_KIND_WORDS[rc.kind].capitalize()}, part of {rc.system.name or rc.system.id}",
            endpoints=[f"https://{endpoint}"] if endpoint else None,
            x_trust_boundary=boundary,
            trust_zone=zone,
            data=data or None,
            properties=props,
        )

    def model(self, rc: ResolvedComponent) -> Component | None:
        """The model a component calls or runs, when the inventory or the catalogue names one."""
        comp = rc.component
        publisher = rc.publisher
        if comp.model is None and publisher is None and rc.kind is not ComponentKind.MODEL_WEIGHTS:
            return None
        entities = self.graph.entities
        name = (
            comp.model.name
            if comp.model is not None
            else publisher.family.name
            if publisher is not None
            else comp.name or comp.id
        )
        card: list[Property] = []
        if rc.open_weights:
            weights = "open"
        elif rc.api_only or rc.open_weights is False:
            weights = "api-only" if rc.kind is ComponentKind.MODEL_API or rc.api_only else "closed"
        else:
            weights = "unknown"
        card.append(_prop(Prop.MODEL_WEIGHTS, weights))
        family = comp.model.vendor if comp.model is not None and comp.model.vendor else None
        if family:
            card.append(_prop(Prop.MODEL_VENDOR, family))
        if publisher is not None:
            card.append(_prop(Prop.MODEL_FAMILY, publisher.family.name))
        # The publisher: the family's (open weights), else the model provider of the
        # catalogue vendor the inventory names as the model's (model.vendor: openai).
        maker = publisher.entity if publisher is not None else None
        if maker is None and family in self.graph.kb.vendors:
            named = self.graph.kb.vendors[family]
            maker = named.model_provider or named.publisher or named.operator
        publisher_entity = entities.get(maker) if maker else None
        if maker:
            card.append(
                _prop(Prop.MODEL_PUBLISHER, publisher_entity.name if publisher_entity else maker)
            )
        supplier = None
        if rc.service is not None:
            operator = self._operator(rc)
            supplier = _entity(entities.get(operator) if operator else None, operator)
        licence = comp.model.licence if comp.model is not None else None
        return Component(
            type="machine-learning-model",
            bom_ref=model_ref(rc.key),
            supplier=supplier,
            manufacturer=_entity(publisher_entity, maker) if maker else None,
            publisher=publisher_entity.name if publisher_entity else None,
            name=name,
            licenses=[LicenseChoice(license=License(name=licence))] if licence else None,
            model_card=ModelCard(properties=card),
            properties=[_prop(Prop.ID, rc.key)],
        )


def _exposure_properties(rows: list[Exposure], graph: ResidencyGraph) -> list[Property]:
    """Jurisdictions, laws and one sentence per (law, party, how, mitigation), sorted."""
    names = {a.id: a.name or a.id for a in graph.inventory.data}
    jurisdictions = sorted({r.jurisdiction for r in rows})
    laws = sorted({r.law_name for r in rows})
    grouped: dict[tuple[str, str, str, str, str], set[str]] = {}
    for r in rows:
        how = trigger_words_of(r.trigger).bom.format(
            country_in_sentence(graph.kb.country_name(r.jurisdiction))
        )
        key = (r.law_name, r.party_name, r.party_role.replace("_", " "), how, r.mitigation.value)
        grouped.setdefault(key, set()).add(names.get(r.data_asset, r.data_asset))
    sentences = [
        f"{law} reaches {party} ({role}; {how}) for {', '.join(sorted(assets))}; "
        f"{words(mitigation)}"
        for (law, party, role, how, mitigation), assets in sorted(grouped.items())
    ]
    return [
        *(_prop(Prop.JURISDICTION, j) for j in jurisdictions),
        *(_prop(Prop.EXPOSURE_LAW, law) for law in laws),
        *(_prop(Prop.EXPOSURE, s) for s in sentences),
    ]


def _literal_hosts() -> dict[tuple[str, str], str]:
    """(vendor, deployment) -> API host, for catalogue host rules that name one plain host."""
    hosts: dict[tuple[str, str], str] = {}
    for rule in load_code_catalogue().endpoints:
        plain = rule.host.replace("\\.", ".")
        if rule.deployment is None or any(ch in plain for ch in "\\()[]{}*+?|^$"):
            continue
        hosts.setdefault((rule.vendor, rule.deployment), plain.lower())
    return hosts
