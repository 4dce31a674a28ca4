"""The PRC National Intelligence Law through the CLI: what the text read supports.

- Arts. 7 and 14 bind "any organisation and citizen"; a PRC-incorporated operator is reached on
  that text, and the finding says it "can be compelled".
- No article read (7, 10, 14, 16) says the duty binds a company established abroad, so a
  foreign subsidiary of a PRC group is reported as a precaution: "may be compellable", with the
  words that no source read confirms the reach through parent control. It must never read as
  settled law.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from auditor.cli import cli

TODAY = "2026-12-06"
LAW = "cn-national-intelligence-law"
SHORT = "PRC National Intelligence Law"

PARENT = {"id": "beispiel-cn", "name": "Beispiel Technology Co., Ltd.", "country": "CN"}
SUBSIDIARY = {
    "id": "beispiel-sg",
    "name": "Beispiel AI Pte. Ltd.",
    "country": "SG",
    "parents": [{"entity": "beispiel-cn", "share_pct": 100}],
}


def _audit(tmp_path: Path, operator: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": {"name": "Kanzlei Muster", "country": "DE", "entity": "org"},
        "entities": [
            {"id": "org", "name": "Kanzlei Muster", "country": "DE", "parents": []},
            {**PARENT, "parents": []},
            SUBSIDIARY,
        ],
        "data": [
            {
                "id": "akten",
                "name": "Mandantenakten",
                "categories": ["user.name", "user.contact.address"],
                "classification": "confidential",
            }
        ],
        "systems": [
            {
                "id": "assist",
                "name": "Schriftsatz-Assistent",
                "purpose": "Drafts letters from client files.",
                "criticality": "high",
                "components": [
                    {
                        "id": "app",
                        "name": "Kanzlei-App",
                        "kind": "application",
                        "on_prem": {"country": "DE"},
                        "holds": ["akten"],
                    },
                    {
                        "id": "llm",
                        "name": "Model API",
                        "kind": "model_api",
                        "operator": operator,
                        "country": "DE",
                    },
                ],
                "flows": [{"from": "app", "to": "llm", "data": ["akten"]}],
            }
        ],
    }
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["audit", str(path), "--fail-on", "never", "--today", TODAY, "--json", "-"]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _only(result: dict[str, Any], key: str) -> dict[str, Any]:
    rows = [
        r
        for r in result[key]
        if (r.get("subject", r).get("component") == "llm")
        and (r.get("subject", r).get("law") == LAW)
    ]
    assert len(rows) == 1, rows
    row: dict[str, Any] = rows[0]
    return row


def test_a_foreign_subsidiary_of_a_prc_group_is_reported_as_a_precaution(tmp_path: Path) -> None:
    result = _audit(tmp_path, "beispiel-sg")
    exposure = _only(result, "exposures")
    assert exposure["trigger"] == "control"
    # Arts. 7, 10, 14 and 16 were read; none extends the duty to a company established abroad.
    assert exposure["reach_confidence"] == "unconfirmed"
    condition = _only(result, "findings")["condition"]
    assert f"may be compellable under {SHORT}" in condition
    assert "can be compelled" not in condition
    assert (
        f"No source read confirms that {SHORT} can reach a party through "
        "a parent in the country that controls it"
    ) in condition
    assert "this finding is a precaution, not a reading of the law" in condition


def test_a_prc_incorporated_operator_is_reached_on_the_text_read(tmp_path: Path) -> None:
    result = _audit(tmp_path, "beispiel-cn")
    exposure = _only(result, "exposures")
    assert (exposure["trigger"], exposure["reach_confidence"]) == ("incorporated", "secondary")
    condition = _only(result, "findings")["condition"]
    assert f"can be compelled under {SHORT}" in condition
    assert "No source read confirms" not in condition
    # The law's own facts are secondary, read in a transcription of the Chinese text.
    ref = next(r for r in result["laws"] if r["id"] == LAW)
    assert ref["confidence"] == "secondary"
