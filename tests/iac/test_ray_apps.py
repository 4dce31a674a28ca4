"""Ray Serve applications whose code is fetched at run time (issue 19).

A RayService application the catalogue does not know is a model server when its manifest
shows a model library: ``runtime_env.pip`` installs one, or its ``import_path`` names a
module of the scanned tree that imports one. The module is read with ``ast`` only, never
outside the scan root, never over the size cap; a module that does not parse is a notice.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.loader.iac import scan
from auditor.loader.iac.ray_code import MAX_MODULE_BYTES
from auditor.model.inventory import ComponentKind

from .helpers import FIXTURES, components, resolution

KUBERAY = FIXTURES / "public-k8s" / "kuberay"


def _service(import_path: str, *, pip: str = "", image: str = "rayproject/ray:2.52.0") -> str:
    return f"""apiVersion: ray.io/v1
kind: RayService
metadata:
  name: app
spec:
  serveConfigV2: |
    applications:
      - name: main
        import_path: {import_path}
        runtime_env:
          working_dir: "https://example.com/code.zip"
{pip}  rayClusterConfig:
    headGroupSpec:
      rayStartParams: {{}}
      template:
        spec:
          containers:
          - name: ray-head
            image: {image}
"""


def _tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return root


def _cli(root: Path, tmp_path: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Run ``auditor scan`` as a user would: model servers of the register, and the notices."""
    out = tmp_path / "result.json"
    run = CliRunner().invoke(
        cli,
        [
            "scan",
            str(root),
            "--country",
            "DE",
            "--today",
            "2026-12-05",
            "--fail-on",
            "never",
            "--json",
            str(out),
        ],
    )
    assert run.exit_code == 0, run.output
    assert "Traceback" not in run.output
    data = json.loads(out.read_text())
    servers = {
        row["component"]: row
        for row in data["inventory_register"]
        if row["kind"] == ComponentKind.INFERENCE_ENDPOINT.value
    }
    return servers, data["notices"]


@pytest.fixture(autouse=True)
def _no_helm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))


# --- the KubeRay corpus ---------------------------------------------------------------------------


def test_kuberay_samples_through_the_cli(tmp_path: Path) -> None:
    servers, notices = _cli(KUBERAY, tmp_path)
    assert sorted(servers) == [
        "rayservice-ray-serve-llm",
        "rayservice-rayservice-sample",
        "rayservice-stable-diffusion",
        "rayservice-stable-diffusion-tpu",
        "rayservice-vllm-tpu",
    ]
    # the module's own vLLM engine is not a second server beside the RayService running it
    assert not any(row["system"].startswith("code-") for row in servers.values())
    text = "\n".join(notices)
    assert "RayService rayservice-mobilenet runs Ray Serve application(s)" in text
    assert "does not show, a model" in text  # the ray-ml image alone is not evidence
    assert "single_deployment_dag.py from the scanned tree, which imports none" in text


def test_the_evidence_is_in_the_component_and_its_resolution() -> None:
    result = scan(KUBERAY)
    found = components(result)
    diffusion = found["k8s-default/rayservice-stable-diffusion"]
    assert diffusion.name.startswith("Ray Serve (Hugging Face Diffusers) model server")
    assert diffusion.notes is not None
    assert "runtime_env.pip installs diffusers==0.32.2, transformers==4.48.2" in diffusion.notes
    model = resolution(result, "k8s-default/rayservice-stable-diffusion", "model")
    assert model.value is None and model.note is not None
    assert "fetched from https://github.com/ray-project/serve_config_examples" in model.note
    lines = [(s.span.path.rsplit("/", 1)[-1], s.span.line) for s in model.steps if s.span]
    assert lines == [("ray-service.stable-diffusion.yaml", 12)] * 2  # the pip line, once a package

    vllm = resolution(result, "k8s-default/rayservice-vllm-tpu", "model")
    assert vllm.value is None and vllm.note is not None
    assert "MODEL_ID to '$MODEL_ID', a placeholder" in vllm.note
    spans = [(s.span.path.rsplit("/", 1)[-1], s.span.line) for s in vllm.steps if s.span]
    assert spans == [("serve_tpu.py", 13)]  # from vllm import LLM, SamplingParams


def test_a_fruit_stand_on_the_plain_ray_image_stays_a_notice(tmp_path: Path) -> None:
    root = _tree(tmp_path / "tree", {"svc.yaml": _service("fruit.deployment_graph")})
    servers, notices = _cli(root, tmp_path)
    assert servers == {}
    assert any("fruit.deployment_graph that the catalogue does not know" in n for n in notices)
    assert not any("suggests" in n for n in notices)


