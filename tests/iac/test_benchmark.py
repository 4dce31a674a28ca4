"""The benchmark generator (benchmarks/scan.py) keeps producing a tree the scanner reads cleanly."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from auditor.loader.iac import scan

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "scan.py"


def test_generated_tree_scans_cleanly(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("scan_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.generate(80, tmp_path / "repo", seed=3)
    assert written >= 80
    result = scan(tmp_path / "repo")
    assert result.diagnostics == []
    assert result.fragment.systems
    assert sum(len(s.components) for s in result.fragment.systems) > 10
