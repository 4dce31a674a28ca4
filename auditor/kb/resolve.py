"""Check an inventory's references into the knowledge base: vendors, entities, regions, countries.

Unknown stays unknown: a region code the catalogue does not know is an error
with a suggestion, never mapped to a guessed country.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.errors import Diagnostic
from auditor.kb.index import KnowledgeIndex
from auditor.loader.inventory import diag
from auditor.loader.validate import suggest
from auditor.model.common import Located
from auditor.model.inventory import UNKNOWN_DEPLOYMENT, Component, ComponentKind, Inventory
from auditor.model.kb import Vendor
from auditor.model.policy import Policy

_BLOC_REFS = ("EU", "EEA", "global")


def check_location(
    ref: str | None, owner: Located, field: str, kb: KnowledgeIndex
) -> Iterable[Diagnostic]:
    """Problems with one location reference (``provider:code``, country, bloc)."""
    if ref is None or ref in _BLOC_REFS:
        return
    if ":" in ref:
        provider, code = ref.split(":", 1)
        catalogue = kb.region_catalogues.get(provider)
        if catalogue is None:
            yield diag(
                owner,
                field,
                f"unknown region provider {provider!r} in {ref!r}",
                suggest(provider, kb.region_catalogues)
                or "known providers: " + ", ".join(sorted(kb.region_catalogues)),
            )
        elif kb.resolve_region(provider, code) is None:
            yield diag(
                owner,
                field,
                f"unknown {provider} region {code!r}",
                suggest(code, [r.code for r in catalogue.regions])
                or f"see rules/regions/{provider}.yaml for the known codes; unknown codes are never guessed",
            )
    elif ref not in kb.jurisdictions:
        yield diag(owner, field, f"unknown country code {ref!r}", suggest(ref, kb.jurisdictions))


def _check_area(
    values: Iterable[str], owner: Located, field: str, kb: KnowledgeIndex
) -> Iterable[Diagnostic]:
    blocs = {b.id for b in kb.kb.blocs} | {"adequate"}
    for value in values:
        if value not in blocs and value not in kb.jurisdictions:
            yield diag(
                owner,
                field,
                f"{value!r} is neither a country code nor a bloc",
                suggest(value, blocs | set(kb.jurisdictions)),
            )


def _check_component(
    component: Component, entity_ids: set[str], kb: KnowledgeIndex
) -> Iterable[Diagnostic]:
    vendor = kb.vendors.get(component.vendor) if component.vendor else None
    if component.vendor and vendor is None:
        yield diag(
            component,
            "vendor",
            f"unknown vendor {component.vendor!r}",
            suggest(component.vendor, kb.vendors) or "run 'auditor vendor list' for the catalogue",
        )
    hosted = _hosted_api_hint(vendor)
    if component.deployment and component.deployment != UNKNOWN_DEPLOYMENT and vendor is not None:
        options = [o.id for o in vendor.deployment_options]
        moved = vendor.moved_options.get(component.deployment)
        if moved is not None:
            yield diag(
                component,
                "deployment",
                f"vendor {vendor.id!r} has no deployment option {component.deployment!r} any "
                f"more: it is the vendor {moved!r}, which has an operator of its own",
                f"write vendor: {moved} and leave out deployment "
                f"(run 'auditor vendor show {moved}')",
            )
        elif component.deployment not in options:
            yield diag(
                component,
                "deployment",
                f"vendor {vendor.id!r} has no deployment option {component.deployment!r}",
                suggest(component.deployment, options)
                or hosted
                or ("options: " + ", ".join(options) if options else "this vendor has no options"),
            )
    if (
        vendor is not None
        and not vendor.kind.is_service
        and component.kind is ComponentKind.MODEL_API
    ):
        yield diag(
            component,
            "vendor",
            f"vendor {vendor.id!r} is a model family (weights the organisation runs), but "
            f"{component.id!r} is a model_api (a model hosted by someone else)",
            (hosted or "name the service that hosts the model as vendor:")
            + f"; keep {vendor.id} as model.vendor, or use kind: model_weights if you run "
            "the weights yourself",
        )
    for field in ("operator", "hosting", "model_provider", "support", "engaged_by"):
        ident = getattr(component, field)
        if ident is not None and ident not in entity_ids:
            yield diag(
                component,
                field,
                f"unknown entity {ident!r}",
                suggest(ident, entity_ids)
                or "declare it under entities: or use a catalogue entity id",
            )
    for ident in component.subprocessors:
        if ident not in entity_ids:
            yield diag(
                component, "subprocessors", f"unknown entity {ident!r}", suggest(ident, entity_ids)
            )
    holder = component.controls.key_holder
    if holder is not None and holder not in entity_ids:
        yield diag(
            component, "controls", f"unknown key holder {holder!r}", suggest(holder, entity_ids)
        )
    if component.model and component.model.vendor and component.model.vendor not in kb.vendors:
        yield diag(
            component,
            "model",
            f"unknown model vendor {component.model.vendor!r}",
            suggest(component.model.vendor, kb.vendors),
        )
    yield from check_location(component.region, component, "region", kb)
    if component.country and component.country not in kb.jurisdictions:
        yield diag(component, "country", f"unknown country code {component.country!r}")
    if component.on_prem and component.on_prem.country not in kb.jurisdictions:
        yield diag(component, "on_prem", f"unknown country code {component.on_prem.country!r}")
    for role in type(component.locations).model_fields:
        yield from check_location(getattr(component.locations, role), component, "locations", kb)
    retention = component.controls.retention
    if retention is not None:
        yield from check_location(retention.location, component, "controls", kb)


def _hosted_api_hint(vendor: Vendor | None) -> str | None:
    """For a model family: where its publisher's hosted API is catalogued, in words."""
    if vendor is None or vendor.kind.is_service:
        return None
    if vendor.hosted_api:
        return (
            f"{vendor.id} is a model family run by whoever runs the hardware; for the "
            f"publisher's hosted API name vendor: {vendor.hosted_api}"
        )
    return (
        f"{vendor.id} is a model family run by whoever runs the hardware; a hosted API of it "
        "is a separate service vendor"
    )


