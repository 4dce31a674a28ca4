"""Validate parsed YAML against a model, turning pydantic errors into positioned diagnostics.

Also attaches source spans to every :class:`~auditor.model.common.Located`
object once validation succeeds.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

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
    attach_spans(obj, doc, ())
    return obj, []


def _span(doc: YamlDocument, path: DataPath, *, key: bool = False) -> SourceSpan:
    line, column = doc.position(path, key=key)
    return SourceSpan(path=doc.path, line=line, column=column)


def attach_spans(obj: BaseModel, doc: YamlDocument, path: DataPath) -> None:
    """Record in every Located object of ``obj`` where it and its keys stand in ``doc``."""
    fields = type(obj).model_fields
    if isinstance(obj, Located):
        field_spans = {}
        for name, info in fields.items():
            field_path = (*path, info.alias or name)
            if field_path in doc.value_pos:
                field_spans[name] = _span(doc, field_path)
        obj.attach_spans(_span(doc, path) if path else _span(doc, ()), field_spans)
    for name, info in fields.items():
        value = getattr(obj, name)
        key = info.alias or name
        if isinstance(value, BaseModel):
            attach_spans(value, doc, (*path, key))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    attach_spans(item, doc, (*path, key, index))
