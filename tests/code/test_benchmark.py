"""The code-scan benchmark generator (benchmarks/code_scan.py) keeps producing a tree the scanner reads."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from auditor.loader.iac import scan

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "code_scan.py"


def test_generated_application_tree_scans_cleanly(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("code_scan_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.generate(80, tmp_path / "repo", seed=3)
    assert written >= 80
    result = scan(tmp_path / "repo")
    assert result.diagnostics == [] and result.notes == []
    components = [c for s in result.fragment.systems for c in s.components]
    assert len(components) == written // 10  # one AI file in ten, the vendored one skipped
    assert all(c.vendor is not None for c in components)
