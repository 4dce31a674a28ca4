"""Terraform configurations: root modules, local modules, variables, locals and providers.

A :class:`ModuleInstance` is one module in the call tree (the root module, or a
local module called from it with its inputs). It answers references the way
Terraform would, as far as the code fixes them: ``var.x`` from ``--var-file``,
``*.auto.tfvars``, ``terraform.tfvars``, the module block or the default;
``local.x``; ``module.m.out``; ``type.name.attr`` of a resource written in the
same module. Registry and remote modules are never fetched: a note says so.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Token, Tree

from auditor.errors import Diagnostic
from auditor.loader.iac.catalogue import Catalogue
from auditor.loader.iac.hcl import (
    UNKNOWN,
    Attr,
    Block,
    Body,
    BoundScope,
    Budget,
    Evaluator,
    HclProblem,
    LimitExceeded,
    Node,
    NoFiles,
    PartialText,
    Scope,
    Traversal,
    Val,
    missing,
    parse_hcl,
    render,
    step,
    traversal,
    unknown,
    unwrap,
)
from auditor.loader.iac.init_cache import MODULES_JSON, InitCache, read_init_cache
from auditor.loader.iac.kubectl import DOCUMENT_SOURCES
from auditor.loader.iac.kubectl import documents as kubectl_documents
from auditor.loader.iac.origins import TextOrigins
from auditor.loader.iac.result import How, ResolutionStep
from auditor.loader.iac.typedefaults import TypeDefaults, type_defaults
from auditor.loader.yamlsrc import Limits
from auditor.model.common import SourceSpan

_META_ARGS = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle"})
_LOCAL_SOURCE = re.compile(r"^\.\.?(/|\\|$)")
# Labels may be written without quotes (resource aws_instance web {...} is valid HCL).
_HEADER = re.compile(
    r'^[ \t]*(resource|data)[ \t]+"?([A-Za-z0-9_-]+)"?[ \t]+(?:"([^"]+)"|([A-Za-z0-9_-]+))',
    re.MULTILINE,
)
_OTHER_BLOCKS = re.compile(
    r'^[ \t]*(variable|locals|provider|module|output)\b[ \t]*["{]', re.MULTILINE
)


# Data sources that render a compute instance's boot script (read by auditor/loader/iac/vm.py).
SCRIPT_DATA_SOURCES = frozenset({"template_file", "cloudinit_config", "template_cloudinit_config"})

MAX_RESOURCE_INSTANCES = 1_000  # more instances of one resource stay one unexpanded component


def _key_text(key: str | int) -> str:
    """An instance key as Terraform writes it in an address: ``0`` or ``"gpt-4o"``."""
    return str(key) if isinstance(key, int) else json.dumps(key)


@dataclass(frozen=True)
class Instances:
    """What ``count``/``for_each`` makes of one resource block.

    ``keys`` lists each instance key with its ``each``/``count`` binding; it is empty
    for a resource without either (one plain instance) or with zero instances, and
    ``None`` when the collection is not known from the code (``reason`` says why).
    """

    keys: list[tuple[str | int, dict[str, Val]]] | None
    meta: str | None  # "count", "for_each" or None
    reason: str
    span: SourceSpan | None

    @property
    def none(self) -> bool:
        """``count = 0`` or an empty ``for_each``: Terraform creates nothing."""
        return self.meta is not None and self.keys == []


def _read_capped(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, checked again on the open handle (a file
    swapped for a pipe after the first check is refused without blocking)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        return handle.read(limit)


def read_text(path: Path, display: str, limits: Limits) -> str:
    """A source file as text; raises HclProblem (with a diagnostic) when it cannot be read."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise HclProblem(
                Diagnostic(display, None, None, "not a regular file (a pipe, socket or device)")
            )
        size = info.st_size
        if size > limits.max_file_bytes:
            raise HclProblem(
                Diagnostic(
                    display,
                    None,
                    None,
                    f"the file is {size:,} bytes, over the limit of {limits.max_file_bytes:,}",
                    "raise the limit or split the file",
                )
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise HclProblem(
            Diagnostic(display, None, None, f"cannot read the file: {exc.strerror or exc}")
        ) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise HclProblem(
            Diagnostic(display, line, None, "the file is not UTF-8", "save it as UTF-8")
        ) from None


@dataclass
class ModuleFiles:
    """The parsed ``.tf`` files of one directory."""

    directory: Path
    rel: str  # relative to the scan root, posix, "." for the root itself
    files: list[str] = field(default_factory=list)
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attr] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    providers: list[Block] = field(default_factory=list)
    resources: dict[tuple[str, str, str], Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    skipped: set[tuple[str, str, str]] = field(default_factory=set)  # declared in unparsed files
    # variable name -> what its type's optional() attributes fill in (parsed once per scan)
    _type_defaults: dict[str, TypeDefaults | None] = field(default_factory=dict)

    def type_defaults(self, name: str, type_attr: Attr, budget: Budget) -> TypeDefaults | None:
        """What variable ``name``'s type constraint fills in (parsed on first use)."""
        if name not in self._type_defaults:
            evaluator = Evaluator(_LiteralScope(), 0, budget)
            self._type_defaults[name] = type_defaults(
                type_attr.expr, lambda node: evaluator.eval(node, type_attr.span)
            )
        return self._type_defaults[name]

    def add(self, body: Body) -> None:
        """Collect the top-level blocks of one file."""
        for block in body.blocks:
            labels = block.labels
            if block.type == "resource" and len(labels) >= 2:
                self.resources.setdefault(("managed", labels[0], labels[1]), block)
            elif block.type == "data" and len(labels) >= 2:
                self.resources.setdefault(("data", labels[0], labels[1]), block)
            elif block.type == "variable" and labels:
                self.variables.setdefault(labels[0], block)
            elif block.type == "locals":
                for name, attr in block.body.attrs.items():
                    self.locals.setdefault(name, attr)
            elif block.type == "output" and labels:
                self.outputs.setdefault(labels[0], block)
            elif block.type == "provider" and labels:
                self.providers.append(block)
            elif block.type == "module" and labels:
                self.modules.setdefault(labels[0], block)


class Workspace:
    """Shared state of one scan of Terraform code: parsed directories, diagnostics, notes."""

    def __init__(
        self,
        root: Path,
        catalogue: Catalogue,
        limits: Limits,
        extra_types: frozenset[str] = frozenset(),
    ) -> None:
        self.root = root
        self.root_resolved = root.resolve()
        self.catalogue = catalogue
        self.limits = limits
        self.budget = Budget(limits)  # shared by every module instance of the scan
        self.diagnostics: list[Diagnostic] = []
        self.notes: list[str] = []
        self.files_read: list[str] = []
        self.files_skipped = 0
        # Files file()/templatefile() read: (text,) or why not (read once per scan).
        self.texts: dict[Path, tuple[str] | str] = {}
        # Texts file()/templatefile() made from files of the tree: which file an applied
        # Kubernetes object comes from (issue 19: one object, one component).
        self.origins = TextOrigins()
        self._parsed: dict[Path, ModuleFiles] = {}
        self._init_caches: dict[Path, InitCache] = {}
        self.relevant = frozenset(
            {rtype for _, rtype in catalogue.rules_by_type}
            | {ds.type for cat in catalogue.providers.values() for ds in cat.region_data_sources}
            | ({"helm_release"} if catalogue.kubernetes.charts else set())
            | extra_types  # read by other scanners (Kubernetes resources, clusters)
            | SCRIPT_DATA_SOURCES
        )

    def _relative(self, path: Path) -> Path | None:
        normal = Path(os.path.normpath(path))
        root = Path(os.path.normpath(self.root))
        if not normal.is_absolute() and not root.is_absolute() and str(root) == ".":
            return normal if not normal.parts or normal.parts[0] != ".." else None
        try:
            return normal.relative_to(root)
        except ValueError:
            try:
                return path.resolve().relative_to(self.root_resolved)
            except ValueError:
                return None

    def display(self, path: Path) -> str:
        """How a file is shown in spans and diagnostics (under the root as given)."""
        rel = self._relative(path)
        if rel is None:
            return str(path)
        return str(self.root / rel) if rel.parts else str(self.root)

    def rel(self, directory: Path) -> str:
        """A directory relative to the scan root (posix), "." for the root."""
        rel = self._relative(directory)
        if rel is None:
            return directory.as_posix()
        return rel.as_posix() if rel.parts else "."

    def init_cache(self, root_module: Path) -> InitCache:
        """What ``terraform init`` installed for the root module in ``root_module`` (read once)."""
        key = root_module.resolve()
        cache = self._init_caches.get(key)
        if cache is None:
            path = root_module / MODULES_JSON
            shown = self.display(path)
            if path.is_symlink() and not path.resolve().is_relative_to(self.root_resolved):
                self.notes.append(f"{shown}: a symbolic link out of the scanned folder; not read")
                cache = InitCache(None, shown, {})
            else:
                cache = read_init_cache(root_module, shown, self.limits, self.diagnostics)
            self._init_caches[key] = cache
        return cache

    def module_files(self, directory: Path, tf_files: Sequence[Path] | None = None) -> ModuleFiles:
        """Parse every ``.tf`` file of a directory once (diagnostics collected, never raised)."""
        key = directory.resolve()
        cached = self._parsed.get(key)
        if cached is not None:
            return cached
        files = (
            sorted(tf_files)
            if tf_files is not None
            else sorted(p for p in directory.iterdir() if p.suffix == ".tf" and p.is_file())
        )
        module = ModuleFiles(directory, self.rel(directory))
        for path in files:
            display = self.display(path)
            try:
                text = read_text(path, display, self.limits)
                headers = [
                    (
                        "data" if m.group(1) == "data" else "managed",
                        m.group(2),
                        m.group(3) or m.group(4),
                    )
                    for m in _HEADER.finditer(text)
                ]
                if not _OTHER_BLOCKS.search(text) and not any(
                    rtype in self.relevant for _, rtype, _ in headers
                ):
                    # Only resources the catalogue ignores: nothing here can be detected or
                    # decide a location, so the file is not parsed (the costly step).
                    module.skipped.update(headers)
                    self.files_read.append(display)
                    self.files_skipped += 1
                    continue
                body = parse_hcl(text, display)
            except HclProblem as exc:
                self.diagnostics.append(exc.diagnostic)
                continue
            module.files.append(display)
            self.files_read.append(display)
            module.add(body)
        self._parsed[key] = module
        return module


@dataclass
class ProviderConfig:
    """A provider configuration visible in a module (declared there or passed down)."""

    name: str
    alias: str | None
    block: Block
    module: ModuleInstance  # where the block is written (its attributes are evaluated there)

    @property
    def key(self) -> str:
        """``aws`` or ``aws.eu``."""
        return f"{self.name}.{self.alias}" if self.alias else self.name


def _traversal_of(node: Node) -> Traversal | None:
    return traversal(node)


def _provider_map(node: Node) -> list[tuple[str, str]]:
    """``providers = { aws = aws.eu, "google.x" = google }`` as (child key, parent key) pairs."""
    pairs: list[tuple[str, str]] = []
    inner = unwrap(node)
    if not (isinstance(inner, Tree) and inner.data == "object"):
        return pairs
    for elem in inner.children:
        if not (isinstance(elem, Tree) and elem.data == "object_elem"):
            continue
        parts = [c for c in elem.children if isinstance(c, Tree)]
        if len(parts) < 2:
            continue
        key_node, value_node = parts[0], parts[-1]
        key_inner = [c for c in key_node.children if isinstance(c, Tree)]
        key_path = _traversal_of(key_inner[0]) if key_inner else None
        if key_path is None and key_inner:
            key_text = _plain_string(key_inner[0])
            if key_text:
                key_path = []
                key_path.extend(key_text.split("."))
        value_path = _traversal_of(value_node)
        if key_path and value_path:
            pairs.append((render(key_path), render(value_path)))
    return pairs


def _plain_string(node: Node) -> str | None:
    node = unwrap(node)
    if isinstance(node, Tree) and node.data == "string":
        text = ""
        for part in node.children:
            if isinstance(part, Tree) and part.data == "string_part":
                token = part.children[0] if part.children else None
                if not isinstance(token, Token):
                    return None
                text += str(token)
        return text
    return None


class ModuleInstance:
    """One module in the call tree, answering references like Terraform would."""

    def __init__(
        self,
        workspace: Workspace,
        files: ModuleFiles,
        *,
        parent: ModuleInstance | None = None,
        call_name: str | None = None,
        call: Block | None = None,
        root_values: dict[str, Val] | None = None,
        depth: int = 0,
        key: str | int | None = None,
        bound: Mapping[str, Val] | None = None,
    ) -> None:
        self.ws = workspace
        self.files = files
        self.parent = parent
        self.call_name = call_name
        self.call = call
        self.root_values = root_values or {}
        self.depth = depth
        self.key = key  # the instance key when the module block has count/for_each
        self.bound = bound  # each/count of that instance, for the module block's arguments
        index = f"[{_key_text(key)}]" if key is not None else ""
        self.prefix: str = (
            f"{parent.prefix}module.{call_name}{index}." if parent is not None and call_name else ""
        )
        self._vars: dict[str, Val] = {}
        self._locals: dict[str, Val] = {}
        self._busy: set[str] = set()
        self._children: dict[str, list[ModuleInstance]] = {}
        # registry or remote modules called here (not followed): name, call block, source
        self.remote_calls: list[tuple[str, Block, str]] = []
        self.providers = self._providers()

    # --- providers ------------------------------------------------------------------------------

    def _providers(self) -> dict[str, ProviderConfig]:
        configs: dict[str, ProviderConfig] = {}
        if self.parent is not None and self.call is not None:
            mapping = self.call.body.attrs.get("providers")
            if mapping is not None:
                for child_key, parent_key in _provider_map(mapping.expr):
                    config = self.parent.providers.get(parent_key)
                    if config is not None:
                        configs[child_key] = config
            else:
                configs = {k: c for k, c in self.parent.providers.items() if "." not in k}
        for block in self.files.providers:
            alias_attr = block.body.attrs.get("alias")
            alias = None
            if alias_attr is not None:
                val = Evaluator(self, self.depth, self.ws.budget).eval(
                    alias_attr.expr, alias_attr.span
                )
                alias = str(val.value) if val.known else alias_attr.text.strip('"')
            config = ProviderConfig(block.labels[0], alias, block, self)
            configs[config.key] = config
        return configs

    def provider_of(self, block: Block) -> tuple[str, ProviderConfig | None, Attr | None]:
        """The provider configuration a resource uses (its ``provider`` argument or the default)."""
        attr = block.body.attrs.get("provider")
        if attr is not None:
            path = traversal(attr.expr)
            key = render(path) if path else attr.text.strip('"')
        else:
            key = block.labels[0].split("_", 1)[0] if block.labels else ""
        return key, self.providers.get(key), attr

    def provider_passed(
        self, call: Block, name: str
    ) -> tuple[str, ProviderConfig | None, Attr | None]:
        """The configuration a module call passes for provider ``name``: the one its
        ``providers`` map names, or without a map this module's default one of that name."""
        mapping = call.body.attrs.get("providers")
        if mapping is None:
            return name, self.providers.get(name), None
        passed = dict(_provider_map(mapping.expr)).get(name)
        if passed is None:
            return name, None, mapping
        return passed, self.providers.get(passed), mapping

    # --- values ---------------------------------------------------------------------------------

    def evaluate(self, attr: Attr, bound: Mapping[str, Val] | None = None) -> Val:
        """Value of an attribute written in this module (``bound``: ``each``/``count`` of an
        instance)."""
        scope: Scope = BoundScope(self, bound) if bound else self
        return Evaluator(scope, self.depth, self.ws.budget).eval(attr.expr, attr.span)

    def instances(self, block: Block) -> Instances:
        """The instances ``count`` or ``for_each`` makes of a resource, as Terraform would.

        ``count = 0`` and an empty ``for_each`` make none; a collection the code does
        not fix makes ``Instances(None, ...)``: nothing is invented.
        """
        attrs = block.body.attrs
        if "count" in attrs:
            attr = attrs["count"]
            val = self.evaluate(attr)
            number = val.value
            if isinstance(number, float) and number.is_integer():
                number = int(number)
            if not val.known or isinstance(number, bool) or not isinstance(number, int):
                reason = val.reason if not val.known else f"count is not a number: {number!r}"
                return Instances(None, "count", reason or "count is unknown", attr.span)
            if number < 0:
                return Instances(None, "count", f"count is negative: {number}", attr.span)
            if number > MAX_RESOURCE_INSTANCES:
                return Instances(
                    None, "count", f"count {number:,} is over {MAX_RESOURCE_INSTANCES:,}", attr.span
                )
            keys: list[tuple[str | int, dict[str, Val]]] = [
                (i, {"count": Val({"index": i}, val.steps)}) for i in range(number)
            ]
            return Instances(keys, "count", "", attr.span)
        if "for_each" in attrs:
            attr = attrs["for_each"]
            val = self.evaluate(attr)
            value = val.value
            pairs: list[tuple[str, Any]]
            if isinstance(value, dict):
                pairs = sorted(value.items())
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                pairs = [(v, v) for v in sorted(set(value))]
            else:
                reason = (
                    val.reason or "for_each is unknown"
                    if value is UNKNOWN or isinstance(value, PartialText)
                    else "for_each is not a map or a set of strings"
                    if isinstance(value, list | str | int | float | bool | None)
                    else "for_each is unknown"
                )
                return Instances(None, "for_each", reason, attr.span)
            if len(pairs) > MAX_RESOURCE_INSTANCES:
                return Instances(
                    None,
                    "for_each",
                    f"for_each has {len(pairs):,} items, over {MAX_RESOURCE_INSTANCES:,}",
                    attr.span,
                )
            keys = [
                (key, {"each": Val({"key": key, "value": item}, val.steps)}) for key, item in pairs
            ]
            return Instances(keys, "for_each", "", attr.span)
        return Instances([], None, "", None)

    def would_be(self, block: Block) -> list[dict[str, Val]]:
        """For a resource with no instance (``count = 0``, an empty ``for_each``): the
        ``each``/``count`` bindings of the instances the other branch of a switch in its
        ``count``/``for_each`` (``var.on ? X : {}``, or a ``for`` whose ``if`` names none of
        its loop variables: ``{for k, v in X : k => v if var.on}``) would make. Only used to
        learn which files of the tree the resource would apply, never to create anything
        (issue 19)."""
        attrs = block.body.attrs
        meta = "count" if "count" in attrs else "for_each" if "for_each" in attrs else None
        if meta is None:
            return []
        attr = attrs[meta]
        if not isinstance(attr.expr, Tree):
            return []
        evaluator = Evaluator(self, self.depth, self.ws.budget)
        for node in attr.expr.iter_subtrees():
            if node.data == "conditional":
                parts = [c for c in node.children if isinstance(c, Tree)]
                values = [
                    evaluator.eval(branch, attr.span).value
                    for branch in [c for c in parts if c.data != "new_line_or_comment"][1:]
                ]
            else:  # a 'for' whose 'if' is a switch: {for k, v in docs : k => v if var.on}
                switched = evaluator.unfiltered(node, attr.span)
                values = [] if switched is None else [switched.value]
            for value in values:
                if meta == "count":
                    if isinstance(value, float) and value.is_integer():
                        value = int(value)
                    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                        count = min(value, MAX_RESOURCE_INSTANCES)
                        return [{"count": Val({"index": i})} for i in range(count)]
                elif isinstance(value, dict) and value:
                    items = sorted(value.items())[:MAX_RESOURCE_INSTANCES]
                    return [{"each": Val({"key": k, "value": v})} for k, v in items]
                elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                    names = sorted(set(value))[:MAX_RESOURCE_INSTANCES]
                    return [{"each": Val({"key": v, "value": v})} for v in names]
        return []

    def binding(self, block: Block, key: str | int) -> dict[str, Val] | None:
        """``each``/``count`` of the instance ``key`` of a resource (None if it is not known)."""
        made = self.instances(block)
        if made.keys is None:
            return None
        for known, bound in made.keys:
            if known == key:
                return bound
        return None

    def variable(self, name: str) -> Val:
        """``var.name`` in this module."""
        if name in self._vars:
            return self._vars[name]
        key = f"var.{name}"
        if key in self._busy:
            return unknown(f"var.{name} refers to itself")
        self._busy.add(key)
        try:
            val = self._variable(name)
        finally:
            self._busy.discard(key)
        self._vars[name] = val
        return val

    def _variable(self, name: str) -> Val:
        decl = self.files.variables.get(name)
        if decl is None:
            return unknown(f"variable {name!r} is not declared in {self.files.rel}")
        if self.parent is not None and self.call is not None:
            given = self.call.body.attrs.get(name)
            if given is not None:
                val = self._typed(name, decl, self.parent.evaluate(given, self.bound))
                return val.with_step(
                    step(
                        How.MODULE_INPUT,
                        given.span,
                        f'module "{self.call_name}": {name} = {given.text}',
                    )
                )
        elif name in self.root_values:
            return self._typed(name, decl, self.root_values[name])
        default = decl.body.attrs.get("default")
        if default is not None:
            return self._typed(name, decl, self.evaluate(default)).with_step(
                step(
                    How.VARIABLE_DEFAULT,
                    default.span,
                    f'variable "{name}" default = {default.text}',
                )
            )
        return unknown(
            f'variable "{name}" has no default, no tfvars value and no --var-file value',
            (step(How.UNKNOWN, decl.span, f'variable "{name}" (no value in the code)'),),
        )

    def _typed(self, name: str, decl: Block, val: Val) -> Val:
        """``val`` as the variable holds it: its type's ``optional()`` attributes filled in
        (Terraform >= 1.3; see :mod:`auditor.loader.iac.typedefaults`)."""
        type_attr = decl.body.attrs.get("type")
        if type_attr is None or "optional(" not in type_attr.text:
            return val  # nothing to fill in: no cost for the common case
        defaults = self.files.type_defaults(name, type_attr, self.ws.budget)
        if defaults is None or not isinstance(val.value, dict | list):
            return val  # a null or unknown value is never filled in
        filled: list[str] = []
        value = defaults.apply(val.value, filled)
        self.ws.budget.handed_over(value, type_attr.span)
        if not filled:
            return Val(value, val.steps, val.reason, val.partial)
        shown = ", ".join(f"{name}{path}" for path in filled[:5])
        more = f" and {len(filled) - 5} more" if len(filled) > 5 else ""
        return Val(value, val.steps, val.reason, val.partial).with_step(
            step(
                How.VARIABLE_DEFAULT,
                type_attr.span,
                f'variable "{name}" type: optional() default for {shown}{more}',
            )
        )

    def local(self, name: str) -> Val:
        """``local.name``."""
        if name in self._locals:
            return self._locals[name]
        attr = self.files.locals.get(name)
        if attr is None:
            return unknown(f"local.{name} is not defined in {self.files.rel}")
        key = f"local.{name}"
        if key in self._busy:
            return unknown(f"local.{name} refers to itself")
        self._busy.add(key)
        try:
            val = self.evaluate(attr).with_step(
                step(How.LOCAL, attr.span, f"local.{name} = {attr.text}")
            )
        finally:
            self._busy.discard(key)
        self._locals[name] = val
        return val

    def children(self, name: str) -> list[ModuleInstance]:
        """The instances of the local module called ``name`` here (empty if not followed or
        ``count = 0``); built once."""
        if name in self._children:
            return self._children[name]
        self._children[name] = []  # guards against cycles while it is being built
        call = self.files.modules.get(name)
        result = self._instantiate(name, call) if call is not None else []
        self._children[name] = result
        return result

    def child(self, name: str, key: str | int | None = None) -> ModuleInstance | None:
        """One instance of the module called ``name`` (by key, or the only one)."""
        found = self.children(name)
        if key is not None:
            return next((c for c in found if c.key == key), None)
        return found[0] if len(found) == 1 else None

    def _instantiate(self, name: str, call: Block) -> list[ModuleInstance]:
        where = f"{call.span.path}:{call.span.line}"
        address = f"{self.prefix}module.{name}"
        made = self.instances(call)
        if made.none:
            return []  # count = 0 or an empty for_each: Terraform creates nothing here
        source_attr = call.body.attrs.get("source")
        source = self.evaluate(source_attr) if source_attr is not None else None
        if source is None or not source.known or not isinstance(source.value, str):
            self.ws.notes.append(
                f"{address} ({where}): the module source is not a literal; not followed"
            )
            return []
        text = source.value
        target: Path | None = None
        if not _LOCAL_SOURCE.match(text):
            target = self._installed(name, text, address, where)
        if target is None and not _LOCAL_SOURCE.match(text):
            self.remote_calls.append((name, call, text))
            read = bool(self.ws.catalogue.rules_for("module", module_type(text)))
            self.ws.notes.append(
                f"{address} ({where}): module source {text!r} is a registry or remote module; "
                + (
                    "not followed: its arguments are read as rules/iac/ describes the module, "
                    "the resources inside are not in the scan"
                    if read
                    else "not followed, so the resources it creates are not in the scan"
                )
            )
            return []
        if target is None:
            target = Path(os.path.normpath(self.files.directory / text))
        resolved = target.resolve()
        if not resolved.is_relative_to(self.ws.root_resolved):
            self.ws.notes.append(
                f"{address} ({where}): module source {text!r} lies outside the scanned folder; "
                "not followed"
            )
            return []
        if not target.is_dir() or not any(p.suffix == ".tf" for p in target.iterdir()):
            self.ws.notes.append(
                f"{address} ({where}): module source {text!r} has no .tf files; not followed"
            )
            return []
        ancestors: list[ModuleInstance] = []
        node: ModuleInstance | None = self
        while node is not None:
            ancestors.append(node)
            node = node.parent
        if any(a.files.directory.resolve() == resolved for a in ancestors):
            self.ws.notes.append(f"{address} ({where}): module calls itself; not followed")
            return []
        if self.depth + 1 > self.ws.limits.max_depth:
            self.ws.notes.append(f"{address} ({where}): modules nested too deeply; not followed")
            return []
        files = self.ws.module_files(target)
        if made.keys is None:
            self.ws.notes.append(
                f"{address} ({where}): {made.meta} of the module is not known from the code "
                f"({made.reason}); its resources are reported once for all instances"
            )
        keys: list[tuple[str | int | None, dict[str, Val] | None]] = (
            [(None, None)] if not made.keys else [(k, b) for k, b in made.keys]
        )
        built = []
        for key, bound in keys:
            self.ws.budget.module(call.span)
            built.append(
                ModuleInstance(
                    self.ws,
                    files,
                    parent=self,
                    call_name=name,
                    call=call,
                    depth=self.depth + 1,
                    key=key,
                    bound=bound,
                )
            )
        return built

    def _call_key(self, name: str) -> str:
        """The call's key in modules.json: call names from the root, joined by dots."""
        names = [name]
        node: ModuleInstance | None = self
        while node is not None and node.call_name is not None:
            names.append(node.call_name)
            node = node.parent
        return ".".join(reversed(names))

    def _installed(self, name: str, source: str, address: str, where: str) -> Path | None:
        """The folder ``terraform init`` put a registry or remote module in (with a notice),
        or None when the root module has no record of it."""
        cache = self.ws.init_cache(self._root().files.directory)
        record = cache.get(self._call_key(name))
        if record is None:
            return None
        if module_type(record.source) != module_type(source):
            self.ws.notes.append(
                f"{address} ({where}): {cache.shown} records source {record.source!r} for this "
                f"call, not {source!r} (the code changed since terraform init); not followed"
            )
            return None
        folder = record.directory
        if not folder.resolve().is_relative_to(self.ws.root_resolved):
            self.ws.notes.append(
                f"{address} ({where}): {cache.shown} records {folder.as_posix()} for this call, "
                "which lies outside the scanned folder; not followed"
            )
            return None
        if not folder.is_dir() or not any(p.suffix == ".tf" for p in folder.iterdir()):
            self.ws.notes.append(
                f"{address} ({where}): {cache.shown} records {self.ws.rel(folder)} for this "
                "call, which holds no .tf files (run terraform init again); not followed"
            )
            return None
        version = f" version {record.version}" if record.version else ""
        self.ws.notes.append(
            f"{address} ({where}): module source {source!r} read from the terraform init cache "
            f"({self.ws.rel(record.directory)},{version or ' no version recorded'}, as "
            f"{cache.shown} records it); run terraform init again if the code asks for another "
            "version"
        )
        return record.directory

    def output(self, module: str, name: str, key: str | int | None = None) -> Val:
        """``module.<module>.<name>`` (``module.<module>[key].<name>``)."""
        child = self.child(module, key)
        if child is None:
            return unknown(f"module.{module} is not followed (see notes)")
        block = child.files.outputs.get(name)
        if block is None or "value" not in block.body.attrs:
            return unknown(f"module.{module} has no output {name!r}")
        attr = block.body.attrs["value"]
        return child.evaluate(attr).with_step(
            step(How.MODULE_OUTPUT, attr.span, f'output "{name}" of module.{module} = {attr.text}')
        )

    def reference(self, path: Traversal, span: SourceSpan, depth: int) -> Val:
        """Value of a reference (see :class:`~auditor.loader.iac.hcl.Scope`)."""
        head = path[0] if path else ""
        text = render(path)
        if head == "var" and len(path) >= 2:
            return self.variable(str(path[1])).get(path[2:])
        if head == "local" and len(path) >= 2:
            return self.local(str(path[1])).get(path[2:])
        if head == "module" and len(path) >= 3:
            key, rest = self._module_key(path)
            if not rest:
                return unknown(f"{text}: a whole module object is not evaluated")
            return self.output(str(path[1]), str(rest[0]), key).get(rest[1:])
        if head == "data" and len(path) >= 4:
            return self.resource_value("data", str(path[1]), str(path[2]), list(path[3:]))
        if head in ("each", "count"):
            return unknown(f"{text} differs per instance (count/for_each)")
        if head == "path" and len(path) == 2 and path[1] in ("module", "root", "cwd"):
            return Val(self._path(str(path[1])))
        if head in ("self", "path", "terraform"):
            return unknown(f"{text} is not evaluated")
        if len(path) >= 3 and ("managed", str(head), str(path[1])) in self.files.resources:
            return self.resource_value("managed", str(head), str(path[1]), list(path[2:]))
        if len(path) >= 3 and ("managed", str(head), str(path[1])) in self.files.skipped:
            return unknown(f"{text} is computed by the provider at apply time")
        return unknown(f"{text} is not declared in {self.files.rel}")

    def _root(self) -> ModuleInstance:
        root = self
        while root.parent is not None:
            root = root.parent
        return root

    def _path(self, which: str) -> str:
        """``path.module`` (from the root module's folder, as Terraform gives it), ``path.root``
        (".") and ``path.cwd`` (the root module's folder)."""
        base = self._root().files.directory
        if which == "cwd":
            return base.resolve().as_posix()
        if which == "root":
            return "."
        return Path(os.path.relpath(self.files.directory, base)).as_posix()

    def _target(self, written: str, what: str) -> tuple[Path, str] | str:
        """The file a path names (relative ones from the root module's folder, as Terraform
        reads them) when it lies inside the scanned folder: (resolved, shown); else why not."""
        candidate = Path(written)
        if not candidate.is_absolute():
            candidate = self._root().files.directory / candidate
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            return f"{what} {written!r} cannot be resolved"
        if not resolved.is_relative_to(self.ws.root_resolved):
            return f"{what} {written!r} is outside the scanned folder; not read"
        return resolved, self.ws.display(resolved)

    def read_file(self, written: str, span: SourceSpan) -> Val:
        """The text of a regular file inside the scanned folder, up to MAX_FILE_BYTES, read as
        UTF-8 (see :class:`~auditor.loader.iac.hcl.Scope`); unknown with the reason otherwise."""
        from auditor.loader.iac.template import MAX_FILE_BYTES

        target = self._target(written, "the file")
        if isinstance(target, str):
            return unknown(target)
        resolved, shown = target
        cached = self.ws.texts.get(resolved)
        if cached is None:
            try:
                info = resolved.stat()
                if not stat.S_ISREG(info.st_mode):
                    cached = f"the file {written!r} is not a regular file in the scanned folder"
                elif info.st_size > MAX_FILE_BYTES:
                    cached = (
                        f"the file {written!r} is {info.st_size:,} bytes, over the "
                        f"{MAX_FILE_BYTES // 1024} KiB the scan reads"
                    )
                else:
                    raw = _read_capped(resolved, MAX_FILE_BYTES + 1)
                    if len(raw) > MAX_FILE_BYTES:
                        cached = (
                            f"the file {written!r} is over the {MAX_FILE_BYTES // 1024} KiB "
                            "the scan reads"
                        )
                    else:
                        cached = (raw.decode("utf-8"),)
            except FileNotFoundError:
                cached = f"the file {written!r} is not in the scanned folder"
            except OSError as exc:
                cached = f"the file {written!r} cannot be read ({exc.strerror or exc})"
            except UnicodeDecodeError:
                cached = f"the file {written!r} is not UTF-8 text (Terraform refuses it)"
            self.ws.texts[resolved] = cached
        if isinstance(cached, str):
            return unknown(cached)
        read = step(How.ATTRIBUTE, SourceSpan(path=shown, line=1, column=1), f"read {shown}")
        return Val(cached[0], (read,))

    def note_read(self, written: str, raw: str, made: str) -> None:
        """Remember that ``made`` was read or rendered from the file ``written`` names."""
        target = self._target(written, "the file")
        if not isinstance(target, str):
            self.ws.origins.record_file(target[0], target[1], raw, made)

    def file_set(self, base: str, pattern: str, span: SourceSpan) -> Val:
        """The regular files under ``base`` matching ``pattern``, as paths relative to ``base``,
        sorted (Terraform's fileset()); unknown when ``base`` lies outside the scanned folder."""
        if "{" in pattern or "\\" in pattern:
            return unknown(f"fileset() pattern {pattern!r}: alternatives and escapes are not read")
        target = self._target(base, "the folder")
        if isinstance(target, str):
            return unknown(target)
        resolved, _shown = target
        if not resolved.is_dir():
            return Val([])
        found: list[str] = []
        try:
            for path in resolved.glob(pattern):
                if len(found) > MAX_RESOURCE_INSTANCES:
                    return unknown(
                        f"fileset({base!r}, {pattern!r}) lists more than "
                        f"{MAX_RESOURCE_INSTANCES:,} files"
                    )
                inside = path.resolve().is_relative_to(self.ws.root_resolved)
                if inside and path.is_file():
                    found.append(path.relative_to(resolved).as_posix())
        except (OSError, ValueError, NotImplementedError) as exc:
            return unknown(f"fileset({base!r}, {pattern!r}) cannot be listed ({exc})")
        return Val(sorted(found))

    def resource_value(self, mode: str, rtype: str, name: str, rest: list[str | int]) -> Val:
        """``type.name.attr...`` of a resource written in this module."""
        block = self.files.resources.get((mode, rtype, name))
        address = f"{self.prefix}{'data.' if mode == 'data' else ''}{rtype}.{name}"
        if block is None:
            return unknown(f"{address} is not declared in {self.files.rel}")
        attrs = block.body.attrs
        bound: dict[str, Val] | None = None
        if (
            rest
            and ("count" in attrs or "for_each" in attrs)
            and not (isinstance(rest[0], str) and rest[0] in attrs)
        ):
            bound = self.binding(block, rest[0])
            address += f"[{_key_text(rest[0])}]"
            rest = rest[1:]
        if not rest:
            return unknown(f"{address}: a whole resource object is not evaluated")
        name_part = str(rest[0])
        for source in self.ws.catalogue.providers.values():
            for echo in source.region_data_sources:
                if mode == "data" and echo.type == rtype and name_part in echo.attributes:
                    return self.provider_region(block).with_step(
                        step(
                            How.ATTRIBUTE,
                            block.span,
                            f"{address}.{name_part} (the provider's region)",
                        )
                    )
        if mode == "data" and rtype in DOCUMENT_SOURCES and name_part in ("documents", "manifests"):
            # computed by the provider from files in the tree, as its code does (kubectl.py)
            evaluator = Evaluator(self, self.depth, self.ws.budget)
            docs = kubectl_documents(self, block, bound, name_part, evaluator, self.ws.origins)
            return docs.with_step(
                step(How.ATTRIBUTE, block.span, f"{address}.{name_part} (split by the provider)")
            ).get(rest[1:])
        found = self.attribute(block, [name_part, *rest[1:]], address, bound)
        if found is None:
            return unknown(f"{address}.{name_part} is computed by the provider at apply time")
        return found

    def attribute(
        self,
        block: Block,
        path: Sequence[str | int],
        address: str,
        bound: Mapping[str, Val] | None = None,
    ) -> Val | None:
        """An attribute of a resource (through nested blocks); None when it is not written.

        Like a nested block, a ``dynamic`` block is entered at its first item: its
        ``for_each`` is evaluated and the iterator bound for the ``content`` block.
        """
        body: Body = block.body
        names: dict[str, Val] = dict(bound or {})
        via: list[ResolutionStep] = []
        for index, part in enumerate(path):
            if isinstance(part, int):
                continue
            attr = body.attrs.get(part)
            if attr is not None and part not in _META_ARGS:
                written = ".".join(str(p) for p in path[: index + 1] if isinstance(p, str))
                val = self.evaluate(attr, names).with_step(
                    step(How.ATTRIBUTE, attr.span, f"{address}: {written} = {attr.text}")
                )
                for extra in reversed(via):
                    val = val.with_step(extra)
                rest = list(path[index + 1 :])
                return val.get(rest) if rest else val
            nested = [b for b in body.blocks if b.type == part]
            if not nested:
                dynamic = [
                    b for b in body.blocks if b.type == "dynamic" and b.labels[:1] == (part,)
                ]
                if not dynamic:
                    return None
                entered = self._enter_dynamic(dynamic[0], part, address, names)
                if isinstance(entered, Val):
                    return entered
                if entered is None:
                    return None
                body, hop = entered
                via.append(hop)
                continue
            body = nested[0].body
        return unknown(f"{address}: {'.'.join(map(str, path))} is a block, not a value")

    def _enter_dynamic(
        self, dynamic: Block, part: str, address: str, names: dict[str, Val]
    ) -> tuple[Body, ResolutionStep] | Val | None:
        """The ``content`` of a dynamic block's first item, binding its iterator in ``names``;
        None when ``for_each`` is empty (no block), unknown when it is not known."""
        attrs = dynamic.body.attrs
        content = [b for b in dynamic.body.blocks if b.type == "content"]
        for_each = attrs.get("for_each")
        if for_each is None or not content:
            return unknown(
                f"{address}: dynamic {part!r} has no for_each or content",
                (step(How.UNKNOWN, dynamic.span, f"dynamic {part!r}"),),
            )
        items = self.evaluate(for_each, names)
        value = items.value
        pairs: list[tuple[Any, Any]]
        if isinstance(value, dict):
            pairs = sorted(value.items())
        elif isinstance(value, list):
            pairs = list(enumerate(value))
        else:
            return unknown(
                f"{address}: the for_each of dynamic {part!r} is not known from the code"
                + (f" ({items.reason})" if items.reason else ""),
                (*items.steps, step(How.UNKNOWN, dynamic.span, f"dynamic {part!r}")),
            )
        if not pairs:
            return None
        iterator = part
        given = attrs.get("iterator")
        if given is not None:
            path = traversal(given.expr)
            if path is not None and len(path) == 1:
                iterator = str(path[0])
        key, item = pairs[0]
        names[iterator] = Val({"key": key, "value": item}, items.steps)
        hop = step(
            How.ATTRIBUTE,
            for_each.span,
            f"{address}: dynamic {part!r} for_each = {for_each.text} (first item)",
        )
        return content[0].body, hop

    def provider_region(self, block: Block, module_provider: str | None = None) -> Val:
        """The region the resource's provider configuration sets (or why it is unknown).

        For a module call, ``module_provider`` is the provider the module's resources use;
        without it the code does not say which provider that is.
        """
        via: list[ResolutionStep] = []
        if block.type == "module":
            if module_provider is None:
                return unknown(
                    "the catalogue does not say which provider the module's resources use"
                )
            key, config, attr = self.provider_passed(block, module_provider)
            if attr is not None:
                text = f"{module_provider} passed as providers = {attr.text}"
                via.append(step(How.PROVIDER_ALIAS, attr.span, text))
        else:
            key, config, attr = self.provider_of(block)
            if attr is not None:
                via.append(step(How.PROVIDER_ALIAS, attr.span, f"provider = {attr.text}"))
        name = config.name if config is not None else key.split(".", 1)[0]
        rule = self.ws.catalogue.provider_rules.get(name)
        outside = (
            ", ".join(rule[1].environment) if rule and rule[1].environment else "the environment"
        )
        if config is None:
            return unknown(
                f'no provider "{key}" block configures it; {outside} decide at run time',
                tuple(via),
            )
        how = How.PROVIDER_ALIAS if config.alias else How.PROVIDER_BLOCK
        label = f'provider "{config.name}"' + (f' alias "{config.alias}"' if config.alias else "")
        if rule is None:
            return unknown(f"{label}: the catalogue does not say how it sets a region", tuple(via))
        prule = rule[1]
        for names, zone in ((prule.region_attributes, False), (prule.zone_attributes, True)):
            for attr_name in names:
                region_attr = config.block.body.attrs.get(attr_name)
                if region_attr is None:
                    continue
                val = config.module.evaluate(region_attr).with_step(
                    step(how, region_attr.span, f"{label}: {attr_name} = {region_attr.text}")
                )
                if zone and val.known:
                    val = Val(val.value, val.steps, "zone")
                for extra in reversed(via):
                    val = val.with_step(extra)
                return val
        return unknown(
            f"{label} sets no region; {outside} decide at run time",
            (*via, step(How.UNKNOWN, config.block.span, f"{label} (no region argument)")),
        )

    # --- references to other resources -----------------------------------------------------------

    def target_of(
        self,
        node: Node,
        span: SourceSpan,
        hops: int = 0,
        bound: Mapping[str, Val] | None = None,
    ) -> tuple[ModuleInstance, str, Block, tuple[ResolutionStep, ...], str | int | None] | None:
        """The resource an expression refers to (following vars, locals and module outputs).

        ``bound`` (``each``/``count`` of the referring instance) lets a computed index
        such as ``azurerm_cognitive_account.oai[each.key]`` pick its instance.
        """
        if hops > 16:
            return None
        scope: Scope = BoundScope(self, bound) if bound else self
        evaluator = Evaluator(scope, self.depth, self.ws.budget)
        branch = _conditional_parts(node)
        if branch is not None:
            # cond ? a.x : b.y follows the branch the code chooses (when the condition is known)
            cond = evaluator.eval(branch[0], span)
            if not (cond.known and isinstance(cond.value, bool)):
                return None
            return self.target_of(branch[1] if cond.value else branch[2], span, hops + 1, bound)
        path = _reference_in(node, lambda n: evaluator.eval(n, span))
        if path is None or not path:
            return None
        return self.target_of_path(path, span, hops, bound)

    def target_of_path(
        self,
        path: Traversal,
        span: SourceSpan,
        hops: int = 0,
        bound: Mapping[str, Val] | None = None,
    ) -> tuple[ModuleInstance, str, Block, tuple[ResolutionStep, ...], str | int | None] | None:
        """The resource a reference (``var.x``, ``local.y.k``, ``module.m.out``, ``a.b``) refers
        to; keys after ``var.x``/``local.y`` enter object literals (``var.backends["k"].url``)."""
        if hops > 16 or not path:
            return None
        head = str(path[0])
        if head == "var" and len(path) >= 2 and self.parent is not None and self.call is not None:
            given = self.call.body.attrs.get(str(path[1]))
            if given is None:
                return None
            found = self.parent.target_of(_member_at(given.expr, path[2:]), given.span, hops + 1)
            if found is None:
                return None
            hop = step(
                How.MODULE_INPUT, given.span, f'module "{self.call_name}": {path[1]} = {given.text}'
            )
            return found[0], found[1], found[2], (hop, *found[3]), found[4]
        if head == "local" and len(path) >= 2:
            attr = self.files.locals.get(str(path[1]))
            if attr is None:
                return None
            found = self.target_of(_member_at(attr.expr, path[2:]), attr.span, hops + 1)
            if found is None:
                return None
            hop = step(How.LOCAL, attr.span, f"local.{path[1]} = {attr.text}")
            return found[0], found[1], found[2], (hop, *found[3]), found[4]
        if head == "module" and len(path) >= 3:
            key, tail = self._module_key(path)
            rest = [p for p in tail if isinstance(p, str)]
            child = self.child(str(path[1]), key)
            if child is None or not rest:
                return None
            block = child.files.outputs.get(rest[0])
            if block is None or "value" not in block.body.attrs:
                return None
            attr = block.body.attrs["value"]
            found = child.target_of(attr.expr, attr.span, hops + 1)
            if found is None:
                return None
            hop = step(How.MODULE_OUTPUT, attr.span, f'output "{rest[0]}" = {attr.text}')
            return found[0], found[1], found[2], (hop, *found[3]), found[4]
        mode, parts = ("data", path[1:]) if head == "data" else ("managed", path)
        if len(parts) >= 2:
            block = self.files.resources.get((mode, str(parts[0]), str(parts[1])))
            if block is not None:
                address = f"{self.prefix}{'data.' if mode == 'data' else ''}{parts[0]}.{parts[1]}"
                attrs = block.body.attrs
                index = parts[2] if len(parts) >= 3 else None
                counted = "count" in attrs or "for_each" in attrs
                if not counted or (isinstance(index, str) and index in attrs):
                    index = None
                return self, address, block, (), index
        return None

    def _module_key(self, path: Traversal) -> tuple[str | int | None, list[str | int]]:
        """``module.m[key].out...`` as (key, [out, ...]); the key is None without count/for_each."""
        rest = list(path[2:])
        call = self.files.modules.get(str(path[1]))
        attrs = call.body.attrs if call is not None else {}
        counted = "count" in attrs or "for_each" in attrs
        if counted and rest and (not isinstance(rest[0], str) or len(rest) > 1):
            return rest[0], rest[1:]
        return None, rest

    def file_text(
        self, node: Node, span: SourceSpan, bound: Mapping[str, Val] | None = None
    ) -> tuple[str, str, Val] | None:
        """The text a ``file(PATH)`` call reads, when PATH is known and names a regular file
        inside the scanned folder: (text, the file as displayed, the path's value). A relative
        PATH is read from the root module's folder (Terraform's working directory);
        ``path.module`` and ``path.root`` are known. None for any other expression."""
        inner: Any = unwrap(node)
        if not (isinstance(inner, Tree) and inner.data == "function_call"):
            return None
        parts = [c for c in inner.children if isinstance(c, Tree)]
        name = next((str(c) for c in parts[0].children if isinstance(c, Token)), "")
        args = [
            c
            for c in (
                parts[-1].children if len(parts) > 1 and parts[-1].data == "arguments" else []
            )
            if isinstance(c, Tree) and c.data != "new_line_or_comment"
        ]
        if name != "file" or len(args) != 1:
            return None
        scope: Scope = BoundScope(self, bound) if bound else self
        val = Evaluator(scope, self.depth, self.ws.budget).eval(args[0], span)
        if not val.known or not isinstance(val.value, str) or not val.value:
            return None
        read = self.read_file(val.value, span)  # the evaluator's reading: same folder and cap
        if not read.known or not read.steps or read.steps[-1].span is None:
            self.ws.notes.append(f"{span.path}:{span.line}: file({val.value!r}): {read.reason}")
            return None
        text, display = str(read.value), read.steps[-1].span.path
        return text, display, val

    def remote_output(
        self, node: Node, span: SourceSpan, hops: int = 0
    ) -> tuple[ModuleInstance, str, Block, str, tuple[ResolutionStep, ...]] | None:
        """The registry module call (not followed) whose output an expression reads, directly or
        through locals: (module instance, call name, call block, source, steps)."""
        if hops > 16:
            return None
        evaluator = Evaluator(self, self.depth, self.ws.budget)
        path = _reference_in(node, lambda n: evaluator.eval(n, span))
        if not path:
            return None
        head = str(path[0])
        if head == "local" and len(path) >= 2:
            attr = self.files.locals.get(str(path[1]))
            if attr is None:
                return None
            found = self.remote_output(_member_at(attr.expr, path[2:]), attr.span, hops + 1)
            if found is None:
                return None
            hop = step(How.LOCAL, attr.span, f"local.{path[1]} = {attr.text}")
            return found[0], found[1], found[2], found[3], (hop, *found[4])
        if head == "module" and len(path) >= 3:
            self.children(str(path[1]))  # a call is listed as remote once it has been looked at
            for name, call, source in self.remote_calls:
                if name == str(path[1]):
                    return self, name, call, source, ()
        return None

    def tree(self) -> Iterator[ModuleInstance]:
        """This instance and every instance of the local modules it calls (depth first)."""
        yield self
        for name in self.files.modules:
            for child in self.children(name):
                yield from child.tree()

    def walk(self) -> Iterator[tuple[ModuleInstance, str, str, str, Block]]:
        """Every resource of this module and of the local modules it calls (depth first)."""
        for (mode, rtype, name), block in self.files.resources.items():
            yield self, mode, rtype, name, block
        for name in self.files.modules:
            for child in self.children(name):
                yield from child.walk()


def _conditional_parts(node: Node) -> tuple[Node, Node, Node] | None:
    """``(condition, then, else)`` when the expression is a conditional."""
    inner: Any = unwrap(node)
    if not (isinstance(inner, Tree) and inner.data == "conditional"):
        return None
    parts = [c for c in inner.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
    return (parts[0], parts[1], parts[2]) if len(parts) >= 3 else None


_NOT_RESOURCES = frozenset({"var", "local", "path", "each", "count", "self", "terraform", "module"})


def _reference_in(node: Node, index: Callable[[Node], Val] | None = None) -> Traversal | None:
    """The reference an expression is, or holds alone (``"${x.id}"``, ``"https://${x.name}.host"``,
    ``try(x.id, ...)``, ``[x.id]``); ``index`` evaluates computed indexes."""
    path = traversal(node, index)
    if path is not None:
        return path
    inner: Any = unwrap(node)
    if not isinstance(inner, Tree):
        return None
    if inner.data == "string":
        parts = [c for c in inner.children if isinstance(c, Tree) and c.data == "string_part"]
        interpolations = [
            p.children[0] for p in parts if p.children and isinstance(p.children[0], Tree)
        ]
        found: list[Traversal] = []
        for interp in interpolations:
            assert isinstance(interp, Tree)
            trees = [c for c in interp.children if isinstance(c, Tree)]
            ref = _reference_in(trees[0], index) if trees else None
            if ref is not None:
                found.append(ref)
        if len(interpolations) == 1:
            return found[0] if found else None
        # "http://${aws_instance.llm.public_ip}:${var.port}/": the one reference to a resource
        # (variables and locals there are ports and paths, not where requests go)
        resources = [r for r in found if r and str(r[0]) not in _NOT_RESOURCES]
        return resources[0] if len(resources) == 1 else None
    if inner.data == "function_call":
        args = [c for c in inner.children if isinstance(c, Tree) and c.data == "arguments"]
        if args:
            first = [
                c
                for c in args[0].children
                if isinstance(c, Tree) and c.data != "new_line_or_comment"
            ]
            return _reference_in(first[0], index) if first else None
        return None
    if inner.data == "tuple":
        items = [
            c for c in inner.children if isinstance(c, Tree) and c.data != "new_line_or_comment"
        ]
        return _reference_in(items[0], index) if len(items) == 1 else None
    return None


# --- variable files -----------------------------------------------------------------------------


def read_var_file(
    path: Path, display: str, how: How, limits: Limits, diagnostics: list[Diagnostic]
) -> dict[str, Val]:
    """Values of a ``.tfvars`` (HCL) or ``.tfvars.json`` file, each with its step."""
    try:
        text = read_text(path, display, limits)
    except HclProblem as exc:
        diagnostics.append(exc.diagnostic)
        return {}
    values: dict[str, Val] = {}
    if path.name.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            diagnostics.append(
                Diagnostic(display, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")
            )
            return {}
        except RecursionError:
            diagnostics.append(Diagnostic(display, None, None, "JSON nested too deeply"))
            return {}
        except ValueError as exc:  # an integer of more than 4,300 digits
            diagnostics.append(
                Diagnostic(display, None, None, f"invalid JSON: {str(exc).split(';')[0]}")
            )
            return {}
        if not isinstance(data, dict):
            diagnostics.append(Diagnostic(display, 1, 1, "a .tfvars.json file must hold an object"))
            return {}
        for name, value in data.items():
            match = re.search(r'"' + re.escape(str(name)) + r'"\s*:', text)
            line = text.count("\n", 0, match.start()) + 1 if match else 1
            span = SourceSpan(path=display, line=line, column=1)
            values[str(name)] = Val(value, (step(how, span, f"{name} = {json.dumps(value)}"),))
        return values
    try:
        body = parse_hcl(text, display)
    except HclProblem as exc:
        diagnostics.append(exc.diagnostic)
        return {}
    scope = _LiteralScope()
    evaluator = Evaluator(scope, 0, Budget(limits))
    for name, attr in body.attrs.items():
        try:
            val = evaluator.eval(attr.expr, attr.span)
        except LimitExceeded as exc:
            diagnostics.append(exc.diagnostic)
            return {}
        values[name] = val.with_step(step(how, attr.span, f"{name} = {attr.text}"))
    return values


class _LiteralScope(NoFiles):
    """A .tfvars file may hold only literals: any reference is unknown."""

    def reference(self, path: Traversal, span: SourceSpan, depth: int) -> Val:
        return (
            missing()
            if not path
            else unknown(f"{render(path)}: references are not allowed in tfvars")
        )


# --- the detector's view of a resource written in HCL ------------------------------------------


def _find_attr(block: Block, path: Sequence[str]) -> Attr | None:
    found = _find_node(block, path)
    return found[0] if found is not None else None


def _find_node(block: Block, path: Sequence[str]) -> tuple[Attr, Node] | None:
    """The attribute at ``path`` and the expression of the value there, through nested blocks
    and into object literals (``body = { properties = { url = ... } }``)."""
    body = block.body
    for index, part in enumerate(path):
        attr = body.attrs.get(part)
        if attr is not None:
            node: Node | None = attr.expr
            for key in path[index + 1 :]:
                node = _object_member(node, key) if node is not None else None
            return (attr, node) if node is not None else None
        nested = [b for b in body.blocks if b.type == part]
        if not nested:
            return None
        body = nested[0].body
    return None


def find_node(block: Block, path: Sequence[str]) -> tuple[Attr, Node] | None:
    """The attribute at a dotted ``path`` of a block and the expression there (through nested
    blocks and object literals: ``kubernetes { host = ... }`` or ``kubernetes = { host = ... }``)."""
    return _find_node(block, path)


def _member_at(node: Node, keys: Sequence[str | int]) -> Node:
    """The expression at ``keys`` inside nested object literals, as deep as they go
    (``node`` itself when it is not an object literal)."""
    for key in keys:
        member = _object_member(node, str(key))
        if member is None:
            break
        node = member
    return node


def _object_member(node: Node, key: str) -> Node | None:
    """The expression of ``key`` in an object literal (None when it is not one or has no key)."""
    inner: Any = unwrap(node)
    if not (isinstance(inner, Tree) and inner.data == "object"):
        return None
    for elem in inner.children:
        if not (isinstance(elem, Tree) and elem.data == "object_elem"):
            continue
        parts = [c for c in elem.children if isinstance(c, Tree)]
        if len(parts) < 2:
            continue
        key_inner = [c for c in parts[0].children if isinstance(c, Tree)]
        name = None
        if key_inner:
            path = traversal(key_inner[0])
            name = str(path[0]) if path and len(path) == 1 else _plain_string(key_inner[0])
        if name == key:
            return parts[-1]
    return None


class HclResource:
    """A resource block of a module instance, as :class:`~auditor.loader.iac.detect.ResourceView`."""

    def __init__(
        self,
        module: ModuleInstance,
        mode: str,
        rtype: str,
        name: str,
        block: Block,
        *,
        key: str | int | None = None,
        bound: Mapping[str, Val] | None = None,
        unexpanded: bool = False,
    ) -> None:
        self.module = module
        self.block = block
        self.mode = mode
        self.type = rtype
        self.name = name
        self.key = key
        self.bound = bound
        self.address = f"{module.prefix}{'data.' if mode == 'data' else ''}{rtype}.{name}" + (
            f"[{_key_text(key)}]" if key is not None else ""
        )
        self.span = block.span
        # count/for_each whose collection is not known: one component for every instance
        self.instances = unexpanded

    def as_bound(self, bound: Mapping[str, Val] | None) -> HclResource:
        """The same block read with ``each``/``count`` bound to ``bound`` (unkeyed)."""
        return HclResource(self.module, self.mode, self.type, self.name, self.block, bound=bound)

    def attribute(self, path: str) -> Val | None:
        """The attribute at a dotted path (None when not written)."""
        return self.module.attribute(self.block, path.split("."), self.address, self.bound)

    def provider_region(self, name: str | None = None) -> Val:
        """The region of the resource's provider configuration (``name``: see ModuleCall)."""
        return self.module.provider_region(self.block, name)

    def _through_each(
        self, node: Node, attr: Attr
    ) -> tuple[ModuleInstance, str, Block, tuple[ResolutionStep, ...], str | int | None] | None:
        """``each.value.url`` followed into the ``for_each`` collection the instance comes from."""
        for_each = self.block.body.attrs.get("for_each")
        path = _each_value_path(traversal(node), for_each, self.key)
        if path is None or for_each is None:
            return None
        found = self.module.target_of_path(path, attr.span, 1)
        if found is None:
            return None
        hop = step(
            How.ATTRIBUTE,
            for_each.span,
            f"{self.address}: each.value is for_each = {for_each.text} [{_key_text(self.key) if self.key is not None else ''}]",
        )
        return found[0], found[1], found[2], (hop, *found[3]), found[4]

    def target(self, path: str) -> tuple[HclResource, tuple[ResolutionStep, ...]] | None:
        """The resource the attribute at ``path`` refers to."""
        located = _find_node(self.block, path.split("."))
        if located is None:
            return None
        attr, node = located
        found = self.module.target_of(node, attr.span, 0, self.bound)
        if found is None:
            found = self._through_each(node, attr)
        if found is None:
            return None
        module, _address, block, hops, key = found
        mode = "data" if block.type == "data" else "managed"
        bound = module.binding(block, key) if key is not None else None
        resource = HclResource(
            module, mode, block.labels[0], block.labels[1], block, key=key, bound=bound
        )
        return resource, hops


def _each_value_path(
    ref: Traversal | None, for_each: Attr | None, key: str | int | None
) -> Traversal | None:
    """``each.value.x`` of instance ``key`` as a path into the ``for_each`` collection
    (``var.backends["k"].x``), when ``for_each`` is a plain reference."""
    if ref is None or len(ref) < 2 or ref[0] != "each" or ref[1] != "value":
        return None
    if for_each is None or key is None:
        return None
    collection = traversal(for_each.expr)
    if collection is None:
        return None
    return [*collection, key, *ref[2:]]


def module_type(source: str) -> str:
    """A registry module source as a catalogue type: ``namespace/name/provider[//subdir]``,
    lower-cased, without the ``registry.terraform.io/`` host."""
    text = source.strip().lower()
    for host in ("registry.terraform.io/",):
        if text.startswith(host):
            text = text[len(host) :]
    return text


class ModuleCall(HclResource):
    """A call of a registry module the scan does not download, as a view of its arguments."""

    def __init__(
        self,
        module: ModuleInstance,
        name: str,
        block: Block,
        source: str,
        *,
        key: str | int | None = None,
        bound: Mapping[str, Val] | None = None,
        unexpanded: bool = False,
    ) -> None:
        super().__init__(
            module,
            "module",
            module_type(source),
            name,
            block,
            key=key,
            bound=bound,
            unexpanded=unexpanded,
        )
        self.address = f"{module.prefix}module.{name}" + (
            f"[{_key_text(key)}]" if key is not None else ""
        )
