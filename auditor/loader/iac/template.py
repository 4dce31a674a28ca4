"""Terraform's template language, as ``templatefile()`` renders a file (issue 19).

A template is literal text with ``${expr}`` interpolations and ``%{ if }`` /
``%{ else }`` / ``%{ endif }`` and ``%{ for x in list }`` / ``%{ endfor }``
directives; ``$${`` and ``%%{`` are the literal sequences, and a ``~`` just
inside a sequence strips the blanks (newlines included) on that side. Each
expression is evaluated by the HCL evaluator against the variables the call
passes and nothing else (a template sees no ``var.`` or ``local.``). An
interpolation whose value is unknown leaves a gap (HOLE) and the known text
around it; a directive whose condition or collection is unknown, or anything the
renderer does not read, leaves the whole text unknown rather than wrong
(``keep_branches`` instead keeps every branch as text, for scripts read for the
commands they may run).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from auditor.loader.iac.hcl import (
    HOLE,
    UNKNOWN,
    BoundScope,
    Budget,
    Evaluator,
    HclProblem,
    Node,
    Scope,
    Traversal,
    Val,
    parse_hcl,
    unknown,
)
from auditor.loader.iac.result import ResolutionStep
from auditor.model.common import SourceSpan

# A file file(), templatefile() or a VM script names is read up to this many bytes.
MAX_FILE_BYTES: Final = 512 * 1024
# ${ } and %{ } sequences one template may hold; a template with more is not rendered.
MAX_SEQUENCES: Final = 5_000


class TemplateError(ValueError):
    """A template the renderer does not read (the message says what)."""


@dataclass(frozen=True, slots=True)
class _Text:
    text: str


@dataclass(frozen=True, slots=True)
class _Interp:
    expr: Node | None
    source: str


@dataclass(frozen=True, slots=True)
class _If:
    cond: Node | None
    source: str
    then: tuple[_Item, ...]
    other: tuple[_Item, ...]


@dataclass(frozen=True, slots=True)
class _For:
    names: tuple[str, ...]
    coll: Node | None
    source: str
    body: tuple[_Item, ...]


_Item = _Text | _Interp | _If | _For


@dataclass(frozen=True, slots=True)
class Piece:
    """One sequence of a template, parsed: literal text, a ``${ }`` interpolation or a ``%{ }``
    directive (``kind`` is "text", "${", "if", "else", "endif", "for" or "endfor"). A quoted
    string's parse tree gives these directly; a template file is cut into them by the scanner
    below. ``source`` is the literal text, or the expression as written (for messages)."""

    kind: str
    source: str = ""
    expr: Node | None = None
    names: tuple[str, ...] = ()
    strip_left: bool = False  # ``%{~``: blanks before it are removed
    strip_right: bool = False  # ``~}``: blanks after it are removed


def _closing(text: str, start: int) -> int:
    """Index of the ``}`` closing the sequence whose body starts at ``start``."""
    depth = 0
    i = start
    quoted = False
    while i < len(text):
        c = text[i]
        if quoted:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise TemplateError("a ${ or %{ sequence is not closed")


# A strip marker removes blanks up to and including one line break: Terraform's template
# scanner cuts literal text after each line break and trims only the adjacent piece.
_LEFT_STRIP: Final = re.compile(r"\A[^\S\n]*\n?")
_RIGHT_STRIP: Final = re.compile(r"[^\S\n]*\n?[^\S\n]*\Z")


def _tokens(text: str) -> list[tuple[str, str]]:
    """("text", literal) and ("${" | "%{", body) in order, strip markers applied."""
    out: list[tuple[str, str]] = []
    literal: list[str] = []
    strip_next = False
    i = 0
    while i < len(text):
        if text.startswith("$${", i) or text.startswith("%%{", i):
            literal.append(text[i + 1 : i + 3])
            i += 3
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            kind = text[i : i + 2]
            end = _closing(text, i + 2)
            body = text[i + 2 : end]
            chunk = "".join(literal)
            if strip_next:
                chunk = _LEFT_STRIP.sub("", chunk, count=1)
            if body.startswith("~"):
                chunk = _RIGHT_STRIP.sub("", chunk, count=1)
                body = body[1:]
            strip_next = body.endswith("~")
            if strip_next:
                body = body[:-1]
            out.append(("text", chunk))
            out.append((kind, body.strip()))
            literal = []
            i = end + 1
            continue
        literal.append(text[i])
        i += 1
    chunk = "".join(literal)
    out.append(("text", _LEFT_STRIP.sub("", chunk, count=1) if strip_next else chunk))
    return out


@lru_cache(maxsize=4096)
def _expr(source: str) -> Node | None:
    """The expression's parse tree; None when the scanner cannot parse it (rendering it is
    then unknown: the whole text, or a gap when branches are kept)."""
    try:
        body = parse_hcl(f"x = (\n{source}\n)\n", "template")
    except HclProblem:
        return None
    attr = body.attrs.get("x")
    return attr.expr if attr is not None else None


def _piece(kind: str, body: str) -> Piece:
    """A ``${ }`` or ``%{ }`` body cut from a template's text, parsed."""
    if kind == "text":
        return Piece("text", body)
    if kind == "${":
        return Piece("${", body, _expr(body))
    word, _, rest = body.partition(" ")
    if word == "if":
        return Piece("if", rest.strip(), _expr(rest))
    if word == "for":
        head, sep, coll = rest.partition(" in ")
        names = tuple(n.strip() for n in head.split(","))
        if not sep or not 1 <= len(names) <= 2 or not all(n.isidentifier() for n in names):
            raise TemplateError(f"%{{ {body[:60]} }} is not a for directive")
        return Piece("for", coll.strip(), _expr(coll), names)
    if word in ("else", "endif", "endfor"):
        return Piece(word)
    raise TemplateError(f"the directive %{{ {body[:60]} }} is not read")


