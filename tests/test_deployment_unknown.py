"""An unresolved deployment option is unknown, never the vendor's default presented as
fact (issue 19); a declared component without ``deployment:`` gets the vendor's default,
said as an assumption. Each test runs the CLI on a small tree or inventory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from auditor.cli import cli
from tests.test_places import _audit, _bedrock, _inventory

TERRAFORM = """\
provider "aws" {
  region = "eu-central-1"
}

variable "model" {
  type = string
}

resource "aws_bedrockagent_agent" "a" {
  agent_name       = "helper"
  foundation_model = var.model
}
"""

UNDECIDED = (
    "the deployment option of Amazon Bedrock is not known, and its options "
    "(in-region, eu, us, apac, jp, au, us-gov, global) put processing in different places"
)


def _gaps(result: dict[str, Any], component: str) -> list[str]:
    return sorted(
        f["condition"]
        for f in result["findings"]
        if f["rule_id"] == "evidence-gap-location" and f["subject"]["component"] == component
    )


def _component_hops(result: dict[str, Any], key: str) -> set[str]:
    return {
        h["node"] for h in result["hops"] if h["kind"] == "component" and h["node"].startswith(key)
    }


def test_a_scanned_bedrock_call_whose_model_id_is_a_variable_processes_in_unknown_places(
    tmp_path: Path,
) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    out = tmp_path / "result.json"
    run = CliRunner().invoke(
        cli,
        ["scan", str(infra), "--country", "DE", "--json", str(out), "--fail-on", "never"],
    )
    assert run.exit_code == 0, run.output
    result = json.loads(out.read_text(encoding="utf-8"))
    gaps = _gaps(result, "aws_bedrockagent_agent.a")
    # processing is unknown (the options disagree), storage is not (every option keeps it
    # in the region): the Bedrock default 'in-region' is not presented as fact
    assert any(f"processing location unknown ({UNDECIDED})" in g for g in gaps), gaps
    assert not any("storage location unknown" in g for g in gaps), gaps
    assert not any("assumed in-region" in h for h in _component_hops(result, "tf-root/"))
    # an unknown processing place is an unassessable transfer, not an EU one
    transfers = [t for t in result["transfers"] if t["component"] == "aws_bedrockagent_agent.a"]
    assert transfers and all(t["conclusion"] != "adequacy" for t in transfers)


def test_a_declared_component_without_deployment_says_it_assumes_the_default(
    tmp_path: Path,
) -> None:
    component = _bedrock("in-region")
    del component["deployment"]
    result = _audit(tmp_path, _inventory(component, allowed=["EU"]))
    assert _component_hops(result, "bot/llm") == {
        "bot/llm (model_api, processing: Frankfurt, Germany (Amazon Web Services eu-central-1); "
        "deployment option not declared, assumed in-region (the vendor's default))"
    }
    assert not any("processing location unknown" in g for g in _gaps(result, "llm"))


def test_a_declared_deployment_is_no_assumption(tmp_path: Path) -> None:
    result = _audit(tmp_path, _inventory(_bedrock("in-region"), allowed=["EU"]))
    assert _component_hops(result, "bot/llm") == {
        "bot/llm (model_api, processing: Frankfurt, Germany (Amazon Web Services eu-central-1))"
    }


def test_deployment_unknown_in_an_inventory_is_an_evidence_gap(tmp_path: Path) -> None:
    result = _audit(tmp_path, _inventory(_bedrock("unknown"), allowed=["EU"]))
    gaps = _gaps(result, "llm")
    assert any(f"processing location unknown ({UNDECIDED})" in g for g in gaps), gaps
    [location] = [
        f
        for f in result["findings"]
        if f["rule_id"] == "policy-residency-location" and f["subject"]["component"] == "llm"
    ]
    assert location["subject"]["role"] == "processing"
