"""Safe YAML reading that keeps the position of every value and refuses what YAML forgives.

PyYAML composes the node tree (with libyaml when it is available); this module
builds plain Python values from it and keeps the tree, whose nodes carry their
line and column, so a later finding can cite ``file:line``. It also turns the
things YAML silently accepts into errors: duplicate keys (YAML keeps the last
one), tags that would construct objects, alias bombs, absurd nesting and
oversized files.

Reading is on the hot path of every audit (issue 9): the value builder touches
each node once, builds common strings inline, and records no positions; the
table of positions (:attr:`YamlDocument.value_pos`) is built from the kept tree
only when something asks for it, which is the error path.
"""

from __future__ import annotations

import datetime as dt
import gc
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from auditor.errors import Diagnostic

# libyaml is much faster; the pure-Python composer is the fallback.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Key = str | int
DataPath = tuple[Key, ...]

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = frozenset(
    {
        _STR,
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:timestamp",
    }
)
_CONSTRUCTORS: dict[Any, Callable[[SafeConstructor, Node], Any]] = SafeConstructor.yaml_constructors
_NO_RESOLVERS: tuple[tuple[str, Any], ...] = ()


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader with the resolver hooks libyaml calls for every node made cheap.

    The composer asks Python for the tag of every untagged scalar and calls the
    path-resolver hooks on entering and leaving every node. PyYAML's safe loader
    has no path resolvers, so the hooks do nothing, and the tag of a plain scalar
    depends only on its text: the answer is the same as ``Resolver.resolve``'s
    (tests/test_loader_fast.py checks both premises), with less work per call.
    """

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                resolvers = self.yaml_implicit_resolvers.get(value[:1], _NO_RESOLVERS)
                for tag, regexp in resolvers:
                    if regexp.match(value):
                        resolved: str = tag
                        return resolved
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


@contextmanager
def paused_gc() -> Iterator[None]:
    """Suspend the cyclic garbage collector while building a large, acyclic structure.

    Reading an inventory allocates hundreds of thousands of containers (nodes,
    dicts, lists, models) that all survive, so the collector would scan them over
    and over for cycles there are none of; at 10,000 systems that cost as much as
    the parse. Reference counting still frees everything as usual. (Mercurial's
    ``util.nogc`` does the same for the same reason; the issue 9 "floor" is
    measured this way.)

    On the way out, what was allocated meanwhile is moved to the oldest
    generation (``freeze`` then ``unfreeze``: two list splices, no scan), where
    only full collections look at it; otherwise the first allocation after
    ``gc.enable()`` would scan all of it at once as "young" objects (0.2 s at
    3,000 realistic systems). When the collector is already off, or objects are
    frozen on purpose, the caller owns the policy and nothing is touched.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


