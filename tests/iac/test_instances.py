"""count and for_each (issue 19): one component per instance Terraform would create, none invented."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from auditor.loader.iac import scan

from .helpers import components, resolution

ACCOUNT = """
resource "azurerm_cognitive_account" "this" {
  name     = "oai"
  kind     = "OpenAI"
  location = var.location
  sku_name = "S0"
}
variable "location" {
  default = "swedencentral"
}
"""

DEPLOYMENTS = """
variable "deployment" {
  type = map(object({ name = string, model_name = string, scale_type = string }))
  default = {}
}
resource "azurerm_cognitive_deployment" "this" {
  for_each             = var.deployment
  name                 = each.value.name
  cognitive_account_id = azurerm_cognitive_account.this.id
  model {
    format = "OpenAI"
    name   = each.value.model_name
  }
  scale {
    type = each.value.scale_type
  }
}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_for_each_over_tfvars_map_makes_one_component_per_key(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": ACCOUNT + DEPLOYMENTS,
            "terraform.tfvars": """deployment = {
  "gpt-4o" = { name = "chat", model_name = "gpt-4o", scale_type = "GlobalStandard" }
  embed    = { name = "embed", model_name = "text-embedding-3-large", scale_type = "Standard" }
}
""",
        },
    )
    result = scan(root)
    found = components(result)
    chat = found["tf-root/azurerm_cognitive_deployment.this-gpt-4o"]
    embed = found["tf-root/azurerm_cognitive_deployment.this-embed"]
    assert chat.name is not None and chat.name.endswith(
        'azurerm_cognitive_deployment.this["gpt-4o"]'
    )
    assert (chat.deployment, chat.region) == ("GlobalStandard", "azure:swedencentral")
    assert chat.model is not None and chat.model.name == "gpt-4o"
    assert (embed.deployment, embed.model and embed.model.name) == (
        "Standard",
        "text-embedding-3-large",
    )
    assert 'azurerm_cognitive_deployment.this["embed"]' in result.address_index
    # the model name was read from tfvars through each.value
    model = resolution(result, "tf-root/azurerm_cognitive_deployment.this-embed", "model")
    assert model.source is not None and model.source.path.endswith("terraform.tfvars")


def test_empty_for_each_and_count_zero_create_nothing(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": ACCOUNT
            + DEPLOYMENTS
            + """
variable "logs" {
  default = false
}
resource "azurerm_storage_account" "logs" {
  count                    = var.logs ? 1 : 0
  name                     = "logs"
  location                 = var.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
resource "azurerm_storage_account" "none" {
  for_each                 = toset([])
  name                     = each.key
  location                 = var.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
"""
        },
    )
    result = scan(root)
    assert sorted(components(result)) == ["tf-root/azurerm_cognitive_account.this"]
    assert not any("not known from the code" in n for n in result.notes)
    # the same code with the switch turned on in an auto.tfvars file makes one bucket [0]
    (tmp_path / "on.auto.tfvars").write_text("logs = true\n")
    found = components(scan(root))
    assert "tf-root/azurerm_storage_account.logs-0" in found
    assert found["tf-root/azurerm_storage_account.logs-0"].region == "azure:swedencentral"


