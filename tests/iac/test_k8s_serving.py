"""Model servers in Kubernetes (issue 19): $(VAR) expansion, command lines, KServe, Helm.

The manifests here are written for the tests; the real public ones are in
test_public_k8s.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.loader.iac import How, scan
from auditor.loader.iac.helm import chart_name
from auditor.loader.iac.serving import Var, command_line, expand
from auditor.loader.yamlsrc import Limits
from auditor.model.common import SourceSpan

from .helpers import components, resolution
from .test_terraform import write

SPAN = SourceSpan(path="m.yaml", line=1, column=1)


def env(**values: str | None) -> dict[str, Var]:
    return {k: Var(v, SPAN, f"env {k}") for k, v in values.items()}


# --- $(VAR) expansion (Kubernetes semantics) --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("--model=$(MODEL)", "--model=org/m"),
        ("$(MODEL)/$(REV)", "org/m/main"),
        ("$(UNDEFINED)", "$(UNDEFINED)"),  # cannot be resolved: unchanged
        ("$$(MODEL)", "$(MODEL)"),  # escaped: never expanded
        ("cost $$5", "cost $5"),  # $$ is one $
        ("$(MODEL", "$(MODEL"),  # unterminated: as written
        ("$MODEL ${MODEL}", "$MODEL ${MODEL}"),  # shell syntax is not Kubernetes syntax
        ("price $", "price $"),
    ],
)
def test_expansion_follows_kubernetes(text: str, expected: str) -> None:
    done = expand(text, env(MODEL="org/m", REV="main"))
    assert done.text == expected and done.known


def test_a_variable_hidden_in_a_secret_leaves_the_text_unknown() -> None:
    done = expand("--model=$(MODEL)", env(MODEL=None))
    assert not done.known and done.unknown == ("MODEL",)
    assert done.text == "--model=$(MODEL)"


def test_shell_scripts_read_the_container_environment() -> None:
    parts = [("/bin/bash", SPAN), ("-c", SPAN), ('exec vllm serve "${MODEL}" --port 8000', SPAN)]
    line = command_line(parts, env(MODEL="Qwen/Qwen2.5-7B-Instruct"))
    assert [w.text for w in line.words][-4:] == [
        "serve",
        "Qwen/Qwen2.5-7B-Instruct",
        "--port",
        "8000",
    ]
    unknown = command_line(parts, {})  # set nowhere in the manifest: unknown, not empty
    assert any(w.unknown == ("MODEL",) for w in unknown.words)


def _deployment(container: str, extra: str = "") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: llm, namespace: ml}}
spec:
  template:
    spec:
      containers:
{container}
{extra}"""


def test_model_from_args_through_env_with_every_step(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "llm.yaml": _deployment(
                """        - name: vllm
          image: registry.example/acme/vllm-rocm:1
          command: ["python3", "-m", "vllm.entrypoints.openai.api_server"]
          args: ["--model", "$(ORG)/$(NAME)", "--port", "$(PORT)"]
          env:
            - {name: ORG, value: deepseek-ai}
            - {name: NAME, value: DeepSeek-R1-Distill-Qwen-7B}
            - {name: PORT, value: "8000"}"""
            )
        },
    )
    result = scan(root)
    llm = components(result)["k8s-ml/deployment-llm"]
    assert llm.model is not None
    assert (llm.model.name, llm.model.vendor) == (
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
        "deepseek-open-weights",
    )
    assert llm.vendor is None  # self-hosted: the publisher is provenance, not a party
    assert llm.name.startswith("vLLM model server")
    model = resolution(result, "k8s-ml/deployment-llm", "model")
    assert model.how is How.MANIFEST
    lines = [s.span.line for s in model.steps if s.span is not None]
    assert lines[0] == 12 and 14 in lines and 15 in lines  # the argument, then ORG and NAME


