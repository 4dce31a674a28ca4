"""``auditor import cyclonedx``: a draft inventory from a CycloneDX BOM, with every gap visible.

The draft holds only what the BOM states, plus what the catalogue says about a
vendor the BOM names (by API host, or by the supplier, manufacturer or publisher
of a model). Nothing else is filled in: a region, an operator, a data category
the BOM does not state stays out of the YAML, and a ``# TODO(auditor): ...``
comment above the item says what a person must add. The same gaps come back as a
list, for the terminal.

A BOM written by ``auditor bom`` carries the inventory's ids and facts as
``residency-auditor:*`` properties (docs/cyclonedx.md); they are read back, so the
round trip gives the same systems, components, places and flows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import ValidationError

from auditor.errors import UsageError
from auditor.kb import KnowledgeIndex, load_knowledge_base
from auditor.loader.code.catalogue import CodeRules, load_code_catalogue
from auditor.loader.cyclonedx import (
    CdxBom,
    CdxComponent,
    CdxOrganization,
    CdxProperty,
    CdxService,
    first_property,
    property_values,
    read_cyclonedx,
)
from auditor.model.bom import PARTY_PROPERTIES, Prop, location_property
from auditor.model.inventory import ComponentKind, Entity
from auditor.model.kb import LocationRole, Vendor, VendorKind

TODO = "# TODO(auditor): "

_CLASSIFICATIONS = {"public", "internal", "confidential", "secret"}
_LEGAL_SUFFIXES = {
    "inc", "llc", "ltd", "limited", "corp", "corporation", "co", "sas", "sa", "sarl", "gmbh",
    "ag", "bv", "nv", "plc", "spa", "srl", "ab", "oy", "as", "kk", "pte", "pty",
}  # fmt: skip


@dataclass(frozen=True)
class Gap:
    """Something the BOM does not say that the inventory needs, and where it goes."""

    file: str
    subject: str
    text: str

    def __str__(self) -> str:
        return f"{self.file}: {self.subject}: {self.text}"


@dataclass(frozen=True)
class Draft:
    """The draft inventory: file name (relative to the output folder) -> YAML text, and gaps."""

    files: dict[str, str]
    gaps: list[Gap]
    systems: int
    components: int
    data_assets: int


def slug(text: str) -> str:
    """An inventory identifier made from a name: lower case, letters, digits, '.', '_', '-'."""
    out = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return (out or "unnamed")[:100]


def _unique(base: str, taken: set[str]) -> str:
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    taken.add(ident)
    return ident


def _normalised(name: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", name.lower()).split()
    while words and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


@dataclass
class _Item:
    """One inventory entry being drafted: its YAML mapping and its TODO notes."""

    data: dict[str, Any]
    todos: list[str] = field(default_factory=list)


@dataclass
class _System:
    item: _Item
    components: list[_Item] = field(default_factory=list)
    by_ref: dict[str, str] = field(default_factory=dict)  # bom-ref -> component id
    flows: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)


class _Drafter:
    """Turns one BOM into inventory items, recording each gap."""

    def __init__(self, bom: CdxBom, kb: KnowledgeIndex, code: CodeRules) -> None:
        self.bom = bom
        self.kb = kb
        self.code = code
        self.gaps: list[Gap] = []
        self.entities: dict[str, _Item] = {}
        self.entity_ids: dict[str, str] = {}  # normalised provider name -> entity id
        self.data: dict[str, _Item] = {}
        self.data_names: dict[str, str] = {}  # display name -> asset id
        self.systems: dict[str, _System] = {}
        self.where: dict[str, tuple[str, str]] = {}  # bom-ref -> (system id, component id)
        self.vendor_names = self._vendor_names()
        # (system id, component id) -> the services drafted there (to find both sides of a flow)
        self.services_by_place: dict[tuple[str, str], list[CdxService]] = {}

    # --- catalogue look-ups ----------------------------------------------------------

    def _vendor_names(self) -> dict[str, str]:
        """Normalised names (vendor, its operator, model provider, publisher) -> vendor id.

        A name that several vendors share (a cloud and its model API under one company)
        maps to the one whose kind is a model API or family, else to none.
        """
        found: dict[str, set[str]] = {}
        for vendor in self.kb.vendors.values():
            names = {vendor.id.replace("-", " "), vendor.name}
            for ident in (vendor.operator, vendor.model_provider, vendor.publisher):
                entity = self.kb.entities.get(ident or "")
                if entity is not None:
                    names.add(entity.name)
            for name in names:
                if _normalised(name):
                    found.setdefault(_normalised(name), set()).add(vendor.id)
        chosen: dict[str, str] = {}
        for name, ids in found.items():
            if len(ids) == 1:
                chosen[name] = next(iter(ids))
                continue
            models = sorted(
                i
                for i in ids
                if self.kb.vendors[i].kind in (VendorKind.MODEL_API, VendorKind.MODEL_FAMILY)
            )
            if len(models) == 1:
                chosen[name] = models[0]
        return chosen

    def vendor_named(self, *names: str | None) -> Vendor | None:
        """The catalogue vendor one of these organisation names stands for, if any."""
        for name in names:
            if name:
                ident = self.vendor_names.get(_normalised(name))
                if ident is not None:
                    return self.kb.vendors[ident]
        return None

    # --- the parts of the draft ------------------------------------------------------

    def restore_entities(self, records: Iterable[str]) -> None:
        """The inventory's own entities ``auditor bom`` wrote (residency-auditor:entity), as
        that inventory declared them. A record never stands in for the catalogue: one with a
        catalogue entity's id or name is left out, the catalogue's facts are used."""
        found: dict[str, Entity] = {}
        for value in records:
            try:
                entity = Entity.model_validate(json.loads(value))
            except (ValueError, ValidationError):
                self.gap(
                    "entities.yaml",
                    Prop.ENTITY,
                    f"not a valid entity record, left out: {value[:60]!r}",
                )
                continue
            wanted = _normalised(entity.name)
            twin = next(
                (e for e in self.kb.entities.values() if _normalised(e.name) == wanted), None
            )
            known = self.kb.entities.get(entity.id) or twin
            if known is not None:
                self.gap(
                    "entities.yaml",
                    entity.name,
                    f"{known.name} is a catalogue entity ({known.id}): the BOM's record of it "
                    "is left out and the catalogue's is used",
                )
                continue
            found[entity.id] = entity
        for ident, entity in sorted(found.items()):
            data = entity.model_dump(mode="json", by_alias=True, exclude_defaults=True)
            item = _Item(data)
            missing = sorted(
                p.entity
                for p in entity.parents or ()
                if p.entity not in found and p.entity not in self.kb.entities
            )
            if missing:
                del data["parents"]
                item.todos.append(
                    f"ownership incomplete in the BOM (no record of {', '.join(missing)}): "
                    "add parents (or parents: [] if independent)"
                )
                self.gap("entities.yaml", entity.name, "ownership incomplete in the BOM")
            elif entity.parents is None:
                item.todos.append(
                    "ownership not stated in the inventory the BOM came from: add parents "
                    "(or parents: [] if independent)"
                )
                self.gap("entities.yaml", entity.name, "ownership not stated")
            item.todos.append(
                "restored from the BOM (residency-auditor:entity) as the exporting inventory "
                "declared it: check it against the company register"
            )
            self.entities[ident] = item
            self.entity_ids[_normalised(entity.name)] = ident

    def entity(self, org: CdxOrganization | None, ident: str | None, subject: str) -> str | None:
        """An entity for a service's provider: a catalogue id, or a new entry with what is known."""
        if ident and ident in self.kb.entities:
            return ident
        if org is None or not org.name:
            return ident if ident in self.entities else None
        if ident is None:
            # The catalogue's entity of that name, else a new id that names no catalogue entity.
            wanted = _normalised(org.name)
            known = [e.id for e in self.kb.entities.values() if _normalised(e.name) == wanted]
            if len(known) == 1:
                return known[0]
            ident = self.entity_ids.get(wanted) or _unique(
                slug(org.name), {*self.kb.entities, *self.entities}
            )
            self.entity_ids[wanted] = ident
        if ident not in self.entities:
            item = _Item({"id": ident, "name": org.name})
            country = org.address.country if org.address and org.address.country else None
            if country and re.fullmatch(r"[A-Z]{2}", country):
                item.data["country"] = country
            else:
                item.todos.append(
                    f"country of {org.name}'s registered office not stated in the BOM"
                )
                self.gap("entities.yaml", org.name, "country of the registered office not stated")
            item.todos.append(
                "ownership not stated in the BOM: add parents (or parents: [] if independent)"
            )
            self.gap("entities.yaml", org.name, f"ownership not stated (named for {subject})")
            self.entities[ident] = item
        return ident

    def gap(self, file: str, subject: str, text: str) -> None:
        self.gaps.append(Gap(file, subject, text))

    def data_asset(
        self,
        name: str,
        classification: str | None,
        *,
        ident: str | None = None,
        description: str | None = None,
        props: Sequence[CdxProperty] = (),
    ) -> str:
        """The id of the data asset with this name, declared once."""
        if name in self.data_names:
            return self.data_names[name]
        ident = _unique(ident or slug(name), set(self.data))
        self.data_names[name] = ident
        item = _Item({"id": ident, "name": name})
        if description:
            item.data["description"] = description
        categories = property_values(list(props), Prop.DATA_CATEGORY)
        if categories:
            item.data["categories"] = categories
        else:
            # Unknown categories are assumed personal (like a scan's undeclared data):
            # never assumed harmless.
            item.data["categories"] = ["user"]
            item.todos.append(
                "data categories not stated in the BOM: 'user' (personal data) is assumed until "
                "you list the real fideslang categories"
            )
            self.gap("data.yaml", ident, "data categories not stated (assumed personal data)")
        subjects = property_values(list(props), Prop.DATA_SUBJECT)
        if subjects:
            item.data["subjects"] = subjects
        level = (classification or "").strip().lower()
        if level in _CLASSIFICATIONS:
            item.data["classification"] = level
        else:
            said = f" (the BOM says {classification!r})" if classification else ""
            item.todos.append(
                f"classification not stated in words the inventory knows{said}: "
                "public, internal, confidential or secret"
            )
            self.gap("data.yaml", ident, f"classification not stated{said}")
        volume = first_property(list(props), Prop.DATA_VOLUME)
        if volume:
            item.data["volume"] = volume
        allowed = property_values(list(props), Prop.DATA_RESIDENCY)
        if allowed:
            item.data["residency"] = {"allowed": allowed}
        self.data[ident] = item
        return ident

    def system(self, ident: str, name: str, purpose: str | None, props: list[CdxProperty]) -> str:
        """Declare a system; its purpose is a TODO when the BOM gives none."""
        ident = _unique(slug(ident), set(self.systems))
        item = _Item({"id": ident, "name": name})
        if purpose:
            item.data["purpose"] = purpose
        else:
            item.data["purpose"] = f"{name} (purpose not stated in the BOM)"
            item.todos.append("purpose not stated in the BOM: say what the system is for")
            self.gap(f"systems/{ident}.yaml", ident, "purpose not stated")
        for key, prop in (
            ("owner", Prop.SYSTEM_OWNER),
            ("criticality", Prop.SYSTEM_CRITICALITY),
            ("ai_act_risk", Prop.SYSTEM_AI_ACT_RISK),
        ):
            value = first_property(props, prop)
            if value:
                item.data[key] = value
        self.systems[ident] = _System(item)
        return ident

    def service(self, system_id: str, svc: CdxService, model: CdxComponent | None) -> None:
        """One service as a component of the system."""
        system = self.systems[system_id]
        props = svc.properties
        file = f"systems/{system_id}.yaml"
        our_id = first_property(props, Prop.ID)
        base = our_id.split("/")[-1] if our_id else slug(svc.name)
        ident = _unique(base, {c.data["id"] for c in system.components})
        item = _Item({"id": ident, "name": svc.name})
        subject = f"{system_id}/{ident}"
        vendor_id = first_property(props, Prop.VENDOR)
        deployment = first_property(props, Prop.DEPLOYMENT)
        region = first_property(props, Prop.REGION)
        kind = first_property(props, Prop.KIND)
        for endpoint in svc.endpoints:
            host = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}").hostname or ""
            matched = self.code.endpoint(host)
            if matched is None:
                continue
            rule, match = matched
            vendor_id = vendor_id or rule.vendor
            deployment = deployment or rule.deployment
            found_region = match.groupdict().get("region")
            if region is None and found_region and rule.region_provider:
                region = f"{rule.region_provider}:{found_region}"
            item.todos.append(f"vendor {rule.vendor} recognised from the API host {host}")
            break
        vendor = self.kb.vendors.get(vendor_id or "")
        if kind is None:
            if vendor is not None and vendor.component_kinds:
                kind = vendor.component_kinds[0].value
            elif model is not None:
                kind = ComponentKind.MODEL_API.value
            else:
                kind = ComponentKind.APPLICATION.value
                item.todos.append(
                    "kind not stated in the BOM: 'application' is a guess; use model_api, "
                    "database, vector_store, object_storage, logging, ... as fits"
                )
                self.gap(file, subject, "kind not stated ('application' assumed)")
        item.data["kind"] = kind
        if vendor is not None:
            item.data["vendor"] = vendor.id
            if deployment:
                item.data["deployment"] = deployment
            elif vendor.deployment_options:
                item.todos.append(
                    "deployment option not stated in the BOM: the vendor's default "
                    f"({vendor.default_deployment}) is assumed; set deployment if you chose another"
                )
                self.gap(file, subject, "deployment option not stated (vendor default assumed)")
        country = first_property(props, Prop.COUNTRY)
        on_prem = first_property(props, Prop.ON_PREM_COUNTRY)
        if region:
            item.data["region"] = region
        elif country:
            item.data["country"] = country
        elif on_prem:
            item.data["on_prem"] = {"country": on_prem}
        elif not _option_places(vendor, deployment):
            item.todos.append(
                "region not stated in the BOM: add region (provider:region), country or on_prem"
            )
            self.gap(file, subject, "region not stated")
        stated = first_property(props, Prop.OPERATOR_ID)
        operator = None
        if vendor is None or not vendor.kind.is_service or stated:
            operator = self.entity(svc.provider, stated, subject)
        elif svc.provider is not None and svc.provider.name:
            item.todos.append(
                f"the BOM names {svc.provider.name} as provider; the catalogue's operator of "
                f"{vendor.id} is used: set operator if your contract names another"
            )
        if operator is not None:
            item.data["operator"] = operator
        elif vendor is None or not vendor.kind.is_service:
            item.todos.append(
                "operator not stated in the BOM: who runs it? (the organisation runs it when "
                "you leave operator out)"
            )
            self.gap(file, subject, "operator not stated")
        if model is not None:
            item.data["model"] = self.model_info(model)
        for role, (name_prop, id_prop) in PARTY_PROPERTIES.items():
            for party, label in _declared_parties(props, name_prop, id_prop):
                entity = self.entity(CdxOrganization(name=label or party), party, subject)
                if entity is None:
                    continue
                if role == "subprocessor":
                    item.data.setdefault("subprocessors", []).append(entity)
                else:
                    item.data[role] = entity
        engaged = first_property(props, Prop.ENGAGED_BY_ID)
        if engaged:
            item.data["engaged_by"] = self.entity(CdxOrganization(name=engaged), engaged, subject)
        locations = {
            role.value: value
            for role in LocationRole
            if (value := first_property(props, location_property(role.value, declared=True)))
        }
        if locations:
            item.data["locations"] = locations
        holds = [self.known_asset(a) for a in property_values(props, Prop.HOLDS)]
        if holds:
            item.data["holds"] = holds
        system.components.append(item)
        if svc.bom_ref:
            self.where[svc.bom_ref] = (system_id, ident)

    def model_info(self, model: CdxComponent) -> dict[str, Any]:
        """The ``model:`` block of a component from a machine-learning-model component."""
        card = model.model_card.properties if model.model_card else []
        info: dict[str, Any] = {"name": model.name}
        weights = first_property(card, Prop.MODEL_WEIGHTS)
        if weights == "open":
            info["open_weights"] = True
        elif weights in ("api-only", "closed"):
            info["open_weights"] = False
        licences = [t for t in (c.text() for c in model.licenses) if t]
        if licences:
            info["licence"] = " OR ".join(licences)
        family = first_property(card, Prop.MODEL_VENDOR)
        if family is None:
            named = self.vendor_named(
                model.manufacturer.name if model.manufacturer else None,
                model.publisher,
                model.supplier.name if model.supplier else None,
            )
            family = named.id if named is not None else None
        if family:
            info["vendor"] = family
        return info

    def model_component(self, system_id: str, model: CdxComponent) -> None:
        """A model no service of the BOM serves: a component of its own, kind from the evidence."""
        system = self.systems[system_id]
        file = f"systems/{system_id}.yaml"
        ident = _unique(slug(model.name), {c.data["id"] for c in system.components})
        subject = f"{system_id}/{ident}"
        item = _Item({"id": ident, "name": model.name})
        vendor = self.vendor_named(
            model.supplier.name if model.supplier else None,
            model.manufacturer.name if model.manufacturer else None,
            model.publisher,
        )
        info = self.model_info(model)
        weights = bool(model.hashes) or (vendor is not None and not vendor.kind.is_service)
        if weights:
            item.data["kind"] = ComponentKind.MODEL_WEIGHTS.value
            info.setdefault("open_weights", True)
            item.todos.append(
                "the BOM lists the model's files (hashes) or an open-weights family: drafted as "
                "weights you run; who runs them and where is not stated"
            )
            self.gap(file, subject, "where the weights run and who runs them not stated")
        elif vendor is not None and vendor.kind is VendorKind.MODEL_API:
            item.data["kind"] = ComponentKind.MODEL_API.value
            item.data["vendor"] = vendor.id
            item.todos.append(
                f"hosted model of {vendor.name} (recognised from the supplier or publisher); "
                f"deployment option not stated: the vendor's default ({vendor.default_deployment}) "
                "is assumed"
            )
            self.gap(file, subject, "deployment option not stated (vendor default assumed)")
        else:
            item.data["kind"] = ComponentKind.MODEL_API.value
            item.todos.append(
                "the BOM does not say whether this model is called as a hosted API (model_api) "
                "or run on your own hardware (model_weights), nor who runs it or where"
            )
            self.gap(file, subject, "kind, operator and region not stated")
        if not weights and vendor is None:
            self.gap(file, subject, "vendor not recognised in the catalogue")
        item.data["model"] = info
        system.components.append(item)
        if model.bom_ref:
            self.where[model.bom_ref] = (system_id, ident)

    def known_asset(self, ident: str) -> str:
        """A data asset referenced by id from an ``auditor bom`` property."""
        if ident not in self.data:
            self.data_asset(ident, None, ident=ident)
        return ident

    def flows(self, services: Iterable[CdxService]) -> None:
        """Flows from the services' data: outbound entries with a destination, inbound with a
        source the BOM does not also give as the other side's outbound entry."""
        for svc in services:
            here = self.where.get(svc.bom_ref or "")
            if here is None:
                continue
            system_id, comp = here
            system = self.systems[system_id]
            file = f"systems/{system_id}.yaml"
            for entry in svc.data:
                asset = self._asset_of(entry.name, entry.description, entry.classification)
                purpose = _purpose(entry.description)
                if entry.flow == "outbound" and entry.destination:
                    for target in entry.destination:
                        other = self.where.get(_ref_of(target))
                        if other is not None:
                            self._flow(system, here, other, asset, purpose)
                        else:
                            unknown = f"{asset} goes to {target}, which the BOM does not describe"
                            self.gap(file, f"{system_id}/{comp}", unknown)
                elif entry.flow == "inbound" and entry.source:
                    for source in entry.source:
                        other = self.where.get(_ref_of(source))
                        if other is None:
                            unknown = (
                                f"{asset} comes from {source}, which the BOM does not describe"
                            )
                            self.gap(file, f"{system_id}/{comp}", unknown)
                        elif not _declares_outbound(self, other, svc.bom_ref or ""):
                            self._flow(self.systems[other[0]], other, here, asset, purpose)
                elif not entry.source and not entry.destination:
                    direction = {"inbound": "enters", "outbound": "leaves"}.get(
                        entry.flow, "enters or leaves"
                    )
                    note = (
                        f"the BOM says {asset} {direction} this component but not from or to "
                        "where: add a flow"
                    )
                    for item in system.components:
                        if item.data["id"] == comp and note not in item.todos:
                            item.todos.append(note)
                    self.gap(file, f"{system_id}/{comp}", f"{asset}: flow without a counterpart")

    def _asset_of(self, name: str | None, description: str | None, classification: str) -> str:
        described = re.search(r"\(data asset ([a-z0-9][a-z0-9._-]*)\)$", description or "")
        if described and described.group(1) in self.data:
            return described.group(1)
        label = name or classification or "unnamed data"
        return self.data_asset(label, classification or None)

    def _flow(
        self,
        system: _System,
        source: tuple[str, str],
        target: tuple[str, str],
        asset: str,
        purpose: str,
    ) -> None:
        src = source[1] if source[0] == system.item.data["id"] else "/".join(source)
        dst = target[1] if target[0] == system.item.data["id"] else "/".join(target)
        assets = system.flows.setdefault((src, dst, purpose), [])
        if asset not in assets:
            assets.append(asset)