@dataclass(frozen=True)
class Limits:
    """Caps on what one file may cost to read; each breach is a clear error."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_depth: int = 64
    max_values: int = 2_000_000  # values built, counting every alias expansion
    max_scalar_chars: int = 1_000_000


DEFAULT_LIMITS = Limits()


class YamlProblem(Exception):
    """Raised inside the builder; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a node tree into plain values, refusing what YAML forgives.

    Records no positions: they stay on the nodes (see :meth:`record`).
    """

    def __init__(self, display: str, limits: Limits) -> None:
        self.display = display
        self.limits = limits
        self.values = 0
        self._scalars: SafeConstructor | None = None
        self._merge_cache: dict[int, dict[Key, tuple[Node, Node]]] = {}

    def fail(self, node: Node, message: str, hint: str | None = None) -> YamlProblem:
        line, column = _mark(node)
        return YamlProblem(Diagnostic(self.display, line, column, message, hint))

    def value(self, node: Node, depth: int) -> Any:
        """The plain value of ``node``, standing ``depth`` levels below the document root."""
        self.values += 1
        if self.values > self.limits.max_values:
            raise self.fail(
                node,
                f"the document expands to more than {self.limits.max_values:,} values",
                "aliases that repeat large anchors many times ('billion laughs') are refused; "
                "write the values out or raise the limit",
            )
        if depth > self.limits.max_depth:
            raise self.fail(
                node,
                f"nesting deeper than {self.limits.max_depth} levels",
                "flatten the structure; inventories never need this depth",
            )
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise self._bad_tag(node)
            return self._sequence(node, depth)
        if isinstance(node, MappingNode):
            if node.tag != _MAP:
                raise self._bad_tag(node)
            return self._mapping(node, depth)
        raise self.fail(node, "unsupported YAML node")  # pragma: no cover

    # The two loops below build a plain string child inline when no limit can
    # trip on it (the common case); everything else goes through ``value``,
    # which checks in the same order, so errors and counts are the same either way.

    def _sequence(self, node: SequenceNode, depth: int) -> list[Any]:
        result: list[Any] = []
        append = result.append
        inline = depth < self.limits.max_depth
        max_values = self.limits.max_values
        max_chars = self.limits.max_scalar_chars
        for item in node.value:
            if (
                inline
                and type(item) is ScalarNode
                and item.tag == _STR
                and self.values < max_values
                and len(item.value) <= max_chars
            ):
                self.values += 1
                append(item.value)
            else:
                append(self.value(item, depth + 1))
        return result

    def _mapping(self, node: MappingNode, depth: int) -> dict[Key, Any]:
        result: dict[Key, Any] = {}
        has_merge = False
        inline = depth < self.limits.max_depth
        max_values = self.limits.max_values
        max_chars = self.limits.max_scalar_chars
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag == _STR and type(key_node) is ScalarNode and len(key_node.value) <= max_chars:
                key: Key = key_node.value
            elif tag == _MERGE:
                has_merge = True
                continue
            else:
                key = self._key(key_node)
            if key in result:
                raise self._duplicate(node, key_node, key)
            if (
                inline
                and type(value_node) is ScalarNode
                and value_node.tag == _STR
                and self.values < max_values
                and len(value_node.value) <= max_chars
            ):
                self.values += 1
                result[key] = value_node.value
            else:
                result[key] = self.value(value_node, depth + 1)
        if has_merge:
            for key, (_, value_node) in self._merged(node, depth).items():
                if key not in result:
                    result[key] = self.value(value_node, depth + 1)
        return result

    def _duplicate(self, node: MappingNode, key_node: Node, key: Key) -> YamlProblem:
        first = next(k for k, _ in node.value if k.tag != _MERGE and self._key(k) == key)
        return self.fail(
            key_node,
            f"duplicate key {key!r} (first at line {first.start_mark.line + 1})",
            "YAML would silently keep only the last value; remove or rename one of them",
        )

    def _bad_tag(self, node: Node) -> YamlProblem:
        return self.fail(
            node,
            f"unsupported YAML tag {node.tag!r}",
            "only plain YAML values (strings, numbers, booleans, dates, lists, mappings) are "
            "read; tags that construct objects are refused for safety",
        )

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise self._bad_tag(node)
        if len(node.value) > self.limits.max_scalar_chars:
            raise self.fail(
                node,
                f"a value longer than {self.limits.max_scalar_chars:,} characters",
                "shorten it; no field of the format needs this much text",
            )
        if tag == _STR:
            return node.value
        if self._scalars is None:
            self._scalars = SafeConstructor()
        try:
            # What ``SafeConstructor.construct_object`` does for a scalar, minus its caches.
            return _CONSTRUCTORS[tag](self._scalars, node)
        except (ConstructorError, ValueError, OverflowError) as exc:
            raise self.fail(node, f"cannot read value {node.value!r}: {exc}") from None

    def _key(self, node: Node) -> Key:
        if not isinstance(node, ScalarNode):
            raise self.fail(node, "a mapping key must be a plain value, not a list or mapping")
        value = self.scalar(node)
        if isinstance(value, bool) or value is None:
            # `yes:` or `null:` as a key is almost always a mistake; keep the text.
            return str(node.value)
        if isinstance(value, int):
            return value
        if isinstance(value, float | dt.date):
            return str(node.value)
        return str(value)

    def _merged(self, node: MappingNode, depth: int) -> dict[Key, tuple[Node, Node]]:
        """Key -> (key node, value node) of a mapping with its ``<<`` merges resolved.

        YAML 1.1 merge semantics: the mapping's own keys win, then merged mappings in
        order. Results are cached per node, so merges that repeat an anchor
        (``<<: [*a, *a]`` over many levels) cost the number of distinct keys, not 2^n.
        """
        cached = self._merge_cache.get(id(node))
        if cached is not None:
            return cached
        if depth > self.limits.max_depth:
            raise self.fail(node, "merge keys nested too deeply")
        merged: dict[Key, tuple[Node, Node]] = {}
        sources: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources += (
                    value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                )
            else:
                merged.setdefault(self._key(key_node), (key_node, value_node))
        for source in sources:
            if not isinstance(source, MappingNode):
                raise self.fail(source, "'<<' merges only mappings")
            for key, pair in self._merged(source, depth + 1).items():
                merged.setdefault(key, pair)
        self.values += len(merged)
        if self.values > self.limits.max_values:
            raise self.fail(
                node,
                f"merge keys expand to more than {self.limits.max_values:,} values",
                "merges that repeat anchors many times are refused; write the values out",
            )
        self._merge_cache[id(node)] = merged
        return merged

    def pairs(self, node: MappingNode) -> dict[Key, tuple[Node, Node]]:
        """Key -> (key node, value node) of a mapping already built: own keys, then merged ones."""
        own: dict[Key, tuple[Node, Node]] = {}
        has_merge = False
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                has_merge = True
            else:
                own[self._key(key_node)] = (key_node, value_node)
        if has_merge:
            for key, pair in self._merged(node, 0).items():
                own.setdefault(key, pair)
        return own

    def record(
        self,
        node: Node,
        path: DataPath,
        value_pos: dict[DataPath, tuple[int, int]],
        key_pos: dict[DataPath, tuple[int, int]],
    ) -> None:
        """Positions of every value and key under ``node``, which :meth:`value` already built.

        Visits the paths :meth:`value` built, in the same order, so an alias
        repeated under two keys has a position under each.
        """
        value_pos[path] = _mark(node)
        if isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self.record(item, (*path, index), value_pos, key_pos)
        elif isinstance(node, MappingNode):
            for key, (key_node, value_node) in self.pairs(node).items():
                child = (*path, key)
                key_pos[child] = _mark(key_node)
                self.record(value_node, child, value_pos, key_pos)


class ValueBuilder(_Builder):
    """Turns a node tree into plain values and records the position of each (for callers
    that keep only the values, such as the Kubernetes reader)."""

    def __init__(self, display: str, limits: Limits) -> None:
        super().__init__(display, limits)
        self.value_pos: dict[DataPath, tuple[int, int]] = {}
        self.key_pos: dict[DataPath, tuple[int, int]] = {}

    def build(self, node: Node, path: DataPath, depth: int) -> Any:
        """The plain value of ``node`` (at ``path``, ``depth`` levels down); positions recorded."""
        data = self.value(node, depth)
        self.record(node, path, self.value_pos, self.key_pos)
        return data


class YamlDocument:
    """A parsed file: its plain data and the node tree that knows where each value stands.

    ``value_pos`` and ``key_pos`` (1-based line and column of each value and key,
    by data path) are built from the tree on first use.
    """

    __slots__ = ("_builder", "_key_pos", "_value_pos", "data", "path", "root")

    def __init__(
        self, path: str, data: Any, root: Node | None = None, builder: _Builder | None = None
    ) -> None:
        self.path = path
        self.data = data
        self.root = root
        self._builder = builder
        self._value_pos: dict[DataPath, tuple[int, int]] | None = None
        self._key_pos: dict[DataPath, tuple[int, int]] | None = None

    def _tables(self) -> tuple[dict[DataPath, tuple[int, int]], dict[DataPath, tuple[int, int]]]:
        if self._value_pos is None or self._key_pos is None:
            value_pos: dict[DataPath, tuple[int, int]] = {}
            key_pos: dict[DataPath, tuple[int, int]] = {}
            if self.root is not None:
                builder = self._builder or _Builder(self.path, DEFAULT_LIMITS)
                builder.record(self.root, (), value_pos, key_pos)
            self._value_pos, self._key_pos = value_pos, key_pos
        return self._value_pos, self._key_pos

    @property
    def value_pos(self) -> dict[DataPath, tuple[int, int]]:
        """Data path -> (line, column) of the value there."""
        return self._tables()[0]

    @property
    def key_pos(self) -> dict[DataPath, tuple[int, int]]:
        """Data path -> (line, column) of the key that names the value there."""
        return self._tables()[1]

    def pairs(self, node: MappingNode) -> dict[Key, tuple[Node, Node]]:
        """Key -> (key node, value node) of a mapping of this document, merges resolved."""
        builder = self._builder or _Builder(self.path, DEFAULT_LIMITS)
        return builder.pairs(node)

    def position(self, path: DataPath, *, key: bool = False) -> tuple[int, int]:
        """Position of the value (or its key) at ``path``, or of the nearest enclosing one."""
        value_pos, key_pos = self._tables()
        table = key_pos if key else value_pos
        probe = path
        while probe:
            if probe in table:
                return table[probe]
            if key and probe in value_pos:
                return value_pos[probe]
            probe = probe[:-1]
        return value_pos.get((), (1, 1))

    def diagnostic(
        self, path: DataPath, message: str, hint: str | None = None, *, key: bool = False
    ) -> Diagnostic:
        """A diagnostic pointing at the value (or key) at ``path``."""
        line, column = self.position(path, key=key)
        return Diagnostic(self.path, line, column, message, hint)


def decode(raw: bytes, display: str) -> str:
    """File bytes as text: UTF-8 (a BOM is dropped) or UTF-16 with a BOM; anything else is a diagnostic."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise YamlProblem(
                Diagnostic(display, None, None, f"invalid UTF-16 text: {exc.reason}")
            ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlProblem(
            Diagnostic(
                display,
                line,
                column,
                f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x})",
                "save the file as UTF-8",
            )
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise YamlProblem(
            Diagnostic(display, line, 1, "the file contains a NUL character", "is it binary?")
        )
    return text