def _items(
    pieces: Sequence[Piece], pos: int, ends: tuple[str, ...]
) -> tuple[tuple[_Item, ...], int, str]:
    """Items up to one of the directives ``ends`` (returned with the position after it)."""
    items: list[_Item] = []
    while pos < len(pieces):
        piece = pieces[pos]
        pos += 1
        if piece.kind == "text":
            if piece.source:
                items.append(_Text(piece.source))
        elif piece.kind == "${":
            items.append(_Interp(piece.expr, piece.source))
        elif piece.kind in ends:
            return tuple(items), pos, piece.kind
        elif piece.kind == "if":
            then, pos, end = _items(pieces, pos, ("else", "endif"))
            other: tuple[_Item, ...] = ()
            if end == "else":
                other, pos, end = _items(pieces, pos, ("endif",))
            if end != "endif":
                raise TemplateError("%{ if } without %{ endif }")
            items.append(_If(piece.expr, piece.source, then, other))
        elif piece.kind == "for":
            inner, pos, end = _items(pieces, pos, ("endfor",))
            if end != "endfor":
                raise TemplateError("%{ for } without %{ endfor }")
            items.append(_For(piece.names, piece.expr, piece.source, inner))
        else:
            raise TemplateError(f"%{{ {piece.kind} }} without its opening directive")
    if ends:
        raise TemplateError(f"a directive is not closed (%{{ {ends[-1]} }} missing)")
    return tuple(items), pos, ""


@lru_cache(maxsize=32)
def _compile(text: str) -> tuple[_Item, ...]:
    sequences = text.count("${") + text.count("%{")
    if sequences > MAX_SEQUENCES:
        raise TemplateError(
            f"it has more than {MAX_SEQUENCES:,} ${{ }} and %{{ }} sequences (the limit)"
        )
    pieces = [_piece(kind, body) for kind, body in _tokens(text)]
    items, _pos, _end = _items(pieces, 0, ())
    return items


class _Unread(Exception):
    """The rendered text cannot be known (the message says why)."""


