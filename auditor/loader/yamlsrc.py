"""Safe YAML reading that keeps the position of every value and refuses what YAML forgives.

PyYAML composes the node tree (with libyaml when it is available); this module
builds plain Python values from it while recording where each one stands, so a
later finding can cite ``file:line``. It also turns the things YAML silently
accepts into errors: duplicate keys (YAML keeps the last one), tags that would
construct objects, alias bombs, absurd nesting and oversized files.
"""

from __future__ import annotations

import datetime as dt
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from auditor.errors import Diagnostic

# libyaml is much faster; the pure-Python composer is the fallback.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


@dataclass(frozen=True)
class Limits:
    """Caps on what one file may cost to read; each breach is a clear error."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_depth: int = 64
    max_values: int = 2_000_000  # values built, counting every alias expansion
    max_scalar_chars: int = 1_000_000


DEFAULT_LIMITS = Limits()


@dataclass
class YamlDocument:
    """A parsed file: its plain data and where each value and key stands (1-based)."""

    path: str
    data: Any
    value_pos: dict[DataPath, tuple[int, int]] = field(default_factory=dict)
    key_pos: dict[DataPath, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: DataPath, *, key: bool = False) -> tuple[int, int]:
        """Position of the value (or its key) at ``path``, or of the nearest enclosing one."""
        table = self.key_pos if key else self.value_pos
        probe = path
        while probe:
            if probe in table:
                return table[probe]
            if key and probe in self.value_pos:
                return self.value_pos[probe]
            probe = probe[:-1]
        return self.value_pos.get((), (1, 1))

    def diagnostic(
        self, path: DataPath, message: str, hint: str | None = None, *, key: bool = False
    ) -> Diagnostic:
        """A diagnostic pointing at the value (or key) at ``path``."""
        line, column = self.position(path, key=key)
        return Diagnostic(self.path, line, column, message, hint)


class YamlProblem(Exception):
    """Raised inside the builder; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class ValueBuilder:
    """Turns a node tree into plain values, recording positions."""

    def __init__(self, display: str, limits: Limits) -> None:
        self.display = display
        self.limits = limits
        self.values = 0
        self.value_pos: dict[DataPath, tuple[int, int]] = {}
        self.key_pos: dict[DataPath, tuple[int, int]] = {}
        self.scalars = SafeConstructor()
        self._merge_cache: dict[int, dict[Key, tuple[Node, Node]]] = {}

    def fail(self, node: Node, message: str, hint: str | None = None) -> YamlProblem:
        line, column = _mark(node)
        return YamlProblem(Diagnostic(self.display, line, column, message, hint))

    def build(self, node: Node, path: DataPath, depth: int) -> Any:
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
        self.value_pos[path] = _mark(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise self._bad_tag(node)
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _MAP:
                raise self._bad_tag(node)
            return self.mapping(node, path, depth)
        raise self.fail(node, "unsupported YAML node")  # pragma: no cover

    def _bad_tag(self, node: Node) -> YamlProblem:
        return self.fail(
            node,
            f"unsupported YAML tag {node.tag!r}",
            "only plain YAML values (strings, numbers, booleans, dates, lists, mappings) are "
            "read; tags that construct objects are refused for safety",
        )

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise self._bad_tag(node)
        if len(node.value) > self.limits.max_scalar_chars:
            raise self.fail(
                node,
                f"a value longer than {self.limits.max_scalar_chars:,} characters",
                "shorten it; no field of the format needs this much text",
            )
        if node.tag == _STR:
            return node.value
        try:
            return self.scalars.construct_object(node)
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

    def mapping(self, node: MappingNode, path: DataPath, depth: int) -> dict[Key, Any]:
        result: dict[Key, Any] = {}
        first_seen: dict[Key, int] = {}
        has_merge = False
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                has_merge = True
                continue
            key = self._key(key_node)
            if key in first_seen:
                raise self.fail(
                    key_node,
                    f"duplicate key {key!r} (first at line {first_seen[key]})",
                    "YAML would silently keep only the last value; remove or rename one of them",
                )
            first_seen[key] = key_node.start_mark.line + 1
            child = (*path, key)
            self.key_pos[child] = _mark(key_node)
            result[key] = self.build(value_node, child, depth + 1)
        if has_merge:
            for key, (key_node, value_node) in self._merged(node, depth).items():
                if key in result:
                    continue
                child = (*path, key)
                self.key_pos[child] = _mark(key_node)
                result[key] = self.build(value_node, child, depth + 1)
        return result


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
    builder = ValueBuilder(display, limits)
    data = builder.build(root, (), 0)
    return YamlDocument(display, data, builder.value_pos, builder.key_pos)


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