def parse_text(text: str, display: str, limits: Limits = DEFAULT_LIMITS) -> YamlDocument:
    """Parse YAML text; raise :class:`YamlProblem` with a positioned diagnostic on failure."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = exc.problem or exc.context or "invalid YAML"
        hint = None
        if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
            hint = "YAML does not allow tabs for indentation; indent with spaces"
        if "expected a single document" in str(exc.context):
            problem, hint = "more than one YAML document ('---') in one file", "split the file"
        raise YamlProblem(Diagnostic(display, line, column, problem, hint)) from None
    except yaml.reader.ReaderError as exc:
        index = max(0, min(exc.position, len(text)))
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        raise YamlProblem(
            Diagnostic(
                display,
                line,
                column,
                f"character U+{exc.character:04X} is not allowed in YAML"
                if isinstance(exc.character, int)
                else f"invalid character: {exc.reason}",
                "remove the control character (YAML allows tab, newline and printable text)",
            )
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Diagnostic(display, None, None, f"invalid YAML: {exc}")) from None
    except RecursionError:
        raise YamlProblem(
            Diagnostic(display, None, None, "nesting too deep to read", "flatten the structure")
        ) from None
    finally:
        loader.dispose()
    if root is None:
        return YamlDocument(display, None)
    builder = _Builder(display, limits)
    data = builder.value(root, 0)
    return YamlDocument(display, data, root, builder)


def read_yaml(
    path: Path, display: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> YamlDocument:
    """Read one YAML file safely. ``display`` is how the path is shown in diagnostics."""
    shown = display if display is not None else str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise YamlProblem(
                Diagnostic(
                    shown,
                    None,
                    None,
                    "not a regular file",
                    "name a YAML file, not a pipe or device",
                )
            )
        size = info.st_size
        if size > limits.max_file_bytes:
            raise YamlProblem(
                Diagnostic(
                    shown,
                    None,
                    None,
                    f"the file is {size:,} bytes, over the limit of {limits.max_file_bytes:,}",
                    "split it into several files or raise the limit",
                )
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlProblem(
            Diagnostic(shown, None, None, f"cannot read the file: {exc.strerror or exc}")
        ) from None
    return parse_text(decode(raw, shown), shown, limits)
