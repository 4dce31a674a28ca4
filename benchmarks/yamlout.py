"""Block-style YAML with comments, laid out like the hand-written examples (no PyYAML emitter).

A node is a dict in insertion order; its ``"#"`` key holds comment lines written
above it, ``None`` values are left out, lists of systems, components, data and
entities get a blank line between items, and ``flows:`` a blank line before it.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence

Node = dict[str, object]

_PLAIN = re.compile(r"[A-Za-z][^\n#\"'`]*")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_SPACED = {"components", "systems", "data", "entities"}  # lists with a blank line between items


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value)
    if (
        _PLAIN.fullmatch(text)
        and ": " not in text
        and not text.endswith((":", " "))
        and text.lower() not in _RESERVED
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _comments(node: Node, pad: str, out: list[str]) -> None:
    lines = node.get("#", ())
    assert isinstance(lines, list | tuple)
    for line in lines:
        out.append(f"{pad}# {line}" if line else f"{pad}#")


def _mapping(node: Node, indent: int, out: list[str], first: str | None = None) -> None:
    pad = " " * indent
    for key, value in node.items():
        if key == "#" or value is None:
            continue
        lead, first = (first if first is not None else pad), None
        if isinstance(value, dict):
            out.append(f"{lead}{key}:")
            _mapping(value, indent + 2, out)
        elif isinstance(value, list | tuple):
            if not value:
                out.append(f"{lead}{key}: []")
                continue
            if key == "flows":
                out.append("")
            out.append(f"{lead}{key}:")
            _sequence(value, indent + 2, out, spaced=key in _SPACED)
        elif key in ("description", "purpose") and len(str(value)) > 80 - indent:
            out.append(f"{lead}{key}: >-")
            out += [f"{pad}  {line}" for line in textwrap.wrap(str(value), 96 - indent)]
        else:
            out.append(f"{lead}{key}: {_scalar(value)}")


def _sequence(items: Sequence[object], indent: int, out: list[str], *, spaced: bool) -> None:
    pad = " " * indent
    for index, item in enumerate(items):
        if isinstance(item, dict):
            if spaced and index:
                out.append("")
            _comments(item, pad, out)
            _mapping(item, indent + 2, out, first=f"{pad}- ")
        else:
            out.append(f"{pad}- {_scalar(item)}")


def dump(node: Node) -> str:
    """A top-level mapping as commented block-style YAML."""
    out: list[str] = []
    _comments(node, "", out)
    if node.get("#"):
        out.append("")
    _mapping(node, 0, out)
    return "\n".join(out) + "\n"
