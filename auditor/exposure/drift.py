"""Drift: what the inventory declares against what the scanned code and IaC use (issue 20).

``drift_rows(inventory, kb, scanned, resolutions)`` compares the components
``auditor scan`` found (``scanned``: their ``system/component`` keys) with the
hand-written ones of the same merged inventory, for the kinds a scan detects as
AI services (model APIs, inference endpoints, model weights, fine-tuning).

When a scanned component is *covered* by a declared one:

* a hand-written flow that names the scanned component (``to: code-app/app.llm.client``)
  declares it as itself: it is covered, and nothing is compared;
* otherwise the declared components of the same service cover it: the same catalogue
  vendor (the API host decides the vendor of a scanned call, so an OpenAI client pointed
  at ``api.deepseek.com`` is DeepSeek), or, with no vendor on either side, the same kind
  (a self-hosted endpoint). A model API whose provider the code does not fix (a model
  string passed in as a parameter) is covered by every declared component of its kind:
  unknown is not a mismatch, so none of them is reported unused because of it. When the scanned call names a model id and some of those
  declared components name the same model (compared without a ``bedrock/`` or
  ``anthropic:`` prefix and without a Bedrock ``eu.``/``us.``/``global.`` profile prefix),
  only those cover it.

The inventory does not say which folder of code belongs to which declared system, so
"same service" is matched across the inventory: a scanned call is compared with the
declared components of its service, not with one system.

What each kind of row means:

* ``undeclared_service``: no declared component covers a scanned one. One row per
  service, with every place it is used.
* ``region_mismatch`` / ``deployment_mismatch``: the scanned region (or deployment
  option) is known and differs from that of every covering declared component that
  declares one. One row per declared component (the first covering one) and field.
* ``place_unknown``: the scan could not resolve the region (an environment variable
  without default, a constructor parameter, ...) while the declaration names one.
  Unknown is never a mismatch: it says the declaration could not be checked.
* ``declared_unused``: a declared component that no scanned component is covered by.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

from auditor.exposure.evidence import hop
from auditor.exposure.rows import DriftRow
from auditor.kb.index import EEA_BLOC, KnowledgeIndex
from auditor.loader.iac.catalogue import load_catalogue
from auditor.loader.iac.result import How, Resolution
from auditor.model.common import SourceSpan
from auditor.model.findings import Hop
from auditor.model.inventory import UNKNOWN_DEPLOYMENT, Component, ComponentKind, Inventory
from auditor.model.words import scope_words

# The component kinds a scan detects as AI services: drift is about these.
AI_KINDS = frozenset(
    {
        ComponentKind.MODEL_API,
        ComponentKind.INFERENCE_ENDPOINT,
        ComponentKind.MODEL_WEIGHTS,
        ComponentKind.FINE_TUNING,
    }
)

# Kinds that are someone's hosted service: without a vendor, the provider is unknown (not
# self-hosted, as an inference endpoint or model weights without a vendor are).
_HOSTED = frozenset({ComponentKind.MODEL_API, ComponentKind.FINE_TUNING})
# How many places a finding's text names before it says "and N more".
_PLACES_SHOWN = 3


def how_words(how: How) -> str:
    """How a scanned value was resolved, in words."""
    if how is How.ATTRIBUTE:
        return "a literal on the resource"
    if how is How.PROVIDER_BLOCK:
        return "the provider block"
    if how is How.PROVIDER_ALIAS:
        return "an aliased provider"
    if how is How.VARIABLE_DEFAULT:
        return "a variable's default"
    if how is How.TFVARS:
        return "a tfvars file"
    if how is How.VAR_FILE:
        return "a --var-file"
    if how is How.LOCAL:
        return "a Terraform local"
    if how is How.MODULE_INPUT:
        return "a module input"
    if how is How.MODULE_OUTPUT:
        return "a module output"
    if how is How.PARENT_RESOURCE:
        return "the parent resource"
    if how is How.CATALOGUE_DEFAULT:
        return "the service's documented default"
    if how is How.PLAN_VALUE:
        return "a value in plan or state JSON"
    if how is How.PLAN_UNKNOWN:
        return "a value known only after apply"
    if how is How.MANIFEST:
        return "a Kubernetes manifest"
    if how is How.CODE_LITERAL:
        return "a literal at the call"
    if how is How.CODE_CONSTANT:
        return "a constant folded in its module"
    if how is How.ENV_DEFAULT:
        return "the default of an environment variable"
    if how is How.CONFIG_FILE:
        return "a .env, docker-compose or configuration file"
    if how is How.SDK_DEFAULT:
        return "the SDK's default"
    if how is How.UNKNOWN:
        return "unknown"
    assert_never(how)


def _kind_words(kind: ComponentKind) -> str:
    return kind.value.replace("_", " ").replace("api", "API")


@functools.cache
def _profile_prefixes() -> tuple[str, ...]:
    """The model-id prefixes that pick a processing geography (Bedrock's ``eu.``, ``global.``,
    ...), as the scan catalogues record them with their sources (``model_id_prefixes``)."""
    catalogue = load_catalogue()
    return tuple(
        sorted(
            {
                rule.prefix.lower()
                for cat in catalogue.providers.values()
                for rule in cat.model_id_prefixes
            }
        )
    )


def model_forms(name: str) -> frozenset[str]:
    """The spellings a model id is compared by: as written, without a provider prefix
    (``bedrock/``, ``anthropic:``) and without a Bedrock inference-profile prefix."""
    text = name.strip().lower()
    forms = {text}
    if "/" in text:
        forms.add(text.split("/", 1)[1])
    head, colon, rest = text.partition(":")
    if colon and head.isalpha() and rest and not rest[0].isdigit():
        forms.add(rest)
    forms |= {f[len(p) :] for f in forms for p in _profile_prefixes() if f.startswith(p)}
    return frozenset(forms)


@dataclass(frozen=True)
class _Item:
    """One AI component of the merged inventory."""

    system: str
    component: Component

    @property
    def key(self) -> str:
        return f"{self.system}/{self.component.id}"

    @property
    def unknown_provider(self) -> bool:
        """A hosted service (model API, fine-tuning) whose provider the code does not fix."""
        return self.component.vendor is None and self.component.kind in _HOSTED

    @property
    def service(self) -> str:
        if self.component.vendor:
            return self.component.vendor
        if self.unknown_provider:
            return f"unknown-provider:{self.component.kind.value}"
        return f"self-hosted:{self.component.kind.value}"

    @property
    def span(self) -> SourceSpan | None:
        return self.component.span

    def display(self) -> str:
        name = self.component.name
        return f"{name} ({self.key})" if name else self.key


class _Drift:
    """The comparison, with the look-ups it shares."""

    def __init__(self, kb: KnowledgeIndex, resolutions: Sequence[Resolution]) -> None:
        self.kb = kb
        self.resolutions = {(r.system, r.component, r.field): r for r in resolutions}

    def service_name(self, item: _Item) -> str:
        vendor = self.kb.vendors.get(item.component.vendor or "")
        if vendor is not None:
            return vendor.name
        if item.unknown_provider:
            return f"a {_kind_words(item.component.kind)} whose provider the code does not fix"
        return f"a self-hosted {_kind_words(item.component.kind)}"

    def place_words(self, ref: str) -> str:
        return self.kb.location_words(ref)

    def deployment_words(self, vendor_id: str | None, deployment: str) -> str:
        vendor = self.kb.vendors.get(vendor_id or "")
        option = next(
            (o for o in (vendor.deployment_options if vendor else []) if o.id == deployment), None
        )
        if option is None:
            return f"deployment option {deployment}"
        return f"deployment option {deployment} (processed {scope_words(option.processing)})"

    def declared_place(self, c: Component) -> str | None:
        if c.region is not None:
            return c.region
        if c.country is not None:
            return c.country
        if c.on_prem is not None:
            return c.on_prem.country
        return None

    def declared_deployment(self, c: Component) -> str | None:
        if c.deployment == UNKNOWN_DEPLOYMENT:
            return None  # declared as not known: nothing to compare with
        if c.deployment is not None:
            return c.deployment
        vendor = self.kb.vendors.get(c.vendor or "")
        return vendor.default_deployment if vendor else None

    def region_country(self, ref: str) -> str | None:
        provider, colon, code = ref.partition(":")
        if not colon:
            return ref if len(ref) == 2 and ref.isupper() else None
        region = self.kb.resolve_region(provider, code)
        return region.country if region else None

    def same_place(self, scanned: str, declared: str) -> bool:
        """The scanned region lies where the declaration says (a region, a country, a bloc)."""
        if scanned == declared or declared == "global":
            return True
        country = self.region_country(scanned)
        if ":" in declared:
            return False
        if country is None:
            return False
        if declared in ("EU", EEA_BLOC):
            return declared in self.kb.blocs_of(country)
        return country == declared

    def resolution(self, item: _Item, field: str) -> Resolution | None:
        return self.resolutions.get((item.system, item.component.id, field))


def _places_text(items: Sequence[_Item]) -> str:
    spots = [f"{i.span.path}:{i.span.line}" for i in items if i.span is not None]
    shown = ", ".join(spots[:_PLACES_SHOWN])
    more = len(spots) - _PLACES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _place_hop(item: _Item, text: str) -> Hop:
    label = item.component.name or item.key
    return hop(f"{label}: {text}" if text else label, "scanned", item.span)


def _declared_hop(item: _Item) -> Hop:
    return hop(item.display(), "declared", item.span)


def _sort_key(item: _Item) -> tuple[str, int, str]:
    span = item.span
    return (span.path if span else "", span.line if span else 0, item.key)


def drift_rows(
    inventory: Inventory,
    kb: KnowledgeIndex,
    scanned: set[str],
    resolutions: Sequence[Resolution],
) -> list[DriftRow]:
    """Every drift between the declared and the scanned AI components, sorted."""
    d = _Drift(kb, resolutions)
    found: list[_Item] = []
    declared: list[_Item] = []
    named_by_flows: set[str] = set()
    scanned_systems = {key.split("/", 1)[0] for key in scanned}
    for system in inventory.systems:
        for component in system.components:
            if component.kind not in AI_KINDS:
                continue
            item = _Item(system.id, component)
            (found if item.key in scanned else declared).append(item)
        for flow in system.flows:
            for ref in (flow.source, flow.target):
                key = ref if "/" in ref else f"{system.id}/{ref}"
                if key in scanned and system.id not in scanned_systems:
                    named_by_flows.add(key)
    declared.sort(key=lambda i: i.key)
    by_service: dict[str, list[_Item]] = {}
    for item in declared:
        by_service.setdefault(item.service, []).append(item)
    used: set[str] = set()
    undeclared: dict[str, list[_Item]] = {}
    # (kind, declared key) -> the declared item, the scanned items and what each says
    against: dict[tuple[str, str], tuple[_Item, list[tuple[_Item, str, str]]]] = {}
    for item in sorted(found, key=_sort_key):
        if item.key in named_by_flows:
            continue
        if item.unknown_provider:
            # Unknown is not a mismatch: any declared component of the kind may be the one
            # called, so each is counted as used and none is compared.
            same_kind = [c for c in declared if c.component.kind is item.component.kind]
            if same_kind:
                used.update(c.key for c in same_kind)
            else:
                undeclared.setdefault(item.service, []).append(item)
            continue
        candidates = by_service.get(item.service, [])
        model = item.component.model.name if item.component.model else None
        if model and candidates:
            forms = model_forms(model)
            narrowed = [
                c
                for c in candidates
                if c.component.model is not None and model_forms(c.component.model.name) & forms
            ]
            candidates = narrowed or candidates
        if not candidates:
            undeclared.setdefault(item.service, []).append(item)
            continue
        used.update(c.key for c in candidates)
        _compare_region(d, item, candidates, against)
        _compare_deployment(d, item, candidates, against)
    rows = [_undeclared_row(d, items) for items in undeclared.values()]
    rows += [
        _against_row(d, kind, target, places) for (kind, _), (target, places) in against.items()
    ]
    rows += [_unused_row(d, item) for item in declared if item.key not in used]
    rows.sort(key=lambda r: (r.kind, r.service, r.system, r.component))
    return rows


def _compare_region(
    d: _Drift,
    item: _Item,
    candidates: list[_Item],
    against: dict[tuple[str, str], tuple[_Item, list[tuple[_Item, str, str]]]],
) -> None:
    placed = [(c, p) for c in candidates if (p := d.declared_place(c.component)) is not None]
    if not placed:
        return  # nothing declared to compare with (an evidence gap of its own)
    resolution = d.resolution(item, "region")
    scanned = item.component.region
    if scanned is None:
        if resolution is not None and resolution.unknown:
            why = resolution.note or "the code does not say"
            target = placed[0][0]
            against.setdefault(("place_unknown", target.key), (target, []))[1].append(
                (item, f"region unknown ({why})", how_words(How.UNKNOWN))
            )
        return
    if any(d.same_place(scanned, p) for _, p in placed):
        return
    target = placed[0][0]
    how = how_words(resolution.how) if resolution is not None else "the scan"
    written = (
        f", written at {resolution.source.path}:{resolution.source.line}"
        if resolution is not None and resolution.source is not None
        else ""
    )
    against.setdefault(("region_mismatch", target.key), (target, []))[1].append(
        (item, f"{d.place_words(scanned)} ({how}{written})", how)
    )


def _compare_deployment(
    d: _Drift,
    item: _Item,
    candidates: list[_Item],
    against: dict[tuple[str, str], tuple[_Item, list[tuple[_Item, str, str]]]],
) -> None:
    scanned = item.component.deployment
    if scanned is None or scanned == UNKNOWN_DEPLOYMENT:
        return  # the code does not say: unknown, never the vendor's default
    options = [(c, o) for c in candidates if (o := d.declared_deployment(c.component)) is not None]
    if not options or any(o.casefold() == scanned.casefold() for _, o in options):
        return
    target = options[0][0]
    resolution = d.resolution(item, "deployment")
    how = how_words(resolution.how) if resolution is not None else "the scan"
    written = (
        f", written at {resolution.source.path}:{resolution.source.line}"
        if resolution is not None and resolution.source is not None
        else ""
    )
    words = d.deployment_words(item.component.vendor, scanned)
    against.setdefault(("deployment_mismatch", target.key), (target, []))[1].append(
        (item, f"{words} ({how}{written})", how)
    )


def _undeclared_row(d: _Drift, items: list[_Item]) -> DriftRow:
    first = items[0]
    places: dict[str, None] = {}
    hows: dict[str, None] = {}
    for item in items:
        c = item.component
        field = "region" if c.region is not None else "deployment"
        value = c.region or c.deployment
        if value is None or value == UNKNOWN_DEPLOYMENT:
            continue
        places[
            d.place_words(value) if field == "region" else d.deployment_words(c.vendor, value)
        ] = None
        resolution = d.resolution(item, field)
        if resolution is not None:
            hows[how_words(resolution.how)] = None
    if places:
        scanned = "the calls go to " + "; ".join(places)
        if hows:
            scanned += f" (resolved from {', '.join(hows)})"
    else:
        scanned = "the code does not choose where the calls are processed"
    kinds = sorted({_kind_words(i.component.kind) for i in items})
    name = d.service_name(first)
    count = len(items)
    return DriftRow(
        kind="undeclared_service",
        system=first.system,
        component=first.component.id,
        component_name=first.display(),
        component_kind=" and ".join(kinds),
        service=first.service,
        service_name=name,
        declared="",
        scanned=scanned,
        how_text=", ".join(hows) or "nothing the scan could resolve",
        places=count,
        places_text=_places_text(items),
        detail=(
            f"{name} is used in {count} place{'s' if count != 1 else ''} of the scanned code "
            "or infrastructure, and no component of the inventory declares it"
        ),
        evidence=[_place_hop(i, "") for i in items],
    )


def _against_row(
    d: _Drift, kind: str, target: _Item, places: list[tuple[_Item, str, str]]
) -> DriftRow:
    c = target.component
    if kind == "deployment_mismatch":
        declared_value = d.declared_deployment(c) or ""
        declared = d.deployment_words(c.vendor, declared_value)
        if c.deployment is None:
            declared += ", the vendor's default"
    else:
        place = d.declared_place(c)
        declared = d.place_words(place) if place else "nothing"
    scanned = "; ".join(dict.fromkeys(text for _, text, _ in places))
    count = len(places)
    return DriftRow(
        kind=kind,
        system=target.system,
        component=c.id,
        component_name=target.display(),
        component_kind=_kind_words(c.kind),
        service=target.service,
        service_name=d.service_name(target),
        declared=declared,
        scanned=scanned,
        how_text=", ".join(sorted({how for _, _, how in places})),
        places=count,
        places_text=_places_text([i for i, _, _ in places]),
        detail=f"declared {declared}; the scan found {scanned}",
        evidence=[_place_hop(i, text) for i, text, _ in places] + [_declared_hop(target)],
    )


def _unused_row(d: _Drift, item: _Item) -> DriftRow:
    return DriftRow(
        kind="declared_unused",
        system=item.system,
        component=item.component.id,
        component_name=item.display(),
        component_kind=_kind_words(item.component.kind),
        service=item.service,
        service_name=d.service_name(item),
        declared=item.display(),
        scanned="nothing",
        how_text="not applicable",
        places=0,
        places_text="",
        detail=f"nothing in the scanned code or infrastructure uses {d.service_name(item)}"
        + (
            f" with the model {item.component.model.name}"
            if item.component.model is not None
            else ""
        ),
        evidence=[_declared_hop(item)],
    )
