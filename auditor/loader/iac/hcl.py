"""Terraform files as blocks and attributes with line numbers, and a small expression evaluator.

``python-hcl2`` parses the text (its Lark grammar, ``hcl2.parses_to_tree``);
this module keeps the raw parse tree of each attribute, so values are
evaluated only when a detection needs them and every value keeps the file and
line it was written at. The evaluator covers what location attributes use in
practice: literals, templates, ``var.``/``local.``/``module.`` references,
references to other resources' attributes, indexing, conditionals, a few pure
functions. Everything else evaluates to *unknown* with a reason; nothing is
ever guessed.
"""

from __future__ import annotations

import base64
import codecs
import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from auditor.errors import Diagnostic
from auditor.loader.iac.hcl_parser import parses_to_tree
from auditor.loader.iac.hcl_strip import restore, unmark
from auditor.loader.iac.result import How, ResolutionStep
from auditor.loader.yamlsrc import DEFAULT_LIMITS, Limits, YamlProblem, parse_text
from auditor.model.common import SourceSpan

Node = Tree[Token] | Token


class _Unknown:
    """Marker for a value the code does not fix (inside lists and maps too)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
HOLE: Final = "\ufffc"  # stands for an unknown part of a template in Val.partial


@dataclass(frozen=True, slots=True)
class PartialText:
    """A text with unknown parts, nested in a list or map (HOLE marks the gaps).

    At the top of a :class:`Val` the same thing is ``value=UNKNOWN`` with ``partial``
    set; inside a structure the known parts must survive too: an inference-profile
    ARN ending in ``global.anthropic...`` inside a map is still a global profile.
    """

    text: str

    def __repr__(self) -> str:
        return f"PARTIAL({self.text.replace(HOLE, '?')!r})"


@dataclass(frozen=True, slots=True)
class Val:
    """An evaluated value with the chain of steps that produced it.

    ``value`` is a plain Python value (str, int, float, bool, None, list, dict)
    whose parts may be :data:`UNKNOWN`, or :data:`UNKNOWN` itself, in which case
    ``reason`` says why.
    """

    value: Any
    steps: tuple[ResolutionStep, ...] = ()
    reason: str = ""
    partial: str | None = None  # an unknown template with its known text (HOLE marks the gaps)

    @property
    def known(self) -> bool:
        """The value is fully fixed by the code."""
        return _fully_known(self.value)

    def with_step(self, step: ResolutionStep) -> Val:
        """The same value, reached through one more (outer) step."""
        return Val(self.value, (step, *self.steps), self.reason, self.partial)

    def get(self, path: Sequence[str | int]) -> Val:
        """Navigate into maps and lists; blocks (lists of maps) are entered at their first item."""
        if not path:
            return self if not isinstance(self.value, PartialText) else self._partial(self.value)
        current = self.value
        for part in path:
            if current is UNKNOWN or isinstance(current, PartialText):
                return Val(UNKNOWN, self.steps, self.reason or "part of the value is unknown")
            if isinstance(current, list) and isinstance(part, str):
                if not current:
                    return Val(None, self.steps)
                current = current[0]
            if isinstance(current, dict):
                current = current.get(str(part))
            elif isinstance(current, list) and isinstance(part, int):
                current = current[part] if -len(current) <= part < len(current) else None
            else:
                return Val(None, self.steps)
        if current is UNKNOWN:
            return Val(UNKNOWN, self.steps, self.reason or "part of the value is unknown")
        if isinstance(current, PartialText):
            return self._partial(current)
        return Val(current, self.steps, self.reason)

    def _partial(self, text: PartialText) -> Val:
        return Val(UNKNOWN, self.steps, self.reason or "part of the text is unknown", text.text)

    @property
    def nested(self) -> Any:
        """The value as an item of a list or map (a partly known text keeps its known parts)."""
        if self.value is UNKNOWN and self.partial is not None:
            return PartialText(self.partial)
        return self.value


def _fully_known(value: Any) -> bool:
    if value is UNKNOWN or isinstance(value, PartialText):
        return False
    if isinstance(value, list):
        return all(_fully_known(v) for v in value)
    if isinstance(value, dict):
        return all(_fully_known(v) for v in value.values())
    return True


def unknown(reason: str, steps: tuple[ResolutionStep, ...] = ()) -> Val:
    """An unknown value with its reason."""
    return Val(UNKNOWN, steps, reason)


@dataclass(slots=True)
class Attr:
    """``name = expression`` in a body, with where it stands."""

    name: str
    expr: Node
    span: SourceSpan
    text: str  # the expression as written


@dataclass(slots=True)
class Block:
    """``type "label" ... { body }`` with where it starts."""

    type: str
    labels: tuple[str, ...]
    body: Body
    span: SourceSpan


@dataclass(slots=True)
class Body:
    """Attributes (by name) and nested blocks (in order) of a file or a block."""

    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


class HclProblem(Exception):
    """A .tf file that cannot be parsed; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


class LimitExceeded(HclProblem):
    """Evaluating the code would cost more than a limit allows (issue 15: a few lines of
    locals or module calls that double at every step are a denial of service)."""


MAX_INTEGER_DIGITS: Final = 1_000
MAX_MODULE_INSTANCES: Final = 10_000
_INTEGER_CEILING: Final = 10**MAX_INTEGER_DIGITS
_CHARS_PER_VALUE: Final = 100  # text costs one value per 100 characters
_LIMIT_HINT: Final = (
    "look for locals or module calls that grow at every step (a value used twice in the next "
    "one, a module calling the next one twice); the limits are listed in README.md"
)


