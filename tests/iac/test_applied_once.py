"""One Kubernetes object, one component (issue 19, "zero phantoms"): a YAML file of the tree that a
Terraform resource applies (kubernetes_manifest, kubectl_manifest, the kubectl document data
sources) is reported once, at the Terraform address, and not a second time as if ``kubectl
apply`` ran the file; a file Terraform reads for something else is still scanned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.loader.iac import ScanResult, scan
from auditor.model.inventory import Component, ComponentKind

from .helpers import components
from .k8s_texts import GKE_CLUSTER, VLLM_DEPLOYMENT, VLLM_SERVICE

TGI = """apiVersion: apps/v1
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
"""


def _tree(tmp_path: Path, terraform: str, files: dict[str, str]) -> Path:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(GKE_CLUSTER + terraform)
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _servers(result: ScanResult) -> dict[str, Component]:
    assert result.diagnostics == []
    return {
        key: c
        for key, c in components(result).items()
        if c.kind is ComponentKind.INFERENCE_ENDPOINT
    }


def _notes(result: ScanResult, text: str) -> list[str]:
    return [n for n in result.notes if text in n]


def test_yamldecode_file_of_a_tree_manifest_is_one_server_at_the_terraform_address(
    tmp_path: Path,
) -> None:
    root = _tree(
        tmp_path,
        'resource "kubernetes_manifest" "vllm" {\n'
        '  manifest = yamldecode(file("${path.module}/../k8s/vllm.yaml"))\n}\n',
        {"k8s/vllm.yaml": VLLM_DEPLOYMENT},
    )
    result = scan(root)
    servers = _servers(result)
    assert list(servers) == ["tf-infra/kubernetes_manifest.vllm"]
    assert servers["tf-infra/kubernetes_manifest.vllm"].region == "gcp:europe-west4"
    said = _notes(result, "applied by kubernetes_manifest.vllm")
    assert len(said) == 1
    assert said[0].startswith(f"{root / 'k8s' / 'vllm.yaml'}:1: Deployment llm/vllm")
    assert "reported once, at that address" in said[0]


def test_kubectl_manifest_templatefile_is_one_server_with_the_rendered_model(
    tmp_path: Path,
) -> None:
    template = VLLM_DEPLOYMENT.replace("Qwen/Qwen2.5-7B-Instruct", "${model}")
    root = _tree(
        tmp_path,
        'resource "kubectl_manifest" "vllm" {\n'
        '  yaml_body = templatefile("../k8s/vllm.yaml", { model = "mistralai/Mistral-7B-v0.3" })\n'
        "}\n",
        {"k8s/vllm.yaml": template},
    )
    servers = _servers(scan(root))
    assert list(servers) == ["tf-infra/kubectl_manifest.vllm"]
    model = servers["tf-infra/kubectl_manifest.vllm"].model
    assert model is not None and model.name == "mistralai/Mistral-7B-v0.3"


def test_for_each_over_path_documents_applies_each_document_once(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        'data "kubectl_path_documents" "llm" { pattern = "../k8s/*.yaml" }\n'
        'resource "kubectl_manifest" "llm" {\n'
        "  for_each  = data.kubectl_path_documents.llm.manifests\n"
        "  yaml_body = each.value\n}\n",
        {"k8s/vllm.yaml": VLLM_DEPLOYMENT + "---\n" + VLLM_SERVICE, "k8s/tgi.yaml": TGI},
    )
    result = scan(root)
    assert sorted(_servers(result)) == [
        "tf-infra/kubectl_manifest.llm-apis-apps-v1-namespaces-llm-deployments-tgi",
        "tf-infra/kubectl_manifest.llm-apis-apps-v1-namespaces-llm-deployments-vllm",
    ]
    assert len(_notes(result, "reported once, at that address")) == 2


def test_only_the_document_terraform_applies_is_taken_from_the_file_scan(tmp_path: Path) -> None:
    """One document of three applied: the others stay the file scan's."""
    root = _tree(
        tmp_path,
        'data "kubectl_file_documents" "llm" { content = file("../k8s/all.yaml") }\n'
        'resource "kubectl_manifest" "vllm" {\n'
        "  yaml_body = element(data.kubectl_file_documents.llm.documents, 0)\n}\n",
        {"k8s/all.yaml": VLLM_DEPLOYMENT + "---\n" + TGI + "---\n" + VLLM_SERVICE},
    )
    result = scan(root)
    assert sorted(_servers(result)) == ["k8s-llm/deployment-tgi", "tf-infra/kubectl_manifest.vllm"]
    said = _notes(result, "applied by kubectl_manifest.vllm")
    assert len(said) == 1 and "Deployment llm/vllm" in said[0]


