"""Key facts a reviewer can check against the sources."""

from __future__ import annotations

import datetime as dt

from auditor.exposure import ExposureEngine
from auditor.graph import build_graph
from auditor.kb import load_knowledge_base
from auditor.model.inventory import Inventory, Organisation
from auditor.model.kb import AdequacyScope


def test_every_fact_has_source_date_and_confidence() -> None:
    kb = load_knowledge_base()
    facts = list(kb.facts())
    assert len(facts) > 300
    assert all(f.provenance.source and f.provenance.as_of for f in facts)


def test_required_laws_and_counts() -> None:
    kb = load_knowledge_base()
    for law in (
        "us-cloud-act",
        "us-fisa-702",
        "us-eo-12333",
        "cn-national-intelligence-law",
        "cn-data-security-law",
        "cn-counter-espionage-law",
        "ru-sorm-yarovaya",
        "uk-investigatory-powers-act",
        "au-assistance-and-access-act",
        "in-it-act-s69",
    ):
        assert law in kb.laws
    assert kb.laws["us-fisa-702"].status.value == "lapsed_operative"
    assert len(kb.vendors) >= 40
    for provider in ("aws", "azure", "gcp", "oci", "ovh", "scaleway", "hetzner", "ionos"):
        assert provider in kb.region_catalogues
    assert kb.resolve_region("aws", "eusc-de-east-1") is not None
    assert kb.resolve_region("aws", "eu-atlantis-1") is None


def _ultimate_seats(entity_id: str) -> set[str]:
    kb = load_knowledge_base()
    graph = build_graph(Inventory(organisation=Organisation(name="x", country="DE")), kb)
    return set(ExposureEngine(graph, None).control.controller_seats(entity_id))


def test_microsoft_eu_entity_resolves_to_us_parent() -> None:
    assert "US" in _ultimate_seats("microsoft-ireland-operations")


def test_ovhcloud_resolves_to_french_parent() -> None:
    assert _ultimate_seats("ovh-groupe-sa") == {"FR"}


def test_adequacy_facts() -> None:
    kb = load_knowledge_base()
    us = kb.jurisdictions["US"].adequacy
    assert us is not None and us.scope is AdequacyScope.DPF_CERTIFIED
    brazil = kb.jurisdictions["BR"].adequacy
    assert brazil is not None and brazil.date == dt.date(2026, 1, 26)
    epo = kb.jurisdictions["INT-EPO"].adequacy
    assert epo is not None and epo.date == dt.date(2025, 7, 15)
    assert kb.jurisdictions["CA"].adequacy.scope is AdequacyScope.COMMERCIAL  # type: ignore[union-attr]
    assert "adequate" in kb.blocs_of("JP") and "adequate" not in kb.blocs_of("CN")
    assert kb.is_eea("NO") and not kb.is_eea("CH")
