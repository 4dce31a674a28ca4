"""Base classes and small value types shared by every model."""

from __future__ import annotations

import copy
import datetime as dt
import enum
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ParamSpec, TypeVar, cast

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


@dataclass(frozen=True, slots=True, init=False)
class SourceSpan:
    """Where a value stands in a user or knowledge-base file (1-based line and column).

    A plain slotted dataclass, not a model: spans are never part of a file format,
    and an inventory of thousands of systems carries hundreds of thousands of them.
    """

    path: str
    line: int
    column: int

    def __init__(self, path: str, line: int, column: int) -> None:
        # The generated frozen ``__init__`` looks up ``object.__setattr__`` by name for
        # each field; the slots' own setters take 60 % of the time (issue 9: the
        # loader builds one span per key of every inventory object).
        _set_path(self, path)
        _set_line(self, line)
        _set_column(self, column)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def as_dict(self) -> dict[str, str | int]:
        """A JSON-ready view."""
        return {"path": self.path, "line": self.line, "column": self.column}


_set_path: Callable[[SourceSpan, str], None] = vars(SourceSpan)["path"].__set__
_set_line: Callable[[SourceSpan, int], None] = vars(SourceSpan)["line"].__set__
_set_column: Callable[[SourceSpan, int], None] = vars(SourceSpan)["column"].__set__


