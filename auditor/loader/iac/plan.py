"""``terraform show -json`` output: plans (planned values, unknown-after-apply) and state.

Planned values are what Terraform itself computed, so they beat anything the
HCL evaluator can do; values "known after apply" stay unknown (``plan_unknown``).
Provider regions come from ``configuration.provider_config`` expressions, and
references between resources (a deployment's account) from the configuration's
``references`` lists.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import Diagnostic
from auditor.loader.iac.hcl import UNKNOWN, Val, step, unknown
from auditor.loader.iac.result import How, ResolutionStep
from auditor.model.common import SourceSpan

_INDEX = re.compile(r"\[[^\]]*\]")


def is_terraform_json(data: Any) -> bool:
    """A plan or state document of ``terraform show -json``."""
    return (
        isinstance(data, dict)
        and "format_version" in data
        and ("planned_values" in data or "values" in data or "resource_changes" in data)
    )


@dataclass
class PlanDocument:
    """One plan or state file with positions of the things spans point at."""

    display: str
    text: str
    data: dict[str, Any]
    is_plan: bool
    _lines: dict[str, tuple[int, int]] = field(default_factory=dict)
    _changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    _config: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for match in re.finditer(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"', self.text):
            address = json.loads(f'"{match.group(1)}"')
            self._lines.setdefault(address, self._position(match.start()))
        for change in self.data.get("resource_changes") or []:
            if isinstance(change, dict) and isinstance(change.get("address"), str):
                self._changes[change["address"]] = change
        config = self.data.get("configuration") or {}
        self._walk_config(config.get("root_module") or {}, "")

    def _walk_config(self, module: dict[str, Any], prefix: str) -> None:
        for resource in module.get("resources") or []:
            if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                self._config[prefix + resource["address"]] = resource
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict):
                self._walk_config(call.get("module") or {}, f"{prefix}module.{name}.")

    def _position(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, column

    def span_of(self, address: str) -> SourceSpan:
        """Where a resource address first stands in the file."""
        line, column = self._lines.get(address, (1, 1))
        return SourceSpan(path=self.display, line=line, column=column)

    def span_of_text(self, needle: str, after: str | None = None) -> SourceSpan:
        """Where some text first stands (after another text, if given)."""
        start = self.text.find(after) if after else 0
        offset = self.text.find(needle, max(start, 0))
        line, column = self._position(offset) if offset >= 0 else (1, 1)
        return SourceSpan(path=self.display, line=line, column=column)

    def change(self, address: str) -> dict[str, Any] | None:
        """The resource_changes entry of an address (plans only)."""
        return self._changes.get(address)

    def config(self, address: str) -> dict[str, Any] | None:
        """The configuration entry of a resource (address without instance keys)."""
        return self._config.get(_INDEX.sub("", address))

    def resources(self) -> Iterator[dict[str, Any]]:
        """Every resource of the planned values (plan) or values (state), child modules included."""
        top = self.data.get("planned_values") if self.is_plan else self.data.get("values")
        stack = [(top or {}).get("root_module") or {}]
        while stack:
            module = stack.pop(0)
            for resource in module.get("resources") or []:
                if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                    yield resource
            stack.extend(m for m in module.get("child_modules") or [] if isinstance(m, dict))


def read_plan(
    path: Path, display: str, max_bytes: int
) -> tuple[PlanDocument | None, Diagnostic | None]:
    """Read a JSON file; a plan/state document, or None (not one of ours), or a diagnostic."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, Diagnostic(
                display, None, None, "not a regular file (a pipe, socket or device)"
            )
        if info.st_size > max_bytes:
            return None, Diagnostic(
                display, None, None, f"the file is over the limit of {max_bytes:,} bytes"
            )
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, Diagnostic(display, None, None, f"cannot read the file: {exc}")
    if '"format_version"' not in text:
        return None, None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, Diagnostic(display, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")
    except RecursionError:
        return None, Diagnostic(display, None, None, "JSON nested too deeply")
    except ValueError as exc:  # an integer of more than 4,300 digits (int-str conversion limit)
        return None, Diagnostic(display, None, None, f"invalid JSON: {str(exc).split(';')[0]}")
    if not is_terraform_json(data):
        return None, None
    problem = _shape_problem(data)
    if problem is not None:
        where, expected, found = problem
        return None, Diagnostic(
            display,
            _line_of(text, where),
            None,
            f"{where} must be {expected}, not {found}; this is not the output of "
            "'terraform show -json'",
            "regenerate it with 'terraform show -json plan.out > plan.json'",
        )
    return PlanDocument(
        display, text, data, "planned_values" in data or "resource_changes" in data
    ), None


_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def _shape_problem(data: dict[str, Any]) -> tuple[str, str, str] | None:
    """The first value the scan reads that has the wrong JSON type: (path, expected, found).

    Only what the scan reads is checked; ``null`` counts as absent.
    """
    checks: list[tuple[str, Any, type]] = []

    def want(where: str, value: Any, kind: type) -> bool:
        if value is None or isinstance(value, kind):
            return value is not None
        checks.append((where, value, kind))
        return False

    def module(where: str, value: Any, children: str) -> None:
        stack = [(where, value)]
        while stack and not checks:
            here, mod = stack.pop()
            if not want(here, mod, dict):
                continue
            resources = mod.get("resources")
            if want(f"{here}.resources", resources, list):
                for index, resource in enumerate(resources):
                    at = f"{here}.resources[{index}]"
                    if want(at, resource, dict):
                        want(f"{at}.values", resource.get("values"), dict)
                        want(f"{at}.expressions", resource.get("expressions"), dict)
            kids = mod.get(children)
            if children == "module_calls" and want(f"{here}.{children}", kids, dict):
                for name, call in kids.items():
                    if want(f"{here}.{children}.{name}", call, dict):
                        stack.append((f"{here}.{children}.{name}.module", call.get("module")))
            elif children == "child_modules" and want(f"{here}.{children}", kids, list):
                stack.extend((f"{here}.{children}[{i}]", kid) for i, kid in enumerate(kids))

    for top in ("planned_values", "values"):
        if want(top, data.get(top), dict):
            module(f"{top}.root_module", data[top].get("root_module"), "child_modules")
    changes: Any = data.get("resource_changes")
    if want("resource_changes", changes, list):
        for index, change in enumerate(changes):
            at = f"resource_changes[{index}]"
            if want(at, change, dict):
                want(f"{at}.change", change.get("change"), dict)
    configuration: Any = data.get("configuration")
    if want("configuration", configuration, dict):
        module("configuration.root_module", configuration.get("root_module"), "module_calls")
        providers = configuration.get("provider_config")
        if want("configuration.provider_config", providers, dict):
            for key, entry in providers.items():
                if want(f"configuration.provider_config.{key}", entry, dict):
                    want(
                        f"configuration.provider_config.{key}.expressions",
                        entry.get("expressions"),
                        dict,
                    )
    want("variables", data.get("variables"), dict)
    if not checks:
        return None
    where, value, kind = checks[0]
    return where, _JSON_TYPES[kind], _JSON_TYPES.get(type(value), type(value).__name__)


def _line_of(text: str, where: str) -> int | None:
    """The line of the last key of a JSON path, found key after key (None if one is missing)."""
    offset = 0
    for part in where.split("."):
        name = part.split("[", 1)[0]
        found = text.find(json.dumps(name), offset)
        if found < 0:
            return None
        offset = found
    return text.count("\n", 0, offset) + 1


def _dig(value: Any, path: list[str]) -> tuple[bool, Any]:
    """(found, value) at a dotted path; lists of blocks are entered at their first item."""
    current = value
    for part in path:
        if isinstance(current, list):
            if not current:
                return False, None
            current = current[0]
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return True, current


class PlanResource:
    """A planned (or state) resource as a :class:`~auditor.loader.iac.detect.ResourceView`."""

    def __init__(self, doc: PlanDocument, resource: dict[str, Any]) -> None:
        self.doc = doc
        self.resource = resource
        self.address = str(resource["address"])
        self.mode = str(resource.get("mode", "managed"))
        self.type = str(resource.get("type", ""))
        self.span = doc.span_of(self.address)
        self.instances = False  # every instance is its own entry in plan JSON
        self.values: dict[str, Any] = resource.get("values") or {}
        change = doc.change(self.address) or {}
        self.after_unknown: dict[str, Any] = (change.get("change") or {}).get("after_unknown") or {}

    def attribute(self, path: str) -> Val | None:
        """A planned value, or unknown after apply, or None when not set."""
        parts = path.split(".")
        found, value = _dig(self.values, parts)
        if found and value is not None:
            return Val(
                value,
                (step(How.PLAN_VALUE, self.span, f"{self.address}: {path} = {json.dumps(value)}"),),
            )
        pending, flag = _dig(self.after_unknown, parts)
        if pending and flag is True:
            return unknown(
                f"{self.address}.{path} is known only after apply",
                (step(How.PLAN_UNKNOWN, self.span, f"{self.address}: {path} (known after apply)"),),
            )
        if found:
            return Val(None)
        return None

    def provider_region(self, name: str | None = None) -> Val:
        """The region of the provider configuration used by the resource.

        ``name`` concerns module calls, which a plan does not list (it lists the resources
        inside the modules).
        """
        config = self.doc.config(self.address) or {}
        key = config.get("provider_config_key")
        providers = (self.doc.data.get("configuration") or {}).get("provider_config") or {}
        if not isinstance(key, str):
            return unknown(f"{self.address}: the plan names no provider configuration")
        entry = providers.get(key) or providers.get(key.split(":", 1)[-1])
        if not isinstance(entry, dict):
            return unknown(f"provider configuration {key!r} is not in the plan")
        alias = entry.get("alias")
        how = How.PROVIDER_ALIAS if alias else How.PROVIDER_BLOCK
        label = f'provider "{entry.get("name", key)}"' + (f' alias "{alias}"' if alias else "")
        span = self.doc.span_of_text(f'"{key}"', '"provider_config"')
        expressions = entry.get("expressions") or {}
        for attr in ("region", "zone", "location"):
            expr = expressions.get(attr)
            if not isinstance(expr, dict):
                continue
            first = step(how, span, f"{label}: {attr} = {json.dumps(expr)}")
            if "constant_value" in expr:
                return Val(expr["constant_value"], (first,))
            refs = [r for r in expr.get("references") or [] if isinstance(r, str)]
            var = next((r for r in refs if r.startswith("var.")), None)
            if var is not None and not entry.get("module_address"):
                name = var.split(".", 2)[1]
                variable = (self.doc.data.get("variables") or {}).get(name)
                if isinstance(variable, dict) and "value" in variable:
                    vspan = self.doc.span_of_text(f'"{name}"', '"variables"')
                    return Val(
                        variable["value"],
                        (
                            first,
                            step(
                                How.PLAN_VALUE,
                                vspan,
                                f"var.{name} = {json.dumps(variable['value'])}",
                            ),
                        ),
                    )
            return unknown(
                f"{label}: {attr} refers to {', '.join(refs) or 'an expression'}", (first,)
            )
        return unknown(
            f"{label} sets no region in the plan; the environment decided it",
            (step(how, span, label),),
        )

    def target(self, path: str) -> tuple[PlanResource, tuple[ResolutionStep, ...]] | None:
        """The resource an attribute refers to, from the configuration's references."""
        config = self.doc.config(self.address) or {}
        found, expr = _dig(config.get("expressions") or {}, path.split("."))
        if not found or not isinstance(expr, dict):
            return None
        module = _module_prefix(self.address)
        for ref in expr.get("references") or []:
            if not isinstance(ref, str) or ref.startswith(("var.", "local.", "module.")):
                continue
            parts = ref.split(".")
            base = ".".join(parts[:3] if parts[0] == "data" else parts[:2])
            for resource in self.doc.resources():
                address = resource["address"]
                if _INDEX.sub("", address) == module + base:
                    hop = step(How.ATTRIBUTE, self.span, f"{self.address}: {path} refers to {ref}")
                    return PlanResource(self.doc, resource), (hop,)
        return None


def _module_prefix(address: str) -> str:
    """``module.a.module.b.`` of a resource address (instance keys removed)."""
    parts = _INDEX.sub("", address).split(".")
    prefix: list[str] = []
    index = 0
    while index + 1 < len(parts) and parts[index] == "module":
        prefix.extend(parts[index : index + 2])
        index += 2
    return ".".join(prefix) + ("." if prefix else "")


def plan_views(doc: PlanDocument) -> list[PlanResource]:
    """Every resource of the document as a view."""
    return [PlanResource(doc, r) for r in doc.resources()]


__all__ = [
    "UNKNOWN",
    "PlanDocument",
    "PlanResource",
    "is_terraform_json",
    "plan_views",
    "read_plan",
]
