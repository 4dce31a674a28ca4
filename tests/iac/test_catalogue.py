"""The detection catalogue under rules/iac/: schema, sources and cross-references."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from auditor.errors import KnowledgeBaseError
from auditor.loader.iac import load_catalogue
from auditor.loader.iac.catalogue import ResourceRule
from auditor.resources import builtin_rules_dir


def test_builtin_catalogue_loads_and_covers_the_issue() -> None:
    catalogue = load_catalogue()
    types = {rtype for _, rtype in catalogue.rules_by_type}
    for required in (
        "aws_bedrock_inference_profile",
        "aws_bedrockagent_agent",
        "aws_bedrockagent_knowledge_base",
        "awscc_bedrock_knowledge_base",
        "aws_sagemaker_endpoint",
        "aws_s3_bucket",
        "aws_s3_bucket_replication_configuration",
        "aws_opensearch_domain",
        "aws_db_instance",
        "azurerm_cognitive_account",
        "azurerm_cognitive_deployment",
        "azurerm_ai_foundry",
        "azurerm_machine_learning_workspace",
        "azurerm_storage_account",
        "azapi_resource",
        "google_vertex_ai_endpoint",
        "google_discovery_engine_data_store",
        "google_document_ai_processor",
        "google_bigquery_dataset",
        "google_project_service",
        "ovh_cloud_project_storage",
        "scaleway_inference_deployment",
        "ionoscloud_gpu_server",
        "hcloud_server",
        "oci_generative_ai_endpoint",
    ):
        assert required in types, required
    assert {"eu.", "us.", "global."} <= {
        p.prefix for p in catalogue.providers["aws"].model_id_prefixes
    }


def test_every_entry_is_sourced_and_dated() -> None:
    catalogue = load_catalogue()
    for cat in catalogue.providers.values():
        for rule in cat.resources:
            assert rule.source and rule.as_of.year >= 2025, rule.type
    for image in catalogue.kubernetes.images:
        assert image.source
    for endpoint in catalogue.kubernetes.endpoints:
        assert endpoint.source


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError):
        ResourceRule.model_validate(
            {
                "type": "aws_s3_bucket",
                "label": "x",
                "source": "s",
                "as_of": "2026-01-01",
                "confidence": "confirmed",
                "colour": "blue",
            }
        )


def test_module_provider_is_only_for_a_module_rule() -> None:
    rule = {
        "label": "x",
        "source": "s",
        "as_of": "2026-01-01",
        "confidence": "confirmed",
        "location": {"module_provider": "awscc"},
    }
    module = ResourceRule.model_validate(rule | {"type": "aws-ia/x/aws", "mode": "module"})
    assert module.location.module_provider == "awscc"
    with pytest.raises(ValidationError, match="module_provider"):
        ResourceRule.model_validate(rule | {"type": "aws_s3_bucket"})


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), target)
    return target


def test_unknown_vendor_or_option_is_a_knowledge_base_error(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    path = rules / "iac" / "azure.yaml"
    text = path.read_text()
    text = text.replace(
        "vendor: azure-openai\n    label: Azure OpenAI model deployment\n",
        "vendor: azure-opnai\n    label: Azure OpenAI model deployment\n",
        1,
    )
    path.write_text(text)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_catalogue(rules)
    messages = [d.message for d in caught.value.diagnostics]
    assert any("unknown vendor 'azure-opnai'" in m for m in messages)
    path = rules / "iac" / "aws.yaml"
    path.write_text(re.sub(r"deployment: global}", "deployment: worldwide}", path.read_text()))
    (rules / "iac" / "azure.yaml").write_text(text.replace("azure-opnai", "azure-openai"))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_catalogue(rules)
    assert any("no deployment option 'worldwide'" in d.message for d in caught.value.diagnostics)
