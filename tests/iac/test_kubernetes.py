"""Kubernetes manifests: model servers, API clients, cluster location, Helm output."""

from __future__ import annotations

from pathlib import Path

from auditor.loader.iac import How, scan
from auditor.model.inventory import ComponentKind

from .helpers import components, resolution
from .test_terraform import write


def test_nim_tgi_list_and_namespace_annotation(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "all.yaml": """
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Namespace
    metadata:
      name: inference
      annotations:
        residency-auditor.io/region: "aws:eu-central-1"
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: nim, namespace: inference}
    spec:
      template:
        spec:
          containers:
            - name: nim
              image: nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {name: tgi, namespace: inference}
    spec:
      jobTemplate:
        spec:
          template:
            spec:
              containers:
                - name: tgi
                  image: ghcr.io/huggingface/text-generation-inference:3.0
                  args: ["--model-id", "Qwen/Qwen2.5-7B-Instruct"]
"""
        },
    )
    result = scan(root)
    found = components(result)
    nim = found["k8s-inference/statefulset-nim"]
    assert (nim.kind, nim.vendor, nim.deployment, nim.region) == (
        ComponentKind.INFERENCE_ENDPOINT,
        "nvidia-nim",
        "self-hosted",
        "aws:eu-central-1",
    )
    assert nim.model is not None and (nim.model.name, nim.model.vendor) == (
        "meta/llama-3.1-8b-instruct",
        "meta-llama",
    )
    region = resolution(result, "k8s-inference/statefulset-nim", "region")
    assert region.how is How.MANIFEST and "residency-auditor.io/region" in region.steps[0].text
    tgi = found["k8s-inference/cronjob-tgi"]
    assert tgi.model is not None and tgi.model.vendor == "qwen-open-weights"


def test_region_label_without_provider_stays_unknown(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "ollama.yaml": """
apiVersion: apps/v1
kind: Deployment
metadata: {name: ollama}
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - {key: topology.kubernetes.io/region, operator: In, values: [eu-west-1]}
      containers:
        - name: ollama
          image: ollama/ollama:0.6.0
"""
        },
    )
    result = scan(root)
    ollama = components(result)["k8s-default/deployment-ollama"]
    assert ollama.region is None and ollama.model is None
    res = resolution(result, "k8s-default/deployment-ollama", "region")
    assert res.how is How.UNKNOWN and "not which cloud" in (res.note or "")
    assert "aws" in (res.note or "")


def test_api_hosts_and_config_maps(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "apps.yaml": """
apiVersion: v1
kind: ConfigMap
metadata: {name: llm, namespace: apps}
data:
  BEDROCK_ENDPOINT: https://bedrock-runtime.eu-west-3.amazonaws.com
---
apiVersion: v1
kind: ConfigMap
metadata: {name: orphan, namespace: apps}
data:
  MISTRAL_BASE_URL: https://api.eu.mistral.ai/v1
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: apps}
spec:
  template:
    spec:
      containers:
        - name: agent
          image: ghcr.io/acme/agent:1
          env:
            - name: DEEPSEEK_BASE_URL
              value: https://api.deepseek.com
            - name: BEDROCK_URL
              valueFrom:
                configMapKeyRef: {name: llm, key: BEDROCK_ENDPOINT}
""",
            "templated.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
        },
    )
    result = scan(root)
    found = components(result)
    deepseek = found["k8s-apps/deployment-agent.deepseek"]
    assert (deepseek.vendor, deepseek.deployment, deepseek.region) == ("deepseek", "api", "CN")
    bedrock = found["k8s-apps/deployment-agent.aws-bedrock"]
    assert (bedrock.vendor, bedrock.region) == ("aws-bedrock", "aws:eu-west-3")
    source = resolution(result, "k8s-apps/deployment-agent.aws-bedrock", "region").source
    assert source is not None and source.line == 6  # the ConfigMap value
    orphan = found["k8s-apps/configmap-orphan.mistral-ai"]
    assert (orphan.vendor, orphan.deployment) == ("mistral-ai", "eu")
    assert found["k8s-apps/deployment-agent"].kind is ComponentKind.APPLICATION
    assert result.diagnostics == []
    assert any("templated.yaml" in n and "Helm" in n for n in result.notes)


