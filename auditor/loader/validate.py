"""Validate parsed YAML against a model, turning pydantic errors into positioned diagnostics.

Also attaches source spans to every :class:`~auditor.model.common.Located`
object once validation succeeds.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode, Node, SequenceNode

from auditor.errors import Diagnostic
from auditor.loader.yamlsrc import DataPath, YamlDocument
from auditor.model.common import Located, SourceSpan

M = TypeVar("M", bound=BaseModel)

_PATTERN_MESSAGES = {
    r"^[a-z0-9][a-z0-9._-]*$": (
        "not a valid id",
        "ids use lower-case letters, digits, '.', '_' and '-', and start with a letter or digit",
    ),
    r"^[A-Z]{2}$": (
        "not an ISO 3166-1 alpha-2 country code",
        "write two upper-case letters: DE, FR, US",
    ),
    r"^([a-z0-9-]+:[A-Za-z0-9._/-]+|[A-Z]{2}|EU|EEA|global)$": (
        "not a place",
        "write provider:region (aws:eu-central-1, azure:swedencentral), a country code (DE), "
        "EU, EEA or global",
    ),
}


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """A 'did you mean' hint for ``word`` among ``choices``, or None."""
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes an annotation can hold (through Optional, list, tuple, dict)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple, dict):
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            found.extend(_unwrap(arg))
        return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class whose object stands at ``loc`` (ignoring list indices)."""
    current: type[BaseModel] | None = root
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = _field_by_key(current, part)
        if field is None:
            return None
        candidates = _unwrap(field.annotation)
        current = candidates[0] if candidates else None
    return current


def _field_by_key(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _describe(error: ErrorDetails, root: type[BaseModel], loc: DataPath) -> tuple[str, str | None]:
    kind = error["type"]
    where = ".".join(str(p) for p in loc)
    given = error.get("input")
    if kind == "extra_forbidden":
        parent = _model_at(root, loc[:-1])
        hint = suggest(str(loc[-1]), _keys_of(parent)) if parent else None
        if hint is None and parent is not None:
            hint = "allowed keys: " + ", ".join(sorted(_keys_of(parent)))
        return f"unknown key {loc[-1]!r}", hint
    if kind == "missing":
        return f"missing required key {loc[-1]!r}", f"add '{loc[-1]}:' here"
    if kind == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        if pattern in _PATTERN_MESSAGES:
            message, hint = _PATTERN_MESSAGES[pattern]
            return f"{where}: {message}: {given!r}", hint
    if kind == "enum":
        expected = str((error.get("ctx") or {}).get("expected", ""))
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",") if c.strip()]
        hint = suggest(str(given), choices) if isinstance(given, str) else None
        return f"{where}: {given!r} is not one of {expected}", hint
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return (f"{where}: {message}" if where else message), None


def validate_document(doc: YamlDocument, model: type[M]) -> tuple[M | None, list[Diagnostic]]:
    """Validate ``doc.data`` as ``model``; on success attach spans; else return all problems."""
    try:
        obj = model.model_validate(doc.data)
    except ValidationError as exc:
        diagnostics = []
        for error in exc.errors(include_url=False):
            loc: DataPath = tuple(p for p in error["loc"] if isinstance(p, str | int))
            message, hint = _describe(error, model, loc)
            at_key = error["type"] in ("extra_forbidden", "missing")
            diagnostics.append(doc.diagnostic(loc, message, hint, key=at_key))
        return None, diagnostics
    attach_spans(obj, doc)
    return obj, []


@dataclass(frozen=True, slots=True)
class _SpanPlan:
    """What :func:`attach_spans` does with objects of one model class."""

    names: dict[str, str]  # key in the file -> field name (every field, for a Located class)
    nested: tuple[tuple[str, str], ...]  # (field name, key) of fields that may hold Located objects


_PLANS: dict[type[BaseModel], _SpanPlan] = {}


def _reaches_located(model: type[BaseModel], seen: set[type[BaseModel]]) -> bool:
    """Whether objects of ``model`` are, or may contain, :class:`Located` objects."""
    if issubclass(model, Located):
        return True
    seen.add(model)
    return any(_may_hold_located(info.annotation, seen) for info in model.model_fields.values())


