"""Read a procurement options file and turn each option into an inventory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from auditor.errors import Diagnostic, InputError
from auditor.loader.inventory import check_local_references, diag
from auditor.loader.validate import validate_document
from auditor.loader.yamlsrc import DEFAULT_LIMITS, Limits, YamlProblem, read_yaml
from auditor.model.compare import OptionsFile, OptionSpec, UseCase
from auditor.model.inventory import Component, ComponentKind, Flow, Inventory, OnPrem, System

APP_ID = "app"


def load_options(path: Path, limits: Limits = DEFAULT_LIMITS) -> OptionsFile:
    """Parse and validate an options file; every problem at once."""
    try:
        doc = read_yaml(path, limits=limits)
    except YamlProblem as exc:
        raise InputError("the options file is invalid", [exc.diagnostic]) from None
    options, problems = validate_document(doc, OptionsFile)
    if options is None:
        raise InputError("the options file is invalid", problems)
    problems = []
    if options.use_case.organisation.entity is None:
        problems.append(
            diag(
                options.use_case.organisation,
                None,
                "the use case's organisation must declare its own entity",
                "add 'entity: <id>' and declare that entity under use_case.entities",
            )
        )
    seen: dict[str, OptionSpec] = {}
    for option in options.options:
        if option.id in seen:
            problems.append(diag(option, "id", f"duplicate option id {option.id!r}"))
        seen[option.id] = option
        for component in option.components:
            if component.id == APP_ID:
                problems.append(
                    diag(
                        component,
                        "id",
                        f"component id {APP_ID!r} is the organisation's own application",
                        "rename it",
                    )
                )
    if problems:
        raise InputError("the options file is invalid", problems)
    return options


def option_inventory(use_case: UseCase, option: OptionSpec, source: str) -> Inventory:
    """The inventory of one option: the use case's organisation and data, one system."""
    organisation = use_case.organisation
    app = Component(
        id=APP_ID,
        kind=ComponentKind.APPLICATION,
        name=f"{organisation.name}'s own application",
        on_prem=OnPrem(country=organisation.country),
        operator=organisation.entity,
    )
    flows = option.flows or [
        Flow.model_validate({"from": APP_ID, "to": c.id, "data": [d.id for d in use_case.data]})
        for c in option.components
    ]
    system = System(
        id=option.id,
        name=option.name,
        purpose=use_case.description,
        criticality=use_case.criticality,
        ai_act_risk=use_case.ai_act_risk,
        components=[app, *option.components],
        flows=flows,
    )
    system.attach_spans(option.span, {})
    return Inventory(
        organisation=organisation,
        entities=tuple(use_case.entities) + tuple(option.entities),
        data=tuple(use_case.data),
        systems=(system,),
        policy=use_case.policy,
        files=(source,),
    )


def check_option(inventory: Inventory) -> list[Diagnostic]:
    """References inside one option's inventory (flows, data, entities)."""
    return check_local_references(inventory)


def dump_inventory(inventory: Inventory) -> str:
    """An inventory as one YAML document that the loader reads back to the same inventory."""

    def dump(model: BaseModel) -> dict[str, Any]:
        return model.model_dump(mode="json", by_alias=True, exclude_defaults=True)

    document: dict[str, Any] = {
        "organisation": dump(inventory.organisation),
        "entities": [dump(e) for e in inventory.entities],
        "data": [dump(d) for d in inventory.data],
        "systems": [dump(s) for s in inventory.systems],
    }
    if inventory.policy is not None:
        document["policy"] = dump(inventory.policy)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