def test_a_file_terraform_reads_for_something_else_is_still_scanned(tmp_path: Path) -> None:
    """A config map holding the file, a release's values: nothing is applied from it."""
    root = _tree(
        tmp_path,
        'resource "kubernetes_config_map" "copy" {\n'
        '  metadata { name = "copy" }\n'
        '  data = { "vllm.yaml" = file("../k8s/vllm.yaml") }\n}\n'
        'resource "kubernetes_manifest" "holder" {\n'
        "  manifest = {\n"
        '    apiVersion = "v1", kind = "ConfigMap", metadata = { name = "holder" }\n'
        '    data = { "vllm.yaml" = file("../k8s/vllm.yaml") }\n  }\n}\n'
        'data "kubectl_file_documents" "unused" { content = file("../k8s/vllm.yaml") }\n',
        {"k8s/vllm.yaml": VLLM_DEPLOYMENT},
    )
    result = scan(root)
    assert list(_servers(result)) == ["k8s-llm/deployment-vllm"]
    assert _notes(result, "reported once") == []


def test_a_template_rendered_per_instance_stays_one_server_per_instance(tmp_path: Path) -> None:
    template = VLLM_DEPLOYMENT.replace("Qwen/Qwen2.5-7B-Instruct", "${model}").replace(
        "name: vllm\n  namespace", "name: vllm-${name}\n  namespace"
    )
    root = _tree(
        tmp_path,
        'resource "kubernetes_manifest" "vllm" {\n'
        '  for_each = { small = "Qwen/Qwen2.5-0.5B", large = "Qwen/Qwen2.5-72B" }\n'
        '  manifest = yamldecode(templatefile("${path.module}/../k8s/vllm.yaml", {\n'
        "    name = each.key, model = each.value }))\n}\n",
        {"k8s/vllm.yaml": template},
    )
    result = scan(root)
    servers = _servers(result)
    models = {key: c.model.name if c.model else None for key, c in sorted(servers.items())}
    assert models == {
        "tf-infra/kubernetes_manifest.vllm-large": "Qwen/Qwen2.5-72B",
        "tf-infra/kubernetes_manifest.vllm-small": "Qwen/Qwen2.5-0.5B",
    }
    said = _notes(result, "reported once per Terraform instance, at those addresses")
    assert len(said) == 1
    assert 'kubernetes_manifest.vllm["large"], kubernetes_manifest.vllm["small"]' in said[0]


@pytest.mark.parametrize(
    "meta",
    [
        "count = var.enable_vllm ? 1 : 0",
        "count = 0",
        'for_each = var.enable_vllm ? toset(["one"]) : toset([])',
    ],
)
def test_a_file_only_a_resource_with_no_instance_applies_is_not_a_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], meta: str
) -> None:
    """Terraform's input, not kubectl's: with the defaults nothing is created from the file."""
    root = _tree(
        tmp_path,
        'variable "enable_vllm" { default = false }\n'
        'resource "kubernetes_manifest" "vllm" {\n'
        f"  {meta}\n"
        '  manifest = yamldecode(file("../k8s/vllm.yaml"))\n}\n',
        {"k8s/vllm.yaml": VLLM_DEPLOYMENT},
    )
    with pytest.raises(SystemExit):
        main(["scan", str(root), "--country", "DE", "--json", "-", "--quiet"])
    data = json.loads(capsys.readouterr().out)
    kinds = [row["kind"] for row in data["inventory_register"]]
    assert "inference_endpoint" not in kinds
    said = [n for n in data["notices"] if "applied only by kubernetes_manifest.vllm" in n]
    assert len(said) == 1
    assert said[0].startswith(f"{root / 'k8s' / 'vllm.yaml'}:1: Deployment llm/vllm")
    assert "which Terraform does not create with these variables" in said[0]
    assert said[0].endswith("not reported")


