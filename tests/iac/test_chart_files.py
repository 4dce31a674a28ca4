"""What a Helm chart holds besides templates, and Helm values the scan cannot read (issue 19).

A chart is identified by its Chart.yaml; its templates are the files under
``templates/``. Its ``values.yaml`` and its helm-unittest suites
(``tests/*_test.yaml``) are neither templates nor manifests: nothing that
``kubectl apply`` or ``helm install`` runs, so the scan says nothing about them,
even when their strings quote ``{{ .Release.Name }}``. A file whose template
syntax breaks the YAML is an unrendered template and keeps its notice. A
``helm_release`` whose values do not parse is a notice naming the release, the
file and the line, not only a line of ``--explain-resolution``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli

from .test_terraform import write

_VLLM = """apiVersion: apps/v1
kind: Deployment
metadata: {name: vllm, namespace: llm}
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.9.0
          args: [--model, Qwen/Qwen2.5-7B-Instruct]
"""

_TREE = {
    "chart/Chart.yaml": "apiVersion: v2\nname: stack\nversion: 0.1.0\n",
    "chart/templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
    ),
    # The chart's default values: plain YAML that quotes template text and names an apiVersion.
    "chart/values.yaml": (
        "route:\n  apiVersion: gateway.networking.k8s.io/v1\n  kind: HTTPRoute\n"
        'prometheus:\n  url: "http://{{ .Release.Name }}-prometheus"\n'
        "extraObjects:\n  - apiVersion: v1\n    kind: ConfigMap\n"
    ),
    "chart/values-prod.yaml": 'dashboards:\n  title: "{{ .Release.Name }}"\napiVersion: 1\nkind: x\n',
    # A helm-unittest suite where helm-unittest looks for one (tests/*_test.yaml) ...
    "chart/tests/route_test.yaml": (
        "suite: test routes\ntemplates:\n  - route.yaml\ntests:\n"
        "  - it: renders a route\n    set:\n      route:\n        apiVersion: v1\n"
        "        kind: GRPCRoute\n        name: '{{ .Release.Name }}-grpc'\n"
        "    asserts:\n      - hasDocuments:\n          count: 1\n"
    ),
    # ... and one elsewhere (helm unittest -f 'unit/*.yaml'): still plain YAML, still silent.
    "chart/unit/objects.yaml": (
        "suite: extra objects\ntests:\n  - it: templates them\n    set:\n"
        "      extraObjects:\n        - apiVersion: v1\n          kind: ConfigMap\n"
        "          metadata: {name: '{{ .Release.Name }}'}\n"
        "    asserts:\n      - hasDocuments: {count: 1}\n"
    ),
    # Values for someone else's chart, outside any chart folder (a Grafana dashboard quotes {{ }}).
    "deploy/grafana-values.yaml": (
        "datasources:\n  datasources.yaml:\n    apiVersion: 1\n"
        'dashboards:\n  legend: "{{ pod }}"\nkind: values\n'
    ),
    # A real unrendered template outside a chart's templates/: its {{- if }} breaks the YAML.
    "manifests/templated.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  labels:\n"
        "    {{- if .Values.labels }}\n    {{- toYaml .Values.labels | nindent 4 }}\n"
        "    {{- end }}\n"
    ),
    "manifests/vllm.yaml": _VLLM,
}


def _scan_json(root: Path, *extra: str) -> dict[str, object]:
    run = CliRunner().invoke(
        cli,
        ["scan", str(root), "--country", "DE", "--fail-on", "never", "--json", "-", *extra],
    )
    assert run.exit_code == 0, run.output
    data: dict[str, object] = json.loads(run.output)
    return data


@pytest.fixture
def no_helm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


@pytest.mark.usefixtures("no_helm")
def test_values_files_and_unittest_suites_are_not_templates(tmp_path: Path) -> None:
    root = write(tmp_path / "tree", _TREE)
    data = _scan_json(root)
    notices = [str(n) for n in data["notices"]]  # type: ignore[attr-defined]
    templates = [n for n in notices if "unrendered" in n]
    # Only the real template is named, at its first {{ (line 6).
    assert templates == [
        f"{root}/manifests/templated.yaml:6: looks like an unrendered Helm template "
        "({{ ... }} makes it invalid YAML); not read: scan its rendered output instead"
    ]
    for quiet in ("values.yaml", "values-prod.yaml", "route_test.yaml", "objects.yaml"):
        assert not any(quiet in n for n in notices), quiet
    # The chart itself keeps its one notice, and the plain manifest its model server.
    assert sum("Helm chart not rendered" in n for n in notices) == 1
    inputs = {str(i["path"]) for i in data["inputs"]}  # type: ignore[attr-defined,index]
    assert inputs == {f"{root}/manifests/vllm.yaml"}
    run = CliRunner().invoke(cli, ["scan", str(root), "--country", "DE", "--fail-on", "never"])
    assert run.exit_code == 0, run.output
    assert "notice: " + templates[0] in run.output
    assert "values.yaml" not in run.output and "route_test" not in run.output


@pytest.mark.usefixtures("no_helm")
def test_a_chart_without_templates_still_owns_its_values(tmp_path: Path) -> None:
    """An umbrella chart (Chart.yaml, values.yaml, no templates/) is a chart all the same."""
    root = write(
        tmp_path / "tree",
        {
            "umbrella/Chart.yaml": "apiVersion: v2\nname: umbrella\nversion: 1.0.0\n",
            "umbrella/values.yaml": (
                "sub:\n  apiVersion: v1\n  kind: Pod\n  name: '{{ .Release.Name }}'\n"
            ),
            "vllm.yaml": _VLLM,
        },
    )
    notices = [str(n) for n in _scan_json(root)["notices"]]  # type: ignore[attr-defined]
    assert not any("umbrella" in n for n in notices), notices


_RELEASE = """
resource "helm_release" "llm" {
  name       = "llm"
  repository = "https://vllm-project.github.io/production-stack"
  chart      = "vllm-stack"
  values     = [file("${path.module}/values.json")]
}

