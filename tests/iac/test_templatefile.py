"""Terraform's file(), templatefile(), fileset() and yamldecode() in the scanner (issue 19).

Model servers that Terraform deploys as ``kubernetes_manifest { manifest =
yamldecode(templatefile(...)) }`` are read like any manifest once the template is
rendered; whatever the code does not fix stays unknown, with the reason.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from auditor.loader.iac import ScanResult, scan
from auditor.loader.iac.hcl import HOLE, UNKNOWN, Budget, NoFiles, Val
from auditor.loader.iac.template import MAX_FILE_BYTES, MAX_SEQUENCES, render
from auditor.model.common import SourceSpan
from auditor.model.inventory import Component, ComponentKind

from .helpers import components, resolution

GKE = """
resource "google_container_cluster" "gke" {
  name     = "c"
  location = "europe-west4-a"
}
provider "kubernetes" {
  host = "https://${google_container_cluster.gke.endpoint}"
}
"""

VLLM_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
  namespace: ${namespace}
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: "vllm/vllm-openai:v0.8.0"
          args:
%{ for arg in args ~}
            - "${arg}"
%{ endfor ~}
          resources:
            limits:
              nvidia.com/gpu: ${gpu_count}
"""

MANIFEST = """
resource "kubernetes_manifest" "vllm" {
  manifest = yamldecode(templatefile(%s, {
    namespace = "serving"
    args      = ["--model", var.model, "--port", "8000"]
    gpu_count = var.gpus
  }))
}
variable "gpus" {}
"""

KEY = "tf-root/kubernetes_manifest.vllm"


def _write(
    root: Path, model_default: str | None, path: str = '"${path.module}/vllm.yaml.tftpl"'
) -> None:
    variable = (
        f'variable "model" {{ default = "{model_default}" }}\n'
        if model_default is not None
        else 'variable "model" {}\n'
    )
    (root / "main.tf").write_text(GKE + MANIFEST % path + variable)


def _servers(result: ScanResult) -> dict[str, Component]:
    return {
        k: c for k, c in components(result).items() if c.kind is ComponentKind.INFERENCE_ENDPOINT
    }


def _notes(result: ScanResult) -> str:
    return "\n".join(result.notes)


def test_templatefile_renders_the_passed_variables_and_for_directives(tmp_path: Path) -> None:
    (tmp_path / "vllm.yaml.tftpl").write_text(VLLM_TEMPLATE)
    _write(tmp_path, "Qwen/Qwen2.5-7B-Instruct")
    result = scan(tmp_path)
    assert result.diagnostics == []
    server = _servers(result)[KEY]
    assert server.name.startswith("vLLM model server")
    assert server.region == "gcp:europe-west4"
    model = resolution(result, KEY, "model")
    assert model.value == "Qwen/Qwen2.5-7B-Instruct"
    trail = [s.text for s in model.steps]
    # the template file read and the variable that gave the model its value are in the trail
    assert any(t.startswith("read ") and t.endswith("vllm.yaml.tftpl") for t in trail), trail
    assert any('variable "model" default = "Qwen/Qwen2.5-7B-Instruct"' in t for t in trail), trail


def test_an_unknown_template_variable_leaves_the_model_unknown_with_the_reason(
    tmp_path: Path,
) -> None:
    (tmp_path / "vllm.yaml.tftpl").write_text(VLLM_TEMPLATE)
    _write(tmp_path, None)  # var.model has no value in the code
    result = scan(tmp_path)
    server = _servers(result)[KEY]  # still a vLLM server: the rest of the text is known
    assert server.model is None
    note = resolution(result, KEY, "model").note or ""
    assert "${arg}" in note and "not known from the code" in note
    runner = CliRunner().invoke(cli, ["scan", str(tmp_path), "--explain-resolution"])
    assert runner.exit_code == 0, runner.output
    assert "model = UNKNOWN" in runner.output
    assert "the manifest's template leaves unknown" in runner.output


