"""NVIDIA's ``nim-llm`` Helm chart in Terraform: a NIM server whose image names the model."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from auditor.loader.iac import scan
from auditor.model.inventory import ComponentKind

from .helpers import FIXTURES, components

AI_ON_EKS = FIXTURES / "public-k8s" / "ai-on-eks-triton"


@pytest.fixture(autouse=True)
def _no_helm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))


def _servers(root: Path) -> dict[str, Any]:
    return {
        key: c
        for key, c in components(scan(root)).items()
        if c.kind is ComponentKind.INFERENCE_ENDPOINT
    }


RELEASES = """
resource "helm_release" "ngc" {
  name       = "my-nim"
  repository = "https://helm.ngc.nvidia.com/nim"
  chart      = "nim-llm"
  set {
    name  = "image.repository"
    value = "nvcr.io/nim/meta/llama-3.1-8b-instruct"
  }
}
resource "helm_release" "other_repo" {
  name       = "not-nvidia"
  repository = "https://charts.example.com"
  chart      = "nim-llm"
}
resource "helm_release" "own_image" {
  name   = "private-mirror"
  chart  = "./nim-llm"
  values = [yamlencode({ image = { repository = "registry.example.com/llm" } })]
}
"""


def test_nim_llm_releases_serve_the_model_their_image_names(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(RELEASES)
    found = components(scan(tmp_path))
    ngc = found["tf-root/helm_release.ngc"]
    assert ngc.kind is ComponentKind.INFERENCE_ENDPOINT
    assert ngc.name.startswith("NVIDIA NIM model server")
    assert ngc.model is not None
    assert (ngc.model.name, ngc.model.vendor) == ("meta/llama-3.1-8b-instruct", "meta-llama")
    # another repository's chart of the same name is not NVIDIA's
    assert "tf-root/helm_release.other_repo" not in found
    # a local copy of the chart running an image outside nvcr.io/nim names no model
    own = found["tf-root/helm_release.own_image"]
    assert own.name.startswith("NVIDIA NIM model server") and own.model is None


def test_ai_on_eks_nim_releases_follow_their_switch(tmp_path: Path) -> None:
    """enable_nvidia_nim is false by default: no NIM server; set, one per enabled model."""
    assert not any("nim_llm" in key for key in _servers(AI_ON_EKS))
    root = tmp_path / "eks"
    shutil.copytree(AI_ON_EKS, root)
    (root / "terraform.tfvars").write_text("enable_nvidia_nim = true\n")
    servers = _servers(root)
    nim = servers["tf-root/helm_release.nim_llm-llama3-8b-instruct"]
    # the image comes from each.value.id through templatefile(helm-values/nim-llm.yaml)
    assert nim.model is not None and nim.model.name == "meta/llama3-8b-instruct"
    assert nim.region == "aws:us-west-2"
    assert len([k for k in servers if "nim_llm" in k]) == 1  # llama-3.1-8b-instruct is disabled