def check_policy(policy: Policy, kb: KnowledgeIndex) -> list[Diagnostic]:
    """Policy references: categories, countries and blocs."""
    problems: list[Diagnostic] = []
    for rule in policy.residency:
        problems.extend(_check_area(rule.allowed, rule, "allowed", kb))
        problems.extend(_check_area(rule.reach_allowed, rule, "reach_allowed", kb))
        for key in rule.categories:
            if key not in kb.taxonomy.categories:
                problems.append(
                    diag(
                        rule,
                        "categories",
                        f"unknown data category {key!r}",
                        suggest(key, kb.taxonomy.categories),
                    )
                )
    return problems


def check_inventory(inventory: Inventory, kb: KnowledgeIndex) -> list[Diagnostic]:
    """Every reference from the inventory into the knowledge base, all problems at once."""
    problems: list[Diagnostic] = []
    entity_ids = {e.id for e in inventory.entities} | set(kb.entities)
    org = inventory.organisation
    if org.country not in kb.jurisdictions:
        problems.append(diag(org, "country", f"unknown country code {org.country!r}"))
    for entity in inventory.entities:
        for field in ("country", "headquarters"):
            code = getattr(entity, field)
            if code is not None and code not in kb.jurisdictions:
                problems.append(
                    diag(
                        entity,
                        field,
                        f"unknown country code {code!r}",
                        suggest(code, kb.jurisdictions),
                    )
                )
        for code in entity.presence:
            if code not in kb.jurisdictions:
                problems.append(diag(entity, "presence", f"unknown country code {code!r}"))
        for parent in entity.parents or ():
            if parent.entity not in entity_ids:
                problems.append(
                    diag(
                        parent,
                        "entity",
                        f"unknown parent entity {parent.entity!r}",
                        suggest(parent.entity, entity_ids),
                    )
                )
            if parent.reported_by is not None and parent.reported_by not in entity_ids:
                problems.append(
                    diag(
                        parent,
                        "reported_by",
                        f"unknown entity {parent.reported_by!r} in reported_by "
                        "(whose filing lists the entity)",
                        suggest(parent.reported_by, entity_ids),
                    )
                )
    for asset in inventory.data:
        for key in asset.categories:
            if key not in kb.taxonomy.categories:
                problems.append(
                    diag(
                        asset,
                        "categories",
                        f"unknown data category {key!r}",
                        suggest(key, kb.taxonomy.categories)
                        or "use a fideslang key (rules/taxonomy/data_categories.yml)",
                    )
                )
        if asset.residency is not None:
            problems.extend(_check_area(asset.residency.allowed, asset, "residency", kb))
    for system in inventory.systems:
        for component in system.components:
            problems.extend(_check_component(component, entity_ids, kb))
    if inventory.policy is not None:
        problems.extend(check_policy(inventory.policy, kb))
    return problems