resource "helm_release" "rendered" {
  name       = "rendered"
  repository = "https://vllm-project.github.io/production-stack"
  chart      = "vllm-stack"
  values     = [templatefile("${path.module}/values.tpl", { model = "Qwen/Qwen2.5-7B-Instruct" })]
}

resource "helm_release" "fine" {
  name       = "fine"
  repository = "https://vllm-project.github.io/production-stack"
  chart      = "vllm-stack"
  values     = [file("${path.module}/good.yaml")]
}
"""


@pytest.mark.usefixtures("no_helm")
def test_a_helm_release_whose_values_do_not_parse_is_a_notice(tmp_path: Path) -> None:
    root = write(
        tmp_path / "tree",
        {
            "main.tf": _RELEASE,
            # JSON-ish with a trailing comma: neither JSON nor YAML.
            "values.json": (
                '{\n  "servingEngineSpec": {\n    "modelSpec": [\n'
                '      {"name": "a", "modelURL": "meta-llama/Llama-3.1-8B-Instruct",},\n'
                "    ]\n  }\n"
            ),
            # The rendered template is mis-indented on its fifth line.
            "values.tpl": (
                "servingEngineSpec:\n  modelSpec:\n    - name: a\n      modelURL: ${model}\n"
                "   oops: [\n"
            ),
            "good.yaml": (
                "servingEngineSpec:\n  modelSpec:\n    - name: a\n"
                "      modelURL: Qwen/Qwen2.5-7B-Instruct\n"
            ),
        },
    )
    notices = [str(n) for n in _scan_json(root)["notices"]]  # type: ignore[attr-defined]
    llm = [n for n in notices if n.startswith("helm_release.llm ")]
    assert len(llm) == 1
    assert llm[0].startswith(f"helm_release.llm ({root}/main.tf:6): the values file ")
    assert f"{root}/values.json is not valid YAML" in llm[0]
    assert f"at {root}/values.json:7)" in llm[0]
    assert "models and images set there are unknown" in llm[0] and "fix it" in llm[0]
    rendered = [n for n in notices if n.startswith("helm_release.rendered ")]
    assert len(rendered) == 1
    assert (
        f"({root}/main.tf:13): the values document rendered from {root}/values.tpl" in (rendered[0])
    )
    assert "line 5 of the rendered text" in rendered[0]
    assert not any(n.startswith("helm_release.fine ") for n in notices)
    run = CliRunner().invoke(cli, ["scan", str(root), "--country", "DE", "--fail-on", "never"])
    assert run.exit_code == 0, run.output
    assert f"notice: {llm[0]}" in run.output
    # The model stays unknown and says why (explained as before).
    explained = CliRunner().invoke(cli, ["scan", str(root), "--explain-resolution"])
    assert f"the values file {root}/values.json is not valid YAML" in explained.output


@pytest.mark.usefixtures("no_helm")
def test_values_that_are_yaml_but_not_a_mapping_are_a_notice(tmp_path: Path) -> None:
    root = write(
        tmp_path / "tree",
        {
            "main.tf": _RELEASE.split('resource "helm_release" "rendered"')[0],
            "values.json": '["servingEngineSpec", "modelSpec"]\n',
        },
    )
    notices = [str(n) for n in _scan_json(root)["notices"]]  # type: ignore[attr-defined]
    assert any(
        n.startswith(f"helm_release.llm ({root}/main.tf:6)") and "not a mapping of values" in n
        for n in notices
    ), notices


@pytest.mark.usefixtures("no_helm")
def test_a_charts_patch_templates_are_one_notice_naming_each_file(tmp_path: Path) -> None:
    """kserve's charts keep a dozen kustomize-style ``files/*-patch.yaml`` templates: one
    notice per chart names each file and its first ``{{``, not one notice per file."""
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  {{- with .Values.x }}\n"
    tree = {
        "chart/Chart.yaml": "apiVersion: v2\nname: stack\nversion: 0.1.0\n",
        "chart/templates/deployment.yaml": _TREE["chart/templates/deployment.yaml"],
        "chart/files/kserve/deployment-patch.yaml": patch,
        "chart/files/kserve/service-patch.yaml": "kind: Service\n" + patch,
        "chart/files/common/storage-patch.yaml": patch,
        "manifests/templated.yaml": _TREE["manifests/templated.yaml"],
    }
    root = write(tmp_path / "tree", tree)
    notices = [str(n) for n in _scan_json(root)["notices"]]  # type: ignore[attr-defined]
    templates = sorted(n for n in notices if "unrendered" in n)
    assert templates == [
        f"{root}/chart: 3 files look like unrendered Helm templates ({{{{ ... }}}} makes them "
        "invalid YAML), not read: files/common/storage-patch.yaml:4, "
        "files/kserve/deployment-patch.yaml:4, files/kserve/service-patch.yaml:5; scan their "
        "rendered output instead",
        f"{root}/manifests/templated.yaml:6: looks like an unrendered Helm template "
        "({{ ... }} makes it invalid YAML); not read: scan its rendered output instead",
    ]
