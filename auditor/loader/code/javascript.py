"""Read JavaScript and TypeScript at the token level into call sites (no parser dependency).

The method, and its limits (README "Application code"): a tokenizer that knows
strings, template literals (with their ``${...}`` parts), comments, regular
expression literals (told from division by the token before them) and
punctuation; then a scan of the tokens for the shapes that matter:

* imports: ``import X from "m"``, ``import { a as b } from "m"``,
  ``import * as X from "m"``, ``const X = require("m")``,
  ``const { a } = require("m")``; the callee of ``new X(...)`` / ``X(...)`` /
  ``X.member(...)`` becomes ``m:default`` / ``m:a`` / ``m:member``; ``fetch``
  is ``:fetch``;
* calls: arguments split at top-level commas, object literals flattened to keys
  (``configuration.baseURL``), the variable the result is assigned to
  (``const client = new OpenAI(...)``, ``this.client = ...``);
* values: string and template literals, ``+``, names declared once in the file
  (``const``, or ``let``/``var`` never reassigned), ``process.env.X`` and
  ``import.meta.env.X`` with ``?? "d"`` / ``|| "d"`` defaults, TypeScript
  ``as T`` and ``!`` stripped.

It does not follow imports of other files, function return values, spreads,
destructuring defaults or class fields set in constructors from parameters;
those stay unknown. A string opened but not closed on its line (JSX text such
as ``Don't``) is read as one character, so the scan never derails past a line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from auditor.loader.code.facts import CallSite, Environment, FileFacts, short
from auditor.loader.iac.hcl import HOLE, UNKNOWN, Val, step, unknown
from auditor.loader.iac.result import How
from auditor.model.common import SourceSpan

_PUNCT3 = ("===", "!==", "...", "**=", "??=", "&&=", "||=", ">>>", "<<=", ">>=")
_PUNCT2 = (
    "=>",
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "??",
    "?.",
    "++",
    "--",
    "+=",
    "-=",
    "*=",
    "/=",
    "**",
    "<<",
    ">>",
)
_P3 = frozenset(_PUNCT3)
_P2 = frozenset(_PUNCT2)
_REGEX_AFTER = frozenset(
    [
        "(",
        ",",
        "=",
        ":",
        "[",
        "!",
        "&",
        "|",
        "?",
        "{",
        "}",
        ";",
        "+",
        "-",
        "*",
        "%",
        "<",
        ">",
        "~",
        "^",
        "=>",
        "&&",
        "||",
        "??",
        "==",
        "===",
        "!=",
        "!==",
        "return",
        "typeof",
        "case",
        "do",
        "else",
        "in",
        "of",
        "new",
        "delete",
        "void",
        "throw",
        "yield",
        "await",
    ]
)
_MAX_DEPTH = 24


@dataclass(frozen=True)
class Tok:
    kind: str  # id | str | tpl | num | punct | regex
    text: str
    line: int
    col: int
    parts: tuple[str | tuple[Tok, ...], ...] = ()  # template literal: text and expression tokens


class TokenBudgetExceeded(Exception):
    """The file has more tokens than the scan allows."""


def tokenize(src: str, budget: int, line: int = 1, col: int = 1) -> list[Tok]:
    """Tokens of ``src`` (comments dropped)."""
    toks: list[Tok] = []
    i, n = 0, len(src)
    line_start = -col + 1
    while i < n:
        if len(toks) > budget:
            raise TokenBudgetExceeded
        c = src[i]
        if c == "\n":
            line += 1
            line_start = i + 1
            i += 1
            continue
        if c in " \t\r\f\v\ufeff":
            i += 1
            continue
        here = (line, i - line_start + 1)
        if src.startswith("//", i):
            end = src.find("\n", i)
            i = n if end < 0 else end
            continue
        if src.startswith("/*", i):
            end = src.find("*/", i + 2)
            stop = n if end < 0 else end + 2
            line += src.count("\n", i, stop)
            if "\n" in src[i:stop]:
                line_start = src.rfind("\n", i, stop) + 1
            i = stop
            continue
        if c in "'\"":
            j = i + 1
            while j < n and src[j] != c and src[j] != "\n":
                j += 2 if src[j] == "\\" else 1
            if j < n and src[j] == c:
                toks.append(Tok("str", _unescape(src[i + 1 : j]), *here))
                i = j + 1
            else:
                toks.append(Tok("punct", c, *here))
                i += 1
            continue
        if c == "`":
            parts: list[str | tuple[Tok, ...]] = []
            buf: list[str] = []
            j = i + 1
            start_line = line
            while j < n and src[j] != "`":
                if src[j] == "\\" and j + 1 < n:
                    buf.append(src[j + 1])
                    j += 2
                    continue
                if src.startswith("${", j):
                    depth, k = 1, j + 2
                    while k < n and depth:
                        if src[k] == "{":
                            depth += 1
                        elif src[k] == "}":
                            depth -= 1
                        k += 1
                    parts.append("".join(buf))
                    buf = []
                    parts.append(tuple(tokenize(src[j + 2 : k - 1], budget, line)))
                    line += src.count("\n", j, k)
                    j = k
                    continue
                if src[j] == "\n":
                    line += 1
                    line_start = j + 1
                buf.append(src[j])
                j += 1
            parts.append("".join(buf))
            toks.append(Tok("tpl", src[i : j + 1], start_line, here[1], tuple(parts)))
            i = j + 1
            continue
        if c.isalpha() or c in "_$" or ord(c) > 127:
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] in "_$" or ord(src[j]) > 127):
                j += 1
            toks.append(Tok("id", src[i:j], *here))
            i = j
            continue
        if c.isdigit():
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] in "._"):
                j += 1
            toks.append(Tok("num", src[i:j], *here))
            i = j
            continue
        if c == "/":
            prev = toks[-1] if toks else None
            if prev is None or (prev.kind in ("punct", "id") and prev.text in _REGEX_AFTER):
                j, in_class = i + 1, False
                while j < n and src[j] != "\n":
                    if src[j] == "\\":
                        j += 2
                        continue
                    if src[j] == "[":
                        in_class = True
                    elif src[j] == "]":
                        in_class = False
                    elif src[j] == "/" and not in_class:
                        break
                    j += 1
                if j < n and src[j] == "/":
                    j += 1
                    while j < n and src[j].isalpha():
                        j += 1
                    toks.append(Tok("regex", src[i:j], *here))
                    i = j
                    continue
        three, two = src[i : i + 3], src[i : i + 2]
        hit = three if three in _P3 else two if two in _P2 else c
        toks.append(Tok("punct", hit, *here))
        i += len(hit)
    return toks


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _close(toks: list[Tok], i: int) -> int:
    """Index of the bracket closing the one at ``i`` (or len(toks))."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = [pairs[toks[i].text]]
    j = i + 1
    while j < len(toks) and stack:
        t = toks[j]
        if t.kind == "punct":
            if t.text in pairs:
                stack.append(pairs[t.text])
            elif t.text == stack[-1]:
                stack.pop()
            elif t.text in (")", "]", "}"):
                return j  # unbalanced: stop here
        j += 1
    return j - 1 if not stack else len(toks)