def test_env_refers_only_to_variables_defined_before(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "llm.yaml": _deployment(
                """        - name: tgi
          image: ghcr.io/huggingface/text-generation-inference:3.3.5
          env:
            - {name: MODEL_ID, value: "$(ORG)/Mistral-7B-Instruct-v0.3"}
            - {name: ORG, value: mistralai}"""
            )
        },
    )
    llm = components(scan(root))["k8s-ml/deployment-llm"]
    # Kubernetes leaves $(ORG) as written: ORG is defined after MODEL_ID.
    assert llm.model is not None and llm.model.name == "$(ORG)/Mistral-7B-Instruct-v0.3"
    assert llm.model.vendor is None


def test_model_in_a_secret_is_unknown_and_says_which_variable(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "llm.yaml": _deployment(
                """        - name: vllm
          image: vllm/vllm-openai:v0.9.0
          args: ["--model=$(MODEL)"]
          env:
            - name: MODEL
              valueFrom: {secretKeyRef: {name: llm, key: model}}"""
            )
        },
    )
    result = scan(root)
    assert components(result)["k8s-ml/deployment-llm"].model is None
    model = resolution(result, "k8s-ml/deployment-llm", "model")
    assert model.how is How.UNKNOWN and "MODEL" in (model.note or "")


@pytest.mark.parametrize(
    ("container", "server", "model"),
    [
        (
            """        - name: tgi
          image: registry.example/tgi:custom
          command: ["text-generation-launcher"]
          env: [{name: MODEL_ID, value: Qwen/Qwen2.5-7B-Instruct}]""",
            "Text Generation Inference",
            "Qwen/Qwen2.5-7B-Instruct",
        ),
        (
            """        - name: llama
          image: ghcr.io/ggml-org/llama.cpp:server-cuda
          args: ["-hf", "ggml-org/gemma-3-1b-it-GGUF", "--port", "8080"]""",
            "llama.cpp server",
            "ggml-org/gemma-3-1b-it-GGUF",
        ),
        (
            """        - name: llama
          image: registry.example/llama:1
          command: ["/app/llama-server"]
          env: [{name: LLAMA_ARG_MODEL, value: /models/mistral-7b.gguf}]""",
            "llama.cpp server",
            "/models/mistral-7b.gguf",
        ),
        (
            """        - name: sglang
          image: lmsysorg/sglang:v0.5.4
          command: ["python3", "-m", "sglang.launch_server", "--model", "google/gemma-2-9b-it"]""",
            "SGLang",
            "google/gemma-2-9b-it",
        ),
        (
            """        - name: ollama
          image: registry.example/ollama:0.6
          command: ["ollama", "serve"]""",
            "Ollama",
            None,
        ),
        (
            # vLLM's plain HTTP server, which older guides and VM scripts still start.
            """        - name: demo
          image: registry.example/python:3.11
          command: ["python", "-m", "vllm.entrypoints.api_server", "--model", "facebook/opt-125m"]""",
            "vLLM",
            "facebook/opt-125m",
        ),
        (
            """        - name: cached
          image: lmcache/vllm-openai:2025-05-27-v1
          command: ["/bin/sh", "-c", "vllm serve meta-llama/Llama-3.1-8B-Instruct --kv-transfer-config x"]""",
            "vLLM with LMCache",
            "meta-llama/Llama-3.1-8B-Instruct",
        ),
        (
            # Triton serves its model repository: a folder, not a model (see the next test)
            """        - name: triton
          image: nvcr.io/nvidia/tritonserver:23.10-trtllm-python-py3""",
            "Triton Inference Server",
            None,
        ),
        (
            """        - name: triton
          image: registry.example/acme/triton-llm:1
          command: ["/bin/bash", "-c"]
          args: ["pip install x && /opt/tritonserver/bin/tritonserver --model-repository=/models --model-control-mode=explicit --load-model=ensemble"]""",
            "Triton Inference Server",
            "ensemble",
        ),
        (
            # ai-on-gke's MaxEngine image: its entrypoint passes the args to maxengine_server.py
            """        - name: maxengine-server
          image: us-docker.pkg.dev/cloud-tpu-images/inference/maxengine-server:v0.2.2
          args: [model_name=gemma-7b, tokenizer_path=assets/tokenizer.gemma, load_parameters_path=gs://b/ckpt]
        - name: jetstream-http
          image: us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.2""",
            "JetStream (MaxText engine)",
            "gemma-7b",
        ),
        (
            """        - name: maxengine
          image: registry.example/maxtext:1
          command: ["python3", "-m", "maxtext.inference.maxengine.maxengine_server", "maxtext/configs/base.yml"]
          args: [model_name=llama2-7b]""",
            "JetStream (MaxText engine)",
            "llama2-7b",
        ),
    ],
)
def test_servers_by_image_or_command(
    tmp_path: Path, container: str, server: str, model: str | None
) -> None:
    result = scan(write(tmp_path, {"llm.yaml": _deployment(container)}))
    llm = components(result)["k8s-ml/deployment-llm"]
    assert llm.name.startswith(f"{server} model server")
    assert (llm.model.name if llm.model else None) == model
    if model is None:
        assert "reads it from" in (resolution(result, "k8s-ml/deployment-llm", "model").note or "")


