"""The fixture repositories of issue 7: components, vendors, deployments, regions, resolutions."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.loader.iac import How, scan
from auditor.model.inventory import ComponentKind

from .helpers import FIXTURES, components, hows, resolution

AZURE = FIXTURES / "azure-openai"
BEDROCK = FIXTURES / "bedrock"
VERTEX = FIXTURES / "vertex"
SCALEWAY = FIXTURES / "scaleway"
K8S = FIXTURES / "kubernetes"
PLAN = FIXTURES / "plan"


def test_azure_openai_global_and_data_zone_deployments() -> None:
    result = scan(AZURE)
    assert result.diagnostics == []
    found = components(result)
    assert set(found) == {
        "tf-root/module.openai.azurerm_cognitive_account.this",
        "tf-root/module.openai.azurerm_cognitive_deployment.gpt",
        "tf-root/azurerm_cognitive_deployment.embeddings",
        "tf-root/azurerm_storage_account.documents",
        "tf-root/azurerm_search_service.index",
    }
    gpt = found["tf-root/module.openai.azurerm_cognitive_deployment.gpt"]
    assert (gpt.kind, gpt.vendor, gpt.deployment) == (
        ComponentKind.MODEL_API,
        "azure-openai",
        "GlobalStandard",
    )
    assert gpt.region == "azure:swedencentral"
    assert gpt.model is not None and gpt.model.name == "gpt-4o"
    assert gpt.operator is None  # left to the vendor
    embeddings = found["tf-root/azurerm_cognitive_deployment.embeddings"]
    assert embeddings.deployment == "DataZoneStandard"
    assert embeddings.region == "azure:swedencentral"
    account = found["tf-root/module.openai.azurerm_cognitive_account.this"]
    assert account.deployment is None and account.region == "azure:swedencentral"


def test_azure_resolution_chains() -> None:
    result = scan(AZURE)
    # "Sweden Central" in terraform.tfvars beats the variable default "westeurope".
    region = resolution(result, "tf-root/module.openai.azurerm_cognitive_deployment.gpt", "region")
    assert region.how is How.TFVARS and region.raw == "Sweden Central"
    assert region.source is not None and region.source.path.endswith("terraform.tfvars")
    assert region.source.line == 1
    assert hows(region) == [
        How.PARENT_RESOURCE,
        How.ATTRIBUTE,
        How.MODULE_INPUT,
        How.ATTRIBUTE,
        How.TFVARS,
    ]
    # The deployment under the root reaches the account through a module output.
    embeddings = resolution(result, "tf-root/azurerm_cognitive_deployment.embeddings", "region")
    assert How.MODULE_OUTPUT in hows(embeddings) and embeddings.how is How.TFVARS
    sku = resolution(result, "tf-root/module.openai.azurerm_cognitive_deployment.gpt", "deployment")
    assert sku.how is How.MODULE_INPUT and sku.value == "GlobalStandard"
    assert sku.source is not None and (Path(sku.source.path).name, sku.source.line) == (
        "main.tf",
        27,
    )
    datazone = resolution(result, "tf-root/azurerm_cognitive_deployment.embeddings", "deployment")
    assert (datazone.how, datazone.value) == (How.ATTRIBUTE, "DataZoneStandard")


def test_azure_unknowns_are_unknown() -> None:
    result = scan(AZURE)
    found = components(result)
    # No default, no tfvars: the search service has no region, never an EU guess.
    search = found["tf-root/azurerm_search_service.index"]
    assert search.region is None and search.country is None
    res = resolution(result, "tf-root/azurerm_search_service.index", "region")
    assert res.how is How.UNKNOWN and res.value is None
    assert res.note is not None and "search_location" in res.note
    # GRS copies to the paired region (swedensouth, recorded as unconfirmed in the regions file).
    backup = resolution(result, "tf-root/azurerm_storage_account.documents", "locations.backup")
    assert backup.value == "azure:swedensouth"
    assert (
        found["tf-root/azurerm_storage_account.documents"].locations.backup == "azure:swedensouth"
    )
    assert {r.key for r in result.unknowns()} == {"tf-root/azurerm_search_service.index"}


def test_azure_spans_point_into_the_tf_files() -> None:
    result = scan(AZURE)
    gpt = components(result)["tf-root/module.openai.azurerm_cognitive_deployment.gpt"]
    assert gpt.span is not None
    assert gpt.span.path == str(AZURE / "modules" / "openai" / "main.tf")
    assert gpt.span.line == 17
    deployment = gpt.span_of("deployment")
    assert deployment is not None and deployment.path == str(AZURE / "main.tf")
    region = gpt.span_of("region")
    assert region is not None and region.path == str(AZURE / "terraform.tfvars")
    system = result.fragment.systems[0]
    assert system.span is not None and system.span.path.endswith(".tf")
    assert "Scanned from the Terraform root module" in system.purpose


def test_bedrock_profiles_knowledge_base_and_replication() -> None:
    result = scan(BEDROCK, var_files=[BEDROCK / "envs" / "prod.tfvars"])
    assert result.diagnostics == []
    found = components(result)
    eu = found["tf-root/aws_bedrock_inference_profile.claude_eu"]
    assert (eu.vendor, eu.deployment, eu.region) == ("aws-bedrock", "eu", "aws:eu-central-1")
    agent = found["tf-root/aws_bedrockagent_agent.support"]
    assert (agent.deployment, agent.region) == ("global", "aws:eu-west-1")
    kb = found["tf-root/module.rag.aws_bedrockagent_knowledge_base.docs"]
    assert (kb.kind, kb.vendor, kb.deployment) == (
        ComponentKind.VECTOR_STORE,
        "aws-bedrock",
        "in-region",
    )
    assert kb.region == "aws:eu-west-1"
    assert found["tf-root/module.rag.aws_opensearchserverless_collection.vectors"].kind is (
        ComponentKind.VECTOR_STORE
    )
    docs = found["tf-root/module.rag.aws_s3_bucket.docs"]
    assert docs.region == "aws:eu-west-1"
    assert docs.locations.backup == "aws:us-east-1"  # replicated to the aws.us provider's bucket
    assert found["tf-root/module.rag.aws_s3_bucket.replica"].region == "aws:us-east-1"


def test_bedrock_resolution_kinds() -> None:
    result = scan(BEDROCK, var_files=[BEDROCK / "envs" / "prod.tfvars"])
    alias = resolution(result, "tf-root/aws_bedrock_inference_profile.claude_eu", "region")
    assert alias.how is How.PROVIDER_ALIAS
    assert alias.source is not None and alias.source.path.endswith("providers.tf")
    # The eu. prefix is read from a partly unknown ARN (account id interpolated).
    profile = resolution(result, "tf-root/aws_bedrock_inference_profile.claude_eu", "deployment")
    assert (profile.value, profile.how) == ("eu", How.ATTRIBUTE)
    agent = resolution(result, "tf-root/aws_bedrockagent_agent.support", "region")
    assert agent.how is How.VAR_FILE
    assert hows(agent)[0] is How.PROVIDER_BLOCK
    local = resolution(result, "tf-root/aws_bedrockagent_agent.support", "deployment")
    assert (local.value, local.how) == ("global", How.LOCAL)
    backup = resolution(result, "tf-root/module.rag.aws_s3_bucket.docs", "locations.backup")
    assert backup.how is How.PROVIDER_ALIAS


def test_bedrock_without_var_file_keeps_regions_unknown() -> None:
    result = scan(BEDROCK)
    found = components(result)
    for key in (
        "tf-root/aws_bedrockagent_agent.support",
        "tf-root/module.rag.aws_s3_bucket.docs",
        "tf-root/module.rag.aws_bedrockagent_knowledge_base.docs",
    ):
        assert found[key].region is None, key
        res = resolution(result, key, "region")
        assert res.how is How.UNKNOWN and "region" in (res.note or "")
    # The aliased provider still fixes its region, and the prefix still decides the option.
    assert found["tf-root/aws_bedrock_inference_profile.claude_eu"].region == "aws:eu-central-1"
    assert found["tf-root/aws_bedrockagent_agent.support"].deployment == "global"
    assert any("envs/prod.tfvars" in n and "--var-file" in n for n in result.notes)


def test_bedrock_notes_registry_module_not_followed() -> None:
    result = scan(BEDROCK)
    assert any("module.vpc" in n and "terraform-aws-modules/vpc/aws" in n for n in result.notes)


def test_vertex_with_us_defaulted_bigquery() -> None:
    result = scan(VERTEX)
    found = components(result)
    bq = found["tf-root/google_bigquery_dataset.analytics"]
    assert (bq.kind, bq.vendor, bq.region) == (ComponentKind.DATABASE, "gcp", "US")
    res = resolution(result, "tf-root/google_bigquery_dataset.analytics", "region")
    assert res.how is How.CATALOGUE_DEFAULT
    endpoint = found["tf-root/google_vertex_ai_endpoint.gemma"]
    assert (endpoint.vendor, endpoint.deployment, endpoint.region) == (
        "google-vertex-ai",
        "regional",
        "gcp:europe-west4",
    )
    assert resolution(result, "tf-root/google_vertex_ai_endpoint.gemma", "region").how is (
        How.VARIABLE_DEFAULT
    )
    dataset = resolution(result, "tf-root/google_vertex_ai_dataset.training", "region")
    assert dataset.value == "gcp:europe-west4" and hows(dataset)[0] is How.PROVIDER_BLOCK
    assert found["tf-root/google_storage_bucket.corpus"].region == "EU"
    assert found["tf-root/google_discovery_engine_data_store.kb"].region == "global"
    assert found["tf-root/google_document_ai_processor.ocr"].region == "EU"
    api = found["tf-root/google_project_service.aiplatform"]
    assert api.kind is ComponentKind.MODEL_API and api.region is None
    gap = resolution(result, "tf-root/google_project_service.aiplatform", "region")
    assert gap.how is How.UNKNOWN and "run time" in (gap.note or "")


def test_scaleway_inference_in_fr_par() -> None:
    result = scan(SCALEWAY)
    found = components(result)
    llm = found["tf-root/scaleway_inference_deployment.llm"]
    assert (llm.kind, llm.vendor, llm.region) == (
        ComponentKind.INFERENCE_ENDPOINT,
        "scaleway",
        "scaleway:fr-par",
    )
    assert llm.model is not None and llm.model.vendor == "meta-llama"
    assert resolution(result, "tf-root/scaleway_inference_deployment.llm", "region").how is (
        How.PROVIDER_BLOCK
    )
    bucket = resolution(result, "tf-root/scaleway_object_bucket.documents", "region")
    assert (bucket.value, bucket.how) == ("scaleway:nl-ams", How.ATTRIBUTE)


def test_kubernetes_vllm_and_app_calling_a_us_api(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no helm: the chart folder is named in a notice
    result = scan(K8S)
    assert result.diagnostics == []
    found = components(result)
    assert set(found) == {
        "k8s-ml/deployment-vllm-llama",
        "k8s-shop/deployment-chat-app",
        "k8s-shop/deployment-chat-app.openai",
        "k8s-shop/deployment-chat-app.anthropic",
    }
    vllm = found["k8s-ml/deployment-vllm-llama"]
    assert vllm.kind is ComponentKind.INFERENCE_ENDPOINT and vllm.region == "scaleway:fr-par"
    assert vllm.model is not None
    assert (vllm.model.name, vllm.model.vendor, vllm.model.open_weights) == (
        "meta-llama/Llama-3.1-8B-Instruct",
        "meta-llama",
        True,
    )
    assert resolution(result, "k8s-ml/deployment-vllm-llama", "region").how is How.MANIFEST
    openai = found["k8s-shop/deployment-chat-app.openai"]
    assert (openai.kind, openai.vendor, openai.deployment) == (
        ComponentKind.MODEL_API,
        "openai",
        "us",
    )
    host = resolution(result, "k8s-shop/deployment-chat-app.openai", "deployment")
    assert host.how is How.MANIFEST and host.source is not None
    assert host.source.path.endswith("chat-app.yaml") and host.source.line == 9
    # A key without a base URL: vendor known, where the calls go is not.
    anthropic = found["k8s-shop/deployment-chat-app.anthropic"]
    assert anthropic.deployment == "unknown" and anthropic.region is None
    app = resolution(result, "k8s-shop/deployment-chat-app", "region")
    assert app.how is How.UNKNOWN and found["k8s-shop/deployment-chat-app"].region is None
    assert any("vllm-llama" in n and "add a flow" in n for n in result.notes)
    assert any("Helm chart not rendered (no helm binary on PATH)" in n for n in result.notes)


def test_plan_json_values_and_unknown_after_apply() -> None:
    result = scan(PLAN)
    assert result.diagnostics == []
    found = components(result)
    prefix = "tfplan-prod.tfplan"
    gpt = found[f"{prefix}/azurerm_cognitive_deployment.gpt"]
    assert (gpt.deployment, gpt.region) == ("GlobalStandard", "azure:swedencentral")
    assert resolution(result, f"{prefix}/azurerm_cognitive_deployment.gpt", "region").how is (
        How.PLAN_VALUE
    )
    uploads = resolution(result, f"{prefix}/azurerm_storage_account.uploads", "region")
    assert uploads.how is How.PLAN_UNKNOWN and uploads.value is None
    archive = resolution(result, f"{prefix}/aws_s3_bucket.archive-0", "region")
    assert (archive.value, archive.how) == ("aws:us-east-1", How.PROVIDER_ALIAS)
    prompts = resolution(result, f"{prefix}/module.logs.aws_s3_bucket.prompts", "region")
    assert (prompts.value, prompts.how) == ("aws:eu-west-3", How.PLAN_VALUE)
    assert hows(prompts) == [How.PROVIDER_BLOCK, How.PLAN_VALUE]
    span = gpt.span
    assert span is not None and span.path.endswith("prod.tfplan.json") and span.line == 28


def test_address_index() -> None:
    result = scan(AZURE)
    index = result.address_index
    key = "tf-root/module.openai.azurerm_cognitive_deployment.gpt"
    assert index["module.openai.azurerm_cognitive_deployment.gpt"] == key
    assert index["tf-root:module.openai.azurerm_cognitive_deployment.gpt"] == key
    k8s = scan(K8S).address_index
    assert k8s["Deployment/shop/chat-app"] == "k8s-shop/deployment-chat-app"
    assert k8s["Deployment/shop/chat-app/openai"] == "k8s-shop/deployment-chat-app.openai"


def test_whole_fixture_tree_scans_together() -> None:
    result = scan(FIXTURES, var_files=[BEDROCK / "envs" / "prod.tfvars"])
    ids = [s.id for s in result.fragment.systems]
    assert len(ids) == len(set(ids))
    assert {
        "tf-azure-openai",
        "tf-bedrock",
        "tf-vertex",
        "tf-scaleway",
        "tfplan-plan-prod.tfplan",
        "k8s-ml",
        "k8s-shop",
    } <= set(ids)
    index = result.address_index
    assert index["azurerm_cognitive_deployment.gpt"] == (
        "tfplan-plan-prod.tfplan/azurerm_cognitive_deployment.gpt"
    )
    assert result.address_index["tf-azure-openai:azurerm_cognitive_deployment.embeddings"] == (
        "tf-azure-openai/azurerm_cognitive_deployment.embeddings"
    )
    # The var file lives in envs/ (not a root module), so it applies to every root module.
    bedrock = components(result)["tf-bedrock/aws_bedrockagent_agent.support"]
    assert bedrock.region == "aws:eu-west-1"


@pytest.mark.parametrize(
    "name", ["azure-openai", "bedrock", "vertex", "scaleway", "kubernetes", "plan"]
)
def test_explain_mentions_every_resolution(name: str) -> None:
    result = scan(FIXTURES / name)
    text = result.explain()
    for res in result.resolutions:
        assert f"{res.key} {res.field} = " in text
    assert "UNKNOWN" in text or not result.unknowns()
