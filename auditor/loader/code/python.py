"""Read a Python module through the standard ``ast`` (never executed) into call sites.

Names are resolved through the module's imports (``from openai import OpenAI as O``
-> ``openai.OpenAI``) and through variables assigned once from a resolved call
(``session = boto3.Session()`` makes ``session.client`` -> ``boto3.Session.client``).

Argument values are folded within the module: literals, names assigned
exactly once (anywhere in the module, and not also a function parameter),
f-strings and ``+`` with known parts, ``str`` methods that need no run-time
state (``endpoint.rstrip("/")``, ``.lower()``), ``os.environ.get("X", "d")`` /
``os.getenv`` / ``os.environ["X"]`` (a file of the tree that sets ``X`` wins over
the default, as at run time), ``os.getenv("X") or "d"``, and attributes of simple
settings classes (class attributes and pydantic ``BaseSettings`` field defaults,
also through an instance assigned once). Anything else stays unknown with the
reason; a region is never assumed.

A name imported from another module of the scanned tree (``from .settings import
REGION``, ``from app.settings import REGION``) is folded in that module when the
scan passes a ``lookup`` (see :func:`read_python`): the constant as that module
fixes it, with its steps in that file.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from auditor.loader.code.facts import CallSite, Environment, FileFacts, short
from auditor.loader.iac.hcl import HOLE, UNKNOWN, Val, step, unknown
from auditor.loader.iac.result import How, ResolutionStep
from auditor.model.common import SourceSpan

_ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
_SETTINGS_BASES = ("BaseSettings", "pydantic_settings.BaseSettings", "pydantic.BaseSettings")
_MAX_FOLD_DEPTH = 24
# ``str`` methods folded on a known text with literal arguments (none reads run-time state).
_STR_METHODS = frozenset(
    {"strip", "lstrip", "rstrip", "lower", "upper", "removeprefix", "removesuffix"}
)

# The value of ``name`` in the module ``module`` of the scanned tree (dotted, e.g.
# ``app.settings``), or None when that module is not in the tree or does not fix it.
ModuleLookup = Callable[[str, str], Val | None]


class NodeBudgetExceeded(Exception):
    """The module has more syntax nodes than the scan allows."""


@dataclass
class _Assign:
    value: ast.expr | None  # None: bound by a loop, unpacking or augmented assignment
    line: int
    column: int
    text: str


@dataclass
class _Class:
    name: str
    settings: bool
    attrs: dict[str, list[_Assign]] = field(default_factory=dict)


class _Module:
    def __init__(
        self,
        tree: ast.Module,
        path: str,
        source: str,
        env: Environment,
        module: str = "",
        lookup: ModuleLookup | None = None,
    ) -> None:
        # dotted name in the scanned tree (app.llm; app.__init__ for a package), for relative imports
        self.module = module
        self.lookup = lookup
        self.path = path
        self.source = source
        self.env = env
        self.imports: dict[str, str] = {}
        self.assigns: dict[str, list[_Assign]] = {}
        self.params: set[str] = set()
        self.classes: dict[str, _Class] = {}
        self.types: dict[str, str] = {}
        self.calls: list[ast.Call] = []
        self.targets: dict[int, str] = {}  # id(Call) -> the name its result is assigned to
        self._folding: set[str] = set()
        self._lines: list[str] | None = None
        self._scope: tuple[str, str] = ("", "")
        self.call_scope: dict[int, tuple[str, str]] = {}
        self.local_names: set[tuple[str, str]] = set()  # (name, function) bound in that function
        self.import_lines: dict[str, ast.ImportFrom] = {}

    def _absolute(self, module: str, level: int) -> str:
        """The dotted name ``from <level dots><module> import`` refers to, from this module."""
        if level == 0:
            return module
        package = self.module.split(".")[:-1] if self.module else []
        if level - 1 > len(package):
            return ""
        base = package[: len(package) - (level - 1)]
        return ".".join([*base, module] if module else base)

    # --- collection ---------------------------------------------------------------------------

    def _walk(self, tree: ast.Module, budget: int) -> Iterator[ast.AST]:
        """Every node (like ast.walk), recording the function and class each one is in."""
        stack: list[tuple[ast.AST, str, str]] = [(tree, "", "")]
        count = 0
        while stack:
            node, function, owner = stack.pop()
            count += 1
            if count > budget:
                raise NodeBudgetExceeded
            self._scope = (function, owner)
            yield node
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    name = getattr(child, "name", "lambda")
                    stack.append((child, f"{function}/{name}@{child.lineno}", owner))
                elif isinstance(child, ast.ClassDef):
                    stack.append((child, "", f"{owner}/{child.name}@{child.lineno}"))
                else:
                    stack.append((child, function, owner))

    def binding(self, name: str, function: str, owner: str) -> str:
        """Where the variable ``name`` (or ``self.x``) used in ``function`` is bound.

        ``self.x`` belongs to its class; a plain name to the function that assigns it,
        else to the module (closures over enclosing functions are not told apart).
        """
        root = name.split(".")[0]
        if root in ("self", "cls"):
            return f"class {owner}"
        if function and (root, function) in self.local_names:
            return f"function {function}"
        return "module"

    def collect(self, tree: ast.Module, budget: int) -> None:
        for node in self._walk(tree, budget):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        self.imports[head] = head
            elif isinstance(node, ast.ImportFrom) and (node.module or node.level):
                base = self._absolute(node.module or "", node.level)
                for alias in node.names:
                    if alias.name != "*" and base:
                        self.imports[alias.asname or alias.name] = f"{base}.{alias.name}"
                        self.import_lines[alias.asname or alias.name] = node
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    self._assign(target, node.value, node)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
                value = node.value
                if isinstance(node, ast.AugAssign):
                    self._assign(node.target, None, node)
                elif value is not None:
                    self._assign(node.target, value, node)
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                self._assign(node.target, None, node)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._assign(item.optional_vars, item.context_expr, node)
            elif isinstance(node, ast.arg):
                self.params.add(node.arg)
                self.local_names.add((node.arg, self._scope[0]))
            elif isinstance(node, ast.ClassDef):
                self._class(node)
            elif isinstance(node, ast.Call):
                self.calls.append(node)
                self.call_scope[id(node)] = self._scope
        for name, assigns in self.assigns.items():
            if len(assigns) == 1 and isinstance(assigns[0].value, ast.Call):
                qualified = self.qualname(assigns[0].value.func)
                if qualified is not None:
                    self.types[name] = qualified

    def _text(self, node: ast.AST) -> str:
        """The node's source text, shortened (ast.get_source_segment re-splits the file per call)."""
        line, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        col, end_col = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if line is None or end is None or col is None or end_col is None:
            return type(node).__name__
        if self._lines is None:
            self._lines = self.source.splitlines()
        lines = self._lines[line - 1 : min(end, line + 3)]
        if not lines:
            return type(node).__name__
        if len(lines) == 1 and end == line:
            return short(_cut(lines[0], col, end_col))
        text = "\n".join(lines)
        return short(_cut(text, col, None))

    def _assign(
        self,
        target: ast.expr,
        value: ast.expr | None,
        node: ast.stmt | ast.expr | ast.comprehension,
    ) -> None:
        if isinstance(target, ast.Tuple | ast.List | ast.Starred):
            elts = target.elts if not isinstance(target, ast.Starred) else [target.value]
            for elt in elts:
                self._assign(elt, None, node)
            return
        name = _dotted(target)
        if name is None:
            return
        if isinstance(target, ast.Name) and self._scope[0]:
            self.local_names.add((name, self._scope[0]))
        line = getattr(node, "lineno", getattr(target, "lineno", 1))
        column = getattr(node, "col_offset", 0) + 1
        self.assigns.setdefault(name, []).append(
            _Assign(value, line, column, self._text(node) if value is not None else "")
        )
        if value is not None and isinstance(value, ast.Call):
            self.targets[id(value)] = name
        if value is not None and isinstance(value, ast.Await) and isinstance(value.value, ast.Call):
            self.targets[id(value.value)] = name

    def _class(self, node: ast.ClassDef) -> None:
        bases = [_dotted(b) or "" for b in node.bases]
        settings = any(b.endswith(_SETTINGS_BASES) or b == "BaseSettings" for b in bases)
        cls = _Class(node.name, settings)
        for stmt in node.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        cls.attrs.setdefault(target.id, []).append(
                            _Assign(stmt.value, stmt.lineno, stmt.col_offset + 1, self._text(stmt))
                        )
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                # a field without a default keeps its place (dataclass positional order)
                cls.attrs.setdefault(stmt.target.id, []).append(
                    _Assign(stmt.value, stmt.lineno, stmt.col_offset + 1, self._text(stmt))
                )
        self.classes[node.name] = cls

    # --- names --------------------------------------------------------------------------------

    def qualname(self, expr: ast.expr) -> str | None:
        """The qualified name of a callee, through imports and once-assigned variables."""
        if isinstance(expr, ast.Name):
            if expr.id in self.imports:
                return self.imports[expr.id]
            if expr.id in self.types and expr.id not in self.params:
                return self.types[expr.id]
            return None
        if isinstance(expr, ast.Attribute):
            dotted = _dotted(expr)
            if dotted is not None and dotted in self.types:
                return self.types[dotted]
            base = self.qualname(expr.value)
            return f"{base}.{expr.attr}" if base is not None else None
        if isinstance(expr, ast.Call):
            return self.qualname(expr.func)
        return None

    def span(self, node: ast.AST) -> SourceSpan:
        return SourceSpan(self.path, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)

    # --- folding ------------------------------------------------------------------------------

    def fold(self, expr: ast.expr, depth: int = 0) -> Val:
        """The value of an expression as far as the module fixes it."""
        if depth > _MAX_FOLD_DEPTH:
            return unknown(
                "too many steps to follow", (step(How.UNKNOWN, self.span(expr), self._text(expr)),)
            )
        here = self.span(expr)
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, str | int | float | bool) or expr.value is None:
                return Val(expr.value, (step(How.CODE_LITERAL, here, self._text(expr)),))
            return unknown("not a plain value", (step(How.UNKNOWN, here, self._text(expr)),))
        if isinstance(expr, ast.JoinedStr):
            return self._join(expr.values, here, expr, depth)
        if isinstance(expr, ast.FormattedValue):
            if expr.format_spec is not None or expr.conversion not in (-1, 115):
                return unknown(
                    "formatted at run time", (step(How.UNKNOWN, here, self._text(expr)),)
                )
            return self.fold(expr.value, depth + 1)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self._join([expr.left, expr.right], here, expr, depth)
        if isinstance(expr, ast.Name | ast.Attribute):
            return self._name(expr, depth)
        if isinstance(expr, ast.Call):
            return self._call(expr, depth)
        if isinstance(expr, ast.Subscript):
            base = _dotted(expr.value)
            if base is not None and self._resolve_head(base) == "os.environ":
                key = self.fold(expr.slice, depth + 1)
                if key.known and isinstance(key.value, str):
                    return self.env.read(key.value, None, here, self._text(expr))
            resolved = self._resolve(expr, depth)
            if resolved is not None:
                return self._via(resolved, depth)
            return unknown(
                "an item looked up at run time", (step(How.UNKNOWN, here, self._text(expr)),)
            )
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            return self._or(expr, depth)
        if isinstance(expr, ast.Await):
            return self.fold(expr.value, depth + 1)
        return unknown("computed at run time", (step(How.UNKNOWN, here, self._text(expr)),))

    def _resolve_head(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        base = self.imports.get(head, head)
        return f"{base}.{rest}" if rest else base

    def _join(self, parts: list[ast.expr], here: SourceSpan, whole: ast.expr, depth: int) -> Val:
        texts: list[str] = []
        steps = [step(How.CODE_CONSTANT, here, self._text(whole))]
        known = True
        reason = ""
        for part in parts:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                texts.append(part.value)
                continue
            val = self.fold(part, depth + 1)
            steps.extend(s for s in val.steps if s.how is not How.CODE_LITERAL)
            if val.known and isinstance(val.value, str | int | float):
                texts.append(str(val.value))
            else:
                known = False
                reason = reason or val.reason
                texts.append(HOLE)
        text = "".join(texts)
        if known:
            if len(steps) == 1:
                steps = [step(How.CODE_LITERAL, here, self._text(whole))]
            return Val(text, tuple(steps))
        return Val(UNKNOWN, tuple(steps), reason or "part of the text is unknown", partial=text)

    def _or(self, expr: ast.BoolOp, depth: int) -> Val:
        first = expr.values[0]
        rest = expr.values[1:]
        fallback: ast.expr = rest[0] if len(rest) == 1 else ast.BoolOp(op=ast.Or(), values=rest)
        if len(rest) > 1:
            ast.copy_location(fallback, rest[0])
        env_name = self._env_call(first)
        if env_name is not None:
            return self.env.read(
                env_name, self.fold(fallback, depth + 1), self.span(expr), self._text(expr)
            )
        left = self.fold(first, depth + 1)
        if left.known:
            return left if left.value else self.fold(fallback, depth + 1)
        return unknown(
            "chosen at run time between several values",
            (step(How.UNKNOWN, self.span(expr), self._text(expr)),),
        )

    def _env_call(self, expr: ast.expr) -> str | None:
        """``X`` when the expression is os.getenv("X") / os.environ.get("X") without a default."""
        if isinstance(expr, ast.Call) and len(expr.args) == 1 and not expr.keywords:
            name = self.qualname(expr.func)
            if name in _ENV_GETTERS:
                key = self.fold(expr.args[0])
                if key.known and isinstance(key.value, str):
                    return key.value
        if isinstance(expr, ast.Subscript):
            base = _dotted(expr.value)
            if base is not None and self._resolve_head(base) == "os.environ":
                key = self.fold(expr.slice)
                if key.known and isinstance(key.value, str):
                    return key.value
        return None

    def _call(self, expr: ast.Call, depth: int) -> Val:
        here = self.span(expr)
        name = self.qualname(expr.func)
        if name in _ENV_GETTERS and expr.args:
            key = self.fold(expr.args[0], depth + 1)
            if key.known and isinstance(key.value, str):
                default_expr = expr.args[1] if len(expr.args) > 1 else _keyword(expr, "default")
                default = self.fold(default_expr, depth + 1) if default_expr is not None else None
                if default is not None and default.known and default.value is None:
                    default = None
                return self.env.read(key.value, default, here, self._text(expr))
        if isinstance(expr.func, ast.Name) and expr.func.id == "str" and len(expr.args) == 1:
            return self.fold(expr.args[0], depth + 1)
        if (
            isinstance(expr.func, ast.Attribute)
            and expr.func.attr in _STR_METHODS
            and not expr.keywords
            and len(expr.args) <= 1
        ):
            folded = self._str_method(expr, expr.func, depth)
            if folded is not None:
                return folded
        if name is not None and name.split(".")[-1] == "Field" and "pydantic" in name:
            default_expr = expr.args[0] if expr.args else _keyword(expr, "default")
            if default_expr is not None:
                return self.fold(default_expr, depth + 1)
        return unknown("returned by a call", (step(How.UNKNOWN, here, self._text(expr)),))

    def _str_method(self, expr: ast.Call, func: ast.Attribute, depth: int) -> Val | None:
        """``text.rstrip("/")`` and the like, when the text and the argument are known."""
        base = self.fold(func.value, depth + 1)
        arg = self.fold(expr.args[0], depth + 1) if expr.args else None
        if not (base.known and isinstance(base.value, str)):
            return None
        if arg is not None and not (arg.known and isinstance(arg.value, str)):
            return None
        method = getattr(base.value, func.attr)
        result = method(arg.value) if arg is not None else method()
        here = step(How.CODE_CONSTANT, self.span(expr), self._text(expr))
        return Val(result, (*(s for s in base.steps if s.how is not How.CODE_LITERAL), here))

    def _imported(self, dotted: str, depth: int) -> Val | None:
        """A name imported from another module of the scanned tree, folded there."""
        if self.lookup is None or dotted not in self.imports or depth > _MAX_FOLD_DEPTH:
            return None
        module, _, name = self.imports[dotted].rpartition(".")
        found = self.lookup(module, name) if module else None
        if found is None:
            return None
        node = self.import_lines[dotted]
        here = step(How.CODE_CONSTANT, self.span(node), self._text(node))
        return Val(found.value, (here, *found.steps), found.reason, found.partial)

    def _name(self, expr: ast.Name | ast.Attribute, depth: int) -> Val:
        here = self.span(expr)
        if isinstance(expr, ast.Attribute):
            found = self._class_attr(expr, depth)
            if found is None:
                found = self._field(expr, depth)
            if found is not None:
                return found
        dotted = _dotted(expr)
        if dotted is None:
            return unknown("computed at run time", (step(How.UNKNOWN, here, self._text(expr)),))
        head = dotted.split(".")[0]
        if dotted in self.import_lines:
            imported = self._imported(dotted, depth)
            if imported is not None:
                return imported
        if dotted in self.imports or (head in self.imports and dotted not in self.assigns):
            return unknown(
                f"{dotted} is defined in another module that the scan cannot fold (outside "
                "the scanned folder, not fixed there, or a package installed separately)",
                (step(How.UNKNOWN, here, dotted),),
            )
        if head in self.params and dotted == head:
            return unknown(f"{dotted} is a parameter", (step(How.UNKNOWN, here, dotted),))
        assigns = self.assigns.get(dotted, [])
        if len(assigns) != 1:
            reason = (
                f"{dotted} is not assigned in this module"
                if not assigns
                else f"{dotted} is assigned {len(assigns)} times"
            )
            return unknown(reason, (step(How.UNKNOWN, here, dotted),))
        return self._follow(dotted, assigns[0], depth)

    def _resolve(
        self, expr: ast.expr, depth: int
    ) -> tuple[ast.expr, tuple[ResolutionStep, ...]] | None:
        """The expression a name or a constant-key item of a dict literal stands for.

        ``MODELS["fast"]`` with ``MODELS = {"fast": ModelConfig(id="...")}`` assigned once
        is the ``ModelConfig(...)`` call; None when that is not fixed in the module.
        """
        if depth > _MAX_FOLD_DEPTH:
            return None
        if isinstance(expr, ast.Name):
            assigns = self.assigns.get(expr.id, [])
            if len(assigns) != 1 or assigns[0].value is None or expr.id in self.params:
                return None
            assign = assigns[0]
            value = assign.value
            assert value is not None
            here = step(
                How.CODE_CONSTANT, SourceSpan(self.path, assign.line, assign.column), assign.text
            )
            if isinstance(value, ast.Name | ast.Subscript):
                inner = self._resolve(value, depth + 1)
                return (inner[0], (here, *inner[1])) if inner is not None else None
            return value, (here,)
        if isinstance(expr, ast.Subscript):
            base = self._resolve(expr.value, depth + 1)
            if base is None or not isinstance(base[0], ast.Dict):
                return None
            key = self.fold(expr.slice, depth + 1)
            if not key.known:
                return None
            for k, v in zip(base[0].keys, base[0].values, strict=True):
                if isinstance(k, ast.Constant) and k.value == key.value:
                    return v, base[1]
        return None

    def _via(self, resolved: tuple[ast.expr, tuple[ResolutionStep, ...]], depth: int) -> Val:
        expr, steps = resolved
        val = self.fold(expr, depth + 1)
        return Val(val.value, (*steps, *val.steps), val.reason, val.partial)

    def _field(self, expr: ast.Attribute, depth: int) -> Val | None:
        """``cfg.id`` where ``cfg`` stands for ``LocalClass(id="...")`` (a config object)."""
        resolved = self._resolve(expr.value, depth)
        if resolved is None:
            return None
        call, steps = resolved
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            return None
        cls = self.classes.get(call.func.id)
        if cls is None:
            return None
        value = _keyword(call, expr.attr)
        if value is None:
            fields = list(cls.attrs)
            if expr.attr in fields and fields.index(expr.attr) < len(call.args):
                value = call.args[fields.index(expr.attr)]
        if value is None:
            defaults = cls.attrs.get(expr.attr, [])
            if len(defaults) == 1 and defaults[0].value is not None:
                value = defaults[0].value
        if value is None:
            return None
        return self._via((value, steps), depth)

    def _follow(self, key: str, assign: _Assign, depth: int, note: str = "") -> Val:
        if assign.value is None:
            return unknown(f"{key} is bound by a loop, unpacking or augmented assignment")
        if key in self._folding:
            return unknown(f"{key} refers to itself")
        self._folding.add(key)
        try:
            val = self.fold(assign.value, depth + 1)
        finally:
            self._folding.discard(key)
        where = SourceSpan(self.path, assign.line, assign.column)
        outer = step(How.CODE_CONSTANT, where, assign.text + note)
        inner = tuple(
            s
            for s in val.steps
            if not (s.how is How.CODE_LITERAL and s.span is not None and s.span.line == assign.line)
        )
        if val.known and not inner:
            return Val(val.value, (outer,))
        return Val(val.value, (outer, *inner), val.reason, val.partial)

    def _class_attr(self, expr: ast.Attribute, depth: int) -> Val | None:
        """``Settings.region`` or ``settings.region`` (settings = Settings() once)."""
        owner = _dotted(expr.value)
        if owner is None:
            return None
        cls = self.classes.get(owner)
        if cls is None:
            assigns = self.assigns.get(owner, [])
            if len(assigns) == 1 and isinstance(assigns[0].value, ast.Call):
                func = assigns[0].value.func
                if isinstance(func, ast.Name):
                    cls = self.classes.get(func.id)
        if cls is None:
            return None
        attrs = cls.attrs.get(expr.attr, [])
        if len(attrs) != 1 or attrs[0].value is None:
            return None
        if cls.settings:
            env_name = expr.attr.upper()
            here = self.span(expr)
            default = self._follow(f"{cls.name}.{expr.attr}", attrs[0], depth)
            return self.env.read(
                env_name,
                default,
                here,
                f"{cls.name}.{expr.attr} (a pydantic BaseSettings field; {env_name}, with any env_prefix, overrides it)",
            )
        return self._follow(f"{cls.name}.{expr.attr}", attrs[0], depth)

    # --- calls --------------------------------------------------------------------------------

    def call_sites(self, wanted: Callable[[str], bool]) -> list[CallSite]:
        """Calls of wanted callees, and calls on the variables their results are assigned to.

        Only those are folded: folding every call of a large module costs more than parsing it.
        """
        self.calls.sort(key=lambda c: (c.lineno, c.col_offset))
        chosen: set[int] = set()
        targets: set[str] = set()
        for node in self.calls:
            callee = self.qualname(node.func)
            if callee is not None and wanted(callee):
                chosen.add(id(node))
                target = self.targets.get(id(node))
                if target is not None:
                    targets.add(target)
        sites: list[CallSite] = []
        for node in self.calls:
            receiver = _dotted(node.func.value) if isinstance(node.func, ast.Attribute) else None
            on_target = receiver is not None and any(
                receiver == t or receiver.startswith(t + ".") for t in targets
            )
            if id(node) not in chosen and not on_target:
                continue
            function, owner = self.call_scope.get(id(node), ("", ""))
            target = self.targets.get(id(node))
            named = target if id(node) in chosen else receiver
            where = self.binding(named, function, owner) if named else None
            args = tuple(self.fold(a) for a in node.args if not isinstance(a, ast.Starred))
            kwargs: dict[str, Val] = {}
            for keyword in node.keywords:
                if keyword.arg is None:
                    continue
                if isinstance(keyword.value, ast.Dict):
                    self._flatten(keyword.arg, keyword.value, kwargs)
                kwargs[keyword.arg] = self.fold(keyword.value)
            sites.append(
                CallSite(
                    callee=(self.qualname(node.func) or "") if id(node) in chosen else "",
                    span=self.span(node),
                    args=args,
                    kwargs=kwargs,
                    target=target,
                    receiver=receiver,
                    text=self._text(node),
                    binding=where,
                )
            )
        return sites

    def _flatten(self, prefix: str, node: ast.Dict, into: dict[str, Val]) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                if isinstance(value, ast.Dict):
                    self._flatten(f"{prefix}.{key.value}", value, into)
                else:
                    into[f"{prefix}.{key.value}"] = self.fold(value)


def _cut(text: str, start: int, end: int | None) -> str:
    """Slice by UTF-8 byte offsets, as ast reports columns."""
    data = text.encode("utf-8")
    return data[start:end].decode("utf-8", errors="replace")


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _dotted(expr: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    return None


def module_constants(
    path: str,
    source: str,
    env: Environment,
    node_budget: int,
    module: str,
    lookup: ModuleLookup | None,
) -> Callable[[str], Val | None] | None:
    """A function folding a module-level name of this module (for another module that
    imports it), or None when the file does not parse or exceeds the node budget."""
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    parsed = _Module(tree, path, source, env, module, lookup)
    try:
        parsed.collect(tree, node_budget)
    except NodeBudgetExceeded:
        return None

    def fold(name: str) -> Val | None:
        if name not in parsed.assigns and name not in parsed.import_lines:
            return None
        try:
            return parsed.fold(ast.Name(id=name, lineno=1, col_offset=0))
        except RecursionError:
            return None

    return fold


def read_python(
    path: str,
    source: str,
    env: Environment,
    node_budget: int,
    wanted: Callable[[str], bool],
    module: str = "",
    lookup: ModuleLookup | None = None,
) -> FileFacts:
    """Call sites of one module; a syntax error or an exceeded budget is a note, never an exception.

    ``module`` is the file's dotted name in the scanned tree (``app.llm``) and ``lookup``
    folds names imported from other modules of the tree; without them only this module
    is folded.
    """
    facts = FileFacts(path)
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        facts.notes.append(
            f"{path}:{exc.lineno or 1}: not valid Python ({exc.msg}); the file was skipped"
        )
        return facts
    except (ValueError, RecursionError, MemoryError) as exc:
        facts.notes.append(f"{path}: cannot be parsed as Python ({type(exc).__name__}); skipped")
        return facts
    module_ = _Module(tree, path, source, env, module, lookup)
    try:
        module_.collect(tree, node_budget)
    except NodeBudgetExceeded:
        facts.notes.append(f"{path}: more than {node_budget} syntax nodes; the file was skipped")
        return facts
    try:
        facts.calls = module_.call_sites(wanted)
    except RecursionError:
        facts.notes.append(f"{path}: expressions nested too deeply to fold; the file was skipped")
        facts.calls = []
    return facts