def _declared_parties(
    props: list[CdxProperty], name_prop: str, id_prop: str
) -> list[tuple[str, str | None]]:
    """(entity id, name) of each party ``auditor bom`` wrote as declared: its id property
    follows the property with its name."""
    found: list[tuple[str, str | None]] = []
    last_name: str | None = None
    for prop in props:
        if prop.name == name_prop:
            last_name = prop.value
        elif prop.name == id_prop:
            found.append((prop.value, last_name))
            last_name = None
    return found


def _option_places(vendor: Vendor | None, deployment: str | None) -> bool:
    """The vendor's deployment option fixes the place by itself (a location or a zone)."""
    if vendor is None or deployment is None:
        return False
    option = next((o for o in vendor.deployment_options if o.id == deployment), None)
    return option is not None and bool(option.location or option.zones)


def _ref_of(link: str) -> str:
    """The bom-ref a BOM-Link (``urn:cdx:serial/version#ref``) or a plain reference names."""
    if link.startswith("urn:cdx:") and "#" in link:
        return unquote(link.split("#", 1)[1])
    return link


def _purpose(description: str | None) -> str:
    """The purpose of a flow ``auditor bom`` wrote: "<purpose> (data asset <id>)"."""
    match = re.fullmatch(r"(.+) \(data asset [a-z0-9][a-z0-9._-]*\)", description or "", re.S)
    return match.group(1) if match else ""


