"""The YAML reader refuses what YAML forgives, and every diagnostic names file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.loader.yamlsrc import Limits, YamlProblem, parse_text, read_yaml

DEFAULT = Limits()


def problem(text: str, limits: Limits = DEFAULT) -> str:
    with pytest.raises(YamlProblem) as info:
        parse_text(text, "f.yaml", limits)
    return str(info.value.diagnostic)


def test_positions_are_recorded_for_every_value() -> None:
    doc = parse_text("a: 1\nb:\n  - x: two\n", "f.yaml")
    assert doc.data == {"a": 1, "b": [{"x": "two"}]}
    assert doc.value_pos[("b", 0, "x")] == (3, 8)
    assert doc.key_pos[("b", 0, "x")] == (3, 5)


def test_duplicate_key_is_an_error_with_both_lines() -> None:
    assert problem("a: 1\nb: 2\na: 3\n").startswith(
        "f.yaml:3:1: duplicate key 'a' (first at line 1)"
    )


def test_object_tags_are_refused() -> None:
    assert "unsupported YAML tag" in problem("a: !!python/object/apply:os.system ['true']\n")


def test_alias_bomb_is_capped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    assert "expands to more than" in problem("\n".join(lines) + "\n")


def test_deep_nesting_is_capped() -> None:
    assert "nesting deeper than" in problem("a: " + "[" * 100 + "]" * 100 + "\n")


def test_huge_scalar_is_capped() -> None:
    assert "longer than" in problem("a: " + "x" * 50 + "\n", Limits(max_scalar_chars=10))


def test_tabs_get_a_hint() -> None:
    assert "indent with spaces" in problem("a:\n\t- 1\n")


def test_two_documents_are_refused() -> None:
    assert "more than one YAML document" in problem("a: 1\n---\nb: 2\n")


def test_merge_keys_do_not_override_explicit_keys() -> None:
    doc = parse_text("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert doc.data["c"] == {"x": 1, "y": 3}


def test_non_utf8_and_bom(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: caf\xe9\n")
    with pytest.raises(YamlProblem) as info:
        read_yaml(bad)
    assert "not UTF-8" in str(info.value.diagnostic)
    assert ":1:" in str(info.value.diagnostic)
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_yaml(bom).data == {"a": 1}


def test_oversized_file(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 100)
    with pytest.raises(YamlProblem) as info:
        read_yaml(big, limits=Limits(max_file_bytes=50))
    assert "over the limit" in str(info.value.diagnostic)
