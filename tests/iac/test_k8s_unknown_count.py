"""A Kubernetes object Terraform applies with a ``count``/``for_each`` the code does not fix
(issue 19): one notice per resource says so, and the model server in it is one component
standing for all its instances, never instances made up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main

from .k8s_texts import GKE_CLUSTER, VLLM_DEPLOYMENT

CLUSTER = (
    GKE_CLUSTER
    + """variable "enable_vllm" {}
variable "models" {}
variable "replicas" {}
"""
)

RESOURCES = """
resource "kubernetes_manifest" "vllm" {
  count    = var.enable_vllm ? 1 : 0
  manifest = yamldecode(file("${path.module}/vllm.yaml"))
}
resource "kubectl_manifest" "tgi" {
  for_each  = var.models
  yaml_body = <<-EOT
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: tgi
      namespace: llm
    spec:
      template:
        spec:
          containers:
            - name: tgi
              image: ghcr.io/huggingface/text-generation-inference:3.0
              env:
                - {name: MODEL_ID, value: google/gemma-2-9b-it}
    EOT
}
resource "kubernetes_deployment_v1" "ollama" {
  count = var.replicas
  metadata {
    name      = "ollama"
    namespace = "llm"
  }
  spec {
    template {
      spec {
        container {
          name  = "ollama"
          image = "ollama/ollama:0.5.0"
        }
      }
    }
  }
}
resource "kubernetes_config_map_v1" "settings" {
  count = var.replicas
  metadata { name = "settings" }
  data = { a = "b" }
}
"""


def _scan(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    with pytest.raises(SystemExit):
        main(["scan", str(root), "--country", "DE", "--json", "-", "--quiet"])
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


def test_each_unknown_count_is_said_once_and_no_instance_is_made_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "main.tf").write_text(CLUSTER + RESOURCES)
    (tmp_path / "vllm.yaml").write_text(VLLM_DEPLOYMENT)
    data = _scan(tmp_path, capsys)
    notices = data["notices"]
    assert isinstance(notices, list)
    for address, meta in [
        ("kubernetes_manifest.vllm", "count"),
        ("kubectl_manifest.tgi", "for_each"),
        ("kubernetes_deployment_v1.ollama", "count"),
    ]:
        said = [n for n in notices if n.startswith(f"{address} (") and "not known" in n]
        assert len(said) == 1, (address, notices)
        assert f"{meta} is not known from the code" in said[0]
        assert "none is made up" in said[0]
    # a config map runs nothing: its count is no news
    assert not any(n.startswith("kubernetes_config_map_v1.settings") for n in notices)
    rows = data["inventory_register"]
    assert isinstance(rows, list)
    servers = sorted(r["component"] for r in rows if r["kind"] == "inference_endpoint")
    assert servers == [
        "kubectl_manifest.tgi",
        "kubernetes_deployment_v1.ollama",
        "kubernetes_manifest.vllm",
    ]


def test_a_fixed_count_gives_no_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixed = CLUSTER.replace('variable "replicas" {}', 'variable "replicas" { default = 1 }')
    fixed = fixed.replace('variable "enable_vllm" {}', 'variable "enable_vllm" { default = true }')
    fixed = fixed.replace('variable "models" {}', 'variable "models" { default = { a = 1 } }')
    (tmp_path / "main.tf").write_text(fixed + RESOURCES)
    (tmp_path / "vllm.yaml").write_text(VLLM_DEPLOYMENT)
    data = _scan(tmp_path, capsys)
    notices = data["notices"]
    assert isinstance(notices, list)
    assert not [n for n in notices if "is not known from the code" in n and "none is made" in n]
