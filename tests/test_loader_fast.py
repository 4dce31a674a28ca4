"""The fast YAML path (issue 9) gives the same values, positions and spans as the plain rules.

The reader builds values without recording positions, keeps the node tree, and
attaches spans by walking the tree beside the model; the position tables are
built from the tree only on demand. These tests pin that each shortcut answers
exactly what the straightforward definition answers.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from auditor.loader.files import expand_paths
from auditor.loader.validate import validate_document
from auditor.loader.yamlsrc import (
    DataPath,
    Limits,
    ValueBuilder,
    YamlDocument,
    YamlProblem,
    _Loader,
    parse_text,
    paused_gc,
    read_yaml,
)
from auditor.model.common import Located, SourceSpan
from auditor.model.inventory import Component, ComponentKind, InventoryFragment
from tests.conftest import EXAMPLES

# --- the resolver shortcut --------------------------------------------------

SCALARS = [
    "", "~", "null", "Null", "NULL", "nil", "yes", "Yes", "no", "on", "off", "y", "n", "true",
    "False", "tRUE", "0", "-1", "+12", "0x1F", "0o17", "0b101", "1_000", "1:20", "190:20:30",
    "1.5", "-.5", ".inf", "-.Inf", ".NaN", "1e3", "6.8523015e+5", "2026-11-28",
    "2026-11-28 10:00:00", "2001-12-14t21:59:43.10-05:00", "<<", "=", "!x", "&a", "*a",
    "app", "sys-12", "DE", "azure:swedencentral", "model_api", "offline", "nope", "Tuesday",
    "über", "12abc", "0.0.1",
]  # fmt: skip


def test_the_safe_resolver_has_no_rules_the_shortcut_skips() -> None:
    # The shortcut looks resolvers up by first character only and ignores path
    # resolvers: right only while PyYAML's safe resolver has neither kind.
    assert None not in Resolver.yaml_implicit_resolvers
    assert not getattr(Resolver, "yaml_path_resolvers", {})


@pytest.mark.parametrize("implicit", [(True, False), (False, True), (False, False)])
def test_resolver_shortcut_agrees_with_pyyaml(implicit: tuple[bool, bool]) -> None:
    ours, theirs = _Loader(""), yaml.SafeLoader("")
    reference: Any = theirs.resolve
    try:
        for text in SCALARS:
            assert ours.resolve(ScalarNode, text, implicit) == reference(
                ScalarNode, text, implicit
            ), text
        for kind in (SequenceNode, MappingNode):
            assert ours.resolve(kind, None, True) == reference(kind, None, True)
    finally:
        ours.dispose()
        theirs.dispose()


def test_values_equal_a_plain_safe_load_of_every_example() -> None:
    files = sorted(EXAMPLES.rglob("*.yaml"))
    assert len(files) > 10
    for path in files:
        assert read_yaml(path).data == yaml.safe_load(path.read_text(encoding="utf-8")), path


# --- positions built on demand -------------------------------------------------


def _reads_as_text(key: str) -> bool:
    resolve: Any = Resolver().resolve
    return bool(resolve(ScalarNode, key, (True, False)) == "tag:yaml.org,2002:str")


keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(_reads_as_text)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=25,
)


def _paths(value: Any, path: DataPath = ()) -> Iterator[DataPath]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=st.dictionaries(keys, trees, min_size=1, max_size=5), flow=st.booleans())
def test_every_value_and_key_has_a_position(tree: dict[str, Any], flow: bool) -> None:
    text = yaml.safe_dump(tree, default_flow_style=flow, allow_unicode=True)
    doc = parse_text(text, "t.yaml")
    assert doc.data == tree
    lines = text.splitlines()
    for path in _paths(tree):
        line, column = doc.value_pos[path]
        assert 1 <= line <= len(lines) + 1 and column >= 1
        if path and isinstance(path[-1], str):
            key_line, key_column = doc.key_pos[path]
            assert lines[key_line - 1][key_column - 1 :].startswith(path[-1])


def test_positions_of_merges_and_aliases() -> None:
    text = "base: &b\n  x: 1\n  y: 2\nc:\n  <<: *b\n  y: 3\nd: *b\n"
    doc = parse_text(text, "f.yaml")
    assert doc.data == {"base": {"x": 1, "y": 2}, "c": {"x": 1, "y": 3}, "d": {"x": 1, "y": 2}}
    assert doc.value_pos[("c", "x")] == (2, 6)  # where the merged value is written
    assert doc.key_pos[("c", "x")] == (2, 3)
    assert doc.value_pos[("c", "y")] == (6, 6)  # the mapping's own key wins
    assert doc.value_pos[("d", "y")] == (3, 6)  # an alias stands where its anchor does
    assert doc.position(("c", "nothing", 0)) == (5, 3)  # nearest enclosing value


def test_the_kubernetes_builder_still_records_every_position() -> None:
    loader = _Loader("a:\n  - b: 1\n")
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    builder = ValueBuilder("k.yaml", Limits())
    assert builder.build(root, ("items", 0), 0) == {"a": [{"b": 1}]}
    assert builder.value_pos[("items", 0, "a", 0, "b")] == (2, 8)
    assert builder.key_pos[("items", 0, "a")] == (1, 1)


def test_a_duplicate_key_written_through_an_alias_is_refused() -> None:
    with pytest.raises(YamlProblem) as info:
        parse_text("&k id: 1\n*k : 2\n", "f.yaml")
    # The alias is the anchored node itself, so both keys stand at line 1.
    assert "duplicate key 'id' (first at line 1)" in str(info.value.diagnostic)


# --- spans: the tree walk against the definition by data paths ------------------


def _located(obj: BaseModel, path: DataPath = ()) -> Iterator[tuple[DataPath, Located]]:
    if isinstance(obj, Located):
        yield path, obj
    for name, info in type(obj).model_fields.items():
        value, key = getattr(obj, name), info.alias or name
        if isinstance(value, BaseModel):
            yield from _located(value, (*path, key))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _located(item, (*path, key, index))


def _expected(doc: YamlDocument, path: DataPath, obj: Located) -> tuple[Any, dict[str, Any]]:
    """What the spans must be: the position of the object's path (or the nearest
    enclosing one) and of every key it has in the file."""
    line, column = doc.position(path)
    fields = {}
    for name, info in type(obj).model_fields.items():
        field_path = (*path, info.alias or name)
        if field_path in doc.value_pos:
            fields[name] = SourceSpan(doc.path, *doc.value_pos[field_path])
    return SourceSpan(doc.path, line, column), fields


def _check_spans(obj: BaseModel, text: str, name: str = "x.yaml") -> int:
    reference = parse_text(text, name)
    count = 0
    for path, located in _located(obj):
        span, fields = _expected(reference, path, located)
        assert located.span == span, path
        for name in type(located).model_fields:
            assert located.span_of(name) == fields.get(name, span), (path, name)
        count += 1
    return count


def test_spans_of_every_example_object_match_their_data_paths() -> None:
    checked = 0
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        if path.parent.name == "procurement" or path.name == "policy.yaml":
            continue
        fragment, problems = validate_document(read_yaml(path, "x.yaml"), InventoryFragment)
        assert fragment is not None, problems
        checked += _check_spans(fragment, path.read_text(encoding="utf-8"))
    assert checked > 100


MERGED = """\
systems:
  - &first
    id: one
    purpose: shared purpose
    criticality: high
    components:
      - &app {id: app, kind: application, on_prem: {country: DE}}
  - <<: *first
    id: two
    components: [*app, {id: db, kind: database, country: DE}]
