"""auditor scan end to end: Terraform found, merged with an inventory, SARIF into the .tf files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main

FIXTURES = Path(__file__).parent / "fixtures"

INVENTORY = """\
organisation: {name: Stadtwerke Test, country: DE, entity: stadtwerke}
entities:
  - {id: stadtwerke, name: Stadtwerke Test GmbH, country: DE, parents: []}
data:
  - {id: customer-letters, categories: [user.name, user.contact.address], classification: confidential}
systems:
  - id: letters
    purpose: Drafts letters to customers.
    components:
      - {id: app, kind: application, on_prem: {country: DE}, operator: stadtwerke}
    flows:
      - {from: app, to: tf-root/module.openai.azurerm_cognitive_deployment.gpt, data: [customer-letters]}
"""


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    return int(info.value.code or 0)


def test_scan_with_inventory_points_sarif_into_terraform(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(INVENTORY)
    sarif, result = tmp_path / "s.sarif", tmp_path / "r.json"
    code = run(
        "scan",
        str(FIXTURES / "azure-openai"),
        "--inventory",
        str(inventory),
        "--sarif",
        str(sarif),
        "--json",
        str(result),
        "--today",
        "2026-11-28",
        "--quiet",
    )
    assert code == 1
    data = json.loads(result.read_text())
    gpt = [
        e
        for e in data["exposures"]
        if e["component"] == "module.openai.azurerm_cognitive_deployment.gpt"
    ]
    assert any(e["data_asset"] == "customer-letters" and e["law"] == "us-cloud-act" for e in gpt)
    assert any(i["path"].endswith(".tf") for i in data["inputs"])
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(sarif.read_text())["runs"][0]["results"]
    ]
    assert any(u.endswith(".tf") for u in uris)


def test_scan_without_inventory_needs_a_country_and_assumes_personal_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run("scan", str(FIXTURES / "scaleway"), "--quiet") == 2
    assert "--country" in capsys.readouterr().err
    assert (
        run(
            "scan",
            str(FIXTURES / "bedrock"),
            "--country",
            "DE",
            "--fail-on",
            "never",
            "--today",
            "2026-11-28",
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "assumes they hold personal data" in out


def test_explain_resolution_shows_each_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("scan", str(FIXTURES / "azure-openai"), "--explain-resolution") == 0
    out = capsys.readouterr().out
    assert "tfvars" in out and "UNKNOWN" in out and "module_input" in out


def test_an_unclosed_block_is_named_as_such_and_no_report_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "infra"
    root.mkdir()
    (root / "ok.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\nresource "aws_s3_bucket" "docs" {\n'
        '  bucket = "docs"\n}\n'
    )
    # A block left open at the end of the file: the parser meets the end, not a token.
    (root / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "x"\n')
    out = tmp_path / "r.json"
    code = run("scan", str(root), "--country", "DE", "--json", str(out), "--quiet")
    err = capsys.readouterr().err
    assert code == 3
    assert "main.tf:3:1: cannot parse Terraform: unexpected end of file" in err
    assert "unexpected ''" not in err
    # What the hint says is what happens: the scan stops and writes nothing.
    assert "still scanned" not in err and "writes no report" in err
    assert not out.exists()


def test_the_root_module_at_the_top_of_the_scan_is_named_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "infra"
    root.mkdir()
    (root / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\nresource "aws_s3_bucket" "docs" {\n'
        '  bucket = "docs"\n}\n'
    )
    out = tmp_path / "r.json"
    run("scan", str(root), "--country", "DE", "--json", str(out), "--today", "2026-12-05")
    printed = capsys.readouterr().out
    names = {s["name"] for s in json.loads(out.read_text())["scores"]}
    assert "Terraform root module of the scanned folder" in names
    assert "Terraform root module of the scanned folder" in printed
    assert "root module the scanned folder" not in printed