class Budget:
    """What evaluating the Terraform code of one scan may cost; a breach raises LimitExceeded.

    Counted: every expression evaluated, every item of a list or map a reference
    hands over, and every 100 characters of text it hands over, against
    ``Limits.max_values``; each text built against ``Limits.max_scalar_chars``;
    integers against :data:`MAX_INTEGER_DIGITS` digits; module instances against
    :data:`MAX_MODULE_INSTANCES`.
    """

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.spent = 0
        self.modules = 0

    def _breach(self, span: SourceSpan, message: str) -> LimitExceeded:
        return LimitExceeded(Diagnostic(span.path, span.line, span.column, message, _LIMIT_HINT))

    def charge(self, units: int, span: SourceSpan) -> None:
        """Spend ``units`` values of work."""
        self.spent += units
        if self.spent > self.limits.max_values:
            raise self._breach(
                span,
                f"evaluating the Terraform code takes more than {self.limits.max_values:,} "
                "values (the limit per scan, max_values)",
            )

    def handed_over(self, value: Any, span: SourceSpan) -> None:
        """Charge the size of a value a reference hands over (stops counting at the limit)."""
        left = self.limits.max_values - self.spent
        count = 0
        stack = [value]
        while stack and count <= left:
            item = stack.pop()
            count += 1
            if isinstance(item, str):
                count += len(item) // _CHARS_PER_VALUE
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                stack.extend(item.values())
        self.charge(count, span)

    def text(self, length: int, span: SourceSpan) -> None:
        """Refuse to build a text longer than ``max_scalar_chars``."""
        if length > self.limits.max_scalar_chars:
            raise self._breach(
                span,
                f"an expression builds a text of more than {self.limits.max_scalar_chars:,} "
                "characters (the limit, max_scalar_chars)",
            )

    def digits(self, literal: str, span: SourceSpan) -> None:
        """Refuse a number written with more than :data:`MAX_INTEGER_DIGITS` digits."""
        if sum(c.isdigit() for c in literal) > MAX_INTEGER_DIGITS:
            raise self._breach(
                span,
                f"a number is written with more than {MAX_INTEGER_DIGITS:,} digits (the limit)",
            )

    def integer(self, value: Any, span: SourceSpan) -> None:
        """Refuse an integer of more than :data:`MAX_INTEGER_DIGITS` digits."""
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and abs(value) >= _INTEGER_CEILING
        ):
            raise self._breach(
                span,
                f"an expression computes an integer of more than {MAX_INTEGER_DIGITS:,} digits "
                "(the limit)",
            )

    def module(self, span: SourceSpan) -> None:
        """Count one more module instance."""
        self.modules += 1
        if self.modules > MAX_MODULE_INSTANCES:
            raise self._breach(
                span,
                f"the module calls make more than {MAX_MODULE_INSTANCES:,} module instances "
                "(the limit per scan)",
            )


def _tree(node: object, name: str) -> bool:
    return isinstance(node, Tree) and node.data == name


# Directives in a quoted string, as the grammar names them -> the template word.
_DIRECTIVES: Final = {
    "template_if_start": "if",
    "template_else": "else",
    "template_endif": "endif",
    "template_for_start": "for",
    "template_endfor": "endfor",
}


def _directive(node: object) -> bool:
    return isinstance(node, Tree) and node.data in _DIRECTIVES


def _templated(node: object) -> bool:
    """A directive, or an interpolation with a strip marker: read by the template renderer."""
    if _directive(node):
        return True
    if not _tree(node, "interpolation"):
        return False
    assert isinstance(node, Tree)
    return any(isinstance(k, Token) and k.type == "STRIP_MARKER" for k in node.children)


def _source_of(node: Node) -> str:
    """An expression as written, near enough for a message (its tokens joined)."""
    if isinstance(node, Token):
        return str(node)
    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))