def test_ollama_models_from_the_post_start_hook(tmp_path: Path) -> None:
    """The ollama-helm chart pulls its models in a postStart hook (templates/deployment.yaml)."""
    root = write(
        tmp_path,
        {
            "llm.yaml": _deployment(
                """        - name: ollama
          image: ollama/ollama:0.12.6
          lifecycle:
            postStart:
              exec:
                command:
                  - /bin/sh
                  - -c
                  - |
                    while ! /bin/ollama ps > /dev/null 2>&1; do
                      sleep 5
                    done
                    /bin/ollama pull  llama3.1:8b
                    /bin/ollama pull --insecure qwen2.5
                    /bin/ollama run llama3.1:8b"""
            )
        },
    )
    result = scan(root)
    llm = components(result)["k8s-ml/deployment-llm"]
    assert llm.model is not None and llm.model.name == "llama3.1:8b"
    model = resolution(result, "k8s-ml/deployment-llm", "model")
    assert "also loads qwen2.5" in (model.note or "")
    assert model.source is not None and model.source.line == 21  # the pull line of the script


@pytest.mark.parametrize(
    "container",
    [
        # Triton's -sdk image holds the clients (image_client, perf_analyzer), not the server
        """        - name: client
          image: nvcr.io/nvidia/tritonserver:24.01-py3-sdk
          command: ["perf_analyzer", "-m", "ensemble"]""",
        # the server's folder named in a shell line is not the server
        """        - name: tools
          image: ubuntu:22.04
          command: ["/bin/sh", "-c", "cd /opt/tritonserver && ls"]""",
        # JetStream's HTTP front end forwards requests to a MaxEngine server elsewhere
        """        - name: jetstream-http
          image: us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.2""",
    ],
)
def test_serving_neighbours_are_not_model_servers(tmp_path: Path, container: str) -> None:
    assert components(scan(write(tmp_path, {"app.yaml": _deployment(container)}))) == {}


def test_a_triton_repository_is_not_taken_for_a_model(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "llm.yaml": _deployment(
                """        - name: triton
          image: nvcr.io/nvidia/tritonserver:25.01-vllm-python-py3
          command: ["tritonserver", "--model-repository", "/models"]"""
            )
        },
    )
    result = scan(root)
    assert components(result)["k8s-ml/deployment-llm"].model is None
    note = resolution(result, "k8s-ml/deployment-llm", "model").note or ""
    assert "--load-model" in note


def test_an_ordinary_python_app_is_not_a_model_server(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "app.yaml": _deployment(
                """        - name: app
          image: python:3.12
          command: ["python", "-m", "http.server"]
          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]"""
            )
        },
    )
    assert components(scan(root)) == {}


# --- KServe -----------------------------------------------------------------------------------------------

_RUNTIME = """
apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata: {name: my-vllm, namespace: ml}
spec:
  supportedModelFormats: [{name: vLLM, autoSelect: true}]
  containers:
    - name: kserve-container
      image: vllm/vllm-openai:v0.9.0
      args: ["--model=/mnt/models", "--port=8080"]
"""


