"""Roots that only call registry or remote modules are named, never dropped in silence (issue 19)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from auditor.loader.iac import scan

ROOT = """
module "bedrock" {
  source  = "aws-ia/bedrock/aws"
  version = "0.0.31"
  create_agent = true
}
module "storage" {
  source = "git::https://example.com/storage.git?ref=v1"
}
resource "random_pet" "name" {}
"""


def test_root_calling_only_remote_modules_names_each_module(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ROOT)
    result = scan(tmp_path)
    assert result.fragment.systems == []
    notes = "\n".join(result.notes)
    assert "module.bedrock (" in notes and "'aws-ia/bedrock/aws'" in notes
    assert "module.storage (" in notes and "git::https://example.com/storage.git?ref=v1" in notes
    assert "no AI services or data stores found" in notes


def test_scan_cli_prints_the_unfollowed_modules(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ROOT)
    run = CliRunner().invoke(cli, ["scan", str(tmp_path), "--country", "DE"])
    assert run.exit_code == 0, run.output
    assert "notice: module.bedrock" in run.output
    assert "registry or remote module; not followed" in run.output