def _children(node: Tree[Token]) -> list[Node]:
    """Children that carry meaning (no layout, comments or punctuation tokens)."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _name(node: Node) -> str:
    """Text of an identifier, keyword or literal_value node."""
    if isinstance(node, Token):
        return str(node)
    token = next((c for c in node.children if isinstance(c, Token)), None)
    return str(token) if token is not None else ""


def _string_literal(node: Tree[Token]) -> str | None:
    """The text of a string without interpolations (block labels, object keys)."""
    parts: list[str] = []
    for part in node.children:
        if not _tree(part, "string_part"):
            continue
        assert isinstance(part, Tree)
        inner = part.children[0] if part.children else None
        if isinstance(inner, Token):
            parts.append(_unescape(str(inner)))
        else:
            return None
    return "".join(parts)


_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def _unescape(raw: str) -> str:
    if raw.startswith("$${") or raw.startswith("%%{"):
        return raw[1:]
    if "\\" not in raw:
        return raw

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
        if code in simple:
            return simple[code]
        if code[0] in "uU":
            try:
                return codecs.decode("\\" + code, "unicode_escape")
            except UnicodeDecodeError:
                return match.group(0)
        return match.group(0)

    return _ESCAPES.sub(one, raw)


def _span(display: str, node: Tree[Token]) -> SourceSpan:
    meta = node.meta
    line = getattr(meta, "line", 1) or 1
    column = getattr(meta, "column", 1) or 1
    return SourceSpan(path=display, line=line, column=column)


def _text(source: str, node: Node) -> str:
    if isinstance(node, Token):
        return str(node)
    meta = node.meta
    start = getattr(meta, "start_pos", None)
    end = getattr(meta, "end_pos", None)
    if start is None or end is None:
        return ""
    return " ".join(source[start:end].split())


def _body(node: Tree[Token], source: str, display: str) -> Body:
    body = Body()
    for child in node.children:
        if _tree(child, "attribute"):
            assert isinstance(child, Tree)
            parts = _children(child)
            name = _name(parts[0])
            expr = parts[-1]
            body.attrs[name] = Attr(name, expr, _span(display, child), _text(source, expr))
        elif _tree(child, "block"):
            assert isinstance(child, Tree)
            parts = _children(child)
            labels: list[str] = []
            inner: Tree[Token] | None = None
            for part in parts:
                assert isinstance(part, Tree)
                if part.data == "body":
                    inner = part
                elif part.data == "string":
                    labels.append(_string_literal(part) or "")
                else:
                    labels.append(_name(part))
            kind, *rest = labels or [""]
            body.blocks.append(
                Block(
                    kind,
                    tuple(rest),
                    _body(inner, source, display) if inner is not None else Body(),
                    _span(display, child),
                )
            )
    return body


def _parse_tree(text: str) -> Tree[Token]:
    """The grammar's tree; a file it refuses only for ``${~ x ~}`` in a quoted string is
    parsed with the markers blanked out and given back to the tree (:mod:`hcl_strip`)."""
    try:
        return parses_to_tree(text)
    except UnexpectedInput:
        if "~" not in text:
            raise
        marks = unmark(text)
        if not marks.changed:
            raise
    tree = parses_to_tree(marks.text)
    restore(tree, marks)
    return tree


def parse_hcl(text: str, display: str) -> Body:
    """Parse Terraform text; raise :class:`HclProblem` with the position of a syntax error."""
    try:
        tree = _parse_tree(text)
    except UnexpectedInput as exc:
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        token = getattr(exc, "token", None)
        if token is not None and getattr(token, "type", None) == "$END":
            # Lark's end-of-input token prints as '': say what a reader can look for.
            what = "unexpected end of file (a block, bracket or quoted string is not closed)"
        elif token is not None:
            what = f"unexpected {str(token)!r}"
        else:
            what = "unexpected input"
        raise HclProblem(
            Diagnostic(
                display,
                line if isinstance(line, int) and line > 0 else None,
                column if isinstance(column, int) and column > 0 else None,
                f"cannot parse Terraform: {what}",
                "check the syntax with 'terraform validate'; every file that cannot be read is "
                "listed, and the scan writes no report until they all parse",
            )
        ) from None
    except (LarkError, RuntimeError, RecursionError, ValueError) as exc:
        raise HclProblem(
            Diagnostic(display, None, None, f"cannot parse Terraform: {exc}".splitlines()[0])
        ) from None
    root = _children(tree)
    if not root:
        return Body()
    body = root[0]
    assert isinstance(body, Tree)
    return _body(body, text, display)


# --- references --------------------------------------------------------------------------------

Traversal = list[str | int]


def traversal(node: Node, index: Callable[[Node], Val] | None = None) -> Traversal | None:
    """``a.b[0]["c"]`` as ``["a", "b", 0, "c"]``; None if the expression is not a plain reference.

    ``index`` evaluates a non-literal index (``var.m[var.k]``); without it such a
    reference is not a plain one.
    """
    node = unwrap(node)
    if _tree(node, "identifier"):
        return [_name(node)]
    if _tree(node, "get_attr_expr_term"):
        assert isinstance(node, Tree)
        base_node, attr = _children(node)
        base = traversal(base_node, index)
        if base is None:
            return None
        assert isinstance(attr, Tree)
        key = _children(attr)
        return [*base, _name(key[0])] if key else None
    if _tree(node, "index_expr_term"):
        assert isinstance(node, Tree)
        base_node, idx = _children(node)
        base = traversal(base_node, index)
        if base is None:
            return None
        assert isinstance(idx, Tree)
        if idx.data == "short_index":
            token = next(
                c for c in idx.children if isinstance(c, Token) and c.type == "INT_LITERAL"
            )
            return [*base, int(str(token))]
        inner = _children(idx)
        if not inner:
            return None
        literal = _literal_key(inner[0])
        if literal is not None:
            return [*base, literal]
        if index is None:
            return None
        val = index(inner[0])
        if val.known and isinstance(val.value, str | int) and not isinstance(val.value, bool):
            return [*base, val.value]
        return None
    return None


def _literal_key(node: Node) -> str | int | None:
    node = unwrap(node)
    if _tree(node, "string"):
        assert isinstance(node, Tree)
        return _string_literal(node)
    if _tree(node, "int_lit"):
        return int(_name(node))
    return None


def unwrap(node: Node) -> Node:
    """Drop ``expr_term`` wrappers and parentheses (layout and comments do not count)."""
    while _tree(node, "expr_term"):
        assert isinstance(node, Tree)
        inner = _children(node)
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def render(path: Traversal) -> str:
    """``["var", "m", 0]`` as ``var.m[0]``."""
    text = str(path[0]) if path else ""
    for part in path[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


# --- evaluation ---------------------------------------------------------------------------------


class Scope(Protocol):
    """What an expression can refer to (a module instance)."""

    def reference(self, path: Traversal, span: SourceSpan, depth: int) -> Val:
        """The value of ``var.x``, ``local.x``, ``module.m.out``, ``type.name.attr`` ...."""
        ...

    def read_file(self, written: str, span: SourceSpan) -> Val:
        """The text of the file ``file(written)`` reads, or unknown with the reason."""
        ...

    def file_set(self, base: str, pattern: str, span: SourceSpan) -> Val:
        """The sorted paths ``fileset(base, pattern)`` lists, or unknown with the reason."""
        ...

    def note_read(self, written: str, raw: str, made: str) -> None:
        """``file(written)`` or ``templatefile(written, ...)`` made ``made`` from the file's text
        ``raw`` (for :mod:`auditor.loader.iac.origins`: which file an applied object is)."""
        ...


class NoFiles:
    """Mixin for a scope that reads no files (file() and fileset() stay unknown)."""

    def read_file(self, written: str, span: SourceSpan) -> Val:
        """Unknown: no file is read here."""
        return unknown(f"file({written!r}) is not read here")

    def file_set(self, base: str, pattern: str, span: SourceSpan) -> Val:
        """Unknown: no folder is listed here."""
        return unknown(f"fileset({base!r}, {pattern!r}) is not listed here")

    def note_read(self, written: str, raw: str, made: str) -> None:
        """Nothing is read here, so nothing is recorded."""


_MAX_DEPTH: Final = 64


def _num(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _merge_steps(vals: Sequence[Val]) -> tuple[ResolutionStep, ...]:
    steps: list[ResolutionStep] = []
    for val in vals:
        for step in val.steps:
            if step not in steps:
                steps.append(step)
    return tuple(steps)


def _first_unknown(vals: Sequence[Val]) -> Val | None:
    return next((v for v in vals if v.value is UNKNOWN), None)


def _known_args(name: str, args: Sequence[Val]) -> Val | None:
    bad = next((a for a in args if not a.known), None)
    if bad is not None:
        return unknown(bad.reason or f"an argument of {name}() is unknown", _merge_steps(args))
    return None


def _fn_format(args: list[Any]) -> Any:
    fmt, *rest = args
    values = iter(rest)

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        return str(next(values))

    return re.sub(r"%%|%[-+#0 ]*\d*(?:\.\d+)?[sdvqf]", one, str(fmt))


def _fn_lookup(args: list[Any]) -> Any:
    mapping, key, *default = args
    if isinstance(mapping, dict) and str(key) in mapping:
        return mapping[str(key)]
    if default:
        return default[0]
    raise KeyError(key)


def _fn_element(args: list[Any]) -> Any:
    seq, idx = args
    return seq[int(idx) % len(seq)]


def _fn_merge(args: list[Any]) -> Any:
    out: dict[str, Any] = {}
    for arg in args:
        if arg is not None:
            out.update(arg)
    return out


# The most elements a range() may make: beyond it, the value is left unknown.
_MAX_RANGE = 10_000


def _fn_compact(args: list[Any]) -> Any:
    return [x for x in args[0] if x is not None and x != ""]


def _flatten(seq: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in seq:
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _fn_range(args: list[Any]) -> Any:
    nums = [_number(a) for a in args]
    start: int | float
    limit: int | float
    step: int | float
    if len(nums) == 1:
        start, limit, step = 0, nums[0], 1
    elif len(nums) == 2:
        start, limit, step = nums[0], nums[1], 1
    elif len(nums) == 3:
        start, limit, step = nums
    else:
        raise ValueError("range takes one to three numbers")
    if step == 0 or (limit - start) / step > _MAX_RANGE:
        raise ValueError("range too long")
    out: list[Any] = []
    value = start
    while (step > 0 and value < limit) or (step < 0 and value > limit):
        out.append(value)
        value += step
    return out


def _fn_one(args: list[Any]) -> Any:
    seq = list(args[0])
    if len(seq) > 1:
        raise ValueError("one() of more than one element")
    return seq[0] if seq else None


def _fn_substr(args: list[Any]) -> Any:
    text, offset, length = str(args[0]), int(_number(args[1])), int(_number(args[2]))
    if offset < 0:
        offset += len(text)
    return text[offset:] if length == -1 else text[offset : offset + length]


def _fn_tobool(args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, bool) or value is None:
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(value)


def _fn_tonumber(args: list[Any]) -> Any:
    value = args[0]
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    text = str(value)
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def _fn_coalescelist(args: list[Any]) -> Any:
    return next(seq for seq in args if isinstance(seq, list) and seq)


_PURE: Final[Mapping[str, Callable[[list[Any]], Any]]] = {
    "lower": lambda a: str(a[0]).lower(),
    "upper": lambda a: str(a[0]).upper(),
    "title": lambda a: str(a[0]).title(),
    "trimspace": lambda a: str(a[0]).strip(),
    "tostring": lambda a: a[0] if a[0] is None else str(a[0]),
    "tolist": lambda a: list(a[0]),
    "toset": lambda a: list(dict.fromkeys(a[0])),
    "tomap": lambda a: dict(a[0]),
    "format": _fn_format,
    "join": lambda a: str(a[0]).join(str(x) for x in a[1]),
    "replace": lambda a: str(a[0]).replace(str(a[1]), str(a[2])),
    "split": lambda a: str(a[1]).split(str(a[0])),
    "lookup": _fn_lookup,
    "element": _fn_element,
    "merge": _fn_merge,
    "concat": lambda a: [x for seq in a for x in seq],
    "length": lambda a: len(a[0]),
    # Collections, as Terraform's built-in functions define them: maps iterate by key.
    "compact": _fn_compact,
    "flatten": lambda a: _flatten(list(a[0])),
    "distinct": lambda a: list(dict.fromkeys(a[0])),
    "keys": lambda a: sorted(dict(a[0])),
    "values": lambda a: [v for _, v in sorted(dict(a[0]).items())],
    "contains": lambda a: a[1] in a[0],
    "zipmap": lambda a: dict(zip(a[0], a[1], strict=True)),
    "sort": lambda a: sorted(str(x) for x in a[0]),
    "reverse": lambda a: list(reversed(a[0])),
    "range": _fn_range,
    "slice": lambda a: list(a[0])[int(_number(a[1])) : int(_number(a[2]))],
    "index": lambda a: list(a[0]).index(a[1]),
    "one": _fn_one,
    "coalescelist": _fn_coalescelist,
    "setunion": lambda a: list(dict.fromkeys(x for seq in a for x in seq)),
    # Strings and numbers.
    "startswith": lambda a: str(a[0]).startswith(str(a[1])),
    "endswith": lambda a: str(a[0]).endswith(str(a[1])),
    "strcontains": lambda a: str(a[1]) in str(a[0]),  # Terraform >= 1.5
    "substr": _fn_substr,
    "trimprefix": lambda a: str(a[0]).removeprefix(str(a[1])),
    "trimsuffix": lambda a: str(a[0]).removesuffix(str(a[1])),
    "trim": lambda a: str(a[0]).strip(str(a[1])),
    "max": lambda a: max(_number(x) for x in a),
    "min": lambda a: min(_number(x) for x in a),
    "abs": lambda a: abs(_number(a[0])),
    "tobool": _fn_tobool,
    "tonumber": _fn_tonumber,
    "jsonencode": lambda a: a[0],  # structure kept: attributes inside stay readable
    "yamlencode": lambda a: a[0],
}


class BoundScope:
    """Names bound by a ``for`` expression, or ``each``/``count`` of one resource instance,
    over the scope that answers every other reference."""

    def __init__(self, parent: Scope, names: Mapping[str, Val]) -> None:
        self.parent = parent
        self.names = dict(names)

    def reference(self, path: Traversal, span: SourceSpan, depth: int) -> Val:
        """A bound name (navigated into), else the parent scope's answer."""
        head = path[0] if path else None
        if isinstance(head, str) and head in self.names:
            return self.names[head].get(path[1:])
        return self.parent.reference(path, span, depth)

    def read_file(self, written: str, span: SourceSpan) -> Val:
        """The parent scope reads files."""
        return self.parent.read_file(written, span)

    def file_set(self, base: str, pattern: str, span: SourceSpan) -> Val:
        """The parent scope lists folders."""
        return self.parent.file_set(base, pattern, span)

    def note_read(self, written: str, raw: str, made: str) -> None:
        """The parent scope records what it read."""
        self.parent.note_read(written, raw, made)


