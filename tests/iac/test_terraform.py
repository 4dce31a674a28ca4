"""Terraform evaluation: precedence of values, providers, modules, functions, and every unknown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.loader.iac import How, scan
from auditor.loader.yamlsrc import Limits

from .helpers import components, hows, resolution


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'


def _region(
    root: Path, key: str = "tf-root/aws_s3_bucket.b", **kwargs: object
) -> tuple[str | None, How]:
    result = scan(root, **kwargs)  # type: ignore[arg-type]
    res = resolution(result, key, "region")
    return res.value, res.how


def test_variable_precedence(tmp_path: Path) -> None:
    files = {
        "main.tf": 'provider "aws" {\n  region = var.region\n}\n'
        'variable "region" {\n  default = "eu-west-1"\n}\n' + BUCKET,
    }
    root = write(tmp_path / "a", files)
    assert _region(root) == ("aws:eu-west-1", How.VARIABLE_DEFAULT)
    write(root, {"terraform.tfvars": 'region = "eu-west-2"\n'})
    assert _region(root) == ("aws:eu-west-2", How.TFVARS)
    write(root, {"terraform.tfvars.json": json.dumps({"region": "eu-west-3"})})
    assert _region(root) == ("aws:eu-west-3", How.TFVARS)
    write(
        root,
        {"a.auto.tfvars": 'region = "eu-north-1"\n', "b.auto.tfvars": 'region = "eu-south-1"\n'},
    )
    assert _region(root) == ("aws:eu-south-1", How.TFVARS)
    extra = write(tmp_path, {"prod.tfvars": 'region = "eu-central-1"\n'}) / "prod.tfvars"
    assert _region(root, var_files=[extra]) == ("aws:eu-central-1", How.VAR_FILE)


def test_var_file_inside_a_root_applies_to_that_root_only(tmp_path: Path) -> None:
    module = 'provider "aws" {\n  region = var.region\n}\nvariable "region" {}\n' + BUCKET
    root = write(
        tmp_path,
        {"one/main.tf": module, "two/main.tf": module, "one/prod.tfvars": 'region = "eu-west-1"\n'},
    )
    result = scan(root, var_files=[root / "one" / "prod.tfvars"])
    found = components(result)
    assert found["tf-one/aws_s3_bucket.b"].region == "aws:eu-west-1"
    assert found["tf-two/aws_s3_bucket.b"].region is None
    # The same address in two root modules: only the qualified keys exist.
    assert "aws_s3_bucket.b" not in result.address_index
    assert result.address_index["tf-two:aws_s3_bucket.b"] == "tf-two/aws_s3_bucket.b"


def test_missing_provider_is_unknown_and_names_the_environment(tmp_path: Path) -> None:
    root = write(tmp_path, {"main.tf": BUCKET})
    result = scan(root)
    res = resolution(result, "tf-root/aws_s3_bucket.b", "region")
    assert res.value is None and res.how is How.UNKNOWN
    assert res.note is not None and "AWS_REGION" in res.note
    assert components(result)["tf-root/aws_s3_bucket.b"].region is None


def test_resource_region_argument_beats_the_provider(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n'
            'resource "aws_s3_bucket" "b" {\n  region = "eu-west-3"\n}\n'
        },
    )
    assert _region(root) == ("aws:eu-west-3", How.ATTRIBUTE)


def test_unknown_region_codes_are_never_guessed(tmp_path: Path) -> None:
    root = write(tmp_path, {"main.tf": 'provider "aws" {\n  region = "eu-moon-1"\n}\n' + BUCKET})
    result = scan(root)
    res = resolution(result, "tf-root/aws_s3_bucket.b", "region")
    assert (res.value, res.raw, res.how) == (None, "eu-moon-1", How.UNKNOWN)
    assert res.note is not None and "never guessed" in res.note


def test_sovereign_partition_changes_the_vendor(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": 'provider "aws" {\n  region = "eusc-de-east-1"\n}\n'
            'resource "aws_bedrockagent_agent" "a" {\n  foundation_model = "eu.anthropic.claude-x-v1:0"\n}\n'
            + BUCKET
        },
    )
    result = scan(root)
    found = components(result)
    agent = found["tf-root/aws_bedrockagent_agent.a"]
    assert (agent.vendor, agent.region, agent.deployment) == (
        "aws-european-sovereign-cloud",
        "aws:eusc-de-east-1",
        "unknown",
    )
    assert agent.notes is not None and "aws-eusc" in agent.notes
    assert found["tf-root/aws_s3_bucket.b"].vendor == "aws-european-sovereign-cloud"


def test_managed_knowledge_bases_name_their_embedding_model(tmp_path: Path) -> None:
    # type MANAGED: the embedding model is in managed_knowledge_base_configuration (aws and awscc).
    root = write(
        tmp_path,
        {
            "main.tf": 'provider "aws" {\n  region = "eu-central-1"\n}\n'
            'provider "awscc" {\n  region = "eu-west-3"\n}\n'
            'resource "aws_bedrockagent_knowledge_base" "kb" {\n'
            "  knowledge_base_configuration {\n"
            '    type = "MANAGED"\n'
            "    managed_knowledge_base_configuration {\n"
            '      embedding_model_type = "CUSTOM"\n'
            '      embedding_model_arn  = "arn:aws:bedrock:eu-central-1::foundation-model/'
            'cohere.embed-multilingual-v3"\n'
            "    }\n  }\n}\n"
            'resource "awscc_bedrock_knowledge_base" "cc" {\n'
            "  knowledge_base_configuration = {\n"
            '    type = "MANAGED"\n'
            "    managed_knowledge_base_configuration = {\n"
            '      embedding_model_arn = "eu.cohere.embed-v4:0"\n'
            "    }\n  }\n}\n"
        },
    )
    found = components(scan(root))
    kb = found["tf-root/aws_bedrockagent_knowledge_base.kb"]
    assert (kb.region, kb.deployment) == ("aws:eu-central-1", "in-region")
    assert kb.model is not None and kb.model.name == "cohere.embed-multilingual-v3"
    cc = found["tf-root/awscc_bedrock_knowledge_base.cc"]
    # awscc resources have no region argument: the provider's region applies.
    assert (cc.region, cc.deployment) == ("aws:eu-west-3", "eu")


def test_oci_sovereign_realm(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": 'provider "oci" {\n  region = "eu-frankfurt-2"\n}\n'
            'resource "oci_generative_ai_endpoint" "e" {\n  compartment_id = "x"\n}\n'
        },
    )
    endpoint = components(scan(root))["tf-root/oci_generative_ai_endpoint.e"]
    assert (endpoint.vendor, endpoint.region) == ("oracle-eu-sovereign-cloud", "oci:eu-frankfurt-2")


def test_azure_display_names_pairs_and_azapi(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": """
resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "West Europe"
}
resource "azurerm_storage_account" "st" {
  name                     = "st"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = azurerm_resource_group.rg.location
  account_replication_type = "RAGRS"
}
resource "azapi_resource" "ai" {
  type      = "Microsoft.CognitiveServices/accounts@2024-10-01"
  name      = "ai"
  parent_id = azurerm_resource_group.rg.id
  location  = azurerm_resource_group.rg.location
  body = jsonencode({
    kind = "AIServices"
    sku  = { name = "S0" }
  })
}
resource "azapi_resource" "gpt" {
  type      = "Microsoft.CognitiveServices/accounts/deployments@2024-10-01"
  name      = "gpt"
  parent_id = azapi_resource.ai.id
  body = {
    sku        = { name = "DataZoneStandard", capacity = 10 }
    properties = { model = { format = "OpenAI", name = "gpt-4.1", version = "2025-04-14" } }
  }
}
"""
        },
    )
    result = scan(root)
    found = components(result)
    storage = found["tf-root/azurerm_storage_account.st"]
    assert (storage.region, storage.locations.backup) == ("azure:westeurope", "azure:northeurope")
    ai = found["tf-root/azapi_resource.ai"]
    assert (ai.vendor, ai.region) == ("azure-openai", "azure:westeurope")
    gpt = found["tf-root/azapi_resource.gpt"]
    assert (gpt.vendor, gpt.deployment, gpt.region) == (
        "azure-openai",
        "DataZoneStandard",
        "azure:westeurope",
    )
    assert gpt.model is not None and gpt.model.name == "gpt-4.1"
    # The deployment has its account's location, which the account writes from its group.
    assert hows(resolution(result, "tf-root/azapi_resource.gpt", "region"))[:2] == [
        How.PARENT_RESOURCE,
        How.ATTRIBUTE,
    ]


def test_unknown_classifying_attribute_is_noted(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": 'variable "kind" {}\nresource "azurerm_cognitive_account" "a" {\n'
            '  location = "swedencentral"\n  kind = var.kind\n}\n'
        },
    )
    account = components(scan(root))["tf-root/azurerm_cognitive_account.a"]
    assert account.vendor == "azure"
    assert account.notes is not None and "kind is unknown" in account.notes


def test_expressions(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": """
variable "env" {
  default = "prod"
}
variable "regions" {
  default = { prod = "eu-central-1", dev = "us-east-1" }
}
locals {
  region   = lookup(var.regions, var.env, "us-west-2")
  fallback = try(var.missing_map["x"], "eu-west-1")
  picked   = var.env == "prod" ? local.region : "us-east-1"
  joined   = format("%s-%s", "eu", "north-1")
  heredoc  = <<-EOT
    eu-west-3
  EOT
}
provider "aws" {
  region = local.picked
}
provider "aws" {
  alias  = "two"
  region = lower(upper(local.joined))
}
provider "aws" {
  alias  = "three"
  region = trimspace(local.heredoc)
}
resource "aws_s3_bucket" "one" {}
resource "aws_s3_bucket" "two" {
  provider = aws.two
}
resource "aws_s3_bucket" "three" {
  provider = aws.three
}
resource "aws_s3_bucket" "four" {
  region = element(["eu-west-1", "eu-west-2"], 1)
}
resource "aws_s3_bucket" "five" {
  region = [for r in var.regions : r][0]
}
"""
        },
    )
    found = components(scan(root))
    assert found["tf-root/aws_s3_bucket.one"].region == "aws:eu-central-1"
    assert found["tf-root/aws_s3_bucket.two"].region == "aws:eu-north-1"
    assert found["tf-root/aws_s3_bucket.three"].region == "aws:eu-west-3"
    assert found["tf-root/aws_s3_bucket.four"].region == "aws:eu-west-2"
    assert found["tf-root/aws_s3_bucket.five"].region is None  # 'for' is not evaluated


def test_try_moves_on_when_a_map_lacks_the_key(tmp_path: Path) -> None:
    """try(var.cfg["region"], default) as aws-ia's add-on modules write it: a key the caller's
    map does not have is an error Terraform's try() catches, so the default applies; a key
    written in the map wins, even when other values of the map are not known."""
    module = """
