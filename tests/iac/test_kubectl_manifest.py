"""kubectl_manifest (providers gavinbunney/kubectl and alekc/kubectl): the object in yaml_body
read by the Kubernetes detector and placed by the kubectl provider's cluster; the
kubectl_file_documents / kubectl_path_documents data sources split as the provider does
(issue 19)."""

from __future__ import annotations

from pathlib import Path

from auditor.loader.iac import ScanResult, scan
from auditor.loader.iac.kubectl import self_link, split_documents
from auditor.model.inventory import Component, ComponentKind

from .helpers import components, resolution
from .k8s_texts import VLLM_DEPLOYMENT, VLLM_SERVICE

EKS = """
variable "region" { default = "eu-west-1" }
provider "aws" { region = var.region }
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 21.0"
}
provider "kubectl" {
  host                   = module.eks.cluster_endpoint
  cluster_ca_certificate = base64decode(module.eks.cluster_certificate_authority_data)
  load_config_file       = false
}
"""


def _scan(tmp_path: Path, *texts: str) -> ScanResult:
    (tmp_path / "main.tf").write_text("\n".join(texts))
    result = scan(tmp_path)
    assert result.diagnostics == []
    return result


def _servers(result: ScanResult) -> dict[str, Component]:
    """Model servers of the Terraform root (a YAML file in the tree is also scanned alone)."""
    return {
        k: c
        for k, c in components(result).items()
        if c.kind is ComponentKind.INFERENCE_ENDPOINT and k.startswith("tf-root/")
    }


def test_a_heredoc_yaml_body_is_a_model_server_on_the_eks_cluster_of_the_provider(
    tmp_path: Path,
) -> None:
    body = VLLM_DEPLOYMENT.replace("Qwen/Qwen2.5-7B-Instruct", "${var.model}")
    result = _scan(
        tmp_path,
        EKS,
        'variable "model" { default = "meta-llama/Llama-3.1-8B-Instruct" }\n'
        f'resource "kubectl_manifest" "vllm" {{\n  yaml_body = <<-YAML\n{body}  YAML\n}}\n',
    )
    server = _servers(result)["tf-root/kubectl_manifest.vllm"]
    assert server.region == "aws:eu-west-1"
    assert server.model is not None and server.model.name == "meta-llama/Llama-3.1-8B-Instruct"
    steps = [s.text for s in resolution(result, "tf-root/kubectl_manifest.vllm", "region").steps]
    assert steps[0] == "kubectl_manifest.vllm runs on the cluster of provider kubectl"
    assert "module.eks.cluster_endpoint" in steps[1]


def test_a_yaml_body_read_with_file_points_at_the_file(tmp_path: Path) -> None:
    (tmp_path / "vllm").mkdir()
    (tmp_path / "vllm" / "server.yaml").write_text(VLLM_DEPLOYMENT)
    result = _scan(
        tmp_path,
        EKS,
        'resource "kubectl_manifest" "vllm" {\n'
        '  yaml_body = file("${path.module}/vllm/server.yaml")\n}\n',
    )
    model = resolution(result, "tf-root/kubectl_manifest.vllm", "model")
    assert model.value == "Qwen/Qwen2.5-7B-Instruct"
    assert model.steps[0].span is not None and model.steps[0].span.path.endswith("server.yaml")
    assert model.steps[0].span.line == 12


def test_yamlencode_and_templatefile_bodies_are_read(tmp_path: Path) -> None:
    (tmp_path / "vllm.yaml.tpl").write_text(
        VLLM_DEPLOYMENT.replace("Qwen/Qwen2.5-7B-Instruct", "${model}")
    )
    result = _scan(
        tmp_path,
        EKS,
        'resource "kubectl_manifest" "templated" {\n'
        '  yaml_body = templatefile("vllm.yaml.tpl", { model = "mistralai/Mistral-7B-v0.3" })\n'
        "}\n"
        'resource "kubectl_manifest" "encoded" {\n'
        "  yaml_body = yamlencode({\n"
        '    apiVersion = "apps/v1"\n    kind = "Deployment"\n'
        '    metadata = { name = "tgi" }\n'
        "    spec = { template = { spec = { containers = [{\n"
        '      name = "tgi", image = "ghcr.io/huggingface/text-generation-inference:3.0"\n'
        '      env = [{ name = "MODEL_ID", value = "google/gemma-2-9b-it" }]\n'
        "    }] } } }\n  })\n}\n",
    )
    servers = _servers(result)
    assert servers["tf-root/kubectl_manifest.templated"].model is not None
    assert servers["tf-root/kubectl_manifest.templated"].model.name == "mistralai/Mistral-7B-v0.3"
    encoded = servers["tf-root/kubectl_manifest.encoded"]
    assert encoded.model is not None and encoded.model.name == "google/gemma-2-9b-it"
    assert {c.region for c in servers.values()} == {"aws:eu-west-1"}


