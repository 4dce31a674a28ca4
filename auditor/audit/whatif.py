"""What-if: change components of an inventory, audit both with the same engine, and diff.

A change is ``component=ID key=value ...`` (``ID`` is ``component`` or
``system/component``; ``value`` ``-`` removes the field), for example
``component=llm vendor=mistral-ai deployment=eu region=-``. Changing ``vendor``
drops the parties, model and deployment declared for the old vendor unless the
change sets them too. A patch file holds
``changes: [{component: llm, set: {vendor: mistral-ai, deployment: eu}}]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from auditor.audit.core import AuditOptions, audit_inventory, load_checked_inventory
from auditor.errors import InputError, UsageError
from auditor.kb.resolve import check_inventory
from auditor.loader.inventory import check_local_references
from auditor.loader.validate import suggest, validate_document
from auditor.loader.yamlsrc import YamlProblem, read_yaml
from auditor.model.common import StrictModel
from auditor.model.compare import FindingBrief, ScoreChange, WhatIfResult
from auditor.model.findings import AuditResult, Finding
from auditor.model.inventory import Component, Inventory, System

SETTABLE = {
    "vendor",
    "deployment",
    "region",
    "country",
    "operator",
    "hosting",
    "model_provider",
    "support",
    "on_prem",
}
CONTROLS = {
    "keys",
    "key_holder",
    "processes_in_clear",
    "confidential_computing",
    "pseudonymised_before",
    "training_use",
    "zero_data_retention",
    "tia_done",
    "notification_commitment",
}
LOCATIONS = {"storage", "processing", "admin", "support", "telemetry", "backup", "key_custody"}


class Change(StrictModel):
    """One change of a patch file."""

    component: str = Field(description="component or system/component")
    set: dict[str, Any] = Field(min_length=1)


class Patch(StrictModel):
    """A what-if patch file."""

    changes: list[Change] = Field(min_length=1)


def parse_change(text: str) -> Change:
    """``component=llm vendor=mistral-ai`` as a change."""
    pairs: dict[str, Any] = {}
    for word in text.split():
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise UsageError(f"what-if: {word!r} is not key=value", [])
        pairs[key] = value
    if "component" not in pairs:
        raise UsageError("what-if: name the component: component=ID (or system/component)")
    component = pairs.pop("component")
    if not pairs:
        raise UsageError("what-if: say what to change, e.g. vendor=mistral-ai deployment=eu")
    return Change(component=component, set=pairs)


def load_patch(path: Path) -> list[Change]:
    """Changes from a patch file."""
    try:
        doc = read_yaml(path)
    except YamlProblem as exc:
        raise InputError("the what-if patch is invalid", [exc.diagnostic]) from None
    patch, problems = validate_document(doc, Patch)
    if patch is None:
        raise InputError("the what-if patch is invalid", problems)
    return list(patch.changes)


def _apply(component: Component, changes: dict[str, Any]) -> Component:
    data = component.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    for key, value in changes.items():
        removing = value in ("-", None)
        if key.startswith("controls.") and key.split(".", 1)[1] in CONTROLS:
            target, name = data.setdefault("controls", {}), key.split(".", 1)[1]
        elif key.startswith("locations.") and key.split(".", 1)[1] in LOCATIONS:
            target, name = data.setdefault("locations", {}), key.split(".", 1)[1]
        elif key in SETTABLE:
            target, name = data, key
        else:
            known = sorted(
                SETTABLE
                | {f"controls.{c}" for c in CONTROLS}
                | {f"locations.{x}" for x in LOCATIONS}
            )
            raise UsageError(
                f"what-if: cannot change {key!r}"
                + (f"; {suggest(key, known)}" if suggest(key, known) else "")
            )
        if removing:
            target.pop(name, None)
        elif name == "on_prem":
            target[name] = {"country": value}
        elif isinstance(value, str) and value.lower() in ("true", "false"):
            target[name] = value.lower() == "true"
        else:
            target[name] = value
    if "vendor" in changes:
        # The declared parties and model were the old vendor's: the new vendor's catalogue
        # entry supplies them unless the change names them too.
        for stale in (
            "operator",
            "hosting",
            "model_provider",
            "support",
            "subprocessors",
            "model",
            "deployment",
        ):
            if stale not in changes:
                data.pop(stale, None)
    if {"region", "country", "on_prem"} & set(changes):  # a new placement replaces the old one
        for other in {"region", "country", "on_prem"} - set(changes):
            data.pop(other, None)
    try:
        changed = Component.model_validate(data)
    except ValidationError as exc:
        raise UsageError(f"what-if on {component.id!r}: {exc.errors()[0]['msg']}") from None
    changed.attach_spans(component.span, {})
    return changed


def apply_changes(inventory: Inventory, changes: Sequence[Change]) -> Inventory:
    """A copy of the inventory with the changes made; unknown components are usage errors."""
    keys = [f"{s.id}/{c.id}" for s in inventory.systems for c in s.components]
    for change in changes:
        matching = [k for k in keys if change.component in (k, k.split("/", 1)[1])]
        if len(matching) > 1:
            raise UsageError(
                f"what-if: {change.component!r} is ambiguous; name one of: {', '.join(matching)}"
            )
    systems: list[System] = []
    found = {c.component: False for c in changes}
    for system in inventory.systems:
        components = []
        for component in system.components:
            for change in changes:
                if change.component in (component.id, f"{system.id}/{component.id}"):
                    component = _apply(component, change.set)
                    found[change.component] = True
            components.append(component)
        updated = System.model_validate(
            {**system.model_dump(by_alias=True), "components": components}
        )
        updated = updated.model_copy(update={"components": components, "flows": system.flows})
        updated.attach_spans(system.span, {})
        systems.append(updated)
    for name, hit in found.items():
        if not hit:
            ids = [f"{s.id}/{c.id}" for s in inventory.systems for c in s.components]
            raise UsageError(
                f"what-if: no component {name!r}"
                + (f"; {suggest(name, ids)}" if suggest(name, ids) else "")
            )
    return inventory.model_copy(update={"systems": tuple(systems)})


def _brief(finding: Finding) -> FindingBrief:
    return FindingBrief(
        rule_id=finding.rule_id,
        severity=finding.severity.value,
        title=finding.title,
        fingerprint=finding.fingerprint,
    )


def diff(before: AuditResult, after: AuditResult, changes: list[str]) -> WhatIfResult:
    """Findings that disappear and appear, and scorecards that move."""
    old = {f.fingerprint: f for f in before.findings}
    new = {f.fingerprint: f for f in after.findings}
    scores = []
    for card in before.scores:
        other = next(
            (c for c in after.scores if c.subject == card.subject and c.kind == card.kind), None
        )
        objectives = {
            o.objective: [
                o.seal,
                next((p.seal for p in other.objectives if p.objective == o.objective), None)
                if other
                else None,
            ]
            for o in card.objectives
        }
        if (
            other is None
            or other.score != card.score
            or any(a != b for a, b in objectives.values())
        ):
            scores.append(
                ScoreChange(
                    subject=card.subject,
                    kind=card.kind,
                    before=card.score,
                    after=other.score if other else None,
                    objectives=objectives,
                )
            )
    for card in after.scores:
        if not any(c.subject == card.subject and c.kind == card.kind for c in before.scores):
            scores.append(
                ScoreChange(
                    subject=card.subject,
                    kind=card.kind,
                    before=None,
                    after=card.score,
                    objectives={o.objective: [None, o.seal] for o in card.objectives},
                )
            )
    return WhatIfResult(
        changes=changes,
        disappear=[
            _brief(old[k]) for k in sorted(set(old) - set(new), key=lambda k: (old[k].rule_id, k))
        ],
        appear=[
            _brief(new[k]) for k in sorted(set(new) - set(old), key=lambda k: (new[k].rule_id, k))
        ],
        unchanged=len(set(old) & set(new)),
        scores=sorted(scores, key=lambda s: (s.kind, s.subject)),
    )


def what_if(
    paths: Sequence[Path], changes: Sequence[Change], options: AuditOptions | None = None
) -> WhatIfResult:
    """Audit the inventory as it is and as changed, with the same options, and diff."""
    options = options or AuditOptions()
    inventory, kb = load_checked_inventory(paths, options.rule_dirs)
    changed = apply_changes(inventory, changes)
    problems = check_local_references(changed) + check_inventory(changed, kb)
    if problems:
        raise InputError("the what-if change makes the inventory invalid", problems)
    before = audit_inventory(inventory, kb, options)
    after = audit_inventory(changed, kb, options)
    words = [f"{c.component}: " + ", ".join(f"{k}={v}" for k, v in c.set.items()) for c in changes]
    return diff(before, after, words)