def test_inference_service_runtime_and_model_id(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "runtime.yaml": _RUNTIME,
            "isvc.yaml": """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: qwen, namespace: ml}
spec:
  predictor:
    nodeSelector:
      topology.kubernetes.io/region: eu-central-1
      eks.amazonaws.com/nodegroup: gpu
    model:
      runtime: my-vllm
      modelFormat: {name: vLLM}
      storageUri: hf://Qwen/Qwen2.5-7B-Instruct
---
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: hf, namespace: ml}
spec:
  predictor:
    model:
      modelFormat: {name: huggingface}
      args: ["--model_name=llama", "--model_id=meta-llama/Llama-3.1-8B-Instruct"]
""",
        },
    )
    result = scan(root)
    found = components(result)
    assert set(found) == {"k8s-ml/inferenceservice-qwen", "k8s-ml/inferenceservice-hf"}
    qwen = found["k8s-ml/inferenceservice-qwen"]
    assert qwen.name.startswith("vLLM (KServe runtime my-vllm) model server")
    assert qwen.model is not None and qwen.model.vendor == "qwen-open-weights"
    assert qwen.region == "aws:eu-central-1"  # the predictor's node selector
    hf = found["k8s-ml/inferenceservice-hf"]
    assert hf.model is not None and hf.model.name == "meta-llama/Llama-3.1-8B-Instruct"


def test_nim_runtime_model_is_in_its_image(tmp_path: Path) -> None:
    """NVIDIA/nim-deploy kserve/runtimes: one model per NIM image, the InferenceService names none."""
    root = write(
        tmp_path,
        {
            "nim.yaml": """
apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata: {name: nim-llama-3.1-8b-instruct-1.1.0}
spec:
  supportedModelFormats: [{name: nvidia-nim-llama-3.1-8b-instruct, version: "1.1.0"}]
  containers:
    - name: kserve-container
      image: nvcr.io/nim/meta/llama-3.1-8b-instruct:1.1.0
---
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: llama-3-1-8b-instruct-1xgpu}
spec:
  predictor:
    model:
      modelFormat: {name: nvidia-nim-llama-3.1-8b-instruct}
      runtime: nim-llama-3.1-8b-instruct-1.1.0
"""
        },
    )
    found = components(scan(root))
    nim = found["k8s-default/inferenceservice-llama-3-1-8b-instruct-1xgpu"]
    assert nim.name.startswith("NVIDIA NIM (KServe runtime nim-llama-3.1-8b-instruct-1.1.0)")
    assert nim.model is not None
    assert (nim.model.name, nim.model.vendor) == ("meta/llama-3.1-8b-instruct", "meta-llama")
    assert (nim.vendor, nim.deployment) == ("nvidia-nim", "self-hosted")


def test_a_serving_runtime_alone_is_a_template_not_a_server(tmp_path: Path) -> None:
    result = scan(write(tmp_path, {"runtime.yaml": _RUNTIME}))
    assert components(result) == {}
    assert any(
        "ServingRuntime my-vllm is a KServe model-server template" in n for n in result.notes
    )


def test_storage_uri_names_a_place_not_a_model(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "isvc.yaml": """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: iris}
spec:
  predictor:
    sklearn: {storageUri: "gs://kfserving-examples/models/sklearn/1.0/model"}
"""
        },
    )
    result = scan(root)
    iris = components(result)["k8s-default/inferenceservice-iris"]
    assert iris.name.startswith("KServe sklearn runtime") and iris.model is None
    note = resolution(result, "k8s-default/inferenceservice-iris", "model").note or ""
    assert "gs://kfserving-examples" in note and "not which model" in note


# --- Helm in Terraform ----------------------------------------------------------------------------------

