"""Kubernetes and Terraform texts several IaC tests apply in different ways: one vLLM server
(Deployment and Service) and a GKE cluster whose kubernetes and kubectl providers point at it."""

from __future__ import annotations

GKE_CLUSTER = """
provider "google" { region = "europe-west4" }
resource "google_container_cluster" "gpu" {
  name     = "gpu"
  location = "europe-west4"
}
provider "kubernetes" { host = google_container_cluster.gpu.endpoint }
provider "kubectl" { host = google_container_cluster.gpu.endpoint }
"""

VLLM_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
  namespace: llm
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.9.0
          args: ["--model", "Qwen/Qwen2.5-7B-Instruct"]
"""

VLLM_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: vllm
  namespace: llm
spec:
  ports:
    - port: 8000
"""