def test_for_each_over_file_documents_makes_one_instance_per_object(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(
        "# vLLM and its service\n---\n" + VLLM_DEPLOYMENT + "---\n" + VLLM_SERVICE + "---\n"
    )
    result = _scan(
        tmp_path,
        EKS,
        'data "kubectl_file_documents" "stack" {\n  content = file("stack.yaml")\n}\n'
        'resource "kubectl_manifest" "stack" {\n'
        "  for_each  = data.kubectl_file_documents.stack.manifests\n"
        "  yaml_body = each.value\n}\n"
        'resource "kubectl_manifest" "counted" {\n'
        "  count     = length(data.kubectl_file_documents.stack.documents)\n"
        "  yaml_body = element(data.kubectl_file_documents.stack.documents, count.index)\n}\n",
    )
    key = "/apis/apps/v1/namespaces/llm/deployments/vllm"
    stack = f'kubectl_manifest.stack["{key}"]'
    servers = _servers(result)
    found = {a: k for a, k in result.address_index.items() if k in servers and ":" not in a}
    # the Service is an instance too, but runs no model
    assert sorted(a for a in found if a.startswith("kubectl_manifest")) == [
        "kubectl_manifest.counted[0]",
        stack,
    ]
    for address in ("kubectl_manifest.counted[0]", stack):
        server = servers[found[address]]
        assert server.model is not None and server.model.name == "Qwen/Qwen2.5-7B-Instruct"
        assert server.region == "aws:eu-west-1"


def test_documents_switched_off_create_nothing(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(VLLM_DEPLOYMENT)
    result = _scan(
        tmp_path,
        EKS,
        'variable "enable_vllm" { default = false }\n'
        'data "kubectl_file_documents" "stack" {\n  content = file("stack.yaml")\n}\n'
        'resource "kubectl_manifest" "stack" {\n'
        "  for_each  = var.enable_vllm ? data.kubectl_file_documents.stack.manifests : {}\n"
        "  yaml_body = each.value\n}\n",
    )
    assert _servers(result) == {}


def test_path_documents_render_their_templates_with_vars(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "a-vllm.yaml").write_text(
        VLLM_DEPLOYMENT.replace("Qwen/Qwen2.5-7B-Instruct", "${model}")
    )
    (tmp_path / "manifests" / "b-service.yaml").write_text(VLLM_SERVICE)
    result = _scan(
        tmp_path,
        EKS,
        'data "kubectl_path_documents" "docs" {\n'
        '  pattern = "${path.module}/manifests/*.yaml"\n'
        '  vars    = { model = "ibm-granite/granite-3.1-8b-instruct" }\n}\n'
        'resource "kubectl_manifest" "docs" {\n'
        "  count     = length(data.kubectl_path_documents.docs.documents)\n"
        "  yaml_body = element(data.kubectl_path_documents.docs.documents, count.index)\n}\n",
    )
    servers = _servers(result)
    assert list(servers) == ["tf-root/kubectl_manifest.docs-0"]
    model = servers["tf-root/kubectl_manifest.docs-0"].model
    assert model is not None and model.name == "ibm-granite/granite-3.1-8b-instruct"


def test_a_body_the_code_does_not_fix_is_named_in_a_notice(tmp_path: Path) -> None:
    result = _scan(
        tmp_path,
        EKS,
        'variable "body" {}\nresource "kubectl_manifest" "opaque" {\n  yaml_body = var.body\n}\n',
    )
    assert _servers(result) == {}
    assert any("kubectl_manifest.opaque" in n and "not read" in n for n in result.notes)


def test_self_link_and_split_follow_the_provider() -> None:
    assert self_link("v1", "llm", "Service", "vllm") == "/api/v1/namespaces/llm/services/vllm"
    assert self_link("networking.k8s.io/v1", "", "IngressClass", "nginx") == (
        "/apis/networking.k8s.io/v1/ingressclasses/nginx"
    )
    # a document ends at a line starting "---" (the rest of that line is dropped); one with
    # nothing but comments is left out; a marker on the first line stays in the first document
    text = "---\na: 1\n--- # second\nb: 2\n---\n# only a comment\n---\n"
    assert split_documents(text) == ["---\na: 1", "b: 2"]


def test_documents_the_code_does_not_fix_make_no_instance_and_say_why(tmp_path: Path) -> None:
    """content from a download: the keys of manifests are unknown, so Terraform's instances are
    too; nothing is invented and the notice names the for_each."""
    result = _scan(
        tmp_path,
        EKS,
        'data "http" "operator" {\n  url = "https://example.com/operator.yaml"\n}\n'
        'data "kubectl_file_documents" "operator" {\n'
        "  content = data.http.operator.response_body\n}\n"
        'resource "kubectl_manifest" "operator" {\n'
        "  for_each  = data.kubectl_file_documents.operator.manifests\n"
        "  yaml_body = each.value\n}\n",
    )
    assert _servers(result) == {}
    assert not any(a.startswith("kubectl_manifest.operator[") for a in result.address_index)
    notes = [n for n in result.notes if "kubectl_manifest.operator" in n]
    assert len(notes) == 1 and "its count/for_each is unknown" in notes[0]
