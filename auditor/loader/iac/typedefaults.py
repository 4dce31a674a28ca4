"""What a variable's type constraint fills in: ``optional()`` object attributes (Terraform >= 1.3).

A variable typed ``map(object({ sku = optional(string, "GlobalStandard") }))`` given
``{ chat = {} }`` holds ``{ chat = { sku = "GlobalStandard" } }`` inside the module.
Terraform's documentation ("Optional Object Type Attributes", in
``website/docs/language/expressions/type-constraints.mdx``) and HCL's ``ext/typeexpr``
(``get_type.go``, ``defaults.go``) define it:

- a missing attribute, or one set to null, takes the default; ``optional(T)`` without
  one makes the attribute null;
- defaults apply top-down: an attribute's default first, then the defaults nested in its
  type; inside ``map()``, ``list()``, ``set()`` and ``tuple()`` to every element;
- a null or unknown value is left as it is (never filled, so nothing is invented).

Only what decides a value is done here: no other type conversion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from lark import Token, Tree

from auditor.loader.iac.hcl import UNKNOWN, Node, PartialText, Val, unwrap

_COLLECTIONS: Final = frozenset({"list", "set", "map"})
_MAX_NESTING: Final = 64  # deeper types are not read (nothing is filled in from them)
_EVERY: Final = ""  # the child key that stands for every element of a collection


@dataclass(frozen=True, slots=True)
class TypeDefaults:
    """The fill-ins of one level of a type: object attributes, and deeper levels by key.

    ``fill`` maps each optional attribute of an object type to its default (None for
    ``optional(T)``); ``children`` maps an attribute name, a tuple index or ``""``
    (every element of a list, set or map) to the defaults further down.
    """

    fill: dict[str, Any]
    children: dict[str, TypeDefaults]
    collection: bool = False

    def apply(self, value: Any, filled: list[str], where: str = "") -> Any:
        """``value`` with the defaults filled in; the paths filled are added to ``filled``."""
        if value is None or value is UNKNOWN or isinstance(value, PartialText):
            return value
        if self.collection:
            every = self.children.get(_EVERY)
            if every is None:
                return value
            if isinstance(value, dict):
                return {k: every.apply(v, filled, f"{where}[{k!r}]") for k, v in value.items()}
            if isinstance(value, list):
                return [every.apply(v, filled, f"{where}[{i}]") for i, v in enumerate(value)]
            return value
        if isinstance(value, list):  # a tuple type: defaults by position
            items = list(value)
            for index, item in enumerate(value):
                child = self.children.get(str(index))
                if child is not None:
                    items[index] = child.apply(item, filled, f"{where}[{index}]")
            return items
        if not isinstance(value, dict):
            return value
        out = dict(value)
        for key, item in value.items():
            child = self.children.get(key)
            if child is not None:
                out[key] = child.apply(item, filled, f"{where}.{key}")
        for key, default in self.fill.items():
            if out.get(key) is None:
                child = self.children.get(key)
                out[key] = child.apply(default, filled, f"{where}.{key}") if child else default
                if default is not None:
                    filled.append(f"{where}.{key}")
        return out


def type_defaults(
    node: Node, evaluate: Callable[[Node], Val], depth: int = 0
) -> TypeDefaults | None:
    """The defaults a type constraint fills in, or None when it has no ``optional()``.

    ``evaluate`` gives the value of a default expression (a constant: Terraform evaluates
    it without variables or functions). A type written in a way Terraform rejects gives
    None: nothing is filled in from it.
    """
    node = unwrap(node)
    if depth > _MAX_NESTING or not (isinstance(node, Tree) and node.data == "function_call"):
        return None  # string, number, bool, any, a legacy quoted type, or nested too deeply
    name, args = _call(node)
    if name in _COLLECTIONS and len(args) == 1:
        inner = type_defaults(args[0], evaluate, depth + 1)
        return TypeDefaults({}, {_EVERY: inner}, collection=True) if inner else None
    if name == "tuple" and len(args) == 1:
        items = unwrap(args[0])
        if not (isinstance(items, Tree) and items.data == "tuple"):
            return None
        children = {
            str(i): found
            for i, item in enumerate(_meaningful(items))
            if (found := type_defaults(item, evaluate, depth + 1)) is not None
        }
        return TypeDefaults({}, children) if children else None
    if name == "object" and len(args) == 1:
        return _object(args[0], evaluate, depth + 1)
    return None


def _object(node: Node, evaluate: Callable[[Node], Val], depth: int) -> TypeDefaults | None:
    node = unwrap(node)
    if not (isinstance(node, Tree) and node.data == "object"):
        return None
    fill: dict[str, Any] = {}
    children: dict[str, TypeDefaults] = {}
    for elem in _meaningful(node):
        parts = _meaningful(elem) if isinstance(elem, Tree) else []
        if not (isinstance(elem, Tree) and elem.data == "object_elem" and len(parts) == 2):
            continue
        key_node, type_node = parts
        key = _key(key_node)
        if key is None:
            return None
        attr_type = unwrap(type_node)
        if isinstance(attr_type, Tree) and attr_type.data == "function_call":
            name, args = _call(attr_type)
            if name == "optional" and 1 <= len(args) <= 2:
                fill[key] = evaluate(args[1]).nested if len(args) == 2 else None
                attr_type = args[0]
        found = type_defaults(attr_type, evaluate, depth)
        if found is not None:
            children[key] = found
    return TypeDefaults(fill, children) if fill or children else None


def _meaningful(node: Tree[Token]) -> list[Node]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _call(node: Tree[Token]) -> tuple[str, list[Node]]:
    parts = _meaningful(node)
    head = parts[0] if parts else None
    name = _token_text(head) if head is not None else ""
    args: list[Node] = []
    if len(parts) > 1 and isinstance(parts[-1], Tree) and parts[-1].data == "arguments":
        args = _meaningful(parts[-1])
    return name, args


def _key(node: Node) -> str | None:
    """An object type's attribute name: an identifier (Terraform refuses a quoted name here,
    hcl.ExprAsKeyword in ``get_type.go``)."""
    inner = _meaningful(node) if isinstance(node, Tree) else []
    target = unwrap(inner[0]) if inner else node
    if isinstance(target, Tree) and target.data == "identifier":
        return _token_text(target)
    return None


def _token_text(node: Node) -> str:
    if isinstance(node, Token):
        return str(node)
    token = next((c for c in node.children if isinstance(c, Token)), None)
    return str(token) if token is not None else ""