_TF = """
resource "helm_release" "vllm" {
  name       = "vllm"
  repository = "https://vllm-project.github.io/production-stack"
  chart      = "vllm-stack"
  values = [yamlencode({
    servingEngineSpec = {
      modelSpec = [
        { name = "llama", modelURL = "meta-llama/Llama-3.1-8B-Instruct" },
        { name = "qwen", modelURL = "Qwen/Qwen2.5-7B-Instruct" },
      ]
    }
  })]
}

resource "helm_release" "ollama" {
  name       = "ollama"
  repository = "https://helm.otwld.com/"
  chart      = "ollama"
  set {
    name  = "ollama.models.pull[0]"
    value = var.model
  }
  set {
    name  = "ollama.gpu.enabled"
    value = "true"
  }
}

resource "helm_release" "tgi_from_file" {
  name       = "llm"
  repository = "https://vllm-project.github.io/production-stack"
  chart      = "vllm-stack"
  values     = [file("${path.module}/values.yaml")]
}

resource "helm_release" "kserve" {
  name       = "kserve"
  repository = "oci://ghcr.io/kserve/charts"
  chart      = "kserve"
}

resource "helm_release" "other_ollama" {
  name       = "ollama"
  repository = "https://charts.example.org"
  chart      = "ollama"
}

resource "helm_release" "off" {
  count      = 0
  name       = "off"
  repository = "https://helm.otwld.com/"
  chart      = "ollama"
}

variable "model" {
  default = "mistral"
}
"""


def test_helm_releases_of_serving_charts(tmp_path: Path) -> None:
    result = scan(write(tmp_path, {"main.tf": _TF}))
    found = components(result)
    assert set(found) == {
        "tf-root/helm_release.vllm-meta-llama-llama-3.1-8b-instruct",
        "tf-root/helm_release.vllm-qwen-qwen2.5-7b-instruct",
        "tf-root/helm_release.ollama",
        "tf-root/helm_release.tgi_from_file",
    }
    llama = found["tf-root/helm_release.vllm-meta-llama-llama-3.1-8b-instruct"]
    assert llama.model is not None and llama.model.vendor == "meta-llama"
    assert llama.region is None  # the cluster is not followed: unknown, never guessed
    ollama = found["tf-root/helm_release.ollama"]
    assert ollama.model is not None and ollama.model.name == "mistral"
    pulled = resolution(result, "tf-root/helm_release.ollama", "model")
    assert pulled.source is not None and pulled.source.line == 22  # the set block's value
    from_file = resolution(result, "tf-root/helm_release.tgi_from_file", "model")
    assert from_file.value is None and "file(" in (from_file.note or "")
    assert any("helm_release.kserve" in n and "serves no model" in n for n in result.notes)


@pytest.mark.parametrize(
    ("chart", "name"),
    [
        ("vllm/vllm-stack", "vllm-stack"),
        ("oci://ghcr.io/otwld/ollama", "ollama"),
        ("https://example.org/charts/vllm-stack-0.1.7.tgz", "vllm-stack"),
        ("ollama", "ollama"),
    ],
)
def test_chart_names(chart: str, name: str) -> None:
    assert chart_name(chart) == name


# --- chart folders -----------------------------------------------------------------------------------------

_CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: my-llm\nversion: 0.1.0\n",
    "chart/values.yaml": "model: meta-llama/Llama-3.1-8B-Instruct\n",
    "chart/templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
        "spec:\n  template:\n    spec:\n      containers:\n        - name: vllm\n"
        "          image: vllm/vllm-openai:v0.9.0\n"
        "          args: [--model, {{ .Values.model | quote }}]\n"
    ),
}


