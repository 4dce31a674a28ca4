"""Load inventory files into one :class:`~auditor.model.inventory.Inventory`.

All problems of all files are collected and raised together as one
:class:`~auditor.errors.InputError`, so a user fixes everything in one pass.
References inside the inventory are checked here; references into the
knowledge base (vendors, catalogue entities, regions) are checked by
:mod:`auditor.kb.resolve`, which knows the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from auditor.errors import Diagnostic, InputError
from auditor.loader.files import expand_paths
from auditor.loader.validate import suggest, validate_document
from auditor.loader.yamlsrc import DEFAULT_LIMITS, Limits, YamlProblem, paused_gc, read_yaml
from auditor.model.common import Located
from auditor.model.inventory import (
    Inventory,
    InventoryFragment,
    Organisation,
    System,
)
from auditor.model.policy import Policy, PolicyFile
from auditor.model.waivers import WaiverFile, WaiverSpec


def diag(obj: Located, field: str | None, message: str, hint: str | None = None) -> Diagnostic:
    """A diagnostic at ``obj`` (or at its ``field``)."""
    span = obj.span_of(field) if field else obj.span
    if span is None:
        return Diagnostic("<inventory>", None, None, message, hint)
    return Diagnostic(span.path, span.line, span.column, message, hint)


def read_fragments(
    paths: Sequence[Path], limits: Limits = DEFAULT_LIMITS
) -> tuple[list[InventoryFragment], list[str], list[Diagnostic]]:
    """Parse and validate every inventory file; never stops at the first bad one.

    Returns the valid fragments, the files read (as shown in diagnostics) and the problems.
    """
    files, problems = expand_paths(paths)
    fragments: list[InventoryFragment] = []
    for path in files:
        try:
            doc = read_yaml(path, limits=limits)
        except YamlProblem as exc:
            problems.append(exc.diagnostic)
            continue
        if doc.data is None:
            problems.append(
                Diagnostic(
                    doc.path, 1, 1, "the file is empty", "remove it or add inventory sections"
                )
            )
            continue
        if not isinstance(doc.data, dict):
            problems.append(
                doc.diagnostic(
                    (),
                    "an inventory file must be a mapping of sections",
                    "start with one of: organisation:, entities:, data:, systems:, policy:",
                )
            )
            continue
        fragment, errors = validate_document(doc, InventoryFragment)
        problems.extend(errors)
        if fragment is not None:
            fragments.append(fragment)
    return fragments, [str(p) for p in files], problems


def _unique(items: Iterable[Located], kind: str, problems: list[Diagnostic]) -> None:
    seen: dict[str, Located] = {}
    for item in items:
        ident = str(getattr(item, "id"))  # noqa: B009 - every caller passes objects with an id
        if ident in seen:
            first = seen[ident].span
            problems.append(
                diag(item, "id", f"duplicate {kind} id {ident!r}", f"first defined at {first}")
            )
        else:
            seen[ident] = item


def merge(
    fragments: Sequence[InventoryFragment], files: Sequence[str]
) -> tuple[Inventory | None, list[Diagnostic]]:
    """Merge fragments into one inventory and check the references inside it."""
    problems: list[Diagnostic] = []
    organisations = [f.organisation for f in fragments if f.organisation is not None]
    policies = [f.policy for f in fragments if f.policy is not None]
    for extra in organisations[1:]:
        problems.append(
            diag(extra, None, "organisation is declared twice", f"first at {organisations[0].span}")
        )
    for extra_policy in policies[1:]:
        problems.append(
            diag(extra_policy, None, "policy is declared twice", f"first at {policies[0].span}")
        )
    entities = [e for f in fragments for e in f.entities]
    data = [d for f in fragments for d in f.data]
    systems = [s for f in fragments for s in f.systems]
    _unique(entities, "entity", problems)
    _unique(data, "data asset", problems)
    _unique(systems, "system", problems)
    for system in systems:
        _unique(system.components, "component", problems)
    if not organisations:
        first = files[0] if files else "<inventory>"
        problems.append(
            Diagnostic(
                first,
                None,
                None,
                "no organisation is declared",
                "add 'organisation: {name: ..., country: DE}' to one of the files",
            )
        )
        return None, problems
    inventory = Inventory(
        organisation=organisations[0],
        entities=tuple(entities),
        data=tuple(data),
        systems=tuple(systems),
        policy=policies[0] if policies else None,
        waivers=tuple(w for f in fragments for w in f.waivers),
        files=tuple(files),
    )
    problems.extend(check_local_references(inventory))
    return inventory, problems


def _component_ids(systems: Sequence[System]) -> set[str]:
    return {f"{s.id}/{c.id}" for s in systems for c in s.components}


def check_local_references(inventory: Inventory) -> list[Diagnostic]:
    """Flows, holdings and key holders must name things the inventory declares."""
    problems: list[Diagnostic] = []
    data_ids = {d.id for d in inventory.data}
    components = _component_ids(inventory.systems)
    org: Organisation = inventory.organisation
    entity_ids = {e.id for e in inventory.entities}
    if org.entity is not None and org.entity not in entity_ids:
        problems.append(
            diag(
                org,
                "entity",
                f"organisation entity {org.entity!r} is not declared under entities",
                suggest(org.entity, entity_ids),
            )
        )
    for system in inventory.systems:
        for flow in system.flows:
            for field, ref in (("source", flow.source), ("target", flow.target)):
                qualified = ref if "/" in ref else f"{system.id}/{ref}"
                if qualified not in components:
                    local = [c.id for c in system.components]
                    problems.append(
                        diag(
                            flow,
                            field,
                            f"flow {'from' if field == 'source' else 'to'} unknown component {ref!r}",
                            suggest(ref, local if "/" not in ref else components)
                            or "name a component of this system, or 'system/component'",
                        )
                    )
            for ident in flow.data:
                if ident not in data_ids:
                    problems.append(
                        diag(
                            flow,
                            "data",
                            f"flow carries unknown data asset {ident!r}",
                            suggest(ident, data_ids),
                        )
                    )
        for component in system.components:
            for ident in component.holds:
                if ident not in data_ids:
                    problems.append(
                        diag(
                            component,
                            "holds",
                            f"component holds unknown data asset {ident!r}",
                            suggest(ident, data_ids),
                        )
                    )
    for entity in inventory.entities:
        listed: set[str] = set()
        for parent in entity.parents or ():
            if parent.entity == entity.id:
                problems.append(
                    diag(parent, "entity", f"entity {entity.id!r} lists itself as parent")
                )
            elif parent.entity in listed:
                # Two entries are neither added up nor compared by the control tests, so
                # two 30 % entries would hide a 60 % majority.
                problems.append(
                    diag(
                        parent,
                        "entity",
                        f"entity {entity.id!r} lists parent {parent.entity!r} twice",
                        "merge the entries into one with the total stake and every right",
                    )
                )
            listed.add(parent.entity)
    problems.extend(_ownership_cycles(inventory))
    return problems


def _ownership_cycles(inventory: Inventory) -> list[Diagnostic]:
    """Control chains among the inventory's entities must end: A controlling B controlling A
    is impossible. Minority cross-holdings (A holds 10 % of B, B 10 % of A) are fine."""
    by_id = {e.id: e for e in inventory.entities}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    problems: list[Diagnostic] = []

    def controlling_parents(ident: str) -> Iterator[str]:
        for parent in by_id[ident].parents or ():
            if (
                parent.entity in by_id
                and parent.entity != ident
                and parent.control_reason() is not None
            ):
                yield parent.entity

    # Depth first with an explicit stack, not recursion: a chain of a thousand owners
    # must not hit Python's recursion limit.
    for start in sorted(by_id):
        if state.get(start) == 2:
            continue
        trail = [start]
        state[start] = 1
        stack = [controlling_parents(start)]
        while stack:
            ident = next(stack[-1], None)
            if ident is None:
                stack.pop()
                state[trail.pop()] = 2
                continue
            if state.get(ident) == 2:
                continue
            if state.get(ident) == 1:
                cycle = [*trail[trail.index(ident) :], ident]
                problems.append(
                    diag(
                        by_id[ident],
                        "parents",
                        "control cycle: " + " -> ".join(cycle),
                        "an owner cannot be owned by what it owns; fix one of the stakes",
                    )
                )
                continue
            state[ident] = 1
            trail.append(ident)
            stack.append(controlling_parents(ident))
    return problems


def load_inventory(
    paths: Sequence[Path],
    limits: Limits = DEFAULT_LIMITS,
    *,
    extra: Sequence[InventoryFragment] = (),
    extra_files: Sequence[str] = (),
) -> Inventory:
    """Read, validate and merge inventory files (plus fragments already built, e.g. by a
    scan of infrastructure code); raise InputError listing every problem."""
    with paused_gc():
        fragments, files, problems = read_fragments(paths, limits) if paths else ([], [], [])
        inventory, merge_problems = merge([*fragments, *extra], [*files, *extra_files])
    if problems:
        # A file that failed validation may hold the organisation: do not claim it is missing.
        merge_problems = [p for p in merge_problems if p.message != "no organisation is declared"]
    problems.extend(merge_problems)
    if problems or inventory is None:
        raise InputError(f"the inventory has {len(set(problems))} problem(s)", problems)
    return inventory


def load_waivers(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[WaiverSpec]:
    """Read a waiver file (``waivers:`` at the top level)."""
    try:
        doc = read_yaml(path, limits=limits)
    except YamlProblem as exc:
        raise InputError("the waiver file is invalid", [exc.diagnostic]) from None
    waiver_file, problems = validate_document(doc, WaiverFile)
    if waiver_file is None:
        raise InputError("the waiver file is invalid", problems)
    return list(waiver_file.waivers)


def load_policy(path: Path, limits: Limits = DEFAULT_LIMITS) -> Policy:
    """Read a policy file (``policy:`` at the top level)."""
    try:
        doc = read_yaml(path, limits=limits)
    except YamlProblem as exc:
        raise InputError("the policy file is invalid", [exc.diagnostic]) from None
    policy_file, problems = validate_document(doc, PolicyFile)
    if policy_file is None:
        raise InputError("the policy file is invalid", problems)
    return policy_file.policy
