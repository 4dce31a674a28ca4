"""Terraform-deployed model servers: the cluster their provider points at, and kubernetes_*
resources read like manifests (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli import main
from auditor.loader.iac import ScanResult, scan
from auditor.model.inventory import Component, ComponentKind

from .helpers import components, resolution

VLLM_CHART = """
resource "helm_release" "vllm" {
  name       = "vllm"
  repository = "https://vllm-project.github.io/production-stack"
  chart      = "vllm-stack"
  values = [yamlencode({ servingEngineSpec = { modelSpec = [{ modelURL = "Qwen/Qwen2.5-7B-Instruct" }] } })]
}
"""

OLLAMA_ON_GPU = """
resource "helm_release" "ollama" {
  provider   = helm.gpu
  name       = "ollama"
  repository = "https://helm.otwld.com/"
  chart      = "ollama"
}
"""

AKS = """
resource "azurerm_kubernetes_cluster" "aks" {
  name     = "llm"
  location = var.location
}
variable "location" { default = "swedencentral" }
provider "helm" {
  kubernetes {
    host = azurerm_kubernetes_cluster.aks.kube_config[0].host
  }
}
"""

EKS_MODULE = """
variable "region" { default = "eu-central-1" }
provider "aws" { region = var.region }
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"
}
provider "kubernetes" {
  host = module.eks.cluster_endpoint
}
"""

VLLM_DEPLOYMENT = """
variable "model" {}
resource "kubernetes_deployment_v1" "vllm" {
  count = 2
  metadata {
    name      = "vllm-${count.index}"
    namespace = "llm"
  }
  spec {
    template {
      spec {
        container {
          name  = "vllm"
          image = "vllm/vllm-openai:v0.6.0"
          args  = ["--model", var.model, "--port", "8000"]
        }
      }
    }
  }
}
resource "kubernetes_deployment" "tgi" {
  metadata { name = "tgi" }
  spec {
    template {
      spec {
        container {
          image = "ghcr.io/huggingface/text-generation-inference:2.0"
          args  = compact(["--model-id", "$(MODEL_ID)", var.model == "" ? "--quantize" : ""])
          dynamic "env" {
            for_each = { MODEL_ID = "mistralai/Mistral-7B-Instruct-v0.3" }
            content {
              name  = env.key
              value = env.value
            }
          }
        }
      }
    }
  }
}
resource "kubernetes_job_v1" "download" {
  metadata { name = "download" }
  spec {
    template {
      spec {
        container {
          image   = "python:3.13-slim"
          command = ["huggingface-cli", "download", "Qwen/Qwen2.5-7B-Instruct"]
        }
      }
    }
  }
}
"""

GKE_ISVC = """
resource "google_container_cluster" "gke" {
  name     = "c"
  location = "europe-west4-a"
}
provider "kubernetes" {
  host = "https://${google_container_cluster.gke.endpoint}"
}
resource "kubernetes_manifest" "llama" {
  manifest = {
    apiVersion = "serving.kserve.io/v1beta1"
    kind       = "InferenceService"
    metadata   = { name = "llama", namespace = "kserve" }
    spec = {
      predictor = {
        model = {
          modelFormat = { name = "huggingface" }
          args        = ["--model_id=meta-llama/Llama-3.2-1B-Instruct"]
        }
      }
    }
  }
}
"""


def _scan(tmp_path: Path, *texts: str) -> ScanResult:
    (tmp_path / "main.tf").write_text("\n".join(texts))
    result = scan(tmp_path)
    assert result.diagnostics == []
    return result


def _servers(result: ScanResult) -> dict[str, Component]:
    return {
        k: c for k, c in components(result).items() if c.kind is ComponentKind.INFERENCE_ENDPOINT
    }


def test_a_helm_release_runs_where_the_aks_cluster_of_its_provider_is(tmp_path: Path) -> None:
    result = _scan(tmp_path, AKS, VLLM_CHART)
    vllm = components(result)["tf-root/helm_release.vllm"]
    assert vllm.region == "azure:swedencentral"
    steps = [s.text for s in resolution(result, "tf-root/helm_release.vllm", "region").steps]
    assert steps[0] == "helm_release.vllm runs on the cluster of provider helm"
    assert "kube_config[0].host" in steps[1]
    assert steps[2].startswith("azurerm_kubernetes_cluster.aks is the Azure Kubernetes Service")
    assert steps[-1] == 'variable "location" default = "swedencentral"'


def test_an_aliased_provider_is_followed_to_its_kubeconfig_and_says_why(tmp_path: Path) -> None:
    gpu = 'provider "helm" {\n  alias = "gpu"\n  kubernetes = { config_path = "~/.kube/gpu" }\n}\n'
    result = _scan(tmp_path, AKS, VLLM_CHART, gpu, OLLAMA_ON_GPU)
    found = components(result)
    assert found["tf-root/helm_release.vllm"].region == "azure:swedencentral"
    assert found["tf-root/helm_release.ollama"].region is None
    region = resolution(result, "tf-root/helm_release.ollama", "region")
    assert region.note is not None and "kubeconfig" in region.note
    assert "provider = helm.gpu" in region.steps[0].text
    notices = [n for n in result.notes if 'provider "helm" alias "gpu"' in n]
    assert len(notices) == 1 and "declare the cluster's region in the inventory" in notices[0]


def test_kubernetes_deployments_are_model_servers_placed_by_the_eks_module(
    tmp_path: Path,
) -> None:
    result = _scan(tmp_path, EKS_MODULE, VLLM_DEPLOYMENT)
    servers = _servers(result)
    assert sorted(servers) == [
        "tf-root/kubernetes_deployment.tgi",
        "tf-root/kubernetes_deployment_v1.vllm-0",
        "tf-root/kubernetes_deployment_v1.vllm-1",
    ]
    assert {c.region for c in servers.values()} == {"aws:eu-central-1"}
    tgi = components(result)["tf-root/kubernetes_deployment.tgi"]
    assert tgi.model is not None and tgi.model.name == "mistralai/Mistral-7B-Instruct-v0.3"
    # --model var.model (no value anywhere): unknown, never the next word (--port)
    vllm = components(result)["tf-root/kubernetes_deployment_v1.vllm-0"]
    assert vllm.model is None
    note = resolution(result, "tf-root/kubernetes_deployment_v1.vllm-0", "model").note
    assert note is not None and "var.model" in note
    # the download Job runs no model server
    assert "kubernetes_job_v1.download" not in result.address_index or (
        result.address_index["kubernetes_job_v1.download"] not in servers
    )


def test_a_kubernetes_manifest_inference_service_on_a_zonal_gke_cluster(tmp_path: Path) -> None:
    result = _scan(tmp_path, GKE_ISVC)
    isvc = _servers(result)["tf-root/kubernetes_manifest.llama"]
    assert isvc.region == "gcp:europe-west4"  # the zone's region
    assert isvc.model is not None and isvc.model.name == "meta-llama/Llama-3.2-1B-Instruct"


@pytest.mark.parametrize(
    ("provider", "why"),
    [
        ("", 'no provider "kubernetes" block configures the cluster'),
        ('provider "kubernetes" {\n  host = var.host\n}\nvariable "host" {}\n', "host = var.host"),
        (
            'provider "kubernetes" {\n  host = data.terraform_remote_state.c.outputs.host\n}\n'
            'data "terraform_remote_state" "c" {\n  backend = "local"\n}\n',
            "another configuration's state",
        ),
        (
            'provider "kubernetes" {\n  host = module.k8s.endpoint\n}\n'
            'module "k8s" {\n  source = "example/k8s/google"\n}\n',
            "module.k8s (example/k8s/google)",
        ),
    ],
)
def test_a_cluster_the_code_does_not_show_stays_unknown_with_one_notice(
    tmp_path: Path, provider: str, why: str
) -> None:
    result = _scan(tmp_path, provider, VLLM_DEPLOYMENT)
    for key in _servers(result):
        region = resolution(result, key, "region")
        assert region.value is None and region.note is not None and why in region.note, key
    assert len([n for n in result.notes if why in n]) == 1


def test_scan_cli_explains_where_a_terraform_model_server_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "main.tf").write_text(AKS + VLLM_CHART)
    with pytest.raises(SystemExit) as info:
        main(["scan", str(tmp_path), "--explain-resolution"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "azure:swedencentral" in out
    assert "helm_release.vllm runs on the cluster of provider helm" in out


def test_a_release_in_a_local_module_uses_the_provider_its_call_passes(tmp_path: Path) -> None:
    """providers = { helm = helm.eu } hands the aliased provider to the module's release;
    data.aws_eks_cluster is read in the aws provider's region."""
    (tmp_path / "serving").mkdir()
    (tmp_path / "serving" / "main.tf").write_text(VLLM_CHART)
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-3"\n}\n'
        'data "aws_eks_cluster" "llm" {\n  name = "llm"\n}\n'
        'provider "helm" {\n  alias = "eu"\n  kubernetes {\n'
        "    host = data.aws_eks_cluster.llm.endpoint\n  }\n}\n"
        'provider "helm" {\n  kubernetes {\n    config_path = "~/.kube/config"\n  }\n}\n'
        'module "serving" {\n  source    = "./serving"\n  providers = { helm = helm.eu }\n}\n'
    )
    result = scan(tmp_path)
    assert result.diagnostics == []
    release = components(result)["tf-root/module.serving.helm_release.vllm"]
    assert release.region == "aws:eu-west-3"
    assert release.model is not None and release.model.name == "Qwen/Qwen2.5-7B-Instruct"