variable "cfg" {
  type    = any
  default = {}
}
resource "aws_s3_bucket" "b" {
  region = try(var.cfg["region"], "eu-west-3")
}
"""
    root = write(
        tmp_path,
        {
            "main.tf": """
variable "unset" {}
module "plain" {
  source = "./mod"
  cfg    = { name = var.unset }
}
module "set" {
  source = "./mod"
  cfg    = { region = "eu-north-1" }
}
""",
            "mod/main.tf": module,
        },
    )
    found = components(scan(root))
    assert found["tf-root/module.plain.aws_s3_bucket.b"].region == "aws:eu-west-3"
    assert found["tf-root/module.set.aws_s3_bucket.b"].region == "aws:eu-north-1"


def test_cycles_and_deep_nesting_end_unknown(tmp_path: Path) -> None:
    deep = "(" * 300 + '"eu-west-1"' + ")" * 300
    root = write(
        tmp_path,
        {
            "main.tf": "locals {\n  a = local.b\n  b = local.a\n}\n"
            'provider "aws" {\n  region = local.a\n}\n'
            + BUCKET
            + f'resource "aws_s3_bucket" "deep" {{\n  region = {deep}\n}}\n',
            "mod/main.tf": 'module "self" {\n  source = "./"\n}\n' + BUCKET,
        },
    )
    result = scan(root)
    found = components(result)
    assert found["tf-root/aws_s3_bucket.b"].region is None
    assert "local.a refers to itself" in (
        resolution(result, "tf-root/aws_s3_bucket.b", "region").note or ""
    )
    assert found["tf-root/aws_s3_bucket.deep"].region == "aws:eu-west-1"
    assert "tf-mod/aws_s3_bucket.b" in found
    assert any("module.self" in n and "calls itself" in n for n in result.notes)


def test_module_sources_outside_or_missing(tmp_path: Path) -> None:
    root = write(
        tmp_path / "repo",
        {
            "main.tf": 'module "out" {\n  source = "../../elsewhere"\n}\n'
            'module "gone" {\n  source = "./nothing"\n}\n'
            'module "git" {\n  source = "git::https://example.com/m.git"\n}\n' + BUCKET
        },
    )
    notes = scan(root).notes
    assert any("module.out" in n and "outside" in n for n in notes)
    assert any("module.gone" in n and "no .tf files" in n for n in notes)
    assert any("module.git" in n and "not followed" in n for n in notes)


def test_count_and_for_each(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n'
            'resource "aws_s3_bucket" "many" {\n  count = 3\n  bucket = "b-${count.index}"\n}\n'
        },
    )
    found = components(scan(root))
    assert sorted(found) == [f"tf-root/aws_s3_bucket.many-{i}" for i in range(3)]
    bucket = found["tf-root/aws_s3_bucket.many-0"]
    assert bucket.region == "aws:eu-west-1"
    assert bucket.name is not None and bucket.name.endswith("aws_s3_bucket.many[0]")


def test_bad_files_are_diagnostics_never_exceptions(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n' + BUCKET,
            "broken.tf": 'resource "aws_s3_bucket" "x" {\n  bucket = \n}\n',
            "plan.json": '{"format_version": "1.2", "planned_values": ',
            "k8s.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n",
        },
    )
    (root / "binary.tf").write_bytes(b"resource \xff\xfe")
    result = scan(root)
    paths = {Path(d.path).name for d in result.diagnostics}
    assert {"broken.tf", "plan.json", "k8s.yaml", "binary.tf"} <= paths
    broken = next(d for d in result.diagnostics if d.path.endswith("broken.tf"))
    assert broken.line in (2, 3) and "cannot parse Terraform" in broken.message
    assert components(result)["tf-root/aws_s3_bucket.b"].region == "aws:eu-west-1"


def test_file_size_limit(tmp_path: Path) -> None:
    root = write(tmp_path, {"main.tf": BUCKET + "# " + "x" * 2000 + "\n"})
    result = scan(root, limits=Limits(max_file_bytes=1000))
    assert any("over the limit" in d.message for d in result.diagnostics)


@pytest.mark.skipif(os.name == "nt", reason="symbolic links")
def test_symlink_outside_the_root_is_refused(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"secret.tf": BUCKET})
    root = write(tmp_path / "repo", {"main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n'})
    (root / "link.tf").symlink_to(outside / "secret.tf")
    result = scan(root)
    assert any("outside" in d.message for d in result.diagnostics)


def test_files_of_unrelated_resources_are_not_parsed(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n'
            'resource "aws_s3_bucket" "b" {\n  bucket = aws_iam_role.r.name\n}\n',
            "iam.tf": 'resource "aws_iam_role" "r" {\n  name = "r"\n  bad syntax here\n}\n',
        },
    )
    result = scan(root)
    assert result.diagnostics == []  # iam.tf declares nothing the scan needs
    assert any("not evaluated" in n for n in result.notes)


def test_state_json_and_single_line_plan(tmp_path: Path) -> None:
    state = {
        "format_version": "1.0",
        "terraform_version": "1.9.8",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "google_bigquery_dataset.d",
                        "mode": "managed",
                        "type": "google_bigquery_dataset",
                        "name": "d",
                        "values": {"location": "EU", "dataset_id": "d"},
                    },
                    {
                        "address": 'scaleway_object_bucket.b["docs"]',
                        "mode": "managed",
                        "type": "scaleway_object_bucket",
                        "name": "b",
                        "index": "docs",
                        "values": {"region": "fr-par"},
                    },
                ]
            }
        },
    }
    root = write(tmp_path, {"state/terraform.tfstate.json": json.dumps(state)})
    result = scan(root)
    found = components(result)
    dataset = found["tfplan-state-terraform.tfstate/google_bigquery_dataset.d"]
    assert dataset.region == "EU"
    assert dataset.span is not None and dataset.span.line == 1 and dataset.span.column > 1
    bucket = found["tfplan-state-terraform.tfstate/scaleway_object_bucket.b-docs"]
    assert bucket.region == "scaleway:fr-par"
    assert result.address_index['scaleway_object_bucket.b["docs"]'].endswith("b-docs")


def test_azapi_provider_default_location_places_resources_without_one(tmp_path: Path) -> None:
    # The azapi provider's default_location (Azure/terraform-provider-azapi docs/index.md) is the
    # region of a resource that writes no location; a written location overrides it. The
    # resource group's own location is not inherited (internal/services/azapi_resource.go,
    # locationWithDefaultLocation: config, body.location, state, default_location, else none).
    account = """