# --- pip forms ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pip", "server"),
    [
        ('          pip: ["Transformers>=4.40", "torch"]\n', "Hugging Face Transformers"),
        (
            "          pip:\n            packages:\n              - -f https://example.com/wheels\n"
            "              - vllm[tpu]==0.6\n",
            "vLLM",
        ),
        ("          pip:\n            - sentence_transformers\n            - torch\n", None),
        ("          pip: requirements.txt\n", None),
    ],
)
def test_pip_lists_decide(tmp_path: Path, pip: str, server: str | None) -> None:
    root = _tree(tmp_path / "tree", {"svc.yaml": _service("mine.app:main", pip=pip)})
    servers, notices = _cli(root, tmp_path)
    if server is None:  # torch alone, or a requirements file: not shown to run a model
        assert servers == {}
        assert any("mine.app:main that the catalogue does not know" in n for n in notices)
    else:
        assert list(servers) == ["rayservice-app"]
        assert servers["rayservice-app"]["model"] == ""  # unknown: the manifest names none
        assert components(scan(root))["k8s-default/rayservice-app"].name.startswith(
            f"Ray Serve ({server}) model server"
        )


# --- modules of the tree, and hostile ones --------------------------------------------------------


def test_a_module_of_the_tree_importing_a_model_library_makes_a_server(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "tree",
        {
            "deploy/svc.yaml": _service("apps.llm.serve:app"),
            "apps/llm/serve.py": "import os\nfrom transformers import pipeline\n",
        },
    )
    servers, _ = _cli(root, tmp_path)
    assert list(servers) == ["rayservice-app"]


def test_a_module_outside_the_root_is_never_read(tmp_path: Path) -> None:
    _tree(tmp_path, {"outside/llm.py": "import vllm\n"})
    root = _tree(tmp_path / "tree", {"svc.yaml": _service("outside.llm:app")})
    servers, notices = _cli(root, tmp_path)
    assert servers == {}
    assert any("outside.llm:app that the catalogue does not know" in n for n in notices)


@pytest.mark.parametrize("import_path", ["...outside.llm:app", "..outside.llm:app", "a/../b:app"])
def test_a_dotted_path_cannot_climb_out(tmp_path: Path, import_path: str) -> None:
    _tree(tmp_path, {"outside/llm.py": "import vllm\n", "llm.py": "import vllm\n"})
    root = _tree(tmp_path / "tree", {"svc.yaml": _service(f'"{import_path}"')})
    servers, notices = _cli(root, tmp_path)
    assert servers == {}
    assert any("that the catalogue does not know" in n for n in notices)


def test_a_symbolic_link_out_of_the_root_is_not_followed(tmp_path: Path) -> None:
    _tree(tmp_path, {"secret/llm.py": "import vllm\n"})
    root = _tree(tmp_path / "tree", {"svc.yaml": _service("llm:app")})
    os.symlink(tmp_path / "secret" / "llm.py", root / "llm.py")
    servers, notices = _cli(root, tmp_path)
    assert servers == {}
    assert any(
        "llm.py: it is a symbolic link that is broken or leads outside" in n for n in notices
    )


def test_a_50_mb_module_is_not_read(tmp_path: Path) -> None:
    root = _tree(tmp_path / "tree", {"svc.yaml": _service("big:app")})
    with (root / "big.py").open("wb") as handle:
        handle.write(b"import vllm\n")
        handle.truncate(50 * 1024 * 1024)  # sparse: costs no disk, but stat says 50 MB
    servers, notices = _cli(root, tmp_path)
    assert servers == {}
    assert any(
        f"big.py: it is not a regular file of at most {MAX_MODULE_BYTES:,}" in n for n in notices
    )


def test_a_module_with_a_syntax_error_is_named_not_guessed(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "tree",
        {"svc.yaml": _service("broken:app"), "broken.py": "import vllm\ndef (:\n"},
    )
    servers, notices = _cli(root, tmp_path)
    assert servers == {}
    assert any("broken.py: line 2 is not valid Python" in n for n in notices)


def test_a_module_that_imports_no_model_library_is_not_a_server(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "tree",
        {
            "svc.yaml": _service("hello:app"),
            # the library's name in a string or a comment is not an import
            "hello.py": "# import vllm\nfrom ray import serve\nNAME = 'transformers'\n",
        },
    )
    servers, notices = _cli(root, tmp_path)
    assert servers == {}
    assert any("runs hello.py from the scanned tree, which imports none" in n for n in notices)


def test_a_single_manifest_file_reads_no_module_beside_it(tmp_path: Path) -> None:
    root = _tree(tmp_path / "tree", {"svc.yaml": _service("llm:app"), "llm.py": "import vllm\n"})
    result = scan(root / "svc.yaml")
    assert not any(c.kind is ComponentKind.INFERENCE_ENDPOINT for c in components(result).values())