class TemplateScope:
    """What a template's expressions see: the variables the call passes, and files."""

    def __init__(self, given: Mapping[str, Any], files: Scope, absent: str = "") -> None:
        self.given = dict(given)
        self.files = files
        self.absent = absent  # why no variable is known (the map itself is unknown)

    def reference(self, path: Traversal, span: SourceSpan, depth: int) -> Val:
        """A passed variable (navigated into); anything else is not visible to a template."""
        head = str(path[0]) if path else ""
        if head in self.given:
            found = Val(self.given[head]).get(path[1:])
            if found.value is UNKNOWN and not found.reason:
                return Val(
                    UNKNOWN,
                    found.steps,
                    f"the template variable {head} is not known from the code",
                    found.partial,
                )
            return found
        return unknown(self.absent or f"{head} is not a variable the templatefile() call passes")

    def read_file(self, written: str, span: SourceSpan) -> Val:
        """file() inside a template reads like file() in the module."""
        return self.files.read_file(written, span)

    def file_set(self, base: str, pattern: str, span: SourceSpan) -> Val:
        """fileset() inside a template lists like fileset() in the module."""
        return self.files.file_set(base, pattern, span)

    def note_read(self, written: str, raw: str, made: str) -> None:
        """file() inside a template is recorded like file() in the module."""
        self.files.note_read(written, raw, made)