def test_toset_locals_and_for_expressions(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": """
provider "aws" {
  region = "eu-central-1"
}
locals {
  names  = ["docs", "logs", "docs"]
  models = [
    { id = "a", region = "eu-west-3" },
    { id = "b", region = "us-east-1" },
  ]
  by_id  = { for m in local.models : m.id => m if m.region != "" }
}
resource "aws_s3_bucket" "named" {
  for_each = toset(local.names)
  bucket   = "corp-${each.key}"
}
resource "aws_s3_bucket" "placed" {
  for_each = local.by_id
  bucket   = "corp-${each.key}"
  region   = each.value.region
}
resource "aws_s3_bucket" "counted" {
  count  = length(local.names)
  bucket = "c-${count.index}"
}
"""
        },
    )
    found = components(scan(root))
    assert sorted(found) == [
        "tf-root/aws_s3_bucket.counted-0",
        "tf-root/aws_s3_bucket.counted-1",
        "tf-root/aws_s3_bucket.counted-2",
        "tf-root/aws_s3_bucket.named-docs",
        "tf-root/aws_s3_bucket.named-logs",
        "tf-root/aws_s3_bucket.placed-a",
        "tf-root/aws_s3_bucket.placed-b",
    ]
    assert found["tf-root/aws_s3_bucket.placed-a"].region == "aws:eu-west-3"
    assert found["tf-root/aws_s3_bucket.placed-b"].region == "aws:us-east-1"
    assert found["tf-root/aws_s3_bucket.named-docs"].region == "aws:eu-central-1"


def test_unknown_collection_is_one_component_and_one_notice(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": ACCOUNT
            + DEPLOYMENTS.replace("  default = {}\n", "")
            + """
resource "azurerm_storage_account" "per_team" {
  count                    = length(data.azurerm_subscriptions.all.subscriptions)
  name                     = "t${count.index}"
  location                 = var.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
"""
        },
    )
    result = scan(root)
    found = components(result)
    assert sorted(found) == [
        "tf-root/azurerm_cognitive_account.this",
        "tf-root/azurerm_cognitive_deployment.this",
        "tf-root/azurerm_storage_account.per_team",
    ]
    notices = [n for n in result.notes if "not known from the code" in n]
    assert len(notices) == 2
    assert any(n.startswith("azurerm_cognitive_deployment.this (") for n in notices)
    assert any("for_each" in n and 'variable "deployment" has no default' in n for n in notices)
    deployment = found["tf-root/azurerm_cognitive_deployment.this"]
    assert deployment.deployment == "unknown"  # never a catalogue default presented as fact
    assert deployment.notes is not None
    assert "The code does not fix the deployment option" in deployment.notes
    assert deployment.region == "azure:swedencentral"


def test_reference_to_one_instance_takes_its_location(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": """
variable "accounts" {
  default = { se = "swedencentral", us = "eastus2" }
}
resource "azurerm_cognitive_account" "regional" {
  for_each = var.accounts
  name     = "oai-${each.key}"
  kind     = "OpenAI"
  location = each.value
  sku_name = "S0"
}
resource "azurerm_cognitive_deployment" "chat" {
  name                 = "chat"
  cognitive_account_id = azurerm_cognitive_account.regional["us"].id
  model {
    format = "OpenAI"
    name   = "gpt-4o"
  }
  sku {
    name = "Standard"
  }
}
"""
        },
    )
    found = components(scan(root))
    assert found["tf-root/azurerm_cognitive_account.regional-se"].region == "azure:swedencentral"
    assert found["tf-root/azurerm_cognitive_deployment.chat"].region == "azure:eastus2"


def test_partly_unknown_profile_arn_inside_a_map_keeps_its_geography(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": """
provider "aws" {
  region = "eu-central-1"
}
variable "account" {}
locals {
  profiles = {
    claude = "arn:aws:bedrock:eu-central-1:${var.account}:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0"
  }
}
resource "aws_bedrockagent_agent" "helper" {
  agent_name       = "helper"
  foundation_model = local.profiles.claude
  instruction      = "help"
}
"""
        },
    )
    agent = components(scan(root))["tf-root/aws_bedrockagent_agent.helper"]
    assert agent.deployment == "global"


def test_scan_cli_reports_instances_and_the_unknown_notice(tmp_path: Path) -> None:
    write(
        tmp_path / "infra",
        {"main.tf": ACCOUNT + DEPLOYMENTS.replace("  default = {}\n", "")},
    )
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "infra"), "--explain-resolution", "--fail-on", "never"]
    )
    assert result.exit_code == 0, result.output
    assert "for_each is not known from the code" in result.output


def test_module_for_each_makes_one_module_instance_per_region(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": """
variable "regions" {
  default = ["swedencentral", "francecentral"]
}
module "openai" {
  for_each = toset(var.regions)
  source   = "./modules/openai"
  location = each.value
}
module "unused" {
  count  = 0
  source = "Azure/openai/azurerm"
}
""",
            "modules/openai/main.tf": ACCOUNT.replace(
                'variable "location" {\n  default = "swedencentral"\n}\n',
                'variable "location" {}\n',
            ),
        },
    )
    result = scan(root)
    found = components(result)
    assert sorted(found) == [
        "tf-root/module.openai-francecentral-.azurerm_cognitive_account.this",
        "tf-root/module.openai-swedencentral-.azurerm_cognitive_account.this",
    ]
    key = result.address_index['module.openai["francecentral"].azurerm_cognitive_account.this']
    assert found[key].region == "azure:francecentral"
    # a module with count = 0 is not created, so it is neither followed nor reported
    assert not any("module.unused" in n for n in result.notes)


def test_a_huge_count_is_not_expanded(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": """
provider "aws" {
  region = "eu-west-1"
}
resource "aws_s3_bucket" "many" {
  count  = 5000
  bucket = "b-${count.index}"
}
"""
        },
    )
    result = scan(root)
    assert sorted(components(result)) == ["tf-root/aws_s3_bucket.many"]
    assert any("count 5,000 is over 1,000" in n for n in result.notes)


def test_terraforms_collection_functions_decide_the_instances(tmp_path: Path) -> None:
    # Real modules build their collections with compact(), flatten(), distinct(), keys(),
    # zipmap(), range(), slice() and strcontains(); each must give the instances Terraform would
    # create.
    root = write(
        tmp_path,
        {
            "main.tf": """
provider "aws" {
  region = "eu-central-1"
}
variable "kind" {
  default = "postgresql"
}
locals {
  apis    = compact(["s3", var.kind == "spanner" ? "spanner" : "", null, "logs"])
  nested  = distinct(flatten([["a", "b"], [["b", "c"]]]))
  regions = zipmap(["x", "y"], ["eu-west-3", "eu-north-1"])
}
resource "aws_s3_bucket" "compacted" {
  for_each = toset(local.apis)
  bucket   = "corp-${each.key}"
}
resource "aws_s3_bucket" "flat" {
  for_each = toset(local.nested)
  bucket   = "f-${each.key}"
}
resource "aws_s3_bucket" "zipped" {
  for_each = toset(keys(local.regions))
  bucket   = "z-${each.key}"
  region   = local.regions[each.key]
}
resource "aws_s3_bucket" "ranged" {
  count  = length(slice(range(1, 10, 3), 0, 2))
  bucket = "r-${count.index}"
}
resource "aws_s3_bucket" "never" {
  count  = contains(local.apis, "spanner") ? 1 : 0
  bucket = "never"
}
resource "aws_s3_bucket" "substring" {
  count  = strcontains(var.kind, "sql") && !strcontains(var.kind, "spanner") ? 1 : 0
  bucket = "substring"
}
resource "aws_s3_bucket" "unbounded" {
  count  = length(range(100000000))
  bucket = "u-${count.index}"
}
"""
        },
    )
    found = components(scan(root))
    made = sorted(k for k in found if "unbounded" not in k)
    assert made == [
        "tf-root/aws_s3_bucket.compacted-logs",
        "tf-root/aws_s3_bucket.compacted-s3",
        "tf-root/aws_s3_bucket.flat-a",
        "tf-root/aws_s3_bucket.flat-b",
        "tf-root/aws_s3_bucket.flat-c",
        "tf-root/aws_s3_bucket.ranged-0",
        "tf-root/aws_s3_bucket.ranged-1",
        "tf-root/aws_s3_bucket.substring-0",
        "tf-root/aws_s3_bucket.zipped-x",
        "tf-root/aws_s3_bucket.zipped-y",
    ]
    assert found["tf-root/aws_s3_bucket.zipped-y"].region == "aws:eu-north-1"
    # A range too long to build is not invented instance by instance: one stands for all.
    assert [k for k in found if "unbounded" in k] == ["tf-root/aws_s3_bucket.unbounded"]
