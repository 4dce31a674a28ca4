"""Issue 15: what one scan may cost, and inputs of the wrong shape, through the library API.

The CLI side (exit 3, no traceback, no hang) is in the robustness corpus
(``tests/robustness/corpus/scan-*`` and the generated ``gen-scan-*`` traps).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from auditor.audit.config import (
    CEILING_DEPTH,
    CEILING_FILE_MB,
    CEILING_SCALAR_CHARS,
    CEILING_VALUES,
    load_config,
)
from auditor.errors import InputError
from auditor.loader.iac import scan
from auditor.loader.iac.hcl import (
    MAX_INTEGER_DIGITS,
    MAX_MODULE_INSTANCES,
    Budget,
    LimitExceeded,
)
from auditor.loader.yamlsrc import Limits
from auditor.model.common import SourceSpan

from .helpers import FIXTURES, components

PROVIDER = 'provider "aws" {\n  region = "eu-${local.out}"\n}\n\n'
BUCKET = 'resource "aws_s3_bucket" "docs" {\n  bucket = "docs"\n}\n'


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _chain(lines: list[str]) -> str:
    return PROVIDER + "locals {\n" + "\n".join(f"  {x}" for x in lines) + "\n}\n\n" + BUCKET


def test_real_fixtures_stay_far_below_the_budget() -> None:
    for name in ("azure-openai", "bedrock", "vertex", "scaleway", "kubernetes", "plan"):
        result = scan(FIXTURES / name)
        assert not any("limit" in d.message for d in result.diagnostics), name
        assert components(result), name


def test_the_value_budget_counts_the_whole_scan_and_follows_the_config(tmp_path: Path) -> None:
    lines = ['l0 = ["x"]'] + [f"l{i} = [local.l{i - 1}, local.l{i - 1}]" for i in range(1, 13)]
    root = _write(tmp_path, {"main.tf": _chain([*lines, "out = length(local.l12)"])})
    assert not scan(root).diagnostics  # 2^12 items are fine by default
    small = scan(root, limits=Limits(max_values=5_000))
    (problem,) = small.diagnostics
    assert "more than 5,000 values" in problem.message
    assert problem.path.endswith("main.tf") and problem.line is not None
    assert not small.fragment.systems  # half an evaluation yields no system


def test_a_spent_budget_stops_later_root_modules_with_a_note(tmp_path: Path) -> None:
    doubling = ['s0 = "xx"'] + [
        f's{i} = "${{local.s{i - 1}}}${{local.s{i - 1}}}"' for i in range(1, 30)
    ]
    _write(tmp_path, {"a/main.tf": _chain([*doubling, "out = local.s29"])})
    _write(tmp_path, {"b/main.tf": _chain(['out = "central-1"'])})
    result = scan(tmp_path)
    assert [d.path.endswith("a/main.tf") for d in result.diagnostics] == [True]
    assert any("b: not evaluated" in n for n in result.notes)


def test_strings_integers_and_modules_each_have_a_ceiling(tmp_path: Path) -> None:
    start = time.monotonic()
    squares = ["a0 = 3"] + [f"a{i} = local.a{i - 1} * local.a{i - 1}" for i in range(1, 40)]
    (intro,) = scan(
        _write(tmp_path / "i", {"main.tf": _chain([*squares, "out = local.a39"])})
    ).diagnostics
    assert f"more than {MAX_INTEGER_DIGITS:,} digits" in intro.message
    text = [
        'a = "xxxxxxxxxx"',
        'b = replace(local.a, "x", local.a)',
        'c = replace(local.b, "x", local.b)',
    ]
    text += ['d = replace(local.c, "x", local.c)', "out = local.d"]
    limits = Limits(max_scalar_chars=10_000)
    (long,) = scan(_write(tmp_path / "s", {"main.tf": _chain(text)}), limits=limits).diagnostics
    assert "more than 10,000 characters" in long.message
    assert time.monotonic() - start < 10


def test_budget_refuses_before_building_and_names_the_span() -> None:
    budget = Budget(Limits(max_values=10, max_scalar_chars=100))
    span = SourceSpan(path="m.tf", line=3, column=5)
    budget.text(100, span)
    with pytest.raises(LimitExceeded) as info:
        budget.text(101, span)
    assert (info.value.diagnostic.path, info.value.diagnostic.line) == ("m.tf", 3)
    with pytest.raises(LimitExceeded):
        budget.handed_over([["x"] * 6] * 6, span)  # 43 values, the walk stops at the limit
    with pytest.raises(LimitExceeded):
        budget.integer(10**MAX_INTEGER_DIGITS, span)
    budget.integer(10**MAX_INTEGER_DIGITS - 1, span)


def test_kubernetes_wrong_shapes_are_skipped_with_notes(tmp_path: Path) -> None:
    manifest = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat, namespace: shop}
spec:
  template:
    spec:
      affinity: x
      containers:
        - name: app
          image: example/chat:1
          env:
            - {name: OPENAI_BASE_URL, value: "https://api.openai.com/v1"}
            - {name: X, valueFrom: oops}
          envFrom: ["s", {configMapRef: {name: cfg}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop}
data: [1]
---
apiVersion: v1
kind: ConfigMap
metadata: just-a-string
"""
    result = scan(_write(tmp_path, {"k8s.yaml": manifest}))
    assert not result.diagnostics
    assert "k8s-shop/deployment-chat.openai" in components(result)
    notes = "\n".join(result.notes)
    assert (
        "k8s.yaml:14: Deployment chat: spec.template.spec.containers.0.envFrom.0 is not a mapping"
        in notes
    )
    assert "k8s.yaml:19: ConfigMap cfg: data is not a mapping; ignored" in notes
    assert (
        "k8s.yaml:23: ConfigMap (no name): metadata is not a mapping; the object is skipped"
        in notes
    )


def test_kubernetes_value_limit_holds_per_file(tmp_path: Path) -> None:
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    doc += "  b: [" + ", ".join(["*a"] * 50) + "]\n"  # about 560 values per document
    limits = Limits(max_values=1_000)
    assert not scan(_write(tmp_path / "one", {"k.yaml": doc}), limits=limits).diagnostics
    (problem,) = scan(
        _write(tmp_path / "two", {"k.yaml": doc + "---\n" + doc}), limits=limits
    ).diagnostics
    assert "more than 1,000 values" in problem.message and problem.line is not None


def test_config_limits_cannot_exceed_the_ceilings(tmp_path: Path) -> None:
    config = tmp_path / ".auditor.yaml"
    config.write_text(f"limits:\n  max_values: {CEILING_VALUES}\n", encoding="utf-8")
    assert load_config(config).limits.limits().max_values == CEILING_VALUES
    config.write_text(
        "limits:\n  max_scalar_chars: 5\n  max_values: 999999999999\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        load_config(config)
    shown = {(d.line, d.message.split(":")[0]) for d in info.value.diagnostics}
    assert (3, "limits.max_values") in shown and (2, "limits.max_scalar_chars") in shown
    assert any(f"{CEILING_VALUES}" in d.message for d in info.value.diagnostics)


def test_readme_states_the_limits_the_code_applies() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"more than {MAX_INTEGER_DIGITS:,} digits" in readme
    assert f"at most {MAX_MODULE_INSTANCES:,} module instances" in readme
    assert f"`max_file_mb` {CEILING_FILE_MB}, `max_depth` {CEILING_DEPTH:,}" in readme
    assert f"`max_values` {CEILING_VALUES:,}" in readme
    assert f"`max_scalar_chars` {CEILING_SCALAR_CHARS:,}" in readme
