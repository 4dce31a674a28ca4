"""The fields a check may name are the fields of its subject kind's row type, and nothing else:
the rule schema, rule-file validation, the rows the engine builds and the README all agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from auditor.cli import main
from auditor.exposure.rows import EVIDENCE_FIELDS, check_fields_of
from auditor.rules.load import load_rules
from auditor.rules.schema import ROW_TYPES, Over, check_fields
from tests.conftest import EXAMPLES, ROOT


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Exit code and output (both streams) of the ``auditor`` command."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out + captured.err


def _readme_table() -> str:
    """The table of fields per subject kind, as the row types give it."""
    rows = [
        f"| `{over.value}` | " + ", ".join(f"`{name}`" for name in check_fields_of(t)) + " |"
        for over, t in ROW_TYPES.items()
    ]
    return "\n".join(["| `match.over` | fields |", "|---|---|", *rows])


def test_every_subject_kind_has_a_row_type_carrying_its_evidence() -> None:
    assert list(ROW_TYPES) == list(Over)
    for over, row_type in ROW_TYPES.items():
        assert row_type._fields[-len(EVIDENCE_FIELDS) :] == EVIDENCE_FIELDS, over
        assert check_fields(over) == set(row_type._fields) - set(EVIDENCE_FIELDS), over


def test_the_readme_lists_the_fields_of_every_subject_kind() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- check-fields: begin -->\n(.*?)\n<!-- check-fields: end -->", readme, re.S
    )
    assert found, "README.md has no check-fields table"
    assert found.group(1) == _readme_table(), "README.md's table should read:\n" + _readme_table()


def test_every_builtin_check_names_only_fields_of_its_rows() -> None:
    for rule in load_rules():
        assert rule.unknown_fields() == [], rule.id


def _pack(tmp_path: Path, rule: dict[str, object]) -> Path:
    checks = tmp_path / "pack" / "checks"
    checks.mkdir(parents=True)
    (checks / f"{rule['id']}.yaml").write_text(yaml.safe_dump(rule), encoding="utf-8")
    return tmp_path / "pack"


def _check(over: str, where: list[dict[str, object]], condition: str) -> dict[str, object]:
    rule = yaml.safe_load((ROOT / "rules/checks/support-access-abroad.yaml").read_text())
    rule["id"] = "my-check"
    rule["severity_when"] = []
    rule["title"] = "my check"
    rule["remediation"] = "fix it"
    rule["match"] = {"over": over, "where": where}
    rule["messages"] = {"condition": condition, "cause": "because", "effect": "so"}
    return rule


@pytest.mark.parametrize(
    ("where", "condition", "message", "hint"),
    [
        (
            [{"field": "controler_jurisdictions", "op": "contains", "value": "US"}],
            "{system}",
            "field 'controler_jurisdictions' is not offered by subjects of kind 'component'",
            "did you mean 'controller_jurisdictions'",
        ),
        (
            [],
            "{system} keeps prompts for {retention_day} days",
            "field 'retention_day' is not offered",
            "did you mean 'retention_days'",
        ),
        (
            [{"field": "evidence", "op": "not_empty"}],
            "{system}",
            "field 'evidence' is not offered",
            "did you mean 'confidence'",
        ),
    ],
    ids=["condition", "placeholder", "evidence-is-not-a-field"],
)
def test_a_check_naming_a_field_no_row_has_exits_4_with_a_hint(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    where: list[dict[str, object]],
    condition: str,
    message: str,
    hint: str,
) -> None:
    pack = _pack(tmp_path, _check("component", where, condition))
    code, output = _run(capsys, "--rules", str(pack), "rules", "list")
    assert code == 4
    assert "my-check.yaml" in output
    assert message in output
    assert hint in output


def test_fields_the_rows_carried_unlisted_can_now_be_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Component rows held the controlling countries as a list, residency rows their
    confidence, before the schema offered them; now a check can use them."""
    checks = (
        _pack(
            tmp_path,
            _check(
                "component",
                [{"field": "controller_jurisdictions", "op": "contains", "value": "US"}],
                "{system}/{component} is controlled from {controller_jurisdictions_text}",
            ),
        )
        / "checks"
    )
    residency = _check(
        "residency",
        [{"field": "kind", "op": "eq", "value": "reach"}],
        "{data_asset}: confidence {confidence}.",
    )
    residency["id"] = "my-residency-check"
    residency["subject"] = ["data_asset", "system", "component", "law"]
    (checks / "my-residency-check.yaml").write_text(yaml.safe_dump(residency), encoding="utf-8")
    out = tmp_path / "result.json"
    code, output = _run(
        capsys,
        "--rules",
        str(checks.parent),
        "audit",
        str(EXAMPLES / "bank"),
        "--no-config",
        "--fail-on",
        "never",
        "--quiet",
        "--today",
        "2026-11-28",
        "--json",
        str(out),
    )
    assert code == 0, output
    findings = json.loads(out.read_text())["findings"]
    mine = [f for f in findings if f["rule_id"] == "my-check"]
    # The list holds codes for conditions; the text names the countries (issue 17).
    assert mine and all("controlled from the United States" in f["condition"] for f in mine)
    reach = [f for f in findings if f["rule_id"] == "my-residency-check"]
    assert reach and all(f"confidence {f['confidence']}." in f["condition"] for f in reach)