def test_chart_without_helm_is_one_notice_and_no_component(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    root = write(tmp_path / "tree", _CHART)
    result = scan(root)
    assert components(result) == {}
    notes = [n for n in result.notes if "Helm chart" in n]
    assert len(notes) == 1
    assert f"helm template my-llm {root / 'chart'} > rendered.yaml" in notes[0]


def test_chart_with_helm_is_rendered_and_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a helm on PATH the scan runs `helm template NAME DIR` and reads its output.

    The helm here is a stand-in script that checks the arguments and prints the
    rendering of the chart above, so the test needs no helm binary.
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    rendered = (
        "---\n# Source: my-llm/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n"
        "metadata:\n  name: my-llm\nspec:\n  template:\n    spec:\n      containers:\n"
        "        - name: vllm\n          image: vllm/vllm-openai:v0.9.0\n"
        '          args: [--model, "meta-llama/Llama-3.1-8B-Instruct"]\n'
    )
    helm = bin_dir / "helm"
    helm.write_text(
        '#!/bin/sh\n[ "$1" = template ] && [ "$2" = my-llm ] && [ -f "$3/Chart.yaml" ] || exit 3\n'
        f"cat <<'EOF'\n{rendered}EOF\n"
    )
    helm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/bin{os.pathsep}/usr/bin")
    root = write(tmp_path / "tree", _CHART)
    result = scan(root)
    llm = components(result)["k8s-default/deployment-my-llm"]
    assert llm.model is not None and llm.model.vendor == "meta-llama"
    span = resolution(result, "k8s-default/deployment-my-llm", "model").source
    assert span is not None and span.path.endswith("chart (helm template)")
    assert not any("Helm chart not rendered" in n for n in result.notes)


# --- end to end ---------------------------------------------------------------------------------------------


def test_scan_cli_on_a_k8s_tree_reports_self_hosted_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    corpus = Path(__file__).parent / "fixtures" / "public-k8s"
    out = tmp_path / "result.json"
    run = CliRunner().invoke(
        cli,
        [
            "scan",
            str(corpus / "vllm-docs"),
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
    data = json.loads(out.read_text())
    assert {i["path"].rsplit("/", 1)[-1] for i in data["inputs"]} >= {
        "cpu-deployment.yaml",
        "amd-deployment.yaml",
    }
    gaps = {
        (f["rule_id"], f["subject"]["component"])
        for f in data["findings"]
        if f["rule_id"].startswith("evidence-gap")
    }
    # The manifests say neither where the cluster runs nor who runs it: both are asked for.
    assert gaps == {
        (rule, component)
        for rule in ("evidence-gap-location", "evidence-gap-operator")
        for component in ("deployment-vllm-server", "deployment-mistral-7b")
    }
    # Open weights are provenance: Meta and Mistral are never a party that can be compelled.
    text = json.dumps(data["exposures"]) + json.dumps([f["subject"] for f in data["findings"]])
    assert "meta-llama" not in text and "mistral-open-weights" not in text
    explained = CliRunner().invoke(cli, ["scan", str(corpus / "vllm-docs"), "--explain-resolution"])
    assert explained.exit_code == 0
    assert "Deployment/default/mistral-7b: serve mistralai/Mistral-7B-v0.3" in explained.output


def test_hostile_set_index_is_not_expanded(tmp_path: Path) -> None:
    """A list index of a billion in a set name costs nothing and names no model."""
    hostile = """
resource "helm_release" "ollama" {
  name       = "ollama"
  repository = "https://helm.otwld.com/"
  chart      = "ollama"
  set {
    name  = "ollama.models.pull[1000000000]"
    value = "llama3"
  }
}
"""
    result = scan(write(tmp_path, {"main.tf": hostile}))
    ollama = components(result)["tf-root/helm_release.ollama"]
    assert ollama.model is None
    note = resolution(result, "tf-root/helm_release.ollama", "model").note or ""
    assert "list index over 1000" in note


def test_a_chart_whose_rendering_never_ends_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An untrusted chart cannot make the scan read without end: output past the file-size
    limit stops helm, and the chart is named in a notice instead."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helm = bin_dir / "helm"
    helm.write_text("#!/bin/sh\nwhile :; do echo 'kind: ConfigMap'; done\n")
    helm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/bin{os.pathsep}/usr/bin")
    root = write(tmp_path / "tree", _CHART)
    result = scan(root, limits=Limits(max_file_bytes=100_000))
    assert components(result) == {}
    assert any("was stopped (its output is over 100000 bytes)" in n for n in result.notes)