def _declares_outbound(drafter: _Drafter, sender: tuple[str, str], receiver_ref: str) -> bool:
    """The sender's own entries already give this flow (read from its side)."""
    for svc in drafter.services_by_place.get(sender, []):
        for entry in svc.data:
            if entry.flow == "outbound" and any(
                _ref_of(d) == receiver_ref for d in entry.destination
            ):
                return True
    return False


def _walk_components(items: Iterable[CdxComponent]) -> Iterable[CdxComponent]:
    for item in items:
        yield item
        yield from _walk_components(item.components)


def _walk_services(items: Iterable[CdxService]) -> Iterable[CdxService]:
    for item in items:
        yield item
        yield from _walk_services(item.services)


def draft_from_cyclonedx(
    path: Path,
    rule_dirs: Sequence[Path] = (),
    *,
    country: str | None = None,
    organisation: str | None = None,
) -> Draft:
    """Read a CycloneDX JSON BOM and draft an inventory from it."""
    bom = read_cyclonedx(path)
    kb = load_knowledge_base(rule_dirs)
    drafter = _Drafter(bom, kb, load_code_catalogue())
    meta_props = bom.metadata.properties if bom.metadata else []
    ours = first_property(meta_props, Prop.ORGANISATION_COUNTRY) is not None
    org_country = country or first_property(meta_props, Prop.ORGANISATION_COUNTRY)
    if org_country is None:
        raise UsageError(
            f"{path} does not say which country the organisation is in: give --country "
            "(e.g. --country DE)"
        )
    if not re.fullmatch(r"[A-Z]{2}", org_country):
        raise UsageError(f"--country {org_country!r}: give a two-letter ISO code such as DE")
    org = _Item({"name": "", "country": org_country})
    maker = bom.metadata.manufacturer if bom.metadata else None
    if organisation:
        org.data["name"] = organisation
    elif ours and maker is not None and maker.name:
        org.data["name"] = maker.name
    else:
        org.data["name"] = "Organisation (name not stated in the BOM)"
        org.todos.append("the organisation's name is not in the BOM: put it here (or use --name)")
        drafter.gap("organisation.yaml", "organisation", "name not stated")
    org_entity = first_property(meta_props, Prop.ORGANISATION_ENTITY) if ours else None
    if ours:
        drafter.restore_entities(property_values(meta_props, Prop.ENTITY))

    components = list(_walk_components(bom.components))
    services = list(_walk_services(bom.services))
    by_ref = {c.bom_ref: c for c in components if c.bom_ref}
    depends = {d.ref: d.depends_on for d in bom.dependencies}

    # Data assets first: flows and holds refer to them.
    for comp in components:
        if comp.type != "data":
            continue
        dataset = comp.data[0] if comp.data else None
        drafter.data_asset(
            comp.name,
            dataset.classification if dataset else None,
            ident=first_property(comp.properties, Prop.ID),
            description=comp.description,
            props=comp.properties,
        )

    # Systems: applications whose dependencies are services or models; then the BOM's subject.
    service_refs = {s.bom_ref for s in services if s.bom_ref}
    model_refs = {c.bom_ref for c in components if c.type == "machine-learning-model"}
    owner: dict[str, str] = {}  # service or model bom-ref -> system id
    subject = bom.metadata.component if bom.metadata else None
    candidates = [c for c in components if c.type == "application"]
    if subject is not None:
        candidates.append(subject)
    subject_system: str | None = None
    for app in candidates:
        used = [r for r in depends.get(app.bom_ref or "", []) if r in service_refs | model_refs]
        if not used:
            continue
        ident = first_property(app.properties, Prop.ID) or app.name
        system_id = drafter.system(ident, app.name, app.description, app.properties)
        if app is subject:
            subject_system = system_id
        for ref in used:
            owner.setdefault(ref, system_id)
    # A nested service belongs to the system of the service it is nested in.
    for parent in _walk_services(bom.services):
        home = owner.get(parent.bom_ref or "")
        if home is not None:
            for child in parent.services:
                owner.setdefault(child.bom_ref or f"#{id(child)}", home)
    leftover = [s for s in services if (s.bom_ref or f"#{id(s)}") not in owner] + [
        c
        for c in components
        if c.type == "machine-learning-model" and (c.bom_ref or f"#{id(c)}") not in owner
    ]
    if leftover:
        if subject_system is None:
            name = subject.name if subject is not None else path.stem
            subject_system = drafter.system(
                name, name, subject.description if subject is not None else None, []
            )
        for thing in leftover:
            owner[thing.bom_ref or f"#{id(thing)}"] = subject_system

    served: set[str] = set()
    for svc in services:
        home = owner.get(svc.bom_ref or f"#{id(svc)}")
        if home is None:
            continue
        model = next(
            (
                by_ref[r]
                for r in depends.get(svc.bom_ref or "", [])
                if r in by_ref and by_ref[r].type == "machine-learning-model"
            ),
            None,
        )
        if model is not None and model.bom_ref:
            served.add(model.bom_ref)
        drafter.service(home, svc, model)
        place = drafter.where.get(svc.bom_ref or "")
        if place is not None:
            drafter.services_by_place.setdefault(place, []).append(svc)
    for comp in components:
        if comp.type != "machine-learning-model" or (comp.bom_ref and comp.bom_ref in served):
            continue
        home = owner.get(comp.bom_ref or f"#{id(comp)}")
        if home is not None:
            drafter.model_component(home, comp)
    drafter.flows(services)
    for ident, item in drafter.data.items():
        carried = any(
            ident in a for s in drafter.systems.values() for a in s.flows.values()
        ) or any(
            ident in c.data.get("holds", []) for s in drafter.systems.values() for c in s.components
        )
        if not carried:
            item.todos.append("no flow in the BOM carries this data: add flows that do")
            drafter.gap("data.yaml", ident, "no flow carries it")
    if org_entity:
        org.data["entity"] = org_entity
    # A BOM has no place for these: say so once, where a person will look for them.
    org.todos.append(
        "a BOM carries no policy: add the organisation's residency policy (policy:) if it has one"
    )
    drafter.gap("organisation.yaml", "policy", "not part of a BOM")
    for ident, system in drafter.systems.items():
        if system.components:
            system.item.todos.append(
                "a BOM carries no controls: add key custody, retention, training use and "
                "transfer tools (controls:) where the contracts state them"
            )
            drafter.gap(f"systems/{ident}.yaml", ident, "controls not part of a BOM")
    return _render(path, bom, drafter, org)


