"""Jinja2's immutable sandbox with bounds on what one render may allocate or loop over.

The sandbox stops templates from reaching Python internals, but not from asking for
a gigabyte: ``'%999999999d'|format(1)``, ``'{:999999999}'.format(1)``, ``'x' * 10**10``
or three nested ``range(100000)`` loops (each range is under Jinja's own per-call cap
of 100,000 items) would exhaust memory or run for hours (issue 15). A custom
``--template-dir`` template is user input, so each of these becomes a
:class:`~jinja2.exceptions.SecurityError`, which the HTML writer reports as a template
error naming the file and line.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.filters import do_center, do_format, do_indent
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

MAX_WIDTH = 1_000  # field width or precision in a format specification
MAX_TEXT = 10_000_000  # characters (or items) one repetition or padding may produce
MAX_INT_BITS = 100_000  # size of an integer power
RANGE_BUDGET = 1_000_000  # items all range() calls of one render may produce together

# One printf-style conversion: %[(key)][flags][width][.precision][length]type
_PRINTF = re.compile(
    r"%(?:\([^)]*\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?[hlL]?[a-zA-Z%]"
)
_NUMBER = re.compile(r"\d+")


def _check_printf(template: str) -> None:
    """Refuse a ``%`` format whose width or precision is huge or taken from the arguments."""
    for match in _PRINTF.finditer(template):
        for part in (match.group("width"), match.group("precision")):
            if part == "*":
                raise SecurityError("a '*' width or precision in a format is not allowed")
            if part and int(part) > MAX_WIDTH:
                raise SecurityError(
                    f"format width or precision {part} is over the limit of {MAX_WIDTH}"
                )


def _check_format_spec(template: str) -> None:
    """The same for ``str.format``: no huge width or precision, no nested ``{}`` in a spec."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # malformed: str.format itself will say so
    for _literal, _name, spec, _conversion in fields:
        if not spec:
            continue
        if "{" in spec:
            raise SecurityError("a nested '{}' in a format specification is not allowed")
        for number in _NUMBER.findall(spec):
            if int(number) > MAX_WIDTH:
                raise SecurityError(
                    f"format width or precision {number} is over the limit of {MAX_WIDTH}"
                )


def _check_size(size: int, what: str) -> None:
    if size > MAX_TEXT:
        raise SecurityError(f"{what} would make {size:,} characters (limit {MAX_TEXT:,})")


def _bounded_format(value: str, *args: Any, **kwargs: Any) -> str:
    _check_printf(str(value))
    return do_format(value, *args, **kwargs)


def _bounded_center(value: str, width: int = 80) -> str:
    _check_size(int(width), "center")
    return do_center(value, width)


def _bounded_indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    if isinstance(width, int):
        _check_size(width * (str(s).count("\n") + 1), "indent")
    else:
        _check_size(len(width) * (str(s).count("\n") + 1), "indent")
    return do_indent(s, width, first, blank)


class _BoundedNamespace(Namespace):
    """``namespace()`` whose text values stay bounded: ``{% set ns.s = ns.s ~ ns.s %}`` in
    a loop doubles a string each time and is the one way to grow text across iterations."""

    def __setitem__(self, name: str, value: Any) -> None:
        if isinstance(value, str | bytes | list | tuple):
            _check_size(len(value), f"namespace value {name!r}")
        super().__setitem__(name, value)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with formats, repetition, powers and ranges bounded."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _range_with_budget(RANGE_BUDGET)
        self.globals["namespace"] = _BoundedNamespace
        self.globals.pop("lipsum", None)  # lipsum(10**9) would loop for a very long time
        self.filters["format"] = _bounded_format
        self.filters["center"] = _bounded_center
        self.filters["indent"] = _bounded_indent

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for items, times in ((left, right), (right, left)):
                if isinstance(items, str | bytes | list | tuple) and isinstance(times, int):
                    _check_size(len(items) * times, "repetition")
        elif operator == "**":
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and abs(left) > 1
                and right * math.log2(abs(left)) > MAX_INT_BITS
            ):
                raise SecurityError(f"{left} ** {right} is too large to compute")
        elif operator == "%" and isinstance(left, str):
            _check_printf(left)
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format_spec(value.__self__)
        return wrapped


def _range_with_budget(budget: int) -> Callable[..., range]:
    """``range`` whose calls together yield at most ``budget`` items: Jinja caps each
    call, but a range nested in a loop over another multiplies them."""
    left = budget

    def bounded_range(*args: int) -> range:
        nonlocal left
        numbers = range(*args)
        if len(numbers) > left:
            raise SecurityError(
                f"range() calls of this template together exceed {budget:,} items "
                "(nested loops multiply them)"
            )
        left -= len(numbers)
        return numbers

    return bounded_range