class StrictModel(BaseModel):
    """Frozen, closed model: unknown keys are errors, values never change after load."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        use_enum_values=False,
        str_strip_whitespace=True,
        defer_build=True,
    )


_P = ParamSpec("_P")
_M = TypeVar("_M", bound=BaseModel)


def trusted(model: Callable[_P, _M]) -> Callable[_P, _M]:
    """A constructor of ``model`` for values the auditor computed itself, without validation.

    Validation is for what comes from outside. The audit's own result (exposures,
    findings, register rows: hundreds of thousands of models in a large estate) is
    built from values already of the field types, and validating it again cost time
    and memory: pydantic copies every string it validates, so texts and paths the
    engine shares between findings were held once per finding, and each instance
    kept its own set of field names (issue 9).

    The constructor has the model's own signature, so the type checker checks every
    call as it checks ``Model(...)``; defaults and default factories apply as usual.
    Every instance shares one set of field names (``model_fields_set`` says every field
    was set; nothing in the auditor asks), which ``model_copy`` copies before changing.
    Values are not copied, stripped or coerced: the caller passes them as validation would
    leave them (``tests/test_trusted_models.py`` re-validates whole audit results to hold
    every caller to that). A model with validators is refused: they would be skipped.
    """
    cls = cast("type[BaseModel]", model)
    checks = cls.__pydantic_decorators__
    if checks.field_validators or checks.model_validators or checks.validators:
        # A validator would be skipped without a word: such a model is built by validation.
        raise TypeError(f"{cls.__name__} has validators: build it with {cls.__name__}(...)")
    missing = object()
    template: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, field in cls.model_fields.items():
        if field.default_factory is not None:
            factories.append((name, cast("Callable[[], Any]", field.default_factory)))
        elif isinstance(field.default, list | dict | set):
            # Validation gives each instance its own copy of a mutable default: so do we.
            factories.append((name, functools.partial(copy.deepcopy, field.default)))
        template[name] = missing if field.is_required() else field.default
    fields_set = set(template)
    required = frozenset(name for name, value in template.items() if value is missing)
    new = cls.__new__
    set_slot = object.__setattr__

    def make(*args: _P.args, **values: _P.kwargs) -> _M:
        if args:
            raise TypeError(f"{cls.__name__} takes keyword arguments only")
        state = template.copy()
        state.update(values)  # keys already present keep the fields' order
        if len(state) != len(template) or not required <= values.keys():
            unknown = sorted(values.keys() - template.keys())
            absent = sorted(required - values.keys())
            raise TypeError(f"{cls.__name__}: unknown fields {unknown}, missing fields {absent}")
        for name, factory in factories:
            if name not in values:
                state[name] = factory()
        instance = new(cls)
        set_slot(instance, "__dict__", state)
        set_slot(instance, "__pydantic_fields_set__", fields_set)
        set_slot(instance, "__pydantic_extra__", None)
        set_slot(instance, "__pydantic_private__", None)
        return cast("_M", instance)

    make.__doc__ = f"A trusted {cls.__name__} (see :func:`trusted`)."
    return make


class Located(StrictModel):
    """A model loaded from a file: remembers the span of itself and of each of its keys.

    The spans live in pydantic's private-value slot (``__pydantic_private__``), so
    they are not part of the file format or the JSON Schema; the loader fills them
    in after validation. They are deliberately not declared as ``PrivateAttr``:
    pydantic would then call a Python initialiser for every object it validates,
    a tenth of the cost of loading a large inventory (issue 9). An object without
    spans has ``None`` in the slot, exactly like a model without private values.
    """

    # The two readers below go to pydantic's private-value slot directly: reading
    # ``self._span`` passes through ``BaseModel.__getattr__``, which cost a tenth of
    # a 3,000-system audit because the engine asks for spans on every evidence hop.

    @property
    def span(self) -> SourceSpan | None:
        """Where this object starts in its file, if it was loaded from one."""
        private: dict[str, Any] | None = self.__pydantic_private__
        return private["_span"] if private else None

    def span_of(self, field: str) -> SourceSpan | None:
        """Where the value of ``field`` stands, falling back to the object itself."""
        private: dict[str, Any] | None = self.__pydantic_private__
        if not private:
            return None
        span: SourceSpan | None = private["_field_spans"].get(field, private["_span"])
        return span

    def attach_spans(self, span: SourceSpan | None, field_spans: dict[str, SourceSpan]) -> None:
        """Record source positions (called once by the loader).

        No spans at all leaves the slot empty, so such an object still equals
        one that never had spans (pydantic compares the slot in ``==``).
        """
        private = {"_span": span, "_field_spans": field_spans} if span or field_spans else None
        object.__setattr__(self, "__pydantic_private__", private)


class Confidence(enum.StrEnum):
    """How well a knowledge-base fact is supported by its sources."""

    CONFIRMED = "confirmed"  # read in a primary or official source
    SECONDARY = "secondary"  # read only in secondary material (law firms, press)
    UNCONFIRMED = "unconfirmed"  # could not be confirmed; reports must say so


def _as_tuple(value: Any) -> Any:
    if isinstance(value, str):
        return (value,)
    return value


Sources = Annotated[
    tuple[Annotated[str, Field(min_length=1)], ...],
    BeforeValidator(_as_tuple),
    Field(min_length=1),
]


class Provenance(StrictModel):
    """Source, date and confidence of a fact, as the knowledge base records it."""

    source: Sources = Field(description="URL(s) or citation(s) the fact was read in.")
    as_of: dt.date = Field(description="Date the source states, or the date it was read.")
    confidence: Confidence = Field(description="confirmed / secondary / unconfirmed")
    note: str | None = Field(default=None, description="What is uncertain, in words.")


CountryCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166-1 alpha-2 country code, upper case (e.g. DE, US, CN).",
    ),
]

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        max_length=120,
        description="Lower-case identifier: letters, digits, '.', '_' and '-'.",
    ),
]


def lei_problem(value: str) -> str | None:
    """Why ``value`` is not a Legal Entity Identifier (ISO 17442), or None when it is one.

    An LEI is 18 upper-case letters or digits followed by two check digits; the check
    (ISO 7064 MOD 97-10, as for an IBAN) turns each letter into two digits (A=10 ... Z=35)
    and the whole number must leave 1 when divided by 97.
    """
    if len(value) != 20:
        return f"an LEI has 20 characters, {value!r} has {len(value)}"
    if not re.fullmatch(r"[A-Z0-9]{18}[0-9]{2}", value):
        return f"{value!r}: an LEI is 18 upper-case letters or digits and 2 check digits"
    if int("".join(str(int(char, 36)) for char in value)) % 97 != 1:
        return f"{value!r} fails the LEI check digits (ISO 7064 MOD 97-10): a character is wrong"
    return None


def _check_lei(value: str) -> str:
    problem = lei_problem(value)
    if problem is not None:
        raise ValueError(f"{problem}; copy the LEI from its GLEIF record (search.gleif.org)")
    return value


Lei = Annotated[
    str,
    AfterValidator(_check_lei),
    Field(
        description=(
            "Legal Entity Identifier (ISO 17442): 20 characters, the last two check digits "
            "(ISO 7064 MOD 97-10), as in the entity's GLEIF record."
        ),
        examples=["9695001J8OSOVX4TP939"],
    ),
]


DataCategory = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$",
        description=(
            "A fideslang data-category key (user.health_and_medical, user.contact.email, "
            "system.operations, ...) or one of the extra keys in rules/taxonomy/."
        ),
    ),
]


class Classification(enum.StrEnum):
    """Information classification of a data asset (ascending sensitivity)."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"


def join_words(items: Sequence[str]) -> str:
    """Items as a list in a sentence: "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