def test_a_model_from_a_terraform_variable_is_traced_to_the_variable(tmp_path: Path) -> None:
    """The vllm-gke-terraform fixture passes --model var.model_id inside compact([...])."""
    fixture = Path(__file__).parent / "fixtures" / "public-k8s" / "vllm-gke-terraform"
    result = scan(fixture)
    model = resolution(result, "tf-root/kubernetes_deployment.vllm", "model")
    assert model.value == "Qwen/Qwen3-32B"
    places = [(s.span.path.rsplit("/", 1)[-1], s.span.line) for s in model.steps if s.span]
    assert places == [("kubernetes.tf", 195), ("variables.tf", 64)]
    assert model.steps[-1].text == 'variable "model_id" default = "Qwen/Qwen3-32B"'


def test_helm_values_read_through_file_come_from_the_file_in_the_tree(tmp_path: Path) -> None:
    """production-stack's tutorials pass values = [file(var.setup_yaml)]; a file outside the
    scanned folder is not read (and a notice says so)."""
    (tmp_path / "spec.yaml").write_text(
        "servingEngineSpec:\n  modelSpec:\n    - name: opt\n      modelURL: facebook/opt-125m\n"
    )
    root = tmp_path / "stack"
    root.mkdir()
    (root / "main.tf").write_text(
        'variable "setup_yaml" { default = "../spec.yaml" }\n'
        'resource "helm_release" "vllm" {\n'
        '  repository = "https://vllm-project.github.io/production-stack"\n'
        '  chart      = "vllm-stack"\n'
        "  values     = [file(var.setup_yaml)]\n}\n"
        'resource "helm_release" "other" {\n'
        '  repository = "https://vllm-project.github.io/production-stack"\n'
        '  chart      = "vllm-stack"\n'
        '  values     = [file("${path.module}/../../outside.yaml")]\n}\n'
    )
    result = scan(tmp_path)
    model = resolution(result, "tf-stack/helm_release.vllm", "model")
    assert model.value == "facebook/opt-125m"
    assert model.steps[0].span is not None and model.steps[0].span.line == 4
    assert model.steps[0].span.path.endswith("spec.yaml")
    other = resolution(result, "tf-stack/helm_release.other", "model")
    assert other.value is None
    assert any("outside.yaml" in n and "outside the scanned folder" in n for n in result.notes)


