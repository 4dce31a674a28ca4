"""Open weights are provenance, not an operator (issue 17, DESIGN.md 3.3).

A self-hosted model family is run by whoever runs the hardware; its publisher
reaches no data. A publisher reaches data only through a hosted API the
inventory actually uses. Every test runs the CLI on a small inventory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import cli, main
from tests.conftest import EXAMPLES, ROOT

US_LAWS = {"us-cloud-act", "us-fisa-702", "us-eo-12333"}

CLINIC = """\
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
    purpose: Drafts discharge letters from clinical notes.
    components:
      - {id: app, kind: application, operator: klinik, on_prem: {country: DE}}
      - LLM
    flows:
      - {from: app, to: llm, data: [notes]}
"""


def _inventory(tmp_path: Path, llm: str) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(CLINIC.replace("- LLM", "- " + llm), encoding="utf-8")
    return path


def _audit(tmp_path: Path, llm: str) -> dict[str, Any]:
    out = tmp_path / "result.json"
    result = CliRunner().invoke(
        cli,
        [
            "audit",
            str(_inventory(tmp_path, llm)),
            "--json",
            str(out),
            "--fail-on",
            "never",
            "--today",
            "2026-11-28",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def _reach(result: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(law, party, role) of every exposure."""
    return {(e["law"], e["party"], e["party_role"]) for e in result["exposures"]}


def _rules(result: dict[str, Any]) -> set[str]:
    return {f["rule_id"] for f in result["findings"]}