def test_switched_on_the_same_resource_is_one_server(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        'variable "enable_vllm" { default = true }\n'
        'resource "kubernetes_manifest" "vllm" {\n'
        "  count    = var.enable_vllm ? 1 : 0\n"
        '  manifest = yamldecode(file("../k8s/vllm.yaml"))\n}\n',
        {"k8s/vllm.yaml": VLLM_DEPLOYMENT},
    )
    result = scan(root)
    assert list(_servers(result)) == ["tf-infra/kubernetes_manifest.vllm-0"]
    assert _notes(result, "applied only by") == []


def test_the_command_line_reports_the_applied_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tree(
        tmp_path,
        'resource "kubernetes_manifest" "vllm" {\n'
        '  manifest = yamldecode(file("../k8s/vllm.yaml"))\n}\n',
        {"k8s/vllm.yaml": VLLM_DEPLOYMENT},
    )
    with pytest.raises(SystemExit):
        main(["scan", str(root), "--country", "DE", "--json", "-", "--quiet"])
    data = json.loads(capsys.readouterr().out)
    endpoints = [
        (row["system"], row["component"])
        for row in data["inventory_register"]
        if row["kind"] == "inference_endpoint"
    ]
    assert endpoints == [("tf-infra", "kubernetes_manifest.vllm")]
    assert sum("applied by kubernetes_manifest.vllm" in n for n in data["notices"]) == 1


def test_document_lines_follow_the_provider_split() -> None:
    """The lines of each document, as the kubectl provider splits the text (what a multi-document
    file's applied document is matched by)."""
    from auditor.loader.iac.kubectl import split_documents
    from auditor.loader.iac.origins import split_documents_at

    text = "# header\n---\n\napiVersion: v1\nkind: A\n--- # end\n# only a comment\n---\nkind: B\n"
    assert split_documents_at(text) == [
        (4, 5, "apiVersion: v1\nkind: A"),
        (9, 9, "kind: B"),
    ]
    assert split_documents(text) == ["apiVersion: v1\nkind: A", "kind: B"]


def test_an_unknown_count_is_one_server_at_the_terraform_address(tmp_path: Path) -> None:
    """Whether Terraform creates it is unknown: named once, by Terraform, not again by the file."""
    root = _tree(
        tmp_path,
        'variable "enable_vllm" {}\n'
        'resource "kubernetes_manifest" "vllm" {\n'
        "  count    = var.enable_vllm ? 1 : 0\n"
        '  manifest = yamldecode(file("../k8s/vllm.yaml"))\n}\n',
        {"k8s/vllm.yaml": VLLM_DEPLOYMENT},
    )
    result = scan(root)
    assert list(_servers(result)) == ["tf-infra/kubernetes_manifest.vllm"]
    assert len(_notes(result, "reported once, at that address")) == 1