def _split(toks: list[Tok], sep: str = ",") -> list[list[Tok]]:
    parts: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        if t.kind == "punct" and t.text in "([{":
            depth += 1
        elif t.kind == "punct" and t.text in ")]}":
            depth -= 1
        if depth == 0 and t.kind == "punct" and t.text == sep:
            parts.append([])
            continue
        parts[-1].append(t)
    return [p for p in parts if p]


class _File:
    def __init__(self, path: str, toks: list[Tok], env: Environment) -> None:
        self.path = path
        self.toks = toks
        self.env = env
        self.imports: dict[str, str] = {}
        self.namespaces: set[str] = set()
        self.consts: dict[str, list[tuple[list[Tok], SourceSpan]]] = {}
        self._folding: set[str] = set()

    def span(self, tok: Tok) -> SourceSpan:
        return SourceSpan(self.path, tok.line, tok.col)

    # --- declarations ---------------------------------------------------------------------------

    def collect(self) -> None:
        toks = self.toks
        n = len(toks)
        brackets: list[str] = []
        for i, t in enumerate(toks):
            if t.kind == "punct":
                if t.text in ("(", "[", "{"):
                    brackets.append(t.text)
                elif t.text in (")", "]", "}") and brackets:
                    brackets.pop()
                continue
            if t.kind != "id":
                continue
            if brackets and brackets[-1] in ("(", "[") and i + 1 < n and toks[i + 1].text == "=":
                # a parameter default (function f(region = "x")) or array destructuring:
                # the caller decides, so the name is not a constant
                self.consts.setdefault(t.text, []).append(([], self.span(t)))
                continue
            if t.text == "import" and (i == 0 or toks[i - 1].text not in (".",)):
                self._import(i)
            elif (
                t.text == "require"
                and i + 2 < n
                and toks[i + 1].text == "("
                and toks[i + 2].kind == "str"
            ):
                self._require(i, toks[i + 2].text)
            elif i + 1 < n and toks[i + 1].text == "=" and (i == 0 or toks[i - 1].text != "."):
                end = self._expr_end(i + 2)
                self.consts.setdefault(t.text, []).append((toks[i + 2 : end], self.span(t)))
            elif i + 1 < n and toks[i + 1].text in ("+=", "-=", "++", "--", "??=", "||="):
                self.consts.setdefault(t.text, []).append(([], self.span(t)))

    def _expr_end(self, i: int) -> int:
        toks = self.toks
        depth = 0
        j = i
        start_line = toks[i].line if i < len(toks) else 0
        while j < len(toks):
            t = toks[j]
            if t.kind == "punct" and t.text in "([{":
                depth += 1
            elif t.kind == "punct" and t.text in ")]}":
                if depth == 0:
                    return j
                depth -= 1
            elif (depth == 0 and t.kind == "punct" and t.text in (";", ",")) or (
                depth == 0
                and t.line > start_line
                and j > i
                and toks[j - 1].kind != "punct"
                and not (
                    t.kind == "punct" and t.text in (".", "?.", "+", "??", "||", "&&", "?", ":")
                )
            ):
                return j
            j += 1
        return j

    def _import(self, i: int) -> None:
        toks = self.toks
        j = i + 1
        if j < len(toks) and toks[j].text == "type":
            return
        names: list[tuple[str, str]] = []
        while j < len(toks) and toks[j].text != "from" and toks[j].kind != "str":
            t = toks[j]
            if t.text == "*" and j + 2 < len(toks) and toks[j + 1].text == "as":
                names.append((toks[j + 2].text, "*"))
                j += 3
                continue
            if t.text == "{":
                end = _close(toks, j)
                for part in _split(toks[j + 1 : end]):
                    words = [p.text for p in part if p.kind == "id" and p.text != "type"]
                    if len(words) >= 3 and words[1] == "as":
                        names.append((words[2], words[0]))
                    elif words:
                        names.append((words[0], words[0]))
                j = end + 1
                continue
            if t.kind == "id":
                names.append((t.text, "default"))
            j += 1
        if j < len(toks) and toks[j].text == "from":
            j += 1
        if j >= len(toks) or toks[j].kind != "str":
            return
        module = toks[j].text
        for local, exported in names:
            if exported == "*":
                self.namespaces.add(local)
                self.imports[local] = f"{module}:*"
            else:
                self.imports[local] = f"{module}:{exported}"

    def _require(self, i: int, module: str) -> None:
        toks = self.toks
        if i < 2 or toks[i - 1].text != "=":
            return
        after = i + 4  # require ( "m" ) .
        member = toks[after + 1].text if after + 1 < len(toks) and toks[after].text == "." else None
        if toks[i - 2].text == "}":
            k = i - 2
            while k > 0 and toks[k].text != "{":
                k -= 1
            for part in _split(toks[k + 1 : i - 2]):
                words = [p.text for p in part if p.kind == "id"]
                if len(words) >= 2 and part[1].text == ":":
                    self.imports[words[1]] = f"{module}:{words[0]}"
                elif words:
                    self.imports[words[0]] = f"{module}:{words[0]}"
        elif toks[i - 2].kind == "id":
            self.imports[toks[i - 2].text] = f"{module}:{member or 'default'}"

    # --- names ----------------------------------------------------------------------------------

    def callee(self, chain: list[str]) -> str:
        head = chain[0]
        if head in self.imports:
            base = self.imports[head]
            module, _, exported = base.partition(":")
            if len(chain) == 1:
                return base if exported != "*" else f"{module}:default"
            if exported in ("*", "default"):
                return f"{module}:{'.'.join(chain[1:])}"
            return f"{base}.{'.'.join(chain[1:])}"
        if head == "fetch" and len(chain) == 1:
            return ":fetch"
        return ""

    # --- values ---------------------------------------------------------------------------------

    def fold(self, toks: list[Tok], depth: int = 0) -> Val:
        toks = _strip_ts(toks)
        if not toks:
            return unknown("no value")
        here = self.span(toks[0])
        text = short(" ".join(t.text for t in toks))
        if depth > _MAX_DEPTH:
            return unknown("too many steps to follow", (step(How.UNKNOWN, here, text),))
        if toks[0].text == "(" and _close(toks, 0) == len(toks) - 1:
            return self.fold(toks[1:-1], depth + 1)
        for op in ("??", "||"):
            sides = _split(toks, op)
            if len(sides) > 1:
                env_name = self._env_name(sides[0])
                rest = [t for side in sides[1:] for t in (*side, Tok("punct", op, 0, 0))][:-1]
                if env_name is not None:
                    return self.env.read(env_name, self.fold(rest, depth + 1), here, text)
                left = self.fold(sides[0], depth + 1)
                if left.known:
                    return left if left.value else self.fold(rest, depth + 1)
                return unknown(
                    "chosen at run time between several values", (step(How.UNKNOWN, here, text),)
                )
        sides = _split(toks, "+")
        if len(sides) > 1:
            return self._join([("toks", s) for s in sides], here, text, depth)
        if len(toks) == 1:
            t = toks[0]
            if t.kind == "str":
                return Val(t.text, (step(How.CODE_LITERAL, here, short(repr(t.text))),))
            if t.kind == "num":
                return Val(t.text, (step(How.CODE_LITERAL, here, t.text),))
            if t.kind == "tpl":
                pieces: list[tuple[str, object]] = []
                for part in t.parts:
                    pieces.append(("text", part) if isinstance(part, str) else ("toks", list(part)))
                return self._join(pieces, here, short(t.text), depth)
            if t.kind == "id":
                if t.text in ("true", "false"):
                    return Val(t.text == "true", (step(How.CODE_LITERAL, here, t.text),))
                return self._name(t, depth)
        env_name = self._env_name(toks)
        if env_name is not None:
            return self.env.read(env_name, None, here, text)
        return unknown("computed at run time", (step(How.UNKNOWN, here, text),))

    def _env_name(self, toks: list[Tok]) -> str | None:
        words = [t.text for t in _strip_ts(toks)]
        if len(words) == 5 and words[:4] == ["process", ".", "env", "."]:
            return words[4]
        if (
            len(words) == 7
            and words[:4] == ["import", ".", "meta", "."]
            and words[4:6] == ["env", "."]
        ):
            return words[6]
        if len(words) == 6 and words[:4] == ["process", ".", "env", "["] and toks[4].kind == "str":
            return toks[4].text
        return None

    def _join(
        self, pieces: list[tuple[str, object]], here: SourceSpan, text: str, depth: int
    ) -> Val:
        out: list[str] = []
        steps = [step(How.CODE_CONSTANT, here, text)]
        known, reason = True, ""
        for kind, piece in pieces:
            if kind == "text":
                out.append(str(piece))
                continue
            assert isinstance(piece, list)
            val = self.fold(piece, depth + 1)
            steps.extend(s for s in val.steps if s.how is not How.CODE_LITERAL)
            if val.known and isinstance(val.value, str | int | float):
                out.append(str(val.value))
            else:
                known, reason = False, reason or val.reason
                out.append(HOLE)
        joined = "".join(out)
        if known:
            if len(steps) == 1:
                steps = [step(How.CODE_LITERAL, here, text)]
            return Val(joined, tuple(steps))
        return Val(UNKNOWN, tuple(steps), reason or "part of the text is unknown", partial=joined)

    def _name(self, tok: Tok, depth: int) -> Val:
        here = self.span(tok)
        name = tok.text
        if name in self.imports:
            return unknown(
                f"{name} is imported from another module (only one file is folded)",
                (step(How.UNKNOWN, here, name),),
            )
        found = self.consts.get(name, [])
        if len(found) != 1 or not found[0][0]:
            if not found:
                reason = f"{name} is not declared in this file"
            elif any(not expr for expr, _ in found):
                reason = (
                    f"{name} is a parameter, destructured or changed in place: the caller decides"
                )
            else:
                reason = f"{name} is assigned {len(found)} times"
            return unknown(reason, (step(How.UNKNOWN, here, name),))
        if name in self._folding:
            return unknown(f"{name} refers to itself")
        expr, where = found[0]
        self._folding.add(name)
        try:
            val = self.fold(expr, depth + 1)
        finally:
            self._folding.discard(name)
        outer = step(How.CODE_CONSTANT, where, short(f"{name} = " + " ".join(t.text for t in expr)))
        inner = tuple(
            s
            for s in val.steps
            if not (s.how is How.CODE_LITERAL and s.span is not None and s.span.line == where.line)
        )
        if val.known and not inner:
            return Val(val.value, (outer,))
        return Val(val.value, (outer, *inner), val.reason, val.partial)

    # --- calls ----------------------------------------------------------------------------------

    def calls(self, wanted: Callable[[str], bool]) -> list[CallSite]:
        """Calls of wanted callees, and calls on the variables their results are assigned to."""
        toks = self.toks
        found: list[tuple[int, int, list[str], str, str | None]] = []
        targets: set[str] = set()
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            if t.kind != "id" or (i > 0 and toks[i - 1].text in (".", "?.")):
                i += 1
                continue
            chain = [t.text]
            j = i + 1
            while j + 1 < n and toks[j].text in (".", "?.") and toks[j + 1].kind == "id":
                chain.append(toks[j + 1].text)
                j += 2
            if j < n and toks[j].text == "<" and toks[j].kind == "punct":
                close = self._generic_end(j)
                if close is not None:
                    j = close + 1
            if j < n and toks[j].text == "(":
                callee = self.callee(chain)
                receiver = _norm(".".join(chain[:-1])) if len(chain) > 1 else None
                if callee and wanted(callee):
                    target = self._target(i - 1 if i > 0 and toks[i - 1].text == "new" else i)
                    if target is not None:
                        targets.add(target)
                    found.append((i, j, chain, callee, receiver))
                elif receiver is not None:
                    found.append((i, j, chain, "", receiver))
            i += 1
        sites: list[CallSite] = []
        for i, j, chain, callee, receiver in found:
            if not callee and not any(
                receiver == t or (receiver or "").startswith(t + ".") for t in targets
            ):
                continue
            sites.append(self._site(i, j, _close(toks, j), chain, callee, receiver))
        return sites

    def _generic_end(self, j: int) -> int | None:
        depth = 0
        for k in range(j, min(j + 40, len(self.toks))):
            text = self.toks[k].text
            if text == "<":
                depth += 1
            elif text == ">":
                depth -= 1
                if depth == 0:
                    return k if k + 1 < len(self.toks) and self.toks[k + 1].text == "(" else None
            elif text in (";", "{", "}", "="):
                return None
        return None

    def _site(
        self, i: int, j: int, end: int, chain: list[str], callee: str, receiver: str | None
    ) -> CallSite:
        toks = self.toks
        args: list[Val] = []
        kwargs: dict[str, Val] = {}
        for part in _split(toks[j + 1 : end]):
            if part[0].text == "{" and _close(part, 0) == len(part) - 1:
                self._object(part[1:-1], "", kwargs)
                continue
            args.append(self.fold(part))
            if receiver is not None and part[0].text == "new":
                # client.send(new ConverseCommand({ modelId })): the command's input is
                # what the client sends, so its keys count as the call's own
                opening = next((k for k, t in enumerate(part) if t.text == "("), None)
                if (
                    opening is not None
                    and opening + 1 < len(part)
                    and part[opening + 1].text == "{"
                    and _close(part, opening + 1) == len(part) - 2
                ):
                    self._object(part[opening + 2 : -2], "", kwargs)
        start = i - 1 if i > 0 and toks[i - 1].text == "new" else i
        target = self._target(start)
        text = short(
            " ".join(
                t.text if t.kind != "str" else repr(t.text)
                for t in toks[start : min(end + 1, start + 40)]
            )
        )
        return CallSite(callee, self.span(toks[i]), tuple(args), kwargs, target, receiver, text)

    def _object(self, toks: list[Tok], prefix: str, into: dict[str, Val]) -> None:
        for entry in _split(toks):
            if entry[0].text == "...":
                continue
            key_tok = entry[0]
            key = key_tok.text if key_tok.kind in ("id", "str", "num") else None
            if key is None:
                continue
            name = f"{prefix}.{key}" if prefix else key
            if len(entry) == 1 and key_tok.kind == "id":
                into[name] = self._name(key_tok, 0)
                continue
            if len(entry) > 2 and entry[1].text == ":":
                value = entry[2:]
                if value[0].text == "{" and _close(value, 0) == len(value) - 1:
                    self._object(value[1:-1], name, into)
                else:
                    into[name] = self.fold(value)

    def _target(self, start: int) -> str | None:
        toks = self.toks
        k = start - 1
        if k >= 0 and toks[k].text == "await":
            k -= 1
        if k < 1 or toks[k].text != "=":
            if k >= 1 and toks[k].text == ":" and toks[k - 1].kind == "id":
                return _norm(toks[k - 1].text)  # an object property: { client: new OpenAI() }
            return None
        parts = [toks[k - 1].text]
        m = k - 2
        while m >= 1 and toks[m].text == "." and toks[m - 1].kind == "id":
            parts.insert(0, toks[m - 1].text)
            m -= 2
        if toks[k - 1].kind != "id":
            return None
        return _norm(".".join(parts))