def test_an_image_the_code_does_not_fix_is_named_not_dropped(tmp_path: Path) -> None:
    """ai-on-gke's JetStream module takes the server's image from a variable without a default:
    the scan cannot tell what runs there, and says so instead of reporting nothing."""
    (tmp_path / "vllm.yaml.tftpl").write_text(
        VLLM_TEMPLATE.replace('"vllm/vllm-openai:v0.8.0"', "${image}")
    )
    (tmp_path / "main.tf").write_text(
        GKE
        + MANIFEST.replace("namespace = ", "image = var.image\n    namespace = ")
        % '"${path.module}/vllm.yaml.tftpl"'
        + 'variable "model" { default = "Qwen/Qwen2.5-7B-Instruct" }\nvariable "image" {}\n'
    )
    result = scan(tmp_path)
    assert _servers(result) == {}
    assert (
        "kubernetes_manifest.vllm: the image of container(s) vllm is not fixed by the code"
        in _notes(result)
    )
    assert "${image}" in _notes(result)
    # with the image known the same manifest is a vLLM server and the notice goes
    (tmp_path / "main.tf").write_text(
        (tmp_path / "main.tf")
        .read_text()
        .replace('variable "image" {}', 'variable "image" { default = "vllm/vllm-openai:v0.8.0" }')
    )
    result = scan(tmp_path)
    assert KEY in _servers(result)
    assert "is not fixed by the code" not in _notes(result)


def test_a_template_sees_only_the_variables_the_call_passes(tmp_path: Path) -> None:
    (tmp_path / "vllm.yaml.tftpl").write_text(VLLM_TEMPLATE.replace("${arg}", "${var.model}"))
    _write(tmp_path, "Qwen/Qwen2.5-7B-Instruct")
    result = scan(tmp_path)
    assert _servers(result)[KEY].model is None  # Terraform refuses var. inside a template
    note = resolution(result, KEY, "model").note or ""
    assert "var is not a variable the templatefile() call passes" in note


