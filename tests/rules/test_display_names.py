"""Findings name systems and components as people do (issue 18).

Titles and conditions say "the <component name> of <system name>"; the ids stay in
the finding's subject. A component or system without a name is named by its id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from auditor.cli import cli

INVENTORY = """\
organisation: {name: Klinik Süd, country: DE, entity: klinik}
entities:
  - {id: klinik, name: Klinik Süd GmbH, country: DE, parents: []}
data:
  - id: notes
    name: Clinical notes
    categories: [user.health_and_medical]
    subjects: [patient]
    classification: confidential
systems:
  - id: drafting
    SYSTEM_NAME
    purpose: Drafts discharge letters from clinical notes.
    components:
      - {id: app, kind: application, operator: klinik, on_prem: {country: DE}}
      - {id: llm, LLM_NAME kind: model_api, vendor: azure-openai, region: "azure:westeurope"}
    flows:
      - {from: app, to: llm, data: [notes]}
"""


def _findings(tmp_path: Path, system_name: str, llm_name: str) -> list[dict[str, Any]]:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        INVENTORY.replace("SYSTEM_NAME", system_name).replace("LLM_NAME", llm_name),
        encoding="utf-8",
    )
    out = tmp_path / "result.json"
    result = CliRunner().invoke(
        cli,
        ["audit", str(path), "--json", str(out), "--fail-on", "never", "--today", "2026-11-28"],
    )
    assert result.exit_code == 0, result.output
    findings: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))["findings"]
    return findings


def test_findings_name_the_component_and_system_and_keep_the_ids_in_the_subject(
    tmp_path: Path,
) -> None:
    findings = _findings(tmp_path, "name: Discharge assistant", "name: Letter drafting model,")
    cloud_act = next(f for f in findings if f["rule_id"] == "us-cloud-act-exposure")
    where = "the Letter drafting model of Discharge assistant"
    assert cloud_act["title"] == f"US CLOUD Act can compel disclosure of data at {where}"
    assert cloud_act["condition"].startswith(f"At {where}, ")
    assert cloud_act["subject"]["system"] == "drafting"
    assert cloud_act["subject"]["component"] == "llm"
    for finding in findings:
        text = finding["title"] + " " + finding["condition"]
        assert "drafting/llm" not in text, finding["rule_id"]


def test_a_component_without_a_name_is_named_by_its_id(tmp_path: Path) -> None:
    findings = _findings(tmp_path, "", "")
    cloud_act = next(f for f in findings if f["rule_id"] == "us-cloud-act-exposure")
    assert cloud_act["title"].endswith("at the llm of drafting")
