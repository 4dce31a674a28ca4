"""Load the knowledge base from ``rules/`` (and extra rule folders), validating everything.

Any problem is an error (exit code 4), never a warning: a compliance report
must not silently run on a knowledge base that lost a law or a vendor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from auditor.errors import Diagnostic, KnowledgeBaseError
from auditor.kb.index import KnowledgeIndex, Taxonomy
from auditor.loader.cache import cached
from auditor.loader.validate import suggest, validate_document
from auditor.loader.yamlsrc import YamlDocument, YamlProblem, paused_gc, read_yaml
from auditor.model.common import Located, StrictModel
from auditor.model.dora import DoraCatalogue
from auditor.model.kb import (
    Bloc,
    CatalogueEntity,
    Jurisdiction,
    KbMeta,
    KnowledgeBase,
    Law,
    LawEffect,
    RegionCatalogue,
    TransferFramework,
    Vendor,
    VendorKind,
    Zone,
)
from auditor.resources import builtin_rules_dir

M = TypeVar("M", bound=BaseModel)


class _Countries(StrictModel):
    jurisdictions: list[Jurisdiction]


class _Blocs(StrictModel):
    blocs: list[Bloc]


class _Frameworks(StrictModel):
    transfer_frameworks: list[TransferFramework]


class _Entities(StrictModel):
    entities: list[CatalogueEntity]


class _Zones(StrictModel):
    zones: list[Zone]


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def display_name(path: Path) -> str:
    """``rules/laws/x.yaml`` for built-in files, the path relative to the working folder otherwise."""
    builtin = builtin_rules_dir()
    if path.is_relative_to(builtin):
        return f"rules/{path.relative_to(builtin).as_posix()}"
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Diagnostic] = []
        self.hashes: dict[str, str] = {}

    def read(self, path: Path, model: type[M]) -> tuple[M | None, YamlDocument | None]:
        try:
            raw = path.read_bytes()
            self.hashes[display_name(path)] = hashlib.sha256(raw).hexdigest()
            doc = read_yaml(path, display_name(path))
        except (YamlProblem, OSError) as exc:
            if isinstance(exc, YamlProblem):
                self.problems.append(exc.diagnostic)
            else:
                self.problems.append(Diagnostic(str(path), None, None, f"cannot read: {exc}"))
            return None, None
        if not isinstance(doc.data, dict):
            self.problems.append(doc.diagnostic((), "expected a mapping at the top of the file"))
            return None, doc
        obj, errors = validate_document(doc, model)
        self.problems.extend(errors)
        return obj, doc

    def stem_must_match(self, path: Path, obj: Located, value: str, field: str) -> None:
        if path.stem != value:
            span = obj.span_of(field)
            self.problems.append(
                Diagnostic(
                    display_name(path),
                    span.line if span else None,
                    span.column if span else None,
                    f"{field} {value!r} does not match the file name {path.stem!r}",
                    f"rename the file to {value}.yaml or change the {field}",
                )
            )


def _problem(obj: Located, field: str | None, message: str, hint: str | None = None) -> Diagnostic:
    span = obj.span_of(field) if field else obj.span
    if span is None:
        return Diagnostic("rules/", None, None, message, hint)
    return Diagnostic(span.path, span.line, span.column, message, hint)


def _unique(items: Iterable[Any], key: str, kind: str, problems: list[Diagnostic]) -> None:
    seen: dict[str, Located] = {}
    for item in items:
        ident = str(getattr(item, key))
        if ident in seen:
            problems.append(
                _problem(item, key, f"duplicate {kind} {ident!r}", f"first at {seen[ident].span}")
            )
        else:
            seen[ident] = item


def _load_taxonomy(roots: Sequence[Path], reader: _Reader) -> Taxonomy:
    categories: set[str] = set()
    special: list[str] = []
    personal: list[str] = []
    confidential: list[str] = []
    for root in roots:
        folder = root / "taxonomy"
        fides = folder / "data_categories.yml"
        if fides.is_file():
            try:
                doc = read_yaml(fides, display_name(fides))
                reader.hashes[display_name(fides)] = hashlib.sha256(fides.read_bytes()).hexdigest()
            except YamlProblem as exc:
                reader.problems.append(exc.diagnostic)
            else:
                for entry in (doc.data or {}).get("data_category", []):
                    if isinstance(entry, dict) and isinstance(entry.get("fides_key"), str):
                        categories.add(entry["fides_key"])
        for name in ("extra_categories.yaml", "sensitivity.yaml"):
            path = folder / name
            if not path.is_file():
                continue
            try:
                doc = read_yaml(path, display_name(path))
                reader.hashes[display_name(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            except YamlProblem as exc:
                reader.problems.append(exc.diagnostic)
                continue
            data = doc.data if isinstance(doc.data, dict) else {}
            if name == "extra_categories.yaml":
                for entry in data.get("categories", []):
                    if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                        categories.add(entry["key"])
            else:
                special.extend(str(k) for k in data.get("special_category", []))
                personal.extend(str(k) for k in data.get("personal", []))
                confidential.extend(str(k) for k in data.get("confidential", []))
    return Taxonomy(frozenset(categories), tuple(special), tuple(personal), tuple(confidential))


def _check_entities(
    entities: list[CatalogueEntity], countries: set[str], problems: list[Diagnostic]
) -> None:
    by_id = {e.id: e for e in entities}
    for entity in entities:
        for field in ("country", "headquarters"):
            code = getattr(entity, field)
            if code is not None and code not in countries:
                problems.append(
                    _problem(
                        entity, field, f"unknown jurisdiction {code!r}", suggest(code, countries)
                    )
                )
        for code in entity.presence_countries:
            if code not in countries:
                problems.append(_problem(entity, "presence", f"unknown jurisdiction {code!r}"))
        if entity.lei is not None and entity.lei_provenance is None:
            problems.append(
                _problem(
                    entity,
                    "lei",
                    f"the LEI of {entity.id!r} has no lei_provenance",
                    "add lei_provenance with the GLEIF record (or filing) it was read in",
                )
            )
        for parent in entity.parents or ():
            recorded = (
                parent.share_pct is not None
                or parent.voting_pct is not None
                or parent.veto
                or parent.appoints_board_majority
                or parent.majority
                or parent.basis is not None
            )
            if parent.provenance is not None and not recorded:
                problems.append(
                    _problem(
                        parent,
                        "provenance",
                        f"the link from {entity.id!r} to {parent.entity!r} has a provenance "
                        "but records no share, votes, veto, board right, majority or subsidiary "
                        "listing for it to source",
                        "add share_pct, voting_pct, veto, appoints_board_majority, majority or "
                        "basis as the source states it, or drop the link's provenance",
                    )
                )
            if parent.entity not in by_id:
                problems.append(
                    _problem(
                        parent,
                        "entity",
                        f"parent {parent.entity!r} of {entity.id!r} is not a catalogue entity",
                        suggest(parent.entity, by_id),
                    )
                )
            if parent.reported_by is not None and parent.reported_by not in by_id:
                problems.append(
                    _problem(
                        parent,
                        "reported_by",
                        f"reported_by {parent.reported_by!r} of the link from {entity.id!r} to "
                        f"{parent.entity!r} is not a catalogue entity",
                        suggest(parent.reported_by, by_id),
                    )
                )
    # Parent cycles: an ownership chain must end.
    state: dict[str, int] = {}

    def visit(ident: str, trail: list[str]) -> None:
        if state.get(ident) == 2:
            return
        if state.get(ident) == 1:
            cycle = [*trail[trail.index(ident) :], ident]
            problems.append(
                _problem(by_id[ident], "parents", "ownership cycle: " + " -> ".join(cycle))
            )
            return
        state[ident] = 1
        for parent in by_id[ident].parents or ():
            if parent.entity in by_id:
                visit(parent.entity, [*trail, ident])
        state[ident] = 2

    for ident in sorted(by_id):
        visit(ident, [])


def _check_vendors(
    vendors: list[Vendor],
    entity_ids: set[str],
    providers: set[str],
    problems: list[Diagnostic],
) -> None:
    kinds = {vendor.id: vendor.kind for vendor in vendors}
    for vendor in vendors:
        _check_vendor_kind(vendor, kinds, problems)
        for field in ("operator", "publisher", "hosting", "model_provider", "support"):
            ident = getattr(vendor, field)
            if ident is not None and ident not in entity_ids:
                problems.append(
                    _problem(
                        vendor,
                        field,
                        f"{field} {ident!r} is not a catalogue entity",
                        suggest(ident, entity_ids),
                    )
                )
        for ident in vendor.subprocessors:
            if ident not in entity_ids:
                problems.append(
                    _problem(
                        vendor, "subprocessors", f"subprocessor {ident!r} is not a catalogue entity"
                    )
                )
        if vendor.region_provider is not None and vendor.region_provider not in providers:
            problems.append(
                _problem(
                    vendor,
                    "region_provider",
                    f"no regions file for provider {vendor.region_provider!r}",
                    suggest(vendor.region_provider, providers),
                )
            )
        options = [o.id for o in vendor.deployment_options]
        if len(set(options)) != len(options):
            problems.append(
                _problem(vendor, "deployment_options", "duplicate deployment option id")
            )
        if vendor.default_deployment is not None and vendor.default_deployment not in options:
            problems.append(
                _problem(
                    vendor,
                    "default_deployment",
                    f"default_deployment {vendor.default_deployment!r} is not a deployment option",
                    suggest(vendor.default_deployment, options),
                )
            )
        for option, target in sorted(vendor.moved_options.items()):
            if option in options:
                problems.append(
                    _problem(
                        vendor,
                        "moved_options",
                        f"option {option!r} is moved to {target!r} but is still a deployment option",
                    )
                )
            if target not in kinds or target == vendor.id:
                problems.append(
                    _problem(
                        vendor,
                        "moved_options",
                        f"option {option!r} is moved to {target!r}, which is not another "
                        "catalogue vendor",
                        suggest(target, set(kinds)),
                    )
                )


# What a model family may not name: the parties that would reach the organisation's data.
_ACCESS_PARTY_FIELDS = ("operator", "hosting", "model_provider", "subprocessors", "support")


def _check_vendor_kind(
    vendor: Vendor, kinds: dict[str, VendorKind], problems: list[Diagnostic]
) -> None:
    """A service names its operator; a model family names its publisher and no access party."""
    if vendor.kind.is_service:
        if vendor.operator is None:
            problems.append(
                _problem(
                    vendor,
                    None,
                    f"vendor {vendor.id!r} is a service ({vendor.kind.value}) but names no "
                    "operator entity",
                    "add operator: <entity id>, or use kind: model_family with publisher: if it "
                    "is weights or containers the organisation runs itself",
                )
            )
        for field in ("publisher", "hosted_api"):
            if getattr(vendor, field) is not None:
                problems.append(
                    _problem(
                        vendor,
                        field,
                        f"{field} is for model families, but vendor {vendor.id!r} is a service "
                        f"({vendor.kind.value})",
                        "a service names its operator; remove " + field,
                    )
                )
        return
    for field in _ACCESS_PARTY_FIELDS:
        if getattr(vendor, field):
            problems.append(
                _problem(
                    vendor,
                    field,
                    f"vendor {vendor.id!r} is a model family: it cannot name {field} "
                    "(a publisher of weights is not an operator of the organisation's data)",
                    f"name the publishing entity under publisher: and remove {field}; whoever "
                    "runs the hardware is declared on the component (operator:, hosting:), and "
                    "a hosted API of the publisher is a separate service entry (hosted_api:)",
                )
            )
    if vendor.publisher is None:
        problems.append(
            _problem(
                vendor,
                None,
                f"model family {vendor.id!r} names no publisher entity",
                "add publisher: <entity id> (the licensor of the weights)",
            )
        )
    if not vendor.open_weights:
        problems.append(
            _problem(
                vendor,
                "open_weights",
                f"model family {vendor.id!r} must have open_weights: true",
                "a model family is weights or containers the organisation runs itself",
            )
        )
    if vendor.hosted_api is not None:
        target = kinds.get(vendor.hosted_api)
        if target is None:
            problems.append(
                _problem(
                    vendor,
                    "hosted_api",
                    f"hosted_api {vendor.hosted_api!r} is not a catalogue vendor",
                    suggest(vendor.hosted_api, kinds),
                )
            )
        elif not target.is_service:
            problems.append(
                _problem(
                    vendor,
                    "hosted_api",
                    f"hosted_api {vendor.hosted_api!r} is a model family, not a service",
                    "name the catalogue service that runs the publisher's hosted API",
                )
            )


def _check_zones(
    zones: list[Zone],
    vendors: list[Vendor],
    countries: set[str],
    regions: list[RegionCatalogue],
    problems: list[Diagnostic],
) -> None:
    """Every zone member resolves to a place, and every zone an option names exists:
    a zone that silently lost a member would understate where data may go."""
    known = {(c.provider, r.code) for c in regions for r in c.regions}
    for zone in zones:
        for member in zone.members:
            if ":" in member:
                provider, code = member.split(":", 1)
                if (provider, code) not in known:
                    problems.append(
                        _problem(
                            zone,
                            "members",
                            f"zone {zone.id!r}: region {member!r} is not in rules/regions/",
                        )
                    )
            elif member not in ("EU", "EEA") and member not in countries:
                problems.append(
                    _problem(zone, "members", f"zone {zone.id!r}: unknown place {member!r}")
                )
    zone_ids = {z.id for z in zones}
    for vendor in vendors:
        for option in vendor.deployment_options:
            for ident in option.zones:
                if ident not in zone_ids:
                    problems.append(
                        _problem(
                            vendor,
                            "deployment_options",
                            f"deployment option {option.id!r}: unknown zone {ident!r}",
                            suggest(ident, zone_ids),
                        )
                    )


def _check_dora(dora: DoraCatalogue, problems: list[Diagnostic]) -> None:
    """Template and list codes are unique; every column names a recorded list."""
    _unique(dora.templates, "code", "DORA template", problems)
    _unique(dora.value_lists, "id", "DORA value list", problems)
    lists = {values.id for values in dora.value_lists}
    for template in dora.templates:
        codes = [column.code for column in template.columns]
        for code in sorted({c for c in codes if codes.count(c) > 1}):
            problems.append(
                _problem(template, "columns", f"{template.code}: duplicate column {code}")
            )
        if codes != sorted(codes):
            problems.append(
                _problem(template, "columns", f"{template.code}: columns out of order", "sort them")
            )
        for column in template.columns:
            if column.values is not None and column.values not in lists:
                problems.append(
                    _problem(
                        template,
                        "columns",
                        f"{template.code} {column.code}: unknown value list {column.values!r}",
                        suggest(column.values, lists),
                    )
                )


def load_knowledge_base(extra_dirs: Sequence[Path] = (), *, builtin: bool = True) -> KnowledgeIndex:
    """Load, validate and cross-check the knowledge base; raise KnowledgeBaseError on any problem."""
    roots = knowledge_roots(extra_dirs, builtin=builtin)
    # Files outside the built-in folder are named relative to the working folder.
    context = [str(Path.cwd())] if extra_dirs else []
    with paused_gc():  # thousands of objects that all survive: see paused_gc
        return cached(
            "kb", roots, lambda: _load_knowledge_base(extra_dirs, builtin=builtin), context=context
        )


def knowledge_roots(extra_dirs: Sequence[Path] = (), *, builtin: bool = True) -> list[Path]:
    """The rules folders a knowledge base is read from, the built-in one first."""
    return ([builtin_rules_dir()] if builtin else []) + [Path(d).resolve() for d in extra_dirs]


def _load_knowledge_base(extra_dirs: Sequence[Path], *, builtin: bool) -> KnowledgeIndex:
    roots = knowledge_roots(extra_dirs, builtin=builtin)
    reader = _Reader()
    meta: KbMeta | None = None
    laws: list[Law] = []
    jurisdictions: list[Jurisdiction] = []
    blocs: list[Bloc] = []
    frameworks: list[TransferFramework] = []
    entities: list[CatalogueEntity] = []
    vendors: list[Vendor] = []
    regions: list[RegionCatalogue] = []
    zones: list[Zone] = []
    dora: DoraCatalogue | None = None
    for root in roots:
        if not root.is_dir():
            reader.problems.append(Diagnostic(str(root), None, None, "no such rules folder"))
            continue
        kb_file = root / "kb.yaml"
        if kb_file.is_file() and meta is None:
            meta, _ = reader.read(kb_file, KbMeta)
        for path in _yaml_files(root / "laws"):
            law, _ = reader.read(path, Law)
            if law is not None:
                reader.stem_must_match(path, law, law.id, "id")
                laws.append(law)
        folder = root / "jurisdictions"
        for path in _yaml_files(folder):
            if path.stem == "blocs":
                b, _ = reader.read(path, _Blocs)
                blocs.extend(b.blocs if b else [])
            elif path.stem == "transfer-frameworks":
                f, _ = reader.read(path, _Frameworks)
                frameworks.extend(f.transfer_frameworks if f else [])
            else:
                c, _ = reader.read(path, _Countries)
                jurisdictions.extend(c.jurisdictions if c else [])
        for path in _yaml_files(root / "entities"):
            e, _ = reader.read(path, _Entities)
            entities.extend(e.entities if e else [])
        for path in _yaml_files(root / "vendors"):
            vendor, _ = reader.read(path, Vendor)
            if vendor is not None:
                reader.stem_must_match(path, vendor, vendor.id, "id")
                vendors.append(vendor)
        for path in _yaml_files(root / "regions"):
            catalogue, _ = reader.read(path, RegionCatalogue)
            if catalogue is not None:
                reader.stem_must_match(path, catalogue, catalogue.provider, "provider")
                regions.append(catalogue)
        for path in _yaml_files(root / "zones"):
            z, _ = reader.read(path, _Zones)
            zones.extend(z.zones if z else [])
        dora_file = root / "dora" / "templates.yaml"
        if dora_file.is_file():
            # A later rules folder's templates replace the built-in ones (a newer EBA layout).
            loaded, _ = reader.read(dora_file, DoraCatalogue)
            dora = loaded or dora
    problems = reader.problems
    if meta is None and not any(p.path.endswith("kb.yaml") for p in problems):
        problems.append(
            Diagnostic(str(roots[0] if roots else "rules"), None, None, "kb.yaml is missing")
        )
    _unique(laws, "id", "law id", problems)
    _unique(jurisdictions, "code", "jurisdiction", problems)
    _unique(blocs, "id", "bloc", problems)
    _unique(frameworks, "id", "transfer framework", problems)
    _unique(entities, "id", "entity id", problems)
    _unique(vendors, "id", "vendor id", problems)
    _unique(regions, "provider", "region provider", problems)
    _unique(zones, "id", "zone id", problems)
    countries = {j.code for j in jurisdictions}
    bloc_ids = {b.id for b in blocs}
    for law in laws:
        # A safeguard may be a bloc's (the EU Data Act); a law that gives access is a country's.
        known = countries | bloc_ids if law.effect is LawEffect.SAFEGUARD else countries
        if law.jurisdiction not in known:
            problems.append(
                _problem(
                    law,
                    "jurisdiction",
                    f"unknown jurisdiction {law.jurisdiction!r}",
                    suggest(law.jurisdiction, known),
                )
            )
        for place in law.safeguard.held_in if law.safeguard else []:
            if place not in countries | bloc_ids:
                problems.append(
                    _problem(
                        law,
                        "safeguard",
                        f"unknown country or bloc {place!r} in held_in",
                        suggest(place, countries | bloc_ids),
                    )
                )
    for jurisdiction in jurisdictions:
        for bloc in jurisdiction.blocs:
            if bloc not in bloc_ids:
                problems.append(
                    _problem(
                        jurisdiction, "blocs", f"unknown bloc {bloc!r}", suggest(bloc, bloc_ids)
                    )
                )
    for framework in frameworks:
        if framework.jurisdiction is not None and framework.jurisdiction not in countries:
            problems.append(
                _problem(
                    framework, "jurisdiction", f"unknown jurisdiction {framework.jurisdiction!r}"
                )
            )
    _check_entities(entities, countries, problems)
    _check_vendors(vendors, {e.id for e in entities}, {r.provider for r in regions}, problems)
    for catalogue in regions:
        codes = [r.code for r in catalogue.regions]
        for code in sorted({c for c in codes if codes.count(c) > 1}):
            problems.append(_problem(catalogue, "regions", f"duplicate region code {code!r}"))
        for region in catalogue.regions:
            if region.country not in countries:
                problems.append(
                    _problem(
                        catalogue,
                        "regions",
                        f"region {region.code!r}: unknown jurisdiction {region.country!r}",
                    )
                )
        if catalogue.operator_vendor and catalogue.operator_vendor not in {v.id for v in vendors}:
            problems.append(
                _problem(
                    catalogue, "operator_vendor", f"unknown vendor {catalogue.operator_vendor!r}"
                )
            )
    _check_zones(zones, vendors, countries, regions, problems)
    if dora is not None:
        _check_dora(dora, problems)
    taxonomy = _load_taxonomy(roots, reader)
    if problems or meta is None:
        raise KnowledgeBaseError(
            f"the knowledge base has {len(set(problems))} problem(s)", problems
        )
    kb = KnowledgeBase(
        meta=meta,
        laws=tuple(sorted(laws, key=lambda x: x.id)),
        jurisdictions=tuple(sorted(jurisdictions, key=lambda x: x.code)),
        blocs=tuple(sorted(blocs, key=lambda x: x.id)),
        transfer_frameworks=tuple(sorted(frameworks, key=lambda x: x.id)),
        entities=tuple(sorted(entities, key=lambda x: x.id)),
        vendors=tuple(sorted(vendors, key=lambda x: x.id)),
        regions=tuple(sorted(regions, key=lambda x: x.provider)),
        zones=tuple(sorted(zones, key=lambda x: x.id)),
        dora=dora,
    )
    return KnowledgeIndex(kb, taxonomy, dict(sorted(reader.hashes.items())))