def test_a_kubernetes_manifest_decoded_from_a_file_of_the_tree(tmp_path: Path) -> None:
    """manifest = yamldecode(file("${path.module}/...")) in a local module: the object is read
    from the file (its lines in the trail) and placed by the root's GKE cluster."""
    module = tmp_path / "serving"
    (module / "manifests").mkdir(parents=True)
    (module / "manifests" / "vllm.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: vllm\nspec:\n"
        "  template:\n    spec:\n      containers:\n        - name: vllm\n"
        "          image: vllm/vllm-openai:v0.8.0\n"
        "          args: [--model, mistralai/Mistral-Small-24B-Instruct-2501]\n"
    )
    (module / "main.tf").write_text(
        'resource "kubernetes_manifest" "vllm" {\n'
        '  manifest = yamldecode(file("${path.module}/manifests/vllm.yaml"))\n}\n'
    )
    (tmp_path / "main.tf").write_text(
        GKE_ISVC.split('resource "kubernetes_manifest"')[0]
        + 'module "serving" {\n  source = "./serving"\n}\n'
    )
    result = scan(tmp_path)
    assert result.diagnostics == []
    key = "tf-root/module.serving.kubernetes_manifest.vllm"
    server = _servers(result)[key]
    assert server.region == "gcp:europe-west4"
    model = resolution(result, key, "model")
    assert model.value == "mistralai/Mistral-Small-24B-Instruct-2501"
    assert model.steps[0].span is not None and model.steps[0].span.path.endswith("vllm.yaml")
    assert model.steps[0].span.line == 11


def test_a_registry_module_s_triton_release_runs_on_the_cluster_its_call_passes(
    tmp_path: Path,
) -> None:
    """aws-ia/eks-data-addons with enable_nvidia_triton_server = true (rules/iac/aws.yaml):
    the caller's default helm provider, or the one its providers map names; the switch off or
    count = 0 installs nothing."""
    calls = """
module "triton" {
  source                      = "aws-ia/eks-data-addons/aws"
  enable_nvidia_triton_server = true
}
module "triton_gpu" {
  source                      = "aws-ia/eks-data-addons/aws"
  enable_nvidia_triton_server = true
  providers                   = { helm = helm.gpu }
}
module "off" {
  source                      = "aws-ia/eks-data-addons/aws"
  enable_nvidia_triton_server = false
}
module "none" {
  count                       = 0
  source                      = "aws-ia/eks-data-addons/aws"
  enable_nvidia_triton_server = true
}
provider "helm" {
  kubernetes { host = module.eks.cluster_endpoint }
}
provider "helm" {
  alias      = "gpu"
  kubernetes = { config_path = "~/.kube/gpu" }
}
"""
    result = _scan(tmp_path, EKS_MODULE, calls)
    servers = _servers(result)
    assert sorted(servers) == ["tf-root/module.triton", "tf-root/module.triton_gpu"]
    assert servers["tf-root/module.triton"].region == "aws:eu-central-1"
    assert servers["tf-root/module.triton"].vendor is None  # self-hosted
    assert servers["tf-root/module.triton_gpu"].region is None
    region = resolution(result, "tf-root/module.triton_gpu", "region")
    assert region.note is not None and "kubeconfig" in region.note
    model = resolution(result, "tf-root/module.triton", "model")
    assert model.value is None and model.note is not None and "model repository" in model.note