def _llm_row(result: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = next(r for r in result["inventory_register"] if r["component"] == "llm")
    return row


def test_on_premises_llama_named_as_vendor_gets_no_us_law(tmp_path: Path) -> None:
    result = _audit(
        tmp_path, "{id: llm, kind: model_weights, vendor: meta-llama, on_prem: {country: DE}}"
    )
    assert not {law for law, _, _ in _reach(result)} & US_LAWS
    assert not {"us-cloud-act-exposure", "us-fisa-702-exposure"} & _rules(result)
    # the clinic runs it, from its own premises: nothing about it is unknown
    assert not any(rule.startswith("evidence-gap") for rule in _rules(result))
    row = _llm_row(result)
    assert row["operator"] == "Klinik Süd GmbH"
    assert row["model"] == (
        "Meta Llama (open-weights models) (open weights), "
        "published by Meta Platforms Ireland Limited (IE)"
    )


def test_on_premises_llama_named_as_model_vendor_shows_its_publisher(tmp_path: Path) -> None:
    result = _audit(
        tmp_path,
        "{id: llm, kind: model_weights, on_prem: {country: DE},"
        " model: {name: Llama 3.3 70B, vendor: meta-llama}}",
    )
    assert result["exposures"] == []
    assert _llm_row(result)["model"] == (
        "Llama 3.3 70B (open weights), published by Meta Platforms Ireland Limited (IE)"
    )


def test_on_premises_deepseek_weights_get_no_chinese_law(tmp_path: Path) -> None:
    result = _audit(
        tmp_path,
        "{id: llm, kind: model_weights, vendor: deepseek-open-weights, on_prem: {country: DE}}",
    )
    assert result["exposures"] == []
    assert "cn-state-access-exposure" not in _rules(result)
    assert not {j for j in (e["jurisdiction"] for e in result["exposures"]) if j == "CN"}


def test_llama_on_aws_is_reached_through_aws_not_meta(tmp_path: Path) -> None:
    result = _audit(
        tmp_path, '{id: llm, kind: model_weights, vendor: meta-llama, region: "aws:eu-central-1"}'
    )
    reach = _reach(result)
    assert ("us-cloud-act", "aws-emea-sarl", "hosting") in reach
    assert ("us-fisa-702", "aws-emea-sarl", "hosting") in reach
    assert not any(party.startswith("meta-") for _, party, _ in reach)
    # declaring the hosting party explicitly gives the same answer
    declared = _audit(
        tmp_path,
        "{id: llm, kind: model_weights, vendor: meta-llama, hosting: aws-emea-sarl,"
        ' region: "aws:eu-central-1"}',
    )
    assert _reach(declared) == reach


def test_deepseek_hosted_api_is_still_reached_by_chinese_law(tmp_path: Path) -> None:
    result = _audit(tmp_path, "{id: llm, kind: model_api, vendor: deepseek}")
    reach = _reach(result)
    assert ("cn-national-intelligence-law", "deepseek-hangzhou", "operator") in reach
    assert "cn-state-access-exposure" in _rules(result)


def test_nim_container_and_qwen_weights_on_a_german_host_reach_no_foreign_law(
    tmp_path: Path,
) -> None:
    nim = _audit(
        tmp_path, '{id: llm, kind: inference_endpoint, vendor: nvidia-nim, region: "hetzner:fsn1"}'
    )
    qwen = _audit(
        tmp_path,
        "{id: llm, kind: model_weights, vendor: qwen-open-weights,"
        ' hosting: hetzner-online-gmbh, region: "hetzner:fsn1"}',
    )
    for result in (nim, qwen):
        # Neither publisher (NVIDIA, Alibaba) is a party; the only reach left is the German
        # host's own foreign presence, which is contested.
        parties = {exposure["party"] for exposure in result["exposures"]}
        assert parties <= {"hetzner-online-gmbh"}, parties
        assert all(exposure["strength"] == "contested" for exposure in result["exposures"])
        # the host is a party: its unknown ownership is a gap, the publisher's is not asked
        gaps = [f["condition"] for f in result["findings"] if f["rule_id"].startswith("evidence")]
        assert gaps and all("Hetzner Online GmbH" in g for g in gaps), gaps


def test_publisher_is_in_the_graph_but_not_an_access_party(tmp_path: Path) -> None:
    inventory = _inventory(
        tmp_path, "{id: llm, kind: model_weights, vendor: meta-llama, on_prem: {country: DE}}"
    )
    result = CliRunner().invoke(cli, ["graph", str(inventory), "--format", "json"])
    assert result.exit_code == 0, result.output
    edges = json.loads(result.output)["edges"]
    from_llm = {(e["type"], e["target"]) for e in edges if e["source"] == "component:drafting/llm"}
    assert ("published_by", "entity:meta-platforms-ireland") in from_llm
    assert ("operated_by", "entity:klinik") in from_llm
    assert not any(
        kind in ("operated_by", "hosted_by", "provided_by") and target.startswith("entity:meta")
        for kind, target in from_llm
    )


def test_vendor_sheet_of_a_model_family_names_the_publisher(tmp_path: Path) -> None:
    html = tmp_path / "sheet.html"
    result = CliRunner().invoke(cli, ["vendor", "show", "nvidia-nim", "--html", str(html)])
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert "Model family: weights or containers that NVIDIA Corporation publishes" in page
    assert "separate service NVIDIA API Catalog" in page
    assert "None: a self-hosted model family reaches no data through its publisher" in page
    result = CliRunner().invoke(cli, ["vendor", "show", "meta-llama"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Model family" in text
    assert "publisher (provenance and licence, not an operator): Meta Platforms Ireland" in text
    assert "  operator:" not in text
    assert "none: a self-hosted model family reaches no data through its publisher" in text
    listing = CliRunner().invoke(cli, ["vendor", "list"]).output
    line = next(x for x in listing.splitlines() if x.startswith("meta-llama "))
    assert "model_family" in line and "(publisher)" in line
    service = CliRunner().invoke(cli, ["vendor", "show", "deepseek"]).output
    assert "Service: run for the organisation by its operator" in service
    assert "  operator: Hangzhou DeepSeek" in service
    assert "PRC National Intelligence Law" in service


def test_comparison_reaches_no_law_through_a_publisher(tmp_path: Path) -> None:
    out = tmp_path / "comparison.json"
    result = CliRunner().invoke(
        cli,
        ["compare", str(EXAMPLES / "procurement" / "options.yaml"), "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    columns = {c["id"]: c for c in json.loads(out.read_text(encoding="utf-8"))["options"]}
    assert columns["llama-on-premises"]["laws"] == []
    chains = [c for col in columns.values() for law in col["laws"] for c in law["chains"]]
    assert chains and not any("Meta Platforms" in c for c in chains)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Through the CLI's error boundary: exit code and everything printed."""
    with pytest.raises(SystemExit) as info:
        main(args)
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out + captured.err


def _vendor_pack(tmp_path: Path, **changes: object) -> Path:
    extra = tmp_path / "pack"
    (extra / "vendors").mkdir(parents=True)
    vendor = yaml.safe_load((ROOT / "rules/vendors/meta-llama.yaml").read_text(encoding="utf-8"))
    vendor["id"] = "llama-copy"
    vendor.update(changes)
    (extra / "vendors" / "llama-copy.yaml").write_text(yaml.safe_dump(vendor), encoding="utf-8")
    return extra


def test_knowledge_base_rejects_an_operator_on_a_model_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = _vendor_pack(tmp_path, operator="meta-platforms-ireland")
    code, output = _run(["--rules", str(extra), "kb", "check"], capsys)
    assert code == 4
    assert "llama-copy.yaml:" in output
    assert "vendor 'llama-copy' is a model family: it cannot name operator" in output
    assert "publisher:" in output
    assert "Traceback" not in output


def test_knowledge_base_rejects_a_service_without_operator_and_a_family_without_publisher(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = _vendor_pack(tmp_path, kind="model_api", publisher=None)
    code, output = _run(["--rules", str(extra), "kb", "check"], capsys)
    assert code == 4
    assert "is a service (model_api) but names no operator entity" in output
    extra = _vendor_pack(tmp_path / "b", publisher=None)
    code, output = _run(["--rules", str(extra), "kb", "check"], capsys)
    assert code == 4
    assert "model family 'llama-copy' names no publisher entity" in output


def test_model_family_as_a_hosted_api_is_an_inventory_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = _inventory(tmp_path, "{id: llm, kind: model_api, vendor: deepseek-open-weights}")
    code, output = _run(["validate", str(inventory)], capsys)
    assert code == 3
    assert "inventory.yaml:" in output
    assert "'deepseek-open-weights' is a model family" in output
    assert "name vendor: deepseek" in output
    inventory = _inventory(
        tmp_path, "{id: llm, kind: inference_endpoint, vendor: nvidia-nim, deployment: hosted-api}"
    )
    code, output = _run(["validate", str(inventory)], capsys)
    assert code == 3
    assert "name vendor: nvidia-api-catalog" in output


def test_the_vendor_sheet_names_each_party_role_in_words(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["vendor", "show", "google-vertex-ai"])
    assert result.exit_code == 0, result.output
    assert "  operator: Google Cloud EMEA Limited (IE)" in result.output
    assert "  hosting provider: Google LLC (US)" in result.output
    assert "  model provider: Google LLC (US)" in result.output
    assert "model_provider:" not in result.output and "  hosting:" not in result.output
    html = tmp_path / "vertex.html"
    result = CliRunner().invoke(cli, ["vendor", "show", "google-vertex-ai", "--html", str(html)])
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert "<td>model provider</td>" in page and "<td>model_provider</td>" not in page