def _may_hold_located(annotation: Any, seen: set[type[BaseModel]]) -> bool:
    """Whether a field of this type may hold Located objects (``Any`` and the unknown: yes)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _may_hold_located(typing.get_args(annotation)[0], seen)
    if origin is typing.Literal:
        return False
    if origin is not None:
        return any(_may_hold_located(arg, seen) for arg in typing.get_args(annotation))
    if annotation is None or annotation is Ellipsis:
        return False
    if isinstance(annotation, type) and annotation is not object:
        if issubclass(annotation, BaseModel):
            return annotation not in seen and _reaches_located(annotation, seen)
        return False
    return True


def _plan(model: type[BaseModel]) -> _SpanPlan:
    plan = _PLANS.get(model)
    if plan is None:
        fields = model.model_fields
        plan = _SpanPlan(
            names={info.alias or name: name for name, info in fields.items()},
            nested=tuple(
                (name, info.alias or name)
                for name, info in fields.items()
                if _may_hold_located(info.annotation, set())
            ),
        )
        _PLANS[model] = plan
    return plan


def _child(doc: YamlDocument, node: Node | None, key: str | int) -> Node | None:
    """The node at ``key`` under ``node`` (a mapping key or a list index), if there is one."""
    if isinstance(node, SequenceNode):
        if isinstance(key, int) and 0 <= key < len(node.value):
            child: Node = node.value[key]
            return child
        return None
    if isinstance(node, MappingNode):
        pair = doc.pairs(node).get(key)
        return pair[1] if pair is not None else None
    return None


def attach_spans(obj: BaseModel, doc: YamlDocument) -> None:
    """Record in every Located object of ``obj`` where it and its keys stand in ``doc``.

    Walks the model and the document's node tree side by side. A Located object
    gets the span of its own node and of each key's value; one whose node is
    absent (a default) gets the span of the nearest enclosing value.
    """
    root = doc.root
    span = (
        SourceSpan(doc.path, root.start_mark.line + 1, root.start_mark.column + 1)
        if root is not None
        else SourceSpan(doc.path, 1, 1)
    )
    _attach(obj, root, span, doc)


def _attach(obj: BaseModel, node: Node | None, span: SourceSpan, doc: YamlDocument) -> None:
    """``span`` is where ``node`` starts, or the enclosing span when ``node`` is None."""
    plan = _PLANS.get(type(obj)) or _plan(type(obj))
    pairs: list[tuple[Node, Node]] | None = node.value if type(node) is MappingNode else None
    if isinstance(obj, Located):
        field_spans: dict[str, SourceSpan] = {}
        if pairs:
            path = doc.path
            names = plan.names
            for key_node, value_node in pairs:
                name = names.get(key_node.value)
                if name is None:  # a merge key ('<<'), or a field spelled by name, not alias
                    field_spans = {
                        names[key]: _span_of(doc, pair[1])
                        for key, pair in doc.pairs(typing.cast(MappingNode, node)).items()
                        if key in names
                    }
                    break
                mark = value_node.start_mark
                field_spans[name] = SourceSpan(path, mark.line + 1, mark.column + 1)
        obj.attach_spans(span, field_spans)
    if not plan.nested:
        return
    children: dict[Any, Node] | None = None
    if pairs is not None:
        children = {key_node.value: value_node for key_node, value_node in pairs}
        if "<<" in children or len(children) != len(pairs):
            # Merge keys, or keys that read the same as text: the general lookup.
            children = {
                key: pair[1] for key, pair in doc.pairs(typing.cast(MappingNode, node)).items()
            }
    values = obj.__dict__
    for name, key in plan.nested:
        value = values.get(name)
        if isinstance(value, BaseModel):
            child = children.get(key) if children is not None else _child(doc, node, key)
            _attach(value, child, span if child is None else _span_of(doc, child), doc)
        elif isinstance(value, list | tuple):
            child = children.get(key) if children is not None else _child(doc, node, key)
            outer = span if child is None else _span_of(doc, child)
            items = child.value if type(child) is SequenceNode else None
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    if items is not None:
                        item_node: Node | None = items[index] if index < len(items) else None
                    else:
                        item_node = _child(doc, child, index)
                    _attach(
                        item,
                        item_node,
                        outer if item_node is None else _span_of(doc, item_node),
                        doc,
                    )


def _span_of(doc: YamlDocument, node: Node) -> SourceSpan:
    mark = node.start_mark
    return SourceSpan(doc.path, mark.line + 1, mark.column + 1)