class Evaluator:
    """Evaluates attribute expressions of one file in one scope."""

    def __init__(self, scope: Scope, depth: int = 0, budget: Budget | None = None) -> None:
        self.scope = scope
        self.depth = depth
        self.budget = budget if budget is not None else Budget()

    def eval(self, node: Node, span: SourceSpan) -> Val:
        """The value of an expression (unknown when not fixed by the code).

        Raises :class:`LimitExceeded` only, when the budget is spent.
        """
        if self.depth > _MAX_DEPTH:
            return unknown("references nested too deeply to follow")
        try:
            return self._eval(node, span)
        except RecursionError:
            return unknown("expression nested too deeply to evaluate")

    def _eval(self, node: Node, span: SourceSpan) -> Val:
        self.budget.charge(1, span)
        node = unwrap(node)
        if isinstance(node, Token):
            return Val(str(node))
        data = node.data
        if data == "expr_term":  # parenthesised
            inner = _children(node)
            return self._eval(inner[0], span) if inner else unknown("empty expression")
        if data == "string":
            return self._string(node, span)
        if data == "int_lit" or data == "float_lit":
            text = _name(node)
            self.budget.digits(text, span)
            return Val(_num(text))
        if data == "literal_value":
            word = _name(node)
            return Val({"true": True, "false": False}.get(word))
        if data in ("heredoc_template", "heredoc_template_trim"):
            return self._heredoc(node, data, span)
        if data == "tuple":
            items = [self._eval(c, span) for c in _children(node)]
            return Val([i.nested for i in items], _merge_steps(items))
        if data == "object":
            return self._object(node, span)
        if data in ("identifier", "get_attr_expr_term", "index_expr_term"):
            path = traversal(node, lambda n: self._eval(n, span))
            if path is None:
                return unknown(f"reference with a computed index is not followed: {node.data}")
            found = self.scope.reference(path, span, self.depth + 1)
            self.budget.handed_over(found.value, span)
            return found
        if data == "function_call":
            return self._call(node, span)
        if data == "conditional":
            return self._conditional(node, span)
        if data == "binary_op":
            return self._binary(node, span)
        if data == "unary_op":
            op = next((str(c) for c in node.children if isinstance(c, Token)), "")
            operand = self._eval(_children(node)[0], span)
            if not operand.known:
                return operand
            if op == "!" and isinstance(operand.value, bool):
                return Val(not operand.value, operand.steps)
            if op == "-" and isinstance(operand.value, int | float):
                return Val(-operand.value, operand.steps)
            return unknown(f"cannot apply {op} to {operand.value!r}", operand.steps)
        if data in ("for_tuple_expr", "for_object_expr"):
            return self._for(node, span)
        if data in ("attr_splat_expr_term", "full_splat_expr_term"):
            return unknown("splat expressions ([*]) are not evaluated")
        return unknown(f"{data} expressions are not evaluated")

    def _string(self, node: Tree[Token], span: SourceSpan) -> Val:
        parts_of = [p for p in node.children if _tree(p, "string_part")]
        if any(isinstance(p, Tree) and p.children and _templated(p.children[0]) for p in parts_of):
            return self._directives(parts_of, span)
        pieces: list[str] = []
        parts: list[Val] = []
        reason = ""
        length = 0
        for part in node.children:
            if not _tree(part, "string_part"):
                continue
            assert isinstance(part, Tree)
            inner = part.children[0] if part.children else None
            if isinstance(inner, Token):
                pieces.append(_unescape(str(inner)))
            elif _tree(inner, "interpolation"):
                assert isinstance(inner, Tree)
                val = self._eval(_children(inner)[0], span)
                parts.append(val)
                if val.known and not isinstance(val.value, dict | list):
                    pieces.append(_to_text(val.value))
                else:
                    # A partly known text keeps its known parts (issue 19).
                    pieces.append(val.partial if val.partial is not None else HOLE)
                    reason = reason or val.reason or "an interpolated value is unknown"
            else:
                what = inner.data if isinstance(inner, Tree) else "an empty part"
                return unknown(f"{what} is not a template sequence", _merge_steps(parts))
            length += len(pieces[-1]) if pieces else 0
            self.budget.text(length, span)
        text = "".join(pieces)
        if reason:
            return Val(UNKNOWN, _merge_steps(parts), reason, text)
        return Val(text, _merge_steps(parts))

    def _directives(self, parts: list[Node], span: SourceSpan) -> Val:
        """A quoted string with ``%{ if }`` / ``%{ for }`` directives: a template over the
        module's scope, rendered by the same renderer as templatefile() and heredocs."""
        from auditor.loader.iac.template import Piece, render_pieces

        pieces: list[Piece] = []
        for part in parts:
            assert isinstance(part, Tree)
            inner = part.children[0] if part.children else None
            if isinstance(inner, Token):
                pieces.append(Piece("text", _unescape(str(inner))))
                continue
            assert isinstance(inner, Tree)
            kids = inner.children
            exprs = _children(inner)
            strip_left = len(kids) > 1 and isinstance(kids[1], Token) and kids[1] == "~"
            strip_right = len(kids) > 1 and isinstance(kids[-2], Token) and kids[-2] == "~"
            kind = inner.data
            if kind == "interpolation":
                pieces.append(
                    Piece("${", _source_of(exprs[0]), exprs[0], (), strip_left, strip_right)
                )
            elif kind == "template_for_start":
                names = tuple(_name(n) for n in exprs[:-1])
                coll = exprs[-1]
                pieces.append(Piece("for", _source_of(coll), coll, names, strip_left, strip_right))
            else:
                word = _DIRECTIVES[kind]
                cond = exprs[0] if word == "if" and exprs else None
                source = _source_of(cond) if cond is not None else ""
                pieces.append(Piece(word, source, cond, (), strip_left, strip_right))
        return render_pieces(pieces, self.scope, self.budget, span, self.depth)

    def _heredoc(self, node: Tree[Token], data: str, span: SourceSpan) -> Val:
        raw = _name(node)
        lines = raw.split("\n")
        body_lines = lines[1:-2] if len(lines) >= 3 else []
        if data == "heredoc_template_trim":
            indent = min((len(x) - len(x.lstrip()) for x in body_lines if x.strip()), default=0)
            body_lines = [x[indent:] for x in body_lines]
        body = "\n".join(body_lines) + ("\n" if body_lines else "")
        if "${" in body.replace("$${", "") or "%{" in body.replace("%%{", ""):
            from auditor.loader.iac.template import render

            # a heredoc is a template over the module's scope
            return render(
                body, Val({}), self.scope, self.budget, span, depth=self.depth, scope=self.scope
            )
        return Val(body.replace("$${", "${").replace("%%{", "%{"))

    def _object(self, node: Tree[Token], span: SourceSpan) -> Val:
        result: dict[str, Any] = {}
        vals: list[Val] = []
        for elem in _children(node):
            if not _tree(elem, "object_elem"):
                continue
            assert isinstance(elem, Tree)
            key_node, value_node = _children(elem)
            assert isinstance(key_node, Tree)
            key_inner = _children(key_node)
            if key_inner:
                inner = unwrap(key_inner[0])
                if _tree(inner, "identifier"):
                    key: Any = _name(inner)
                else:
                    key_val = self._eval(inner, span)
                    if not key_val.known:
                        return unknown("an object key is unknown", key_val.steps)
                    key = _to_text(key_val.value)
            else:
                key = _name(key_node)
            val = self._eval(value_node, span)
            vals.append(val)
            result[str(key)] = val.nested
        return Val(result, _merge_steps(vals))

    def _absent(self, node: Node, span: SourceSpan) -> bool:
        """Whether a reference reads a key its known map or object lacks (Terraform's error
        "This object does not have an attribute named ...", which try() turns into its next
        argument)."""
        node = unwrap(node)
        if not isinstance(node, Tree) or node.data not in ("get_attr_expr_term", "index_expr_term"):
            return False
        path = traversal(node, lambda n: self._eval(n, span))
        if path is None or len(path) < 3 or path[0] not in ("var", "local"):
            return False
        parent = self.scope.reference(path[:-1], span, self.depth + 1)
        key = path[-1]
        # The map itself is written out even when some of its values are not known.
        return isinstance(parent.value, dict) and str(key) not in parent.value

    def _call(self, node: Tree[Token], span: SourceSpan) -> Val:
        parts = _children(node)
        name = _name(parts[0])
        if len(parts) > 1 and _tree(parts[1], "identifier"):  # provider::ns::fn
            return unknown(f"provider function {name}::... is not evaluated")
        arg_nodes: list[Node] = []
        expand = False
        if parts and _tree(parts[-1], "arguments"):
            args_tree = parts[-1]
            assert isinstance(args_tree, Tree)
            arg_nodes = _children(args_tree)
            expand = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_tree.children)
        if expand:
            return unknown(f"{name}(...) with an expanded argument is not evaluated")
        if name in ("try", "coalesce"):
            tried: list[Val] = []
            for arg in arg_nodes:
                val = self._eval(arg, span)
                tried.append(val)
                if name == "try" and val.known and val.value is None and self._absent(arg, span):
                    continue  # var.cfg["chart"] with no "chart" key: an error try() catches
                if val.known and not (name == "coalesce" and val.value in (None, "")):
                    return val
                if not val.known and (name == "coalesce" or val.reason != _MISSING):
                    # A try() whose first choice is unknown may still pick it at apply time.
                    return unknown(val.reason or f"{name}() argument unknown", _merge_steps(tried))
            return unknown(f"no argument of {name}() has a value", _merge_steps(tried))
        if name in _FILE_FUNCTIONS:
            return self._file_call(name, [self._eval(a, span) for a in arg_nodes], span)
        func = _PURE.get(name)
        if func is None:
            return unknown(f"function {name}() is not evaluated")
        args = [self._eval(a, span) for a in arg_nodes]
        if name in ("jsonencode", "yamlencode") and len(args) == 1:
            # The structure is kept, known parts and all: attributes inside stay readable.
            return Val(args[0].value, args[0].steps, args[0].reason, args[0].partial)
        bad = _known_args(name, args)
        if bad is not None:
            return bad
        values = [a.value for a in args]
        self.budget.text(_text_length(name, values), span)
        try:
            result = func(values)
        except (
            KeyError,
            IndexError,
            TypeError,
            ValueError,
            ZeroDivisionError,
            OverflowError,
            StopIteration,
        ):
            return unknown(f"{name}() fails on these arguments", _merge_steps(args))
        if isinstance(result, str):
            self.budget.text(len(result), span)
        return Val(result, _merge_steps(args))

    def _file_call(self, name: str, args: list[Val], span: SourceSpan) -> Val:
        """file(), templatefile(), fileset(), yamldecode(), jsondecode(), base64encode() and
        base64decode(), as Terraform defines them; files only inside the scanned folder."""
        steps = _merge_steps(args)
        wanted = 2 if name in ("templatefile", "fileset") else 1
        if len(args) != wanted:
            return unknown(f"{name}() takes {wanted} argument(s)", steps)
        if name not in ("file", "templatefile", "fileset"):
            return _decode(name, args[0], self.budget, span)
        first = args[0]
        if not (first.known and isinstance(first.value, str)):
            why = first.reason or "not a text"
            return unknown(f"the path {name}() reads is not fixed by the code ({why})", steps)
        if name == "fileset":
            second = args[1]
            if not (second.known and isinstance(second.value, str)):
                why = second.reason or "not a text"
                return unknown(f"the pattern of fileset() is not fixed by the code ({why})", steps)
            found = self.scope.file_set(first.value, second.value, span)
            self.budget.handed_over(found.value, span)
            return Val(found.value, (*steps, *found.steps), found.reason)
        from auditor.loader.iac.template import TemplateScope, render

        if name == "templatefile" and isinstance(self.scope, TemplateScope):
            return unknown("a template cannot call templatefile() (Terraform refuses it)", steps)
        text = self.scope.read_file(first.value, span)
        steps = (*steps, *(s for s in text.steps if s not in steps))
        if not text.known:
            return Val(UNKNOWN, steps, text.reason)
        self.budget.handed_over(text.value, span)
        if name == "file":
            self.scope.note_read(first.value, str(text.value), str(text.value))
            return Val(text.value, steps)
        done = render(str(text.value), args[1], self.scope, self.budget, span, depth=self.depth)
        made = done.value if isinstance(done.value, str) else done.partial
        if made is not None:
            self.scope.note_read(first.value, str(text.value), made)
        steps = (*steps, *(s for s in done.steps if s not in steps))
        return Val(done.value, steps, done.reason, done.partial)

    def unfiltered(self, node: Tree[Token], span: SourceSpan) -> Val | None:
        """A ``for`` expression whose ``if`` is a switch (``{for k, v in docs : k => v if
        var.on}``: the condition names none of the loop's variables), evaluated as if the
        switch were on; None for any other expression, whose ``if`` filters items."""
        if node.data not in ("for_tuple_expr", "for_object_expr"):
            return None
        kids = _children(node)
        if not kids or not _tree(kids[-1], "for_cond") or not isinstance(kids[0], Tree):
            return None
        names = {_name(n) for n in _children(kids[0])[:-1]}
        cond = kids[-1]
        assert isinstance(cond, Tree)
        named = {_name(n) for n in cond.iter_subtrees() if n.data == "identifier"}
        if named & names:
            return None
        return self._for(node, span, switch_on=True)

    def _for(self, node: Tree[Token], span: SourceSpan, switch_on: bool = False) -> Val:
        """``[for k, v in coll : expr if cond]`` and ``{for k, v in coll : key => value...}``
        (``switch_on``: with the ``if`` left out, see :meth:`unfiltered`)."""
        kids = _children(node)
        intro = kids[0]
        assert isinstance(intro, Tree)
        intro_kids = _children(intro)
        names = [_name(n) for n in intro_kids[:-1]]
        coll = self._eval(intro_kids[-1], span)
        is_object = node.data == "for_object_expr"
        body = kids[1:]
        cond_node = body[-1] if body and _tree(body[-1], "for_cond") else None
        if cond_node is not None:
            body = body[:-1]
            if switch_on:
                cond_node = None
        grouping = is_object and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children
        )
        value = coll.value
        if isinstance(value, dict):
            pairs: list[tuple[Any, Any]] = sorted(value.items())  # maps iterate by key
        elif isinstance(value, list):
            pairs = list(enumerate(value))
        else:
            reason = coll.reason or "the collection of a 'for' expression is not a list or map"
            return unknown(reason, coll.steps)
        steps = list(coll.steps)
        tuple_out: list[Any] = []
        object_out: dict[str, Any] = {}
        for key, item in pairs:
            bound = {names[-1]: Val(item, coll.steps)}
            if len(names) == 2:
                bound[names[0]] = Val(key, coll.steps)
            inner = Evaluator(BoundScope(self.scope, bound), self.depth, self.budget)
            if cond_node is not None:
                assert isinstance(cond_node, Tree)
                cond = inner._eval(_children(cond_node)[0], span)
                if not (cond.known and isinstance(cond.value, bool)):
                    return unknown(
                        cond.reason or "the 'if' of a 'for' expression is unknown", coll.steps
                    )
                if not cond.value:
                    continue
            if not is_object:
                val = inner._eval(body[0], span)
                tuple_out.append(val.nested)
                continue
            key_val = inner._eval(body[0], span)
            if not key_val.known or isinstance(key_val.value, dict | list):
                return unknown(
                    key_val.reason or "a key of a 'for' expression is unknown", coll.steps
                )
            val = inner._eval(body[1], span)
            text = _to_text(key_val.value)
            if grouping:
                object_out.setdefault(text, []).append(val.nested)
            elif text in object_out:
                return unknown(f"a 'for' expression makes the key {text!r} twice", coll.steps)
            else:
                object_out[text] = val.nested
        return Val(object_out if is_object else tuple_out, tuple(steps))

    def _conditional(self, node: Tree[Token], span: SourceSpan) -> Val:
        cond_node, then_node, else_node = _children(node)[:3]
        cond = self._eval(cond_node, span)
        if cond.known and isinstance(cond.value, bool):
            chosen = self._eval(then_node if cond.value else else_node, span)
            return Val(chosen.value, _merge_steps([cond, chosen]), chosen.reason, chosen.partial)
        then_val = self._eval(then_node, span)
        else_val = self._eval(else_node, span)
        if then_val.known and else_val.known and then_val.value == else_val.value:
            return Val(then_val.value, _merge_steps([then_val, else_val]))
        return unknown(
            cond.reason or "the condition of a conditional expression is unknown",
            _merge_steps([cond, then_val, else_val]),
        )

    def _binary(self, node: Tree[Token], span: SourceSpan) -> Val:
        left_node, term = _children(node)[:2]
        assert isinstance(term, Tree)
        op_node, right_node = _children(term)[:2]
        op = _name(op_node) if isinstance(op_node, Tree) else str(op_node)
        left = self._eval(left_node, span)
        right = self._eval(right_node, span)
        steps = _merge_steps([left, right])
        short_circuit = (op == "&&" and left.value is False) or (op == "||" and left.value is True)
        if short_circuit:
            return Val(left.value, left.steps)
        bad = _first_unknown([left, right])
        if bad is not None:
            return unknown(bad.reason or "an operand is unknown", steps)
        a, b = left.value, right.value
        try:
            result: Any
            if op == "==":
                result = a == b
            elif op == "!=":
                result = a != b
            elif op == "&&":
                result = bool(a) and bool(b)
            elif op == "||":
                result = bool(a) or bool(b)
            elif op in _ARITHMETIC:
                result = _ARITHMETIC[op](_number(a), _number(b))
            else:
                return unknown(f"operator {op} is not evaluated", steps)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return unknown(f"cannot compute {_short(a)} {op} {_short(b)}", steps)
        self.budget.integer(result, span)
        return Val(result, steps)


