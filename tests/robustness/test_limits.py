"""Resource limits: file size, nesting depth, value count (alias expansion) and scalar length.

Each cap gives a clear, positioned message with a hint; each can be lowered
through :class:`~auditor.loader.yamlsrc.Limits`, and every reader of user files
(inventory, policy, waivers) honours it. The CLI runs with the defaults; the
corpus (test_corpus.py) shows them at full size.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.loader.inventory import load_inventory, load_policy, load_waivers
from auditor.loader.yamlsrc import DEFAULT_LIMITS, Limits, YamlProblem, parse_text, read_yaml
from tests.robustness._support import TimeLimit, time_limit

SMALL = Limits(max_file_bytes=4096, max_depth=8, max_values=500, max_scalar_chars=100)


def problem(text: str, limits: Limits = SMALL) -> str:
    with pytest.raises(YamlProblem) as info:
        parse_text(text, "in.yaml", limits)
    return str(info.value.diagnostic)


def test_default_limits_are_set_and_sane() -> None:
    assert 1024 * 1024 <= DEFAULT_LIMITS.max_file_bytes <= 64 * 1024 * 1024
    assert 16 <= DEFAULT_LIMITS.max_depth <= 256
    assert 10_000 <= DEFAULT_LIMITS.max_values <= 10_000_000
    assert 10_000 <= DEFAULT_LIMITS.max_scalar_chars <= 10_000_000


def test_file_size(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * 500)
    with pytest.raises(YamlProblem) as info:
        read_yaml(big, limits=SMALL)
    text = str(info.value.diagnostic)
    assert str(big) in text and "over the limit of 4,096" in text and "hint:" in text


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 9 + "]" * 9 + "\n",
        "a: " + "{b: " * 9 + "1" + "}" * 9 + "\n",
        "".join("  " * i + f"k{i}:\n" for i in range(9)) + "  " * 9 + "x: 1\n",
    ],
    ids=["flow-sequences", "flow-mappings", "block-mappings"],
)
def test_nesting_depth(text: str) -> None:
    message = problem(text)
    assert message.startswith("in.yaml:") and "nesting deeper than 8 levels" in message
    assert "hint: flatten" in message


def test_nesting_at_the_limit_is_fine() -> None:
    assert parse_text("a: " + "[" * 7 + "]" * 7 + "\n", "in.yaml", SMALL).data is not None


def test_alias_expansion() -> None:
    lines = ["a0: &a0 [x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 5)
    ]
    message = problem("\n".join(lines) + "\n")
    assert "expands to more than 500 values" in message and "billion laughs" in message
    assert message.startswith("in.yaml:")


def test_modest_alias_reuse_is_fine() -> None:
    doc = parse_text(
        "base: &b {x: 1, y: 2}\none: *b\ntwo: *b\nthree: {<<: *b, z: 3}\n", "in.yaml", SMALL
    )
    assert doc.data["three"] == {"x": 1, "y": 2, "z": 3}


def test_many_plain_values_count_too() -> None:
    assert "expands to more than 500 values" in problem("a: [" + ", ".join(["1"] * 600) + "]\n")


def test_scalar_length() -> None:
    message = problem("a: " + "x" * 101 + "\n")
    assert "a value longer than 100 characters" in message and message.startswith("in.yaml:1:4")


def test_doubling_merge_keys_resolve_in_linear_time() -> None:
    """``<<: [*prev, *prev]`` over 30 levels would be 2^30 pairs if expanded naively; merges
    are resolved once per node, so it parses at once, with YAML's merge semantics."""
    lines = ["m0: &m0 {k: 1}"] + [
        f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}]}}" for i in range(1, 30)
    ]
    try:
        with time_limit(3):
            doc = parse_text("\n".join(lines) + "\n", "in.yaml", Limits())
    except TimeLimit:
        pytest.fail("merge-key expansion is exponential")
    assert doc.data["m29"] == {"k": 1}


def test_merged_values_still_count_against_the_cap() -> None:
    lines = [f"m{i}: &m{i} {{k{i}: {i}}}" for i in range(50)]
    lines.append("all: {<<: [" + ", ".join(f"*m{i}" for i in range(50)) + "]}")
    with pytest.raises(YamlProblem) as info:
        parse_text("\n".join(lines) + "\n", "in.yaml", Limits(max_values=120))
    assert "expand" in str(info.value.diagnostic)


def test_every_reader_honours_the_limits(tmp_path: Path) -> None:
    deep = "  x: " + "[" * 20 + "]" * 20 + "\n"
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text("organisation:\n  name: O\n  country: DE\n  sector: " + "s" * 200 + "\n")
    with pytest.raises(InputError) as info:
        load_inventory([inventory], SMALL)
    assert any("longer than 100" in d.message for d in info.value.diagnostics)
    policy = tmp_path / "policy.yaml"
    policy.write_text("policy:\n" + deep)
    with pytest.raises(InputError) as info:
        load_policy(policy, SMALL)
    assert any("nesting deeper than 8" in d.message for d in info.value.diagnostics)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n" + deep)
    with pytest.raises(InputError) as info:
        load_waivers(waivers, SMALL)
    assert any("nesting deeper than 8" in d.message for d in info.value.diagnostics)