def test_model_free_nim_serves_the_model_in_nim_model_path(tmp_path: Path) -> None:
    # NIM 2.x: the model-free image names no model; NIM_MODEL_PATH does, as an hf:// URI.
    root = write(
        tmp_path,
        {
            "nim.yaml": """
apiVersion: apps/v1
kind: Deployment
metadata: {name: nim, namespace: inference}
spec:
  template:
    spec:
      containers:
        - name: nim
          image: nvcr.io/nim/nvidia/model-free-nim:2.0.1
          env:
            - name: NIM_MODEL_PATH
              value: hf://meta-llama/Llama-3.1-8B-Instruct
"""
        },
    )
    nim = components(scan(root))["k8s-inference/deployment-nim"]
    assert nim.vendor == "nvidia-nim"
    # the hf:// scheme says where the weights come from; the model is the repository id
    assert nim.model is not None and (nim.model.name, nim.model.vendor) == (
        "meta-llama/Llama-3.1-8B-Instruct",
        "meta-llama",
    )


def test_sdk_keys_and_regional_openai_hosts(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "clients.yaml": """
apiVersion: apps/v1
kind: Deployment
metadata: {name: bot, namespace: apps}
spec:
  template:
    spec:
      containers:
        - name: bot
          image: ghcr.io/acme/bot:1
          env:
            - name: ZAI_API_KEY
              valueFrom:
                secretKeyRef: {name: zai, key: key}
            - name: AZURE_OPENAI_AD_TOKEN
              valueFrom:
                secretKeyRef: {name: azure, key: token}
            - name: OPENAI_BASE_URL
              value: https://ae.api.openai.com/v1
"""
        },
    )
    found = components(scan(root))
    zai = found["k8s-apps/deployment-bot.zhipu-ai"]
    # ZAI_API_KEY serves both the international and the China client: no host is assumed.
    assert (zai.vendor, zai.deployment, zai.region) == ("zhipu-ai", "unknown", None)
    assert found["k8s-apps/deployment-bot.azure-openai"].vendor == "azure-openai"
    openai = found["k8s-apps/deployment-bot.openai"]
    assert (openai.vendor, openai.deployment) == ("openai", "ae")


def test_vllm_image_takes_the_model_as_its_first_argument(tmp_path: Path) -> None:
    # The vllm/vllm-openai entrypoint is 'vllm serve': args[0] is the model unless the
    # command is overridden or args[0] is a $(VAR) reference (then the variable's value).
    root = write(
        tmp_path,
        {
            "vllm.yaml": """
apiVersion: apps/v1
kind: Deployment
metadata: {name: plain, namespace: serving}
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          args: ["mistralai/Mistral-7B-Instruct-v0.3", "--max-model-len", "8192"]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: templated, namespace: serving}
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          args: ["$(MODEL_ID)", "--port", "8000"]
          env:
            - {name: MODEL_ID, value: Qwen/Qwen2.5-7B-Instruct}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: wrapped, namespace: serving}
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          command: ["/bin/sh", "-c"]
          args: ["exec vllm serve meta-llama/Llama-3.1-8B-Instruct --port 8000"]
"""
        },
    )
    found = components(scan(root))
    plain = found["k8s-serving/deployment-plain"].model
    assert plain is not None and (plain.name, plain.vendor) == (
        "mistralai/Mistral-7B-Instruct-v0.3",
        "mistral-open-weights",
    )
    templated = found["k8s-serving/deployment-templated"].model
    assert templated is not None and templated.name == "Qwen/Qwen2.5-7B-Instruct"
    wrapped = found["k8s-serving/deployment-wrapped"].model
    assert wrapped is not None and wrapped.vendor == "meta-llama"
