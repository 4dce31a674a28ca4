"""Time ``auditor.loader.iac.scan`` on a generated Terraform tree (python benchmarks/scan.py [FILES] [SEED]).

The tree imitates a platform repository: ``envs/<env>/<service>`` root modules,
each split over several files (providers, variables, main, data, outputs,
terraform.tfvars) and calling shared local modules under ``modules/``; most
resources are networking and IAM that the catalogue ignores, a fair share are
AI services and data stores whose locations come from variables, tfvars,
provider aliases, module inputs and parent resources. Not a unit test.
"""

from __future__ import annotations

import gc
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import hcl2

from auditor.loader.iac import scan

AWS_REGIONS = ["eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "us-east-1", "us-west-2"]
AZURE_REGIONS = ["westeurope", "swedencentral", "francecentral", "germanywestcentral", "eastus"]
GCP_REGIONS = ["europe-west4", "europe-west1", "europe-west3", "us-central1"]
SKUS = ["Standard", "DataZoneStandard", "GlobalStandard", "ProvisionedManaged"]
PROFILES = ["eu.", "us.", "global.", ""]

NOISE = [
    'resource "aws_security_group" "{n}" {{\n  name   = "{n}"\n  vpc_id = var.vpc_id\n'
    '  ingress {{\n    from_port   = 443\n    to_port     = 443\n    protocol    = "tcp"\n'
    '    cidr_blocks = ["10.0.0.0/8"]\n  }}\n  tags = local.tags\n}}\n',
    'resource "aws_iam_role" "{n}" {{\n  name = "{n}-${{var.env}}"\n  assume_role_policy = '
    'jsonencode({{\n    Version = "2012-10-17"\n    Statement = [{{ Action = "sts:AssumeRole", '
    'Effect = "Allow", Principal = {{ Service = "lambda.amazonaws.com" }} }}]\n  }})\n}}\n',
    'resource "aws_lambda_function" "{n}" {{\n  function_name = "{n}"\n  role = aws_iam_role.{n}_r.arn\n'
    '  handler = "index.handler"\n  runtime = "python3.12"\n  environment {{\n    variables = {{\n'
    '      STAGE = var.env\n      TABLE = "t-{n}"\n    }}\n  }}\n}}\n'
    'resource "aws_iam_role" "{n}_r" {{\n  name = "{n}-r"\n  assume_role_policy = "{{}}"\n}}\n',
    'resource "azurerm_network_security_group" "{n}" {{\n  name                = "nsg-{n}"\n'
    "  location            = var.location\n  resource_group_name = var.resource_group\n}}\n",
    'resource "google_compute_firewall" "{n}" {{\n  name    = "fw-{n}"\n  network = var.network\n'
    '  allow {{\n    protocol = "tcp"\n    ports    = ["443"]\n  }}\n  source_ranges = ["10.0.0.0/8"]\n}}\n',
]


def _aws_ai(rng: random.Random, n: str) -> str:
    prefix = rng.choice(PROFILES)
    return (
        f'resource "aws_bedrockagent_agent" "{n}" {{\n  agent_name = "{n}"\n'
        f'  foundation_model = "{prefix}anthropic.claude-sonnet-4-5-20250929-v1:0"\n'
        f'  agent_resource_role_arn = "arn:aws:iam::123456789012:role/{n}"\n}}\n'
        f'resource "aws_s3_bucket" "{n}_docs" {{\n  bucket = "${{local.name}}-{n}"\n}}\n'
        f'resource "aws_db_instance" "{n}_db" {{\n  provider = aws.{rng.choice(["eu", "us"])}\n'
        f'  identifier = "{n}"\n  engine = "postgres"\n  instance_class = "db.t3.micro"\n}}\n'
    )


def _azure_ai(rng: random.Random, n: str) -> str:
    return (
        f'resource "azurerm_cognitive_account" "{n}" {{\n  name = "oai-{n}"\n'
        f"  location = var.location\n  resource_group_name = var.resource_group\n"
        f'  kind = "OpenAI"\n  sku_name = "S0"\n}}\n'
        f'resource "azurerm_cognitive_deployment" "{n}_gpt" {{\n  name = "gpt"\n'
        f"  cognitive_account_id = azurerm_cognitive_account.{n}.id\n"
        f'  model {{\n    format = "OpenAI"\n    name = "gpt-4o"\n    version = "2024-11-20"\n  }}\n'
        f'  sku {{\n    name = "{rng.choice(SKUS)}"\n    capacity = 10\n  }}\n}}\n'
        f'resource "azurerm_storage_account" "{n}_st" {{\n  name = "st{n.replace("_", "")}"\n'
        f"  location = var.location\n  resource_group_name = var.resource_group\n"
        f'  account_tier = "Standard"\n  account_replication_type = "{rng.choice(["LRS", "GRS"])}"\n}}\n'
    )


def _gcp_ai(rng: random.Random, n: str) -> str:
    located = f'  location = "{rng.choice(GCP_REGIONS)}"\n' if rng.random() < 0.5 else ""
    return (
        f'resource "google_vertex_ai_endpoint" "{n}" {{\n  name = "{n}"\n  display_name = "{n}"\n'
        f"  location = var.region\n}}\n"
        f'resource "google_bigquery_dataset" "{n}_bq" {{\n  dataset_id = "{n}"\n{located}}}\n'
    )


def _module_rag() -> dict[str, str]:
    return {
        "variables.tf": 'variable "name" { type = string }\nvariable "region" { type = string }\n',
        "main.tf": (
            'resource "aws_s3_bucket" "docs" {\n  bucket = "${var.name}-docs"\n  region = var.region\n}\n'
            'resource "aws_opensearchserverless_collection" "vectors" {\n  name = "${var.name}-v"\n'
            '  type = "VECTORSEARCH"\n}\n'
        ),
        "outputs.tf": 'output "bucket" { value = aws_s3_bucket.docs.id }\n',
    }


def generate(files: int, root: Path, seed: int = 7) -> int:
    """Write about ``files`` .tf files under ``root``; return the number written."""
    rng = random.Random(seed)
    written = 0

    def put(path: Path, text: str) -> None:
        nonlocal written
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if path.suffix == ".tf":
            written += 1

    for name, text in _module_rag().items():
        put(root / "modules" / "rag" / name, text)
    service = 0
    while written < files:
        env = rng.choice(["dev", "staging", "prod"])
        cloud = rng.choice(["aws", "azure", "gcp"])
        folder = root / "envs" / env / f"{cloud}-svc{service:04d}"
        tag = f"s{service}"
        if cloud == "aws":
            provider = (
                'provider "aws" {\n  region = var.region\n}\n'
                f'provider "aws" {{\n  alias = "eu"\n  region = "{rng.choice(AWS_REGIONS[:4])}"\n}}\n'
                'provider "aws" {\n  alias = "us"\n  region = "us-east-1"\n}\n'
            )
            variables = 'variable "region" { type = string }\nvariable "vpc_id" { type = string }\n'
            tfvars = f'region = "{rng.choice(AWS_REGIONS)}"\nvpc_id = "vpc-{service}"\n'
            ai = _aws_ai(rng, tag)
            ai += f'module "rag" {{\n  source = "../../../modules/rag"\n  name = "{tag}"\n  region = var.region\n}}\n'
        elif cloud == "azure":
            provider = 'provider "azurerm" {\n  features {}\n}\n'
            variables = (
                f'variable "location" {{\n  type = string\n  default = "{rng.choice(AZURE_REGIONS)}"\n}}\n'
                'variable "resource_group" { type = string }\n'
            )
            tfvars = f'resource_group = "rg-{service}"\n'
            ai = _azure_ai(rng, tag)
        else:
            provider = (
                f'provider "google" {{\n  project = "p-{service}"\n  region = var.region\n}}\n'
            )
            variables = f'variable "region" {{\n  type = string\n  default = "{rng.choice(GCP_REGIONS)}"\n}}\n'
            variables += 'variable "network" { type = string }\n'
            tfvars = 'network = "default"\n'
            ai = _gcp_ai(rng, tag)
        put(folder / "providers.tf", provider)
        put(
            folder / "variables.tf",
            variables
            + f'variable "env" {{\n  type = string\n  default = "{env}"\n}}\n'
            + 'locals {\n  name = "svc-${var.env}"\n  tags = { env = var.env }\n}\n',
        )
        put(folder / "terraform.tfvars", tfvars)
        put(folder / "main.tf", ai)
        for index in range(rng.randint(2, 6)):
            noise = "".join(
                rng.choice(NOISE).format(n=f"{tag}_{index}_{k}") for k in range(rng.randint(2, 6))
            )
            put(folder / f"network_{index}.tf", noise)
        put(folder / "outputs.tf", 'output "name" {\n  value = local.name\n}\n')
        service += 1
    return written


def main(files: int, seed: int) -> None:
    """Generate, scan once to warm caches (catalogue, parser), scan again timed; print figures."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        written = generate(files, root, seed)
        size = sum(p.stat().st_size for p in root.rglob("*.tf"))
        scan(root / "modules")  # loads the catalogue and the Lark parser once
        gc.collect()
        tracemalloc.start()
        start = time.perf_counter()
        result = scan(root)
        elapsed = time.perf_counter() - start
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        gc.collect()
        tracemalloc_free = time.perf_counter()
        result = scan(root)
        untraced = time.perf_counter() - tracemalloc_free
        # The floor if every file had to be parsed: python-hcl2 alone on all of them.
        start = time.perf_counter()
        for path in root.rglob("*.tf"):
            hcl2.parses_to_tree(path.read_text())
        parse_all = time.perf_counter() - start
    components = sum(len(s.components) for s in result.fragment.systems)
    unknown = len(result.unknowns())
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{written} .tf files ({size / 1e6:.1f} MB), {len(result.fragment.systems)} root modules, "
        f"{components} components, {len(result.resolutions)} resolutions ({unknown} unknown), "
        f"{len(result.diagnostics)} diagnostics\n"
        f"scan {untraced:.2f}s ({untraced / written * 1000:.1f} ms/file); "
        f"under tracemalloc {elapsed:.2f}s, traced peak {traced_peak / 1e6:.0f} MB; "
        f"process peak RSS {peak_rss:.0f} MB\n"
        f"python-hcl2 parsing every file (no skipping): {parse_all:.2f}s"
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 7,
    )