def _norm(name: str) -> str:
    return name[5:] if name.startswith("this.") else name


def _strip_ts(toks: list[Tok]) -> list[Tok]:
    """Drop a trailing TypeScript ``as T`` / ``satisfies T`` and non-null ``!``."""
    depth = 0
    for index, t in enumerate(toks):
        if t.kind == "punct" and t.text in "([{":
            depth += 1
        elif t.kind == "punct" and t.text in ")]}":
            depth -= 1
        elif depth == 0 and index > 0 and t.kind == "id" and t.text in ("as", "satisfies"):
            toks = toks[:index]
            break
    while toks and toks[-1].kind == "punct" and toks[-1].text == "!":
        toks = toks[:-1]
    return toks


def read_javascript(
    path: str, source: str, env: Environment, budget: int, wanted: Callable[[str], bool]
) -> FileFacts:
    """Call sites of one JavaScript/TypeScript file; trouble is a note, never an exception."""
    facts = FileFacts(path)
    try:
        toks = tokenize(source, budget)
    except TokenBudgetExceeded:
        facts.notes.append(f"{path}: more than {budget} tokens; the file was skipped")
        return facts
    except RecursionError:
        facts.notes.append(f"{path}: template literals nested too deeply; the file was skipped")
        return facts
    reader = _File(path, toks, env)
    reader.collect()
    try:
        facts.calls = reader.calls(wanted)
    except RecursionError:
        facts.notes.append(f"{path}: expressions nested too deeply to fold; the file was skipped")
    return facts