def _dump(obj: Any, indent: int) -> list[str]:
    text = yaml.safe_dump(
        [obj], sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    pad = " " * indent
    return [pad + line for line in text.splitlines()]


def comment(text: str) -> str:
    """Text safe inside a YAML comment: names from the BOM may hold line breaks, which would
    end the comment and let the BOM write YAML of its own into the draft."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _block(items: Iterable[_Item], indent: int) -> list[str]:
    lines: list[str] = []
    for item in items:
        lines += [" " * indent + TODO + comment(note) for note in item.todos]
        lines += _dump(item.data, indent)
    return lines


def _render(path: Path, bom: CdxBom, drafter: _Drafter, org: _Item) -> Draft:
    origin = f"{path.name} (CycloneDX {bom.spec_version}" + (
        f", {bom.serial_number})" if bom.serial_number else ")"
    )
    header = [
        f"# Draft inventory imported from {comment(origin)} by `auditor import cyclonedx`.",
        "# It holds only what the BOM states. Every line starting with TODO(auditor) marks a fact",
        "# the BOM does not give: fill it in, then run `auditor validate` and `auditor audit`.",
        "",
    ]
    files: dict[str, str] = {}
    org_lines = [*header, *(TODO + comment(t) for t in org.todos), "organisation:"]
    org_lines += [
        "  " + line
        for line in yaml.safe_dump(org.data, sort_keys=False, allow_unicode=True).splitlines()
    ]
    files["organisation.yaml"] = "\n".join(org_lines) + "\n"
    if drafter.entities:
        lines = [*header, "entities:", *_block(drafter.entities.values(), 2)]
        files["entities.yaml"] = "\n".join(lines) + "\n"
    if drafter.data:
        lines = [*header, "data:", *_block(drafter.data.values(), 2)]
        files["data.yaml"] = "\n".join(lines) + "\n"
    components = 0
    for ident, system in drafter.systems.items():
        if not system.components:
            continue
        components += len(system.components)
        head = _dump(system.item.data, 2)
        lines = [*header, "systems:", *("  " + TODO + comment(t) for t in system.item.todos)]
        lines += head
        lines.append("    components:")
        lines += _block(system.components, 6)
        if system.flows:
            lines.append("    flows:")
            for (src, dst, purpose), assets in sorted(system.flows.items()):
                flow: dict[str, Any] = {"from": src, "to": dst, "data": assets}
                if purpose:
                    flow["purpose"] = purpose
                lines += _dump(flow, 6)
        files[f"systems/{ident}.yaml"] = "\n".join(lines) + "\n"
    return Draft(
        files=files,
        gaps=sorted(drafter.gaps, key=lambda g: (g.file, g.subject, g.text)),
        systems=sum(1 for s in drafter.systems.values() if s.components),
        components=components,
        data_assets=len(drafter.data),
    )