@pytest.mark.parametrize(
    "terraform",
    [
        'data "kubectl_path_documents" "llm" { pattern = "../k8s/*.yaml" }\n'
        'resource "kubectl_manifest" "llm" {\n'
        "  for_each  = var.enable_llm ? data.kubectl_path_documents.llm.manifests : {}\n"
        "  yaml_body = each.value\n}\n",
        'resource "kubectl_manifest" "llm" {\n'
        '  for_each  = var.enable_llm ? fileset("${path.module}/../k8s", "*.yaml") : []\n'
        '  yaml_body = file("${path.module}/../k8s/${each.value}")\n}\n',
        'data "kubectl_file_documents" "llm" { content = file("../k8s/all.yaml") }\n'
        'resource "kubectl_manifest" "llm" {\n'
        "  count     = var.enable_llm ? length(data.kubectl_file_documents.llm.documents) : 0\n"
        "  yaml_body = element(data.kubectl_file_documents.llm.documents, count.index)\n}\n",
        # the switch written as a filtered 'for' whose 'if' names none of the loop's variables
        *(
            'data "kubectl_path_documents" "llm" { pattern = "../k8s/*.yaml" }\n'
            'resource "kubectl_manifest" "llm" {\n'
            "  for_each  = { for k, v in data.kubectl_path_documents.llm.manifests : k => v"
            f" if {condition} }}\n"
            "  yaml_body = each.value\n}\n"
            for condition in ("var.enable_llm", "var.enable_llm && true")
        ),
    ],
)
def test_documents_only_a_switched_off_resource_applies_are_no_servers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], terraform: str
) -> None:
    """for_each/count over the documents, switched off by a variable: with the defaults
    Terraform creates nothing from them, and kubectl never sees them."""
    files = (
        {"k8s/all.yaml": VLLM_DEPLOYMENT + "---\n" + TGI}
        if "all.yaml" in terraform
        else {"k8s/vllm.yaml": VLLM_DEPLOYMENT, "k8s/tgi.yaml": TGI}
    )
    root = _tree(tmp_path, 'variable "enable_llm" { default = false }\n' + terraform, files)
    with pytest.raises(SystemExit):
        main(["scan", str(root), "--country", "DE", "--json", "-", "--quiet"])
    data = json.loads(capsys.readouterr().out)
    assert [r for r in data["inventory_register"] if r["kind"] == "inference_endpoint"] == []
    said = sorted(n for n in data["notices"] if "applied only by kubectl_manifest.llm" in n)
    assert len(said) == 2, data["notices"]
    assert "Deployment llm/tgi" in said[0] or "Deployment llm/tgi" in said[1]
    assert all("which Terraform does not create with these variables" in n for n in said)


@pytest.mark.parametrize(
    "for_each",
    [
        "var.enable_llm ? data.kubectl_path_documents.llm.manifests : {}",
        # the same switch written as a filtered 'for' (its 'if' names no loop variable)
        "{ for k, v in data.kubectl_path_documents.llm.manifests : k => v if var.enable_llm }",
    ],
)
def test_documents_a_resource_of_unknown_count_may_apply_are_reported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], for_each: str
) -> None:
    """Whether Terraform applies them is unknown and each.value is too: the file scan reports
    each object once, and says which resource may apply it; no instance is made up."""
    root = _tree(
        tmp_path,
        'variable "enable_llm" {}\n'
        'data "kubectl_path_documents" "llm" { pattern = "../k8s/*.yaml" }\n'
        'resource "kubectl_manifest" "llm" {\n'
        f"  for_each  = {for_each}\n"
        "  yaml_body = each.value\n}\n",
        {"k8s/vllm.yaml": VLLM_DEPLOYMENT, "k8s/tgi.yaml": TGI},
    )
    with pytest.raises(SystemExit):
        main(["scan", str(root), "--country", "DE", "--json", "-", "--quiet"])
    data = json.loads(capsys.readouterr().out)
    endpoints = sorted(
        row["component"]
        for row in data["inventory_register"]
        if row["kind"] == "inference_endpoint"
    )
    assert endpoints == ["deployment-tgi", "deployment-vllm"]
    said = [n for n in data["notices"] if "may be applied by kubectl_manifest.llm" in n]
    assert len(said) == 2, data["notices"]
    assert all("reported once, from this file" in n for n in said)


def test_a_for_whose_if_filters_items_is_not_a_switch(tmp_path: Path) -> None:
    """An 'if' on the loop's own variables picks documents, it does not switch the resource:
    nothing says Terraform would apply the documents it leaves out, so they are not silenced
    as a switched-off resource's input; the file scan still reports them."""
    root = _tree(
        tmp_path,
        'data "kubectl_path_documents" "llm" { pattern = "../k8s/*.yaml" }\n'
        'resource "kubectl_manifest" "llm" {\n'
        '  for_each  = { for k, v in data.kubectl_path_documents.llm.manifests : k => v if k == "none" }\n'
        "  yaml_body = each.value\n}\n",
        {"k8s/vllm.yaml": VLLM_DEPLOYMENT, "k8s/tgi.yaml": TGI},
    )
    result = scan(root)
    assert sorted(_servers(result)) == ["k8s-llm/deployment-tgi", "k8s-llm/deployment-vllm"]
    assert _notes(result, "applied only by") == []