"""


def test_spans_follow_merges_and_aliases() -> None:
    fragment, problems = validate_document(parse_text(MERGED, "x.yaml"), InventoryFragment)
    assert fragment is not None, problems
    assert _check_spans(fragment, MERGED) == 5
    first, second = fragment.systems
    assert second.span_of("purpose") == SourceSpan("x.yaml", 4, 14)  # written in the first
    assert second.span_of("id") == SourceSpan("x.yaml", 9, 9)
    assert second.components[0].span == first.components[0].span  # an alias


class _Leaf(Located):
    x: int = 0


class _Holder(Located):
    leaf: _Leaf = Field(default_factory=_Leaf)
    leaves: list[_Leaf] = Field(default_factory=list)
    lookup: dict[str, _Leaf] = Field(default_factory=dict)
    anything: Any = None


def test_a_default_object_gets_the_span_of_its_enclosing_value() -> None:
    text = "leaves:\n  - {x: 1}\n  - x: 2\nlookup: {a: {x: 3}}\n"
    holder, problems = validate_document(parse_text(text, "h.yaml"), _Holder)
    assert holder is not None, problems
    assert holder.leaf.span == holder.span == SourceSpan("h.yaml", 1, 1)
    assert holder.leaves[1].span_of("x") == SourceSpan("h.yaml", 3, 8)
    assert holder.lookup["a"].span is None  # dictionaries of objects get no spans (as before)
    _check_spans(holder, text, "h.yaml")


def test_objects_without_spans_compare_as_before() -> None:
    made = Component(id="a", kind=ComponentKind.APPLICATION)
    attached = Component(id="a", kind=ComponentKind.APPLICATION)
    attached.attach_spans(None, {})
    assert made == attached and made.span is None and attached.span_of("id") is None
    attached.attach_spans(SourceSpan("f", 1, 1), {})
    assert made != attached  # pydantic compares the private slot, as with PrivateAttr
    # A component without controls shares one frozen empty value.
    assert made.controls is attached.controls and made.locations is attached.locations


# --- the collector pause ---------------------------------------------------------


def test_paused_gc_restores_the_collector_and_ages_what_it_built() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        built = [[index] for index in range(5_000)]
    assert gc.isenabled()
    assert gc.get_count()[0] < 1_000  # nothing young left to scan all at once
    assert gc.get_freeze_count() == 0
    assert any(item is built[0] for item in gc.get_objects(generation=2))
    with pytest.raises(ValueError), paused_gc():
        raise ValueError
    assert gc.isenabled()


def test_paused_gc_leaves_a_caller_s_policy_alone() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- finding files ----------------------------------------------------------------


def test_files_are_ordered_by_path_parts_and_deduplicated(tmp_path: Path) -> None:
    for name in ("a-b/z.yaml", "a/b.yaml", "a/.hidden.yaml", ".hid/c.yaml", "Z.yml", "n.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("a: 1\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "a" / "b.yaml")
    files, problems = expand_paths([tmp_path, tmp_path / "a" / "b.yaml"])
    assert problems == []
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "Z.yml",
        "a/b.yaml",  # before a-b/: paths sort by their parts, not as strings
        "a-b/z.yaml",
    ]