def test_fileset_picks_the_templates_of_a_for_each(tmp_path: Path) -> None:
    """ai-on-gke's benchmarks: for_each over fileset(path.module/templates), one object each."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "vllm.tftpl").write_text(VLLM_TEMPLATE)
    (tmp_path / "templates" / "svc.tftpl").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: vllm\n  namespace: ${namespace}\n"
    )
    (tmp_path / "main.tf").write_text(
        GKE
        + 'variable "model" { default = "mistralai/Mistral-7B-Instruct-v0.3" }\n'
        + 'resource "kubernetes_manifest" "all" {\n'
        + '  for_each = toset([for f in fileset("${path.module}/templates", "*.tftpl") :\n'
        + '    "${path.module}/templates/${f}"])\n'
        + "  manifest = yamldecode(templatefile(each.value, {\n"
        + '    namespace = "serving", args = ["--model", var.model], gpu_count = 1\n'
        + "  }))\n}\n"
    )
    result = scan(tmp_path)
    servers = _servers(result)
    assert list(servers) == ["tf-root/kubernetes_manifest.all-.-templates-vllm.tftpl"]
    assert servers["tf-root/kubernetes_manifest.all-.-templates-vllm.tftpl"].model is not None


def test_a_template_outside_the_scanned_folder_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "vllm.yaml.tftpl").write_text(VLLM_TEMPLATE)
    root = tmp_path / "stack"
    root.mkdir()
    _write(root, "Qwen/Qwen2.5-7B-Instruct", '"${path.module}/../vllm.yaml.tftpl"')
    result = scan(root)
    assert _servers(result) == {}
    assert "'./../vllm.yaml.tftpl' is outside the scanned folder" in _notes(result)


def test_a_symlink_out_of_the_scanned_folder_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "vllm.yaml.tftpl").write_text(VLLM_TEMPLATE)
    root = tmp_path / "stack"
    root.mkdir()
    (root / "vllm.yaml.tftpl").symlink_to(tmp_path / "vllm.yaml.tftpl")
    _write(root, "Qwen/Qwen2.5-7B-Instruct")
    result = scan(root)
    assert _servers(result) == {}
    assert "is outside the scanned folder" in _notes(result)


def test_a_template_over_the_size_cap_is_not_read(tmp_path: Path) -> None:
    padding = "# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    (tmp_path / "vllm.yaml.tftpl").write_text(padding + VLLM_TEMPLATE)
    _write(tmp_path, "Qwen/Qwen2.5-7B-Instruct")
    result = scan(tmp_path)
    assert _servers(result) == {}
    assert f"over the {MAX_FILE_BYTES // 1024} KiB the scan reads" in _notes(result)


def test_invalid_yaml_from_a_template_is_unknown_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "vllm.yaml.tftpl").write_text("kind: Deployment\n  bad: [indent\n")
    _write(tmp_path, "Qwen/Qwen2.5-7B-Instruct")
    result = scan(tmp_path)
    assert result.diagnostics == [] and _servers(result) == {}
    assert "kubernetes_manifest.vllm (yamldecode() fails:" in _notes(result)
    runner = CliRunner().invoke(cli, ["scan", str(tmp_path), "--explain-resolution"])
    assert runner.exit_code == 0 and "Traceback" not in runner.output


def test_a_yaml_alias_bomb_is_refused_by_the_loader_limits(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    (tmp_path / "bomb.tftpl").write_text("\n".join(lines) + "\nkind: Deployment\n")
    (tmp_path / "main.tf").write_text(
        GKE
        + 'resource "kubernetes_manifest" "bomb" {\n'
        + '  manifest = yamldecode(templatefile("${path.module}/bomb.tftpl", {}))\n}\n'
    )
    started = time.monotonic()
    result = scan(tmp_path)
    assert time.monotonic() - started < 30
    assert result.diagnostics == [] and _servers(result) == {}
    assert "kubernetes_manifest.bomb (yamldecode() fails:" in _notes(result)


def test_a_big_template_in_a_large_for_each_stays_within_the_budget(tmp_path: Path) -> None:
    """A template near the size cap rendered for 1,000 instances: the evaluation budget stops
    the work with a clear diagnostic instead of running for minutes."""
    filler = "".join(f"# line {i:06d} of padding text for the template\n" for i in range(9000))
    (tmp_path / "vllm.yaml.tftpl").write_text(filler + VLLM_TEMPLATE)
    (tmp_path / "main.tf").write_text(
        GKE
        + 'variable "model" { default = "Qwen/Qwen2.5-7B-Instruct" }\n'
        + 'resource "kubernetes_manifest" "vllm" {\n'
        + "  for_each = toset([for i in range(1000) : tostring(i)])\n"
        + '  manifest = yamldecode(templatefile("${path.module}/vllm.yaml.tftpl", {\n'
        + '    namespace = each.key, args = ["--model", var.model], gpu_count = 1\n'
        + "  }))\n}\n"
    )
    started = time.monotonic()
    result = scan(tmp_path)
    assert time.monotonic() - started < 60
    assert any("max_values" in d.message for d in result.diagnostics), result.diagnostics


def test_jsondecode_and_file_read_a_manifest_in_json(tmp_path: Path) -> None:
    (tmp_path / "vllm.json").write_text(
        '{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "vllm"},'
        ' "spec": {"template": {"spec": {"containers": [{"name": "vllm",'
        ' "image": "vllm/vllm-openai:v0.8.0", "args": ["--model", "Qwen/Qwen3-8B"]}]}}}}'
    )
    (tmp_path / "main.tf").write_text(
        GKE
        + 'resource "kubernetes_manifest" "vllm" {\n'
        + '  manifest = jsondecode(file("${path.module}/vllm.json"))\n}\n'
    )
    result = scan(tmp_path)
    assert resolution(result, KEY, "model").value == "Qwen/Qwen3-8B"


# --- the template language itself, as Terraform renders it ---------------------------------------


def _render(text: str, **given: object) -> Val:
    span = SourceSpan(path="t.tftpl", line=1, column=1)
    return render(text, Val(dict(given)), NoFiles(), Budget(), span)


def test_strip_markers_remove_blanks_up_to_one_line_break() -> None:
    text = "items:\n%{ for x in xs ~}\n  - ${x}\n%{ endfor ~}\nend: ${~ 1 ~}  \n  .\n"
    assert _render(text, xs=["a", "b"]).value == "items:\n  - a\n  - b\nend:1  .\n"


def test_if_else_and_escapes() -> None:
    text = "%{ if on }yes%{ else }no%{ endif } $${literal} %%{ literal }"
    assert _render(text, on=True).value == "yes ${literal} %{ literal }"
    assert _render(text, on=False).value == "no ${literal} %{ literal }"


def test_an_unknown_condition_leaves_the_whole_text_unknown() -> None:
    done = _render("a%{ if on }b%{ endif }c", on=UNKNOWN)
    assert done.value is UNKNOWN and done.partial is None
    assert "the condition of %{ if on }" in done.reason


def test_an_unknown_interpolation_keeps_the_known_text() -> None:
    done = _render("--model ${m} --port ${p}", m="x/y", p=UNKNOWN)
    assert done.value is UNKNOWN and done.partial == f"--model x/y --port {HOLE}"


def test_an_unread_directive_is_unknown_not_wrong() -> None:
    done = _render("%{ while x }y%{ endwhile }", x=True)
    assert done.value is UNKNOWN and "is not read" in done.reason


def test_yamldecode_of_two_documents_is_unknown_as_terraform_refuses_it(tmp_path: Path) -> None:
    (tmp_path / "vllm.yaml.tftpl").write_text(VLLM_TEMPLATE + "---\nkind: Service\n")
    _write(tmp_path, "Qwen/Qwen2.5-7B-Instruct")
    result = scan(tmp_path)
    assert _servers(result) == {}
    assert "more than one YAML document" in _notes(result)


def test_a_heredoc_manifest_is_rendered_in_the_module_scope(tmp_path: Path) -> None:
    """yamldecode(<<-EOT ... EOT): the heredoc is a template that sees var. and local."""
    (tmp_path / "main.tf").write_text(
        GKE
        + 'variable "model" { default = "Qwen/Qwen3-8B" }\n'
        + "locals { on_gpu = true }\n"
        + 'resource "kubernetes_manifest" "vllm" {\n'
        + "  manifest = yamldecode(<<-EOT\n"
        + "    apiVersion: apps/v1\n"
        + "    kind: Deployment\n"
        + "    metadata:\n"
        + "      name: vllm\n"
        + "    spec:\n"
        + "      template:\n"
        + "        spec:\n"
        + "          containers:\n"
        + "            - name: vllm\n"
        + '              image: "%{ if local.on_gpu }vllm/vllm-openai:v0.8.0%{ else }vllm/vllm-openai-cpu:v0.8.0%{ endif }"\n'
        + '              args: ["--model", "${var.model}"]\n'
        + "    EOT\n"
        + "  )\n}\n"
    )
    result = scan(tmp_path)
    assert _servers(result)[KEY].name.startswith("vLLM model server")
    assert resolution(result, KEY, "model").value == "Qwen/Qwen3-8B"


def test_a_pipe_named_as_a_template_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "vllm.yaml.tftpl")
    _write(tmp_path, "Qwen/Qwen2.5-7B-Instruct")
    result = scan(tmp_path)
    assert _servers(result) == {}
    assert "is not a regular file in the scanned folder" in _notes(result)


def test_a_template_with_too_many_sequences_is_not_rendered() -> None:
    done = _render("${x}\n" * (MAX_SEQUENCES + 1), x="a")
    assert done.value is UNKNOWN and f"more than {MAX_SEQUENCES:,}" in done.reason
    assert _render("${x}\n" * 3, x="a").value == "a\na\na\n"


def test_a_fileset_pattern_with_alternatives_is_unknown_not_empty(tmp_path: Path) -> None:
    """Python's glob has no {a,b}: an empty list would silently make no instances."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "vllm.tftpl").write_text(VLLM_TEMPLATE)
    (tmp_path / "main.tf").write_text(
        GKE
        + 'resource "kubernetes_manifest" "all" {\n'
        + '  for_each = fileset("${path.module}/templates", "*.{tftpl,tpl}")\n'
        + '  manifest = yamldecode(templatefile("${path.module}/templates/${each.value}", {\n'
        + '    namespace = "serving", args = ["--model", "x/y"], gpu_count = 1\n'
        + "  }))\n}\n"
    )
    result = scan(tmp_path)
    assert _servers(result) == {}
    # unknown instances are named (an empty fileset would have made none, silently)
    assert "kubernetes_manifest.all (" in _notes(result)


def test_helm_values_rendered_by_templatefile_name_the_model(tmp_path: Path) -> None:
    """values = [templatefile("values.yaml.tftpl", {...})]: the common way to pass a model to
    a chart; the rendered document is read like a literal one."""
    (tmp_path / "values.yaml.tftpl").write_text(
        "servingEngineSpec:\n  modelSpec:\n%{ for m in models ~}\n    - name: ${m.name}\n"
        "      modelURL: ${m.url}\n%{ endfor ~}\n"
    )
    (tmp_path / "main.tf").write_text(
        'resource "helm_release" "vllm" {\n'
        '  name       = "vllm"\n'
        '  repository = "https://vllm-project.github.io/production-stack"\n'
        '  chart      = "vllm-stack"\n'
        '  values = [templatefile("${path.module}/values.yaml.tftpl", {\n'
        '    models = [{ name = "qwen", url = "Qwen/Qwen2.5-7B-Instruct" }]\n'
        "  })]\n}\n"
    )
    result = scan(tmp_path)
    models = {c.model.name for c in _servers(result).values() if c.model is not None}
    assert models == {"Qwen/Qwen2.5-7B-Instruct"}
