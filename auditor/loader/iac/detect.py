"""Apply the detection catalogue to resources (from HCL or plan JSON) and build components.

A resource is seen through a :class:`ResourceView`, so the same rules apply to
``.tf`` files and to ``terraform show -json`` output. For each detected
resource the detector decides kind, vendor, deployment option, region, model
and replica location, and records a :class:`~auditor.loader.iac.result.Resolution`
for each decision, unknown ones included.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from auditor.loader.iac.catalogue import (
    AttributeMatch,
    Catalogue,
    ProviderCatalogue,
    ResourceRule,
)
from auditor.loader.iac.hcl import HOLE, UNKNOWN, Val, step, unknown
from auditor.loader.iac.result import How, Resolution, ResolutionStep, ScannedRoute
from auditor.model.common import SourceSpan
from auditor.model.inventory import (
    UNKNOWN_DEPLOYMENT,
    Component,
    ComponentKind,
    Location,
    ModelInfo,
    System,
)


class ResourceView(Protocol):
    """One resource as the detector sees it."""

    address: str
    mode: str
    type: str
    span: SourceSpan
    instances: bool  # count/for_each: one component stands for several instances

    def attribute(self, path: str) -> Val | None:
        """The attribute at a dotted path; None when it is not written at all."""
        ...

    def provider_region(self, name: str | None = None) -> Val:
        """The region the resource's provider configuration gives it.

        ``name``: for a registry module's call, the provider its resources use (the call
        passes that configuration to the module).
        """
        ...

    def target(self, path: str) -> tuple[ResourceView, tuple[ResolutionStep, ...]] | None:
        """The resource the attribute at ``path`` refers to, with the hops on the way."""
        ...


@dataclass(frozen=True)
class Placed:
    """A location as written and as the inventory names it."""

    val: Val
    place: str | None  # LocationRef, or None when unknown
    code: str | None = None  # the region code in its catalogue namespace
    note: str | None = None


@dataclass(frozen=True)
class Decided:
    """A deployment option or model name and how it was read."""

    value: str | None
    val: Val | None
    note: str | None = None


@dataclass
class Draft:
    """A component being built from one resource."""

    view: ResourceView
    cat: ProviderCatalogue
    rule: ResourceRule
    vendor: str | None
    placed: Placed
    deployment: Decided | None
    model: Decided | None
    model_vendor: str | None = None
    backup: Placed | None = None
    storage: Placed | None = None
    routes: list[Route] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    subject: str | None = None  # words added to the name (rule.label_with)

    def part(self) -> Part:
        """What the system builder needs."""
        kind = self.rule.kind
        assert kind is not None
        return Part(
            address=self.view.address,
            span=self.view.span,
            kind=kind,
            label=self.rule.label,
            vendor=self.vendor,
            placed=self.placed,
            deployment=self.deployment,
            model=self.model,
            model_vendor=self.model_vendor,
            backup=self.backup,
            storage=self.storage,
            routes=self.routes,
            notes=self.notes,
            subject=self.subject,
        )


@dataclass(frozen=True)
class Route:
    """A gateway sends the requests it receives to ``target``, as ``via`` (a backend) says."""

    via: str  # address of the backend resource
    target: str | None  # address of the resource requests go to; None when not in the code
    placed: Placed


@dataclass
class Part:
    """One component to build: what it is, where, and how each value was found."""

    address: str
    span: SourceSpan
    kind: ComponentKind
    label: str
    vendor: str | None
    placed: Placed
    deployment: Decided | None = None
    model: Decided | None = None
    model_vendor: str | None = None
    open_weights: bool | None = None
    backup: Placed | None = None
    storage: Placed | None = None  # where the data goes when another resource stores it
    routes: list[Route] = field(default_factory=list)  # where a gateway sends requests
    notes: list[str] = field(default_factory=list)
    ident: str | None = None  # component id; slug of the address when not given
    subject: str | None = None  # e.g. "in project my-project": name = label, subject, address


_SLUG = re.compile(r"[^a-z0-9._-]+")


def slug(text: str, limit: int = 120) -> str:
    """An Identifier from any text: lower case, other characters -> '-', trimmed, bounded."""
    value = _SLUG.sub("-", text.lower()).strip("-._")
    value = re.sub(r"-{2,}", "-", value) or "x"
    if not value[0].isalnum():
        value = "x" + value
    if len(value) > limit:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        value = value[: limit - 9].rstrip("-._") + "-" + digest
    return value


def _known_tail(val: Val) -> Val | None:
    """The known model or profile id at the end of a partly unknown ARN template.

    ``arn:aws:bedrock:${region}:${account}:inference-profile/eu.anthropic...``: the
    region and account are unknown, but the id after the last '/' is written out.
    """
    if val.partial is None:
        return None
    tail = val.partial.rsplit("/", 1)[-1] if "/" in val.partial else val.partial
    if not tail or HOLE in tail:
        return None
    return Val(tail, val.steps[:1])


def _holds(view: ResourceView, cond: AttributeMatch) -> bool:
    """``cond`` holds on a written, known value of the resource."""
    val = view.attribute(cond.attribute)
    return val is not None and val.known and val.value is not None and cond.accepts(val.value)


def how_of(val: Val) -> tuple[How, SourceSpan | None]:
    """The kind and place of the innermost step (where the value was written)."""
    last = val.steps[-1] if val.steps else None
    if not val.known:
        if last is not None and last.how is How.PLAN_UNKNOWN:
            return How.PLAN_UNKNOWN, last.span
        return How.UNKNOWN, last.span if last is not None else None
    if last is None:
        return How.ATTRIBUTE, None
    return last.how, last.span


class Detector:
    """Detection over the views of one scan; caches locations per address."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._placed: dict[str, Placed] = {}
        self._busy: set[str] = set()
        # Where a registry module's Helm releases run: the cluster of the helm (or kubernetes)
        # provider the call passes (set by the scan: ClusterPlacer.passed_to).
        self.cluster_of_call: Callable[[ResourceView, str], Placed] | None = None

    # --- rule choice -----------------------------------------------------------------------------

    def rule_for(
        self, view: ResourceView
    ) -> tuple[ProviderCatalogue, ResourceRule, list[str]] | None:
        """The first catalogue rule whose conditions hold on known values."""
        notes: list[str] = []
        for cat, rule in self.catalogue.rules_for(view.mode, view.type):
            ok = True
            for cond in rule.when:
                val = view.attribute(cond.attribute)
                if val is None or not val.known:
                    ok = False
                    if val is not None:
                        notes.append(
                            f"{cond.attribute} is unknown ({val.reason}); "
                            f"not classified as {rule.label}"
                        )
                    break
                if not cond.accepts(val.value):
                    ok = False
                    break
            if ok and any(_holds(view, cond) for cond in rule.unless):
                ok = False
            if ok:
                return cat, rule, notes
        return None

    # --- location -------------------------------------------------------------------------------

    def location_of(self, view: ResourceView) -> Placed:
        """Where a resource is (cached; cycles end unknown)."""
        cached = self._placed.get(view.address)
        if cached is not None:
            return cached
        if view.address in self._busy:
            return Placed(unknown(f"{view.address} inherits its location from itself"), None)
        self._busy.add(view.address)
        try:
            chosen = self.rule_for(view)
            if chosen is None:
                loc = view.attribute("location") or view.attribute("region")
                placed = (
                    Placed(loc, None, note="no catalogue rule for this resource type")
                    if loc is not None
                    else Placed(unknown(f"{view.type} is not in the detection catalogue"), None)
                )
            else:
                placed = self._locate(view, chosen[0], chosen[1])
        finally:
            self._busy.discard(view.address)
        self._placed[view.address] = placed
        return placed

    def locate(self, view: ResourceView, cat: ProviderCatalogue, rule: ResourceRule) -> Placed:
        """Where a resource is by a given rule (a cluster rule of rules/iac/kubernetes.yaml that
        is not a detection rule); cached like :meth:`location_of`."""
        cached = self._placed.get(view.address)
        if cached is None:
            cached = self._locate(view, cat, rule)
            self._placed[view.address] = cached
        return cached

    def _locate(self, view: ResourceView, cat: ProviderCatalogue, rule: ResourceRule) -> Placed:
        loc = rule.location
        if loc.module_cluster is not None:
            if self.cluster_of_call is not None:
                return self.cluster_of_call(view, loc.module_cluster)
            return Placed(
                unknown(
                    f"the module installs on the cluster of its {loc.module_cluster} provider, "
                    "which is not read here",
                    (step(How.UNKNOWN, view.span, view.address),),
                ),
                None,
            )
        for attr in [*loc.attributes, *loc.zone_attributes]:
            val = view.attribute(attr)
            if val is None or (val.known and val.value is None):
                continue
            return self.place(val, cat)
        if loc.parent is not None:
            found = view.target(loc.parent)
            written = view.attribute(loc.parent)
            if found is not None:
                parent, hops = found
                placed = self.location_of(parent)
                ref_span = (
                    written.steps[0].span if written is not None and written.steps else view.span
                )
                hop = step(
                    How.PARENT_RESOURCE,
                    ref_span,
                    f"{view.address} belongs to {parent.address} ({loc.parent}) and has its location",
                )
                val = placed.val
                for extra in reversed((hop, *hops)):
                    val = val.with_step(extra)
                return Placed(val, placed.place, placed.code, placed.note)
            if written is not None:
                steps = written.steps
                return Placed(
                    unknown(
                        f"the resource it belongs to ({loc.parent}) is not in the scanned code",
                        steps,
                    ),
                    None,
                )
        if loc.provider and cat.providers:
            return self.place(view.provider_region(loc.module_provider), cat)
        if loc.default is not None:
            default = loc.default
            text = (
                f"{rule.type} without a location: the service default is {default.value}"
                + (f" ({default.note})" if default.note else "")
                + f" [{default.source[0]}]"
            )
            return self.place(Val(default.value, (step(How.CATALOGUE_DEFAULT, None, text),)), cat)
        reason = rule.no_location_note or "no location attribute is written"
        return Placed(unknown(reason, (step(How.UNKNOWN, view.span, view.address),)), None)

    def place(self, val: Val, cat: ProviderCatalogue) -> Placed:
        """The inventory place a written location names, or unknown (never guessed)."""
        if not val.known:
            return Placed(val, None)
        if not isinstance(val.value, str):
            return Placed(Val(UNKNOWN, val.steps, f"the location is not text: {val.value!r}"), None)
        raw = val.value.strip()
        exact = [m for m in cat.multi_regions if m.value == raw]
        for multi in exact or cat.multi_regions:
            if raw.lower() == multi.value.lower():
                note = multi.note
                if multi.location is None:
                    note = (note + "; " if note else "") + "no single place code fits it"
                return Placed(val, multi.location, None, note)
        provider = cat.region_provider
        if provider is None:
            return Placed(val, None, None, f"{raw!r}: no region catalogue for {cat.name}")
        code = raw.replace(" ", "") if cat.strip_spaces else raw
        code = {"lower": code.lower(), "upper": code.upper()}.get(cat.region_case, code)
        regions = self.catalogue.regions
        if regions.knows(provider, code):
            return Placed(val, f"{provider}:{code}", code)
        if cat.zone_suffix:
            stripped = re.sub(cat.zone_suffix + "$", "", code)
            if stripped != code and regions.knows(provider, stripped):
                return Placed(
                    val, f"{provider}:{stripped}", stripped, f"zone {raw} is in region {stripped}"
                )
        return Placed(
            val,
            None,
            None,
            f"{raw!r} is not a {provider} region in rules/regions/{provider}.yaml; "
            "unknown codes are never guessed",
        )

    # --- deployment and model -------------------------------------------------------------------

    def deployment_of(
        self, view: ResourceView, cat: ProviderCatalogue, rule: ResourceRule, vendor: str | None
    ) -> Decided | None:
        """The vendor deployment option (processing geography) of a resource."""
        dep = rule.deployment
        if dep is None:
            return None
        for attr in dep.attributes:
            val = view.attribute(attr)
            if val is None or (val.known and val.value is None):
                continue
            if not val.known:
                return Decided(None, val, val.reason)
            written = str(val.value)
            mapped = {k.lower(): v for k, v in dep.values.items()}.get(written.lower())
            option = mapped or self.catalogue.option(vendor, written)
            note = None if option else f"{written!r} is not a deployment option of {vendor}"
            return Decided(option, val, note)
        for attr in dep.model_id_attributes:
            val = view.attribute(attr)
            if val is None or (val.known and val.value is None):
                continue
            if not val.known:
                inherited = self._inherited_deployment(view, attr, val)
                if inherited is not None:
                    return inherited
                tail = _known_tail(val)
                if tail is None:
                    return Decided(None, val, val.reason)
                val = tail
            option, note = self.model_id_option(cat, str(val.value))
            return Decided(option, val, note)
        if dep.by_location:
            placed = self.location_of(view)
            if placed.val.known and isinstance(placed.val.value, str):
                key = placed.val.value.strip().lower()
                option = dep.by_location.get(key)
                if option is None and placed.place is not None:
                    option = dep.by_location.get("*")
                note = None if option else f"location {placed.val.value!r} selects no option"
                return Decided(option, placed.val, note)
            return Decided(None, placed.val, placed.val.reason or "the location is unknown")
        return Decided(None, None, "no deployment attribute is written")

    def _inherited_deployment(self, view: ResourceView, attr: str, val: Val) -> Decided | None:
        found = view.target(attr)
        if found is None:
            return None
        target, hops = found
        chosen = self.rule_for(target)
        if chosen is None or chosen[1].deployment is None:
            return None
        decided = self.deployment_of(target, chosen[0], chosen[1], chosen[1].vendor)
        if decided is None or decided.val is None:
            return None
        span = val.steps[0].span if val.steps else view.span
        hop = step(How.PARENT_RESOURCE, span, f"{attr} refers to {target.address}")
        inner = decided.val
        for extra in reversed((hop, *hops)):
            inner = inner.with_step(extra)
        return Decided(decided.value, inner, decided.note)

    def model_id_option(
        self, cat: ProviderCatalogue, model_id: str
    ) -> tuple[str | None, str | None]:
        """The option a model or inference-profile id selects by its prefix (Bedrock)."""
        ident = model_id.strip()
        if ident.startswith("arn:"):
            parts = ident.split(":", 5)
            resource = parts[5] if len(parts) > 5 else ""
            kind, _, ident = resource.partition("/")
            if kind == "application-inference-profile":
                return None, (
                    "an application inference profile ARN does not show which profile it copies"
                )
        for prefix in cat.model_id_prefixes:
            if ident.startswith(prefix.prefix):
                return prefix.deployment, None
        segments = ident.split(":", 1)[0].split(".")
        if len(segments) >= 3:
            # A geographic profile is '<geo>.<provider>.<model>'; a bare model id has one dot.
            return None, f"inference-profile prefix {segments[0]!r}. is not in the catalogue"
        return cat.model_id_default, None

    def model_of(self, view: ResourceView, rule: ResourceRule) -> Decided | None:
        """The model name a resource serves or calls."""
        if rule.model is None:
            return None
        last: Val | None = None
        for attr in rule.model.name_attributes:
            val = view.attribute(attr)
            if val is None or (val.known and val.value is None):
                continue
            last = val
            if not val.known:
                val = _known_tail(val) or val
            if val.known and isinstance(val.value, str) and val.value:
                name = val.value.rsplit("/", 1)[-1] if val.value.startswith("arn:") else val.value
                return Decided(name, val)
        if last is not None:
            return Decided(None, last, last.reason or "the model name is unknown")
        return Decided(None, None, "no model attribute is written")

    # --- replication ----------------------------------------------------------------------------

    def replica_of(
        self, view: ResourceView, cat: ProviderCatalogue, rule: ResourceRule, placed: Placed
    ) -> Placed | None:
        """Where a copy of the data goes (paired region, or a referenced replica)."""
        rep = rule.replication
        if rep is None:
            return None
        if rep.paired_region_when is not None:
            cond = rep.paired_region_when
            val = view.attribute(cond.attribute)
            if val is not None and not val.known:
                return Placed(val, None)
            if val is not None and cond.accepts(val.value):
                pairs = cat.paired_regions
                if placed.code is None or pairs is None:
                    return Placed(
                        unknown(
                            f"{cond.attribute} = {val.value} replicates to the paired region of "
                            "an unknown region",
                            (*val.steps, *placed.val.steps),
                        ),
                        None,
                    )
                paired = pairs.pairs.get(placed.code)
                hop = step(
                    How.CATALOGUE_DEFAULT,
                    None,
                    f"{placed.code} replicates to its paired region {paired or '(none recorded)'} "
                    f"[{pairs.source[0]}]",
                )
                steps = (*val.steps, *placed.val.steps, hop)
                if paired is None:
                    return Placed(
                        unknown(f"no paired region is recorded for {placed.code}", steps), None
                    )
                return self.place(Val(paired, steps), cat)
        if rep.target is not None:
            written = view.attribute(rep.target)
            found = view.target(rep.target)
            if found is not None:
                target, hops = found
                where = self.location_of(target)
                val = where.val
                first = written.steps[0] if written is not None and written.steps else None
                for extra in reversed((*(() if first is None else (first,)), *hops)):
                    val = val.with_step(extra)
                return Placed(val, where.place, where.code, where.note)
            if written is not None:
                return Placed(
                    unknown(
                        f"the replica ({rep.target}) is not in the scanned code; "
                        "an S3 bucket ARN carries no region",
                        written.steps,
                    ),
                    None,
                )
        return None

    def storage_of(self, view: ResourceView, rule: ResourceRule) -> Placed | None:
        """Where the data is stored when the resource hands it to another one (``stores_in``).

        Bedrock invocation logs are stored in their bucket, wherever that bucket is,
        not in the logging configuration's region.
        """
        for attr in rule.stores_in:
            written = view.attribute(attr)
            if written is None or (written.known and written.value is None):
                continue
            found = view.target(attr)
            if found is None:
                return Placed(
                    unknown(
                        f"the store it writes to ({attr}) is not a resource in the scanned code",
                        written.steps,
                    ),
                    None,
                )
            target, hops = found
            where = self.location_of(target)
            first = written.steps[0] if written.steps else None
            hop = step(
                How.PARENT_RESOURCE,
                first.span if first is not None else view.span,
                f"{view.address} stores its data in {target.address} ({attr})",
            )
            val = where.val
            for extra in reversed((hop, *hops)):
                val = val.with_step(extra)
            return Placed(val, where.place, where.code, where.note)
        return None

    def attach_routes(self, views: Iterable[ResourceView], drafts: dict[str, Draft]) -> None:
        """Backends (azurerm_api_management_backend) add where their gateway sends requests."""
        for view in views:
            chosen = self.rule_for(view)
            if chosen is None or chosen[1].routes is None:
                continue
            routes = chosen[1].routes
            found = view.target(routes.gateway)
            gateway = drafts.get(found[0].address) if found is not None else None
            if gateway is None:
                continue
            route: Route | None = None
            for attr in routes.targets:
                written = view.attribute(attr)
                if written is None or (written.known and written.value is None):
                    continue
                target = view.target(attr)
                if target is None:
                    reason = f"{view.address}: {attr} is not a resource in the scanned code"
                    route = Route(view.address, None, Placed(unknown(reason, written.steps), None))
                    break
                resource, hops = target
                where = self.location_of(resource)
                first = written.steps[0] if written.steps else None
                hop = step(
                    How.PARENT_RESOURCE,
                    first.span if first is not None else view.span,
                    f"{view.address} sends requests to {resource.address} ({attr})",
                )
                val = where.val
                for extra in reversed((hop, *hops)):
                    val = val.with_step(extra)
                route = Route(view.address, resource.address, Placed(val, where.place, where.code))
                break
            if route is not None:
                gateway.routes.append(route)

    # --- components -----------------------------------------------------------------------------

    def draft(self, view: ResourceView) -> Draft | None:
        """A component draft for a detected resource (None if the catalogue ignores it)."""
        chosen = self.rule_for(view)
        if chosen is None:
            return None
        cat, rule, notes = chosen
        if rule.kind is None:
            return None
        placed = self.location_of(view)
        vendor = rule.vendor
        deployment = self.deployment_of(view, cat, rule, vendor)
        if placed.code is not None and cat.region_provider is not None:
            partition = self.catalogue.regions.partition(cat.region_provider, placed.code)
            for override in cat.vendor_overrides:
                if partition is not None and override.partition == partition:
                    notes.append(
                        f"region {placed.code} is in partition {partition}: vendor "
                        f"{override.vendor} instead of {vendor}"
                        + (f" ({override.note})" if override.note else "")
                    )
                    vendor = override.vendor
                    if (
                        deployment is not None
                        and deployment.value is not None
                        and self.catalogue.option(vendor, deployment.value) is None
                    ):
                        deployment = Decided(
                            None,
                            deployment.val,
                            f"option {deployment.value} of {rule.vendor} does not apply to {vendor}",
                        )
        model = self.model_of(view, rule)
        if model is None and rule.no_model_note is not None:
            model = Decided(
                None, unknown(rule.no_model_note, (step(How.UNKNOWN, view.span, view.address),))
            )
        model_vendor = (
            self.catalogue.model_vendor(model.value) if model is not None and model.value else None
        )
        draft = Draft(view, cat, rule, vendor, placed, deployment, model, model_vendor, notes=notes)
        draft.subject = self.subject_of(view, rule)
        draft.backup = self.replica_of(view, cat, rule, placed)
        draft.storage = self.storage_of(view, rule)
        if view.instances:
            draft.notes.append("count/for_each: this component stands for every instance")
        if rule.note:
            draft.notes.append(rule.note)
        return draft

    def subject_of(self, view: ResourceView, rule: ResourceRule) -> str | None:
        """The words ``rule.label_with`` adds to the name, from the first known attribute."""
        if rule.label_with is None:
            return None
        for attr in rule.label_with.attributes:
            val = view.attribute(attr)
            if val is not None and val.known and isinstance(val.value, str) and val.value:
                return rule.label_with.text.replace("{value}", val.value)
        return None

    def attach_replication(self, views: Iterable[ResourceView], drafts: dict[str, Draft]) -> None:
        """Separate replication resources (aws_s3_bucket_replication_configuration) annotate drafts."""
        for view in views:
            chosen = self.rule_for(view)
            if chosen is None:
                continue
            cat, rule, _ = chosen
            rep = rule.replication
            if rule.kind is not None or rep is None or rep.source is None:
                continue
            found = view.target(rep.source)
            if found is None:
                continue
            source = drafts.get(found[0].address)
            if source is None:
                continue
            backup = self.replica_of(view, cat, rule, source.placed)
            if backup is not None:
                source.backup = backup
                source.notes.append(
                    f"replicated by {view.address} ({view.span.path}:{view.span.line})"
                )