class _Renderer:
    def __init__(self, evaluator: Evaluator, span: SourceSpan, keep_branches: bool) -> None:
        self.evaluator = evaluator
        self.span = span
        self.keep = keep_branches
        self.reasons: list[str] = []
        self.steps: list[ResolutionStep] = []
        self.length = 0

    def out(self, pieces: list[str], text: str) -> None:
        self.length += len(text)
        self.evaluator.budget.text(self.length, self.span)
        self.evaluator.budget.charge(1 + len(text) // 100, self.span)
        pieces.append(text)

    def eval(self, node: Node | None, source: str) -> Val:
        if node is None:
            return unknown(f"{source[:60]!r} is not an expression the scanner reads")
        return self.evaluator.eval(node, self.span)

    def run(self, items: tuple[_Item, ...], pieces: list[str]) -> None:
        for item in items:
            if isinstance(item, _Text):
                self.out(pieces, item.text)
            elif isinstance(item, _Interp):
                val = self.eval(item.expr, item.source)
                self.steps.extend(s for s in val.steps if s not in self.steps)
                if val.known and not isinstance(val.value, dict | list):
                    self.out(pieces, _text(val.value))
                elif val.known:
                    raise _Unread(f"${{{item.source[:60]}}} is a list or map, not a text")
                else:
                    self.out(pieces, val.partial if val.partial is not None else HOLE)
                    self.reasons.append(f"${{{item.source[:60]}}}: {val.reason or 'unknown'}")
            elif isinstance(item, _If):
                cond = self.eval(item.cond, item.source)
                if cond.known and isinstance(cond.value, bool):
                    self.run(item.then if cond.value else item.other, pieces)
                elif self.keep:
                    self.reasons.append(f"%{{ if {item.source[:60]} }}: {cond.reason}")
                    self.run(item.then, pieces)
                    self.run(item.other, pieces)
                else:
                    raise _Unread(
                        f"the condition of %{{ if {item.source[:60]} }} is unknown ({cond.reason})"
                    )
            else:
                self.loop(item, pieces)

    def loop(self, item: _For, pieces: list[str]) -> None:
        coll = self.eval(item.coll, item.source)
        value = coll.value
        pairs: list[tuple[Any, Any]]
        if isinstance(value, dict):
            pairs = sorted(value.items())
        elif isinstance(value, list):
            pairs = list(enumerate(value))
        elif self.keep:
            self.reasons.append(f"%{{ for ... in {item.source[:60]} }}: {coll.reason}")
            pairs = [(HOLE, UNKNOWN)]
        else:
            raise _Unread(
                f"the collection of %{{ for ... in {item.source[:60]} }} is unknown "
                f"({coll.reason or 'not a list or map'})"
            )
        outer = self.evaluator
        for key, member in pairs:
            why = (
                ""
                if _fully(member)
                else f"an item of {item.source[:60]} is not known from the code"
            )
            bound = {item.names[-1]: Val(member, coll.steps, why)}
            if len(item.names) == 2:
                bound[item.names[0]] = Val(key, coll.steps)
            self.evaluator = Evaluator(BoundScope(outer.scope, bound), outer.depth, outer.budget)
            try:
                self.run(item.body, pieces)
            finally:
                self.evaluator = outer


def _fully(value: Any) -> bool:
    return Val(value).known


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(
    text: str,
    given: Val,
    files: Scope,
    budget: Budget,
    span: SourceSpan,
    *,
    depth: int = 0,
    keep_branches: bool = False,
    scope: Scope | None = None,
) -> Val:
    """``text`` rendered with the variables in ``given`` (a map): a text, a text with gaps
    (``partial``) or unknown with the reason. ``files`` answers file() inside the template;
    ``scope``, when given, is what the expressions see instead (a heredoc sees its module)."""
    variables = given.value if isinstance(given.value, dict) else {}
    absent = ""
    if scope is None and not isinstance(given.value, dict):
        absent = given.reason or "the variables of templatefile() are not a known map"
        if not keep_branches:
            return unknown(absent, given.steps)
    try:
        items = _compile(text)
    except TemplateError as exc:
        return unknown(f"the template is not read: {exc}", given.steps)
    except RecursionError:
        return unknown("the template nests directives too deeply to read", given.steps)
    sees: Scope = scope if scope is not None else TemplateScope(variables, files, absent)
    return _rendered(items, given.steps, sees, budget, span, depth, keep_branches)


def render_pieces(
    pieces: Sequence[Piece], scope: Scope, budget: Budget, span: SourceSpan, depth: int = 0
) -> Val:
    """A quoted string with ``%{ }`` directives (``"%{ if var.x }a%{ else }b%{ endif }"``),
    parsed by the HCL grammar, rendered like a template over the module's scope: the same
    rules, so a directive over an unknown value leaves the whole text unknown."""
    stripped: list[Piece] = []
    for index, piece in enumerate(pieces):
        if piece.kind == "text":
            # A quoted string's literal is one token, escapes decoded: a strip marker trims
            # all of its blanks on that side, line breaks included (hashicorp/hcl@2efc266
            # hclsyntax/parser_template.go, TrimLeftFunc/TrimRightFunc(unicode.IsSpace)).
            text = piece.source
            before = pieces[index - 1] if index > 0 else None
            after = pieces[index + 1] if index + 1 < len(pieces) else None
            if before is not None and before.strip_right:
                text = text.lstrip()
            if after is not None and after.strip_left:
                text = text.rstrip()
            piece = Piece("text", text)
        stripped.append(piece)
    try:
        items, _pos, _end = _items(stripped, 0, ())
    except TemplateError as exc:
        return unknown(f"the template is not read: {exc}")
    except RecursionError:
        return unknown("the template nests directives too deeply to read")
    return _rendered(items, (), scope, budget, span, depth, False)


def _rendered(
    items: tuple[_Item, ...],
    given: tuple[ResolutionStep, ...],
    sees: Scope,
    budget: Budget,
    span: SourceSpan,
    depth: int,
    keep_branches: bool,
) -> Val:
    renderer = _Renderer(Evaluator(sees, depth, budget), span, keep_branches)
    pieces: list[str] = []
    try:
        renderer.run(items, pieces)
    except _Unread as exc:
        return unknown(str(exc), (*given, *renderer.steps))
    steps = (*given, *(s for s in renderer.steps if s not in given))
    out = "".join(pieces)
    if renderer.reasons:
        return Val(UNKNOWN, steps, "; ".join(dict.fromkeys(renderer.reasons)), out)
    return Val(out, steps)


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_SEQUENCES",
    "Piece",
    "TemplateError",
    "TemplateScope",
    "render",
    "render_pieces",
]
