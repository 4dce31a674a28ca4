"""The reference graph is the dependency graph (issue 19): where logs are stored, where a gateway sends."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from auditor.loader.iac import How, scan

from .helpers import components, resolution

BEDROCK_LOGS = """
provider "aws" {
  region = "eu-central-1"
}
provider "aws" {
  alias  = "us"
  region = "us-east-1"
}
resource "aws_s3_bucket" "audit_logs" {
  provider = aws.us
  bucket   = "corp-bedrock-logs"
}
resource "aws_bedrock_model_invocation_logging_configuration" "this" {
  logging_config {
    text_data_delivery_enabled = true
    s3_config {
      bucket_name = aws_s3_bucket.audit_logs.id
      key_prefix  = "bedrock"
    }
  }
}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_bedrock_invocation_logs_are_stored_where_their_bucket_is(tmp_path: Path) -> None:
    result = scan(write(tmp_path, {"main.tf": BEDROCK_LOGS}))
    logging = components(result)["tf-root/aws_bedrock_model_invocation_logging_configuration.this"]
    assert logging.region == "aws:eu-central-1"  # the configuration's region
    assert logging.locations.storage == "aws:us-east-1"  # the logs themselves
    storage = resolution(
        result,
        "tf-root/aws_bedrock_model_invocation_logging_configuration.this",
        "locations.storage",
    )
    assert storage.how is How.PROVIDER_ALIAS
    assert "stores its data in aws_s3_bucket.audit_logs" in storage.explain()


def test_logs_to_a_bucket_outside_the_code_are_an_unknown_store(tmp_path: Path) -> None:
    text = BEDROCK_LOGS.replace("aws_s3_bucket.audit_logs.id", '"bucket-made-elsewhere"')
    result = scan(write(tmp_path, {"main.tf": text}))
    logging = components(result)["tf-root/aws_bedrock_model_invocation_logging_configuration.this"]
    assert logging.locations.storage is None
    storage = resolution(
        result,
        "tf-root/aws_bedrock_model_invocation_logging_configuration.this",
        "locations.storage",
    )
    assert storage.unknown and storage.note is not None
    assert "not a resource in the scanned code" in storage.note


def test_azure_diagnostic_setting_stores_logs_in_its_workspace(tmp_path: Path) -> None:
    result = scan(
        write(
            tmp_path,
            {
                "main.tf": """
resource "azurerm_cognitive_account" "oai" {
  name     = "oai"
  kind     = "OpenAI"
  location = "swedencentral"
  sku_name = "S0"
}
resource "azurerm_log_analytics_workspace" "central" {
  name     = "central"
  location = "eastus"
}
resource "azurerm_monitor_diagnostic_setting" "oai" {
  name                       = "oai-logs"
  target_resource_id         = azurerm_cognitive_account.oai.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.central.id
  enabled_log {
    category = "RequestResponse"
  }
}
"""
            },
        )
    )
    found = components(result)
    setting = found["tf-root/azurerm_monitor_diagnostic_setting.oai"]
    assert setting.region == "azure:swedencentral"  # the account whose logs it sends
    assert setting.locations.storage == "azure:eastus"
    assert "tf-root/azurerm_log_analytics_workspace.central" not in found  # a place, not a part


GATEWAY = """
variable "regions" {
  default = ["swedencentral", "francecentral", "eastus2"]
}
resource "azurerm_api_management" "gw" {
  name                = "prompt-gateway"
  location            = "westeurope"
  resource_group_name = "rg"
  publisher_name      = "Corp"
  publisher_email     = "ai@example.com"
  sku_name            = "Developer_1"
}
resource "azurerm_cognitive_account" "oai" {
  for_each = toset(var.regions)
  name     = "oai-${each.key}"
  kind     = "OpenAI"
  location = each.key
  sku_name = "S0"
}
resource "azurerm_api_management_backend" "oai" {
  for_each            = toset(var.regions)
  name                = "oai-${each.key}"
  resource_group_name = "rg"
  api_management_name = azurerm_api_management.gw.name
  protocol            = "http"
  url                 = "${azurerm_cognitive_account.oai[each.key].endpoint}openai"
}
"""


def test_api_management_gateway_shows_every_backend_region(tmp_path: Path) -> None:
    result = scan(write(tmp_path, {"main.tf": GATEWAY}))
    found = components(result)
    gateway = found["tf-root/azurerm_api_management.gw"]
    assert gateway.region == "azure:westeurope"
    routes = [
        r
        for r in result.resolutions
        if r.key == "tf-root/azurerm_api_management.gw" and r.field == "routes_to"
    ]
    assert sorted(r.value or "" for r in routes) == [
        "azure:eastus2",
        "azure:francecentral",
        "azure:swedencentral",
    ]
    assert gateway.notes is not None
    assert "Sends the requests it receives to 3:" in gateway.notes
    assert 'azurerm_cognitive_account.oai["eastus2"] (azure:eastus2' in gateway.notes
    # the backends are routes, not components of their own
    assert not any("api_management_backend" in key for key in found)


def test_explain_resolution_prints_the_gateway_routes(tmp_path: Path) -> None:
    write(tmp_path / "infra", {"main.tf": GATEWAY})
    run = CliRunner().invoke(cli, ["scan", str(tmp_path / "infra"), "--explain-resolution"])
    assert run.exit_code == 0, run.output
    assert "tf-root/azurerm_api_management.gw routes_to = azure:francecentral" in run.output