@dataclass
class Built:
    """The system and its records, ready for the scan result."""

    system: System | None
    resolutions: list[Resolution]
    index: dict[str, str]
    routes: list[ScannedRoute] = field(default_factory=list)


def _resolution(
    system: str,
    component: str,
    address: str,
    fieldname: str,
    value: str | None,
    val: Val | None,
    note: str | None,
    fallback: SourceSpan,
) -> Resolution:
    if val is None:
        return Resolution(
            system, component, address, fieldname, None, How.UNKNOWN, fallback, None, (), note
        )
    how, source = how_of(val)
    if value is None and how not in (How.UNKNOWN, How.PLAN_UNKNOWN):
        how = How.UNKNOWN
    raw = val.value if val.known and isinstance(val.value, str) else None
    reasons = [r for r in (note, None if val.known else val.reason) if r]
    return Resolution(
        system,
        component,
        address,
        fieldname,
        value,
        how,
        source or fallback,
        raw,
        val.steps,
        "; ".join(dict.fromkeys(reasons)) or None,
    )


def build_system(
    system_id: str,
    name: str,
    purpose: str,
    span: SourceSpan,
    parts: Sequence[Part],
) -> Built:
    """Turn parts into a System with spans, and the resolutions and address index of it."""
    used: set[str] = set()
    components: list[Component] = []
    resolutions: list[Resolution] = []
    index: dict[str, str] = {}
    for draft in parts:
        view = draft
        base = draft.ident or slug(view.address)
        ident = base
        counter = 2
        while ident in used:
            ident = f"{base[:110]}-{counter}"
            counter += 1
        used.add(ident)
        placed = draft.placed
        region = placed.place
        fields: dict[str, SourceSpan] = {}
        res: list[Resolution] = []
        res.append(
            _resolution(
                system_id, ident, view.address, "region", region, placed.val, placed.note, view.span
            )
        )
        fields["region"] = res[-1].source or view.span
        deployment = draft.deployment
        if deployment is not None:
            res.append(
                _resolution(
                    system_id,
                    ident,
                    view.address,
                    "deployment",
                    deployment.value,
                    deployment.val,
                    deployment.note,
                    view.span,
                )
            )
            fields["deployment"] = res[-1].source or view.span
        model: ModelInfo | None = None
        if draft.model is not None:
            res.append(
                _resolution(
                    system_id,
                    ident,
                    view.address,
                    "model",
                    draft.model.value,
                    draft.model.val,
                    draft.model.note,
                    view.span,
                )
            )
            if draft.model.value:
                model = ModelInfo(
                    name=draft.model.value,
                    vendor=draft.model_vendor,
                    open_weights=draft.open_weights,
                )
                fields["model"] = res[-1].source or view.span
        locations = Location()
        if draft.backup is not None:
            res.append(
                _resolution(
                    system_id,
                    ident,
                    view.address,
                    "locations.backup",
                    draft.backup.place,
                    draft.backup.val,
                    draft.backup.note,
                    view.span,
                )
            )
            if draft.backup.place is not None:
                locations = Location(backup=draft.backup.place)
                fields["locations"] = res[-1].source or view.span
        if draft.storage is not None:
            res.append(
                _resolution(
                    system_id,
                    ident,
                    view.address,
                    "locations.storage",
                    draft.storage.place,
                    draft.storage.val,
                    draft.storage.note,
                    view.span,
                )
            )
            if draft.storage.place is not None:
                locations = locations.model_copy(update={"storage": draft.storage.place})
                fields.setdefault("locations", res[-1].source or view.span)
        for route in draft.routes:
            res.append(
                _resolution(
                    system_id,
                    ident,
                    view.address,
                    "routes_to",
                    route.placed.place,
                    route.placed.val,
                    f"through {route.via}"
                    + (f" to {route.target}" if route.target else "")
                    + (f"; {route.placed.note}" if route.placed.note else ""),
                    view.span,
                )
            )
        notes = [f"Scanned from {view.span.path}:{view.span.line} ({view.address})."]
        if deployment is not None and deployment.value is None:
            why = res[1].note if len(res) > 1 and res[1].field == "deployment" else None
            notes.append(
                "The code does not fix the deployment option (where prompts are processed)"
                + (f": {why}" if why else "")
                + "; declare it in the inventory."
            )
        if draft.routes:
            shown = [
                f"{r.target or 'a backend outside the scanned code'} "
                f"({r.placed.place or 'place unknown'}, through {r.via})"
                for r in sorted(draft.routes, key=lambda r: (r.target or "", r.via))
            ]
            notes.append(
                f"Sends the requests it receives to {len(shown)}: " + "; ".join(shown) + "."
            )
        notes.extend(dict.fromkeys(draft.notes))
        component = Component(
            id=ident,
            kind=draft.kind,
            name=(
                f"{draft.label} {draft.subject} ({view.address})"
                if draft.subject
                else f"{draft.label} {view.address}"
            ),
            vendor=draft.vendor,
            # Never the vendor's default: an option the code does not fix is unknown.
            deployment=(deployment.value or UNKNOWN_DEPLOYMENT) if deployment is not None else None,
            region=region,
            locations=locations,
            model=model,
            notes=" ".join(notes),
        )
        for key in ("id", "kind", "name", "vendor", "notes"):
            fields.setdefault(key, view.span)
        component.attach_spans(view.span, fields)
        components.append(component)
        resolutions.extend(res)
        index[view.address] = f"{system_id}/{ident}"
    if not components:
        return Built(None, [], {})
    routes = [
        ScannedRoute(
            index[draft.address],
            index[route.target],
            route.via,
            route.placed.val.steps[0].span if route.placed.val.steps else draft.span,
        )
        for draft in parts
        for route in draft.routes
        if route.target is not None and route.target in index and draft.address in index
    ]
    system = System(
        id=system_id,
        name=name,
        purpose=purpose,
        components=components,
    )
    system.attach_spans(span, {"id": span, "name": span, "purpose": span, "components": span})
    return Built(system, resolutions, index, sorted(set(routes), key=_route_key))


def _route_key(route: ScannedRoute) -> tuple[str, str, str]:
    return (route.gateway, route.target, route.via)
