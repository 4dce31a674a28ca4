"""Scanned components merge with a hand-written inventory, pass the KB checks and are audited."""

from __future__ import annotations

import datetime as dt

from auditor.audit import AuditOptions, audit_inventory
from auditor.kb.load import load_knowledge_base
from auditor.kb.resolve import check_inventory
from auditor.loader.iac import scan
from auditor.loader.inventory import merge
from auditor.loader.validate import validate_document
from auditor.loader.yamlsrc import parse_text
from auditor.model.inventory import InventoryFragment

from .helpers import FIXTURES

ORGANISATION = """
organisation: {name: Contoso Health, country: DE, entity: contoso}
entities:
  - {id: contoso, name: Contoso Health GmbH, country: DE, parents: []}
data:
  - id: patient-letters
    categories: [user.health_and_medical, user.name]
    classification: confidential
systems:
  - id: assistant
    purpose: Drafts letters to patients
    components:
      - {id: app, kind: application, operator: contoso, on_prem: {country: DE}}
    flows:
      - {from: app, to: SYSTEM/module.openai.azurerm_cognitive_deployment.gpt, data: [patient-letters]}
      - {from: app, to: SYSTEM/azurerm_search_service.index, data: [patient-letters]}
"""


def _organisation(system: str = "tf-root") -> InventoryFragment:
    fragment, problems = validate_document(
        parse_text(ORGANISATION.replace("SYSTEM", system), "inventory/org.yaml"), InventoryFragment
    )
    assert fragment is not None, problems
    return fragment


def test_every_fixture_passes_the_knowledge_base_checks() -> None:
    """Vendors, deployment options and region codes the scanner writes all exist in rules/."""
    result = scan(FIXTURES, var_files=[FIXTURES / "bedrock" / "envs" / "prod.tfvars"])
    inventory, problems = merge(
        [_organisation("tf-azure-openai"), result.fragment], ["inventory/org.yaml"]
    )
    assert problems == []
    assert inventory is not None
    assert check_inventory(inventory, load_knowledge_base()) == []


def test_audit_of_scan_plus_inventory() -> None:
    result = scan(FIXTURES / "azure-openai")
    inventory, problems = merge(
        [_organisation(), result.fragment], ["inventory/org.yaml", *result.files]
    )
    assert problems == [] and inventory is not None
    audit = audit_inventory(
        inventory, load_knowledge_base(), AuditOptions(today=dt.date(2026, 11, 28))
    )
    by_rule: dict[str, list[dict[str, str]]] = {}
    for finding in audit.findings:
        by_rule.setdefault(finding.rule_id, []).append(dict(finding.subject))
    gaps = by_rule.get("evidence-gap-location", [])
    # The search service has no region in the code: an evidence gap, not an EU assumption.
    assert any(
        g.get("kind") == "unknown_location" and g.get("component") == "azurerm_search_service.index"
        for g in gaps
    )
    # GlobalStandard may process anywhere.
    assert any(
        g.get("kind") == "unbounded_processing"
        and g.get("component") == "module.openai.azurerm_cognitive_deployment.gpt"
        for g in gaps
    )
    # Evidence points into the Terraform files.
    files = {
        e.file
        for f in audit.findings
        if f.subject.get("component") == "azurerm_search_service.index"
        for e in f.evidence
    }
    assert any(str(file).endswith("azure-openai/main.tf") for file in files)
