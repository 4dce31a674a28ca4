"""The benchmark estate is reproducible and a valid inventory that audits cleanly (no timings here)."""

from __future__ import annotations

import filecmp
from collections import Counter
from pathlib import Path

import pytest

from auditor.audit import load_checked_inventory, run_audit
from auditor.model.findings import AuditResult
from benchmarks.generate import generate
from benchmarks.run import TODAY, audit_options, writers
from tests.conftest import assert_revalidates


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _same(left: Path, right: Path) -> bool:
    names = _files(left)
    if names != _files(right):
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, names, shallow=False)
    return not mismatch and not errors


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    first = generate(120, tmp_path / "a", seed=11)
    second = generate(120, tmp_path / "b", seed=11)
    assert first == second
    assert _same(tmp_path / "a", tmp_path / "b")
    generate(120, tmp_path / "c", seed=12)
    assert not _same(tmp_path / "a", tmp_path / "c")


def test_refuses_to_write_into_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "keep.yaml").write_text("data: []\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate(10, tmp_path)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench") / "estate-1000"
    stats = generate(1000, root)
    # The shape the benchmark README describes: realistic systems, split like a real repository.
    assert stats.systems == 1000
    assert 70 <= stats.system_lines / stats.systems <= 180
    assert 3 <= stats.components / stats.systems <= 6
    assert stats.data_assets >= 150 and stats.entities >= 30
    assert stats.files >= 20
    return root


@pytest.fixture(scope="module")
def result(estate: Path) -> AuditResult:
    stages: list[str] = []
    audited = run_audit([estate], audit_options(stages.append))
    assert [s.split()[0] for s in stages] == [
        "loading",
        "building",
        "computing",
        "scoring",
        "matching",
        "assembling",
    ]
    return audited


def test_the_1k_estate_validates(estate: Path) -> None:
    inventory, _ = load_checked_inventory([estate])
    assert len(inventory.systems) == 1000
    assert any(entity.parents is None for entity in inventory.entities)  # an ownership gap
    assert any(
        parent.voting_pct is not None and parent.voting_pct < 50
        for entity in inventory.entities
        for parent in entity.parents or ()
    )


def test_the_1k_estate_audits_with_a_mix_of_findings(result: AuditResult) -> None:
    assert result.audit_date == TODAY.isoformat()
    kinds = Counter(f.rule_id for f in result.findings)
    expected = {
        "us-cloud-act-exposure",
        "cn-state-access-exposure",
        "policy-residency-location",
        "gdpr-transfer-without-valid-tool",
        "evidence-gap-location",
        "evidence-gap-ownership",
        "support-access-abroad",
        "provider-training-use",
        "closed-api-dependency",
    }
    assert expected <= set(kinds), expected - set(kinds)
    assert len(kinds) >= 15
    # no single rule dominates, and severities are mixed
    assert max(kinds.values()) < 0.5 * sum(kinds.values())
    assert sum(1 for n in result.summary.findings_by_severity.values() if n) >= 4
    assert result.transfers and result.exposures
    assert_revalidates(result)  # 25,000 findings built without validation, validated here


def test_every_writer_renders_the_1k_result(estate: Path, result: AuditResult) -> None:
    for name, render in writers(estate).items():
        if name in ("sarif", "junit", "html"):
            continue  # the slow ones; the report tests cover them on the examples
        assert render(result), name