resource "azapi_resource" "{name}" {{
  type      = "Microsoft.CognitiveServices/accounts@2024-10-01"
  name      = "{name}"
  parent_id = azapi_resource.{rg}.id
  body      = {{ kind = "AIServices", sku = {{ name = "S0" }} }}
}}
"""
    root = write(
        tmp_path,
        {
            "main.tf": """
provider "azapi" {
  default_location = "swedencentral"
}
resource "azapi_resource" "rg" {
  type = "Microsoft.Resources/resourceGroups@2024-11-01"
  name = "rg"
}
resource "azapi_resource" "rg_written" {
  type     = "Microsoft.Resources/resourceGroups@2024-11-01"
  name     = "rg-written"
  location = "West Europe"
}
"""
            + account.format(name="ai", rg="rg")
            + account.format(name="ai_written", rg="rg_written")
        },
    )
    found = components(scan(root))
    assert found["tf-root/azapi_resource.ai"].region == "azure:swedencentral"
    assert found["tf-root/azapi_resource.ai_written"].region == "azure:swedencentral"


_AZAPI_TOP_LEVEL = """
resource "azapi_resource" "rg" {
  type     = "Microsoft.Resources/resourceGroups@2024-11-01"
  name     = "rg"
  location = "westeurope"
}
resource "azapi_resource" "plain" {
  type      = "Microsoft.CognitiveServices/accounts@2024-10-01"
  name      = "plain"
  parent_id = azapi_resource.rg.id
  body      = { kind = "AIServices", sku = { name = "S0" } }
}
resource "azapi_resource" "in_body" {
  type      = "Microsoft.CognitiveServices/accounts@2024-10-01"
  name      = "in-body"
  parent_id = azapi_resource.rg.id
  body      = { kind = "AIServices", location = "francecentral", sku = { name = "S0" } }
}
resource "azapi_resource" "written" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "written"
  parent_id = azapi_resource.rg.id
  location  = "germanywestcentral"
}
"""


def _regions(capsys: pytest.CaptureFixture[str], folder: Path) -> dict[str, str]:
    with pytest.raises(SystemExit):
        main(["scan", str(folder), "--explain-resolution"])
    lines = capsys.readouterr().out.splitlines()
    return {
        line.split()[0]: line.split(" region = ")[1].split()[0]
        for line in lines
        if " region = " in line and not line.startswith(" ")
    }


def test_azapi_top_level_resources_take_the_provider_default_not_the_resource_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """azapi fills a missing location from body.location, then the provider's
    default_location, and never from the resource group (parent_id): a top-level account in
    a West Europe group with default_location Sweden Central is created in Sweden Central."""
    with_default = write(
        tmp_path / "default",
        {
            "main.tf": 'provider "azapi" {\n  default_location = "swedencentral"\n}\n'
            + _AZAPI_TOP_LEVEL
        },
    )
    regions = _regions(capsys, with_default)
    assert regions["tf-root/azapi_resource.plain"] == "azure:swedencentral"
    assert regions["tf-root/azapi_resource.in_body"] == "azure:francecentral"
    assert regions["tf-root/azapi_resource.written"] == "azure:germanywestcentral"
    # Without a default_location, azapi sends no location: unknown, not the group's region.
    without = write(tmp_path / "none", {"main.tf": _AZAPI_TOP_LEVEL})
    regions = _regions(capsys, without)
    assert regions["tf-root/azapi_resource.plain"] == "UNKNOWN"
    assert regions["tf-root/azapi_resource.in_body"] == "azure:francecentral"


def test_ionos_bucket_without_region_takes_the_provider_s3_region(tmp_path: Path) -> None:
    # ionos-cloud/terraform-provider-ionoscloud docs/index.md: s3_region (or IONOS_S3_REGION) is
    # the region of Object Storage buckets that name none; its default is not assumed.
    bucket = 'resource "ionoscloud_s3_bucket" "{name}" {{\n  name = "{name}"{extra}\n}}\n'
    root = write(
        tmp_path,
        {
            "main.tf": 'provider "ionoscloud" {\n  s3_region = "eu-central-4"\n}\n'
            + bucket.format(name="plain", extra="")
            + bucket.format(name="written", extra='\n  region = "us-central-1"'),
            "other/main.tf": bucket.format(name="bare", extra="")
            + 'provider "ionoscloud" {\n  token = "t"\n}\n',
        },
    )
    found = components(scan(root))
    assert found["tf-root/ionoscloud_s3_bucket.plain"].region == "ionos:eu-central-4"
    assert found["tf-root/ionoscloud_s3_bucket.written"].region == "ionos:us-central-1"
    assert found["tf-other/ionoscloud_s3_bucket.bare"].region is None


def test_registry_module_takes_the_region_of_the_provider_the_call_passes(tmp_path: Path) -> None:
    """aws-ia/opensearch-serverless/aws creates its vector collection with the awscc provider."""
    module = (
        'module "vectors" {{\n  source = "aws-ia/opensearch-serverless/aws"\n'
        '  version = "0.0.5"\n{providers}}}\n'
    )
    providers = (
        'provider "awscc" {\n  region = "us-east-1"\n}\n'
        'provider "awscc" {\n  alias = "eu"\n  region = "eu-central-1"\n}\n'
        'provider "aws" {\n  region = "ap-south-1"\n}\n'
    )
    default = write(tmp_path / "default", {"main.tf": providers + module.format(providers="")})
    result = scan(default)
    store = components(result)["tf-root/module.vectors"]
    assert (store.kind, store.vendor, store.region) == ("vector_store", "aws", "aws:us-east-1")
    assert resolution(result, "tf-root/module.vectors", "region").how is How.PROVIDER_BLOCK

    mapped = module.format(providers="  providers = { awscc = awscc.eu }\n")
    aliased = write(tmp_path / "aliased", {"main.tf": providers + mapped})
    assert _region(aliased, "tf-root/module.vectors") == ("aws:eu-central-1", How.PROVIDER_ALIAS)

    # a map that passes no awscc configuration: the module's resources have none the code shows
    other = module.format(providers="  providers = { aws = aws }\n")
    unpassed = write(tmp_path / "unpassed", {"main.tf": providers + other})
    region, how = _region(unpassed, "tf-root/module.vectors")
    assert (region, how) == (None, How.UNKNOWN)