_FILE_FUNCTIONS: Final = frozenset(
    {"file", "templatefile", "fileset", "yamldecode", "jsondecode", "base64encode", "base64decode"}
)


def _holes(value: Any) -> Any:
    """Decoded YAML of a text with gaps: a scalar with a gap becomes a partial text (all gap:
    unknown); a key with a gap makes the whole value unknown (ValueError)."""
    if isinstance(value, str) and HOLE in value:
        return UNKNOWN if value == HOLE else PartialText(value)
    if isinstance(value, list):
        return [_holes(v) for v in value]
    if isinstance(value, dict):
        if any(HOLE in str(k) for k in value):
            raise ValueError("a key is not known from the code")
        return {k: _holes(v) for k, v in value.items()}
    return value


def _decode(name: str, arg: Val, budget: Budget, span: SourceSpan) -> Val:
    """yamldecode(), jsondecode(), base64encode(), base64decode() of an evaluated text."""
    gaps = arg.value is UNKNOWN and arg.partial is not None and name == "yamldecode"
    if gaps:
        text = str(arg.partial)
    elif arg.known and isinstance(arg.value, str):
        text = arg.value
    else:
        return unknown(arg.reason or f"the text {name}() reads is not a known text", arg.steps)
    budget.charge(1 + len(text) // _CHARS_PER_VALUE, span)
    if name == "base64encode":
        return Val(base64.b64encode(text.encode("utf-8")).decode("ascii"), arg.steps)
    if name == "base64decode":
        try:
            return Val(base64.b64decode(text, validate=True).decode("utf-8"), arg.steps)
        except (ValueError, UnicodeDecodeError):
            return unknown("base64decode() fails: not base64 of UTF-8 text", arg.steps)
    try:
        if name == "jsondecode":
            data = json.loads(text)
        else:
            data = parse_text(text, "yamldecode()", budget.limits).data
            data = _holes(data) if gaps else data
    except YamlProblem as exc:
        where = f" (line {exc.diagnostic.line} of the text)" if exc.diagnostic.line else ""
        return unknown(f"yamldecode() fails: {exc.diagnostic.message}{where}", arg.steps)
    except ValueError as exc:
        return unknown(f"{name}() fails: {exc}", arg.steps)
    except RecursionError:
        return unknown(f"{name}(): the text nests too deeply to decode", arg.steps)
    budget.handed_over(data, span)
    return Val(data, arg.steps, arg.reason if gaps else "")


def decode_yaml(arg: Val, budget: Budget, span: SourceSpan) -> Val:
    """``yamldecode()`` of an evaluated text (a text with gaps keeps its known values)."""
    return _decode("yamldecode", arg, budget, span)


def _short(value: Any) -> str:
    """A value for a message: at most 60 characters of its repr."""
    text = repr(value) if not isinstance(value, int) or abs(value) < _INTEGER_CEILING else "(huge)"
    return text if len(text) <= 60 else text[:57] + "..."


def _text_length(name: str, args: list[Any]) -> int:
    """How long the text replace() or join() would build, known before it is built."""
    if name == "replace" and len(args) == 3 and all(isinstance(a, str) for a in args):
        text, old, new = (str(a) for a in args)
        return len(text) + text.count(old) * max(len(new) - len(old), 0)
    if name == "join" and len(args) == 2 and isinstance(args[1], list):
        sep = args[0] if isinstance(args[0], str) else ""
        items = args[1]
        parts = sum(len(x) if isinstance(x, str) else 24 for x in items)
        return parts + len(sep) * max(len(items) - 1, 0)
    return 0


_MISSING: Final = "no such attribute or key"
_ARITHMETIC: Final[Mapping[str, Callable[[Any, Any], Any]]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise TypeError("bool")
    if isinstance(value, int | float):
        return value
    return _num(str(value))


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def missing(steps: tuple[ResolutionStep, ...] = ()) -> Val:
    """An attribute or key that is not set (try() moves on to its next argument)."""
    return unknown(_MISSING, steps)


def step(how: How, span: SourceSpan | None, text: str) -> ResolutionStep:
    """Shorthand for a resolution step."""
    return ResolutionStep(how, span, text)
