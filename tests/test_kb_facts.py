"""Key facts a reviewer can check against the sources."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from auditor.exposure import ExposureEngine
from auditor.graph import build_graph
from auditor.kb import load_knowledge_base
from auditor.model.inventory import Inventory, Organisation
from auditor.model.kb import AdequacyScope
from auditor.resources import builtin_rules_dir
from tests.inventories import support_desk


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


# A decision's citation as the reports print it before "of DATE": the act's number, at most
# with the act's kind; what is uncertain about it belongs in the provenance note.
_CITATION = re.compile(
    r"^(Commission Implementing Decision (renewing )?)?(\(EU\) \d{4}/\d+|\d{4}/\d+/E[CU])$"
)


def test_adequacy_decisions_are_citations_and_their_caveats_notes() -> None:
    kb = load_knowledge_base()
    decisions = {j.code: j.adequacy for j in kb.jurisdictions.values() if j.adequacy}
    assert len(decisions) >= 15
    for code, adequacy in decisions.items():
        assert _CITATION.match(adequacy.decision), (code, adequacy.decision)
    uk = decisions["GB"]
    assert uk.decision == "Commission Implementing Decision renewing (EU) 2021/1772"
    assert uk.date == dt.date(2025, 12, 19)
    note = uk.provenance.note or ""
    assert "(EU) 2025/2571" in note and "(EU) 2021/1773" in note and "not found" in note
    assert len(uk.provenance.source) == 6


def test_the_uk_transfer_assessment_cites_the_decision_cleanly(tmp_path: Path) -> None:
    target = tmp_path / "tia.json"
    transfer = "advisor-assistant/llm/GB/advisor-questions"
    code = main_exit(
        ["tia", "examples/bank", "--transfer", transfer, "--json", str(target), "--quiet"]
    )
    assert code == 0
    text = target.read_text(encoding="utf-8")
    assert "Commission Implementing Decision renewing (EU) 2021/1772 of 2025-12-19 (full)" in text
    assert "number of the GDPR act not found" not in text


def main_exit(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


_PROV = (
    "provenance: {source: 'https://register.example/a', as_of: 2026-01-01, confidence: confirmed}"
)


def _kb_check(extra: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["--rules", str(extra), "kb", "check"])
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out, captured.err


def test_kb_check_lists_control_links_without_a_basis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 17: a parent link that says only `controlling: true` does not say what control
    # rests on (share, votes, veto, board); kb check names it, and a link that records its
    # basis with a source of its own is a fact like any other.
    extra = tmp_path / "extra" / "entities"
    extra.mkdir(parents=True)
    (extra / "links.yaml").write_text(
        "entities:\n"
        f"  - {{id: top-co, name: Top, country: US, parents: [], {_PROV}}}\n"
        f"  - {{id: bare-sub, name: Bare, country: IE, parents: [{{entity: top-co, controlling: true}}], {_PROV}}}\n"
        "  - id: based-sub\n"
        "    name: Based\n"
        "    country: IE\n"
        "    parents:\n"
        "      - entity: top-co\n"
        "        share_pct: 100\n"
        "        provenance: {source: 'https://register.example/b', as_of: 2025-06-30, confidence: unconfirmed, note: register extract}\n"
        f"    {_PROV}\n",
        encoding="utf-8",
    )
    code, out, _ = _kb_check(tmp_path / "extra", capsys)
    assert code == 0
    listed = out.split("control links without a stated basis", 1)[1].split("\n\n", 1)[0]
    assert "entity bare-sub parent top-co" in listed
    assert "links.yaml:3:" in listed
    assert "based-sub" not in listed
    # The link's own provenance is reported like any fact (here: unconfirmed).
    assert "entity based-sub parent top-co (register extract)" in out


def test_link_provenance_without_a_basis_is_an_invalid_kb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "extra" / "entities"
    extra.mkdir(parents=True)
    (extra / "links.yaml").write_text(
        "entities:\n"
        f"  - {{id: top-co, name: Top, country: US, parents: [], {_PROV}}}\n"
        f"  - {{id: sub-co, name: Sub, country: IE, parents: [{{entity: top-co, controlling: true, {_PROV}}}], {_PROV}}}\n",
        encoding="utf-8",
    )
    code, _, err = _kb_check(tmp_path / "extra", capsys)
    assert code == 4
    assert "links.yaml:3:" in err
    assert "records no share, votes, veto, board right, majority or subsidiary listing" in err


def test_a_dora_designation_is_a_dated_fact_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 17: the ESAs' designation of critical ICT third-party providers (DORA Art. 31)
    # is recorded on the entity with the list's date and its own source; kb check reports
    # it like any other fact, and a designation without its date is an invalid KB.
    extra = tmp_path / "extra" / "entities"
    extra.mkdir(parents=True)
    (extra / "listed.yaml").write_text(
        "entities:\n"
        "  - id: listed-co\n"
        "    name: Listed\n"
        "    country: IE\n"
        "    parents: []\n"
        "    dora_designation:\n"
        "      listed_as: Listed Limited\n"
        "      designated_on: 2025-11-18\n"
        "      provenance: {source: 'https://list.example/ctpp', as_of: 2025-11-18, "
        "confidence: unconfirmed, note: list not read}\n"
        f"    {_PROV}\n",
        encoding="utf-8",
    )
    code, out, _ = _kb_check(tmp_path / "extra", capsys)
    assert code == 0
    assert "entity listed-co DORA designation (list not read)" in out

    (extra / "listed.yaml").write_text(
        "entities:\n"
        "  - id: listed-co\n"
        "    name: Listed\n"
        "    country: IE\n"
        "    parents: []\n"
        f"    dora_designation: {{listed_as: Listed Limited, {_PROV}}}\n"
        f"    {_PROV}\n",
        encoding="utf-8",
    )
    code, _, err = _kb_check(tmp_path / "extra", capsys)
    assert code == 4
    assert "listed.yaml:" in err
    assert "designated_on" in err


def test_builtin_dora_designations_name_the_listed_entity_and_date() -> None:
    kb = load_knowledge_base()
    designated = {i: e.dora_designation for i, e in kb.entities.items() if e.dora_designation}
    assert {
        "microsoft-ireland-operations",
        "google-cloud-emea-ltd",
        "deutsche-telekom-ag",
        "orange-sa",
        "capgemini-se",
        "sap-se",
    } <= set(designated)
    for designation in designated.values():
        assert designation.designated_on == dt.date(2025, 11, 18)
        assert designation.provenance.source
    # Oracle's designated entity is Oracle Nederland B.V., not the EU Sovereign Cloud
    # entities or Oracle Corporation: neither carries the designation.
    assert "oracle-corporation" not in designated
    assert "oracle-eu-sovereign-cloud-entities" not in designated


def test_every_builtin_control_basis_is_sourced_or_listed() -> None:
    # Every controlling link either records its basis or is listed by kb check.
    kb = load_knowledge_base()
    listed = {fact.subject for fact in kb.unbased_control_links()}
    for entity in kb.kb.entities:
        for parent in entity.parents or ():
            subject = f"entity {entity.id} parent {parent.entity}"
            assert (subject in listed) == parent.control_basis_missing


def test_kb_check_counts_what_is_not_confirmed_within_the_issue_17_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Issue 17: at most 40 facts of the built-in knowledge base are not confirmed, counting
    # the unconfirmed facts and the control links whose basis no source states; kb check
    # prints that total, and its parts match the two lists it prints.
    with pytest.raises(SystemExit) as info:
        main(["kb", "check"])
    out = capsys.readouterr().out
    assert info.value.code in (0, None)
    total = re.search(
        r"not confirmed in all: (\d+) \((\d+) unconfirmed facts and (\d+) parent links", out
    )
    assert total is not None
    in_all, facts, links = (int(g) for g in total.groups())
    assert in_all == facts + links <= 40
    assert f"unconfirmed facts ({facts}):" in out
    assert f"control links without a stated basis ({links}):" in out
    kb = load_knowledge_base()
    assert links == sum(1 for _ in kb.unbased_control_links())


_PLACES_INVENTORY = """\
organisation: {name: Beispiel Handel GmbH, country: DE, entity: beispiel}
entities:
  - {id: beispiel, name: Beispiel Handel GmbH, country: DE, parents: []}
data:
  - id: orders
    name: Customer orders
    categories: [user.name, user.contact.address]
    subjects: [customer]
systems:
  - id: shop
    purpose: Online shop with a support assistant
    criticality: medium
    components:
      - {id: app, kind: application, operator: beispiel, country: DE, holds: [orders]}
      - {id: hk-cache, kind: database, operator: beispiel, region: "aws:ap-east-1"}
      - {id: ch-store, kind: object_storage, operator: beispiel, region: "azure:switzerlandnorth"}
      - {id: llm, kind: model_api, vendor: azure-openai, region: "azure:swedencentral"}
    flows:
      - {from: app, to: hk-cache, data: [orders]}
      - {from: app, to: ch-store, data: [orders]}
      - {from: app, to: llm, data: [orders]}
"""


def test_new_laws_reach_hong_kong_and_swiss_places_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 17 part 2: the Hong Kong NSL Art. 43 rules and the Swiss surveillance act are in the
    # catalogue and reach what they should, and only that.
    (tmp_path / "inventory.yaml").write_text(_PLACES_INVENTORY, encoding="utf-8")
    out = tmp_path / "result.json"
    args = ["audit", str(tmp_path), "--json", str(out), "--today", "2026-12-04", "--quiet"]
    with pytest.raises(SystemExit):
        main(args)
    capsys.readouterr()
    result = json.loads(out.read_text(encoding="utf-8"))
    reached = {(e["component"], e["law"]) for e in result["exposures"]}
    assert ("hk-cache", "hk-national-security-law-art43") in reached
    assert ("ch-store", "ch-buepf-surveillance") in reached
    # Each law stays in its place: no Hong Kong law on the Swiss store or the EU model API, and
    # the other way round.
    assert ("ch-store", "hk-national-security-law-art43") not in reached
    assert ("hk-cache", "ch-buepf-surveillance") not in reached
    assert not any(c == "llm" and law.startswith(("hk-", "ch-")) for c, law in reached)
    laws = {f["law"] for f in result["findings"] if f["law"]}
    assert {"hk-national-security-law-art43", "ch-buepf-surveillance"} <= laws


def test_region_codes_from_the_providers_own_lists() -> None:
    # Issue 17 part 2: numbered OVHcloud IDs, the rest of the OCI realms, Azure Government and
    # Azure in China, and Hetzner datacenter names resolve to their country; a code no provider
    # list names stays unknown (no prefix guessing).
    kb = load_knowledge_base()
    expected = {
        ("ovh", "GRA7"): "FR",
        ("ovh", "SBG5"): "FR",
        ("ovh", "BHS5"): "CA",
        ("ovh", "UK1"): "GB",
        ("oci", "ap-osaka-1"): "JP",
        ("oci", "me-riyadh-1"): "SA",
        ("oci", "me-dcc-doha-1"): "QA",
        ("oci", "us-langley-1"): "US",
        ("azure", "chinanorth2"): "CN",
        ("azure", "usgovvirginia"): "US",
        ("hetzner", "hel1-dc2"): "FI",
        ("hetzner", "ash-dc1"): "US",
    }
    for (provider, code), country in expected.items():
        region = kb.resolve_region(provider, code)
        assert region is not None, f"{provider}:{code}"
        assert region.country == country, f"{provider}:{code}"
        assert region.provenance is not None and region.provenance.source
    for provider, code in (("ovh", "GRA99"), ("oci", "us-somerset-1"), ("hetzner", "fsn1-dc99")):
        assert kb.resolve_region(provider, code) is None


# The team's research notes (shared/kb/*.md) are leads for finding sources, never a source:
# a fact cites the statute, filing, register, provider page or publisher repository it was
# read in. These are the ways the notes and unsourced recollection have been cited.
_NOTE_CITATIONS = re.compile(
    r"laws\.md|vendors-regions-terraform|frameworks-and|ci-scanners|style-anchors|shared/kb"
    r"|research notes|KB notes|general knowledge|well[- ]known",
    re.IGNORECASE,
)


def test_no_fact_cites_the_team_research_notes() -> None:
    kb = load_knowledge_base()
    citing = [
        f"{fact.where}: {fact.subject}"
        for fact in kb.facts()
        for text in [*fact.provenance.source, fact.provenance.note or ""]
        if _NOTE_CITATIONS.search(text)
    ]
    assert citing == []


@pytest.mark.parametrize("folder", ["entities", "jurisdictions", "laws", "regions", "vendors"])
def test_knowledge_base_files_name_no_research_note_as_a_source(folder: str) -> None:
    # Notes fields and comments too: a reader of the YAML must not be sent to the notes.
    lines = [
        f"{path.name}:{number}"
        for path in sorted((builtin_rules_dir() / folder).glob("*.yaml"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _NOTE_CITATIONS.search(line)
    ]
    assert lines == []


@pytest.mark.parametrize(
    ("example", "system", "component", "facts"),
    [
        # The Luxembourg bank buys Azure OpenAI: Microsoft's own billing page names Microsoft
        # Ireland Operations Limited as the EMEA billing entity outside the distributor model.
        ("bank", "aml-alert-assistant", "llm", {"vendor azure-openai"}),
        # The German start-up calls Vertex AI: Google's own migration notice names Google Cloud
        # EMEA Limited for EMEA customers (its Irish seat stays secondary).
        (
            "startup-saas",
            "support-copilot",
            "llm",
            {"vendor google-vertex-ai", "entity google-cloud-emea-ltd"},
        ),
    ],
)
def test_examples_contracting_entities_are_not_unconfirmed(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    example: str,
    system: str,
    component: str,
    facts: set[str],
) -> None:
    # Issue 17: no unconfirmed fact sits on the exposure path of an example. The CLOUD Act
    # finding on the hosted model rests on the operator's contracting entity and its parent
    # chain; a signed report must not flag it as built on an unconfirmed fact.
    out = tmp_path / "result.json"
    args = ["audit", f"examples/{example}", "--json", str(out), "--today", "2026-12-04", "--quiet"]
    with pytest.raises(SystemExit):
        main(args)
    capsys.readouterr()
    result = json.loads(out.read_text(encoding="utf-8"))
    flagged = {
        f["subject"]["fact"]
        for f in result["findings"]
        if f["rule_id"] == "kb-fact-unconfirmed" and "fact" in f["subject"]
    }
    assert not facts & flagged
    cloud_act = [
        f
        for f in result["findings"]
        if f["rule_id"] == "us-cloud-act-exposure"
        and f["subject"].get("system") == system
        and f["subject"].get("component") == component
    ]
    assert cloud_act
    assert all(f["confidence"] != "unconfirmed" for f in cloud_act)


def test_the_startup_vertex_ai_path_says_what_control_of_google_cloud_emea_rests_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 17: GLEIF Level 2 data (read in a third-party summary of GLEIF API responses) gives
    # Alphabet Inc. as Google Cloud EMEA Limited's direct accounting consolidation parent. The
    # unsourced link to Google LLC is gone; the signed report states the basis in words instead
    # of "the sources do not state what control rests on".
    kb = load_knowledge_base()
    [link] = kb.entities["google-cloud-emea-ltd"].parents
    assert (link.entity, link.basis, link.controlling) == (
        "alphabet-inc",
        "consolidated_subsidiary",
        False,
    )
    assert link.provenance is not None and link.provenance.confidence == "secondary"
    assert any("brekkylab/ailoy@" in source for source in link.provenance.source)

    out = tmp_path / "result.json"
    args = ["audit", "examples/startup-saas", "--json", str(out), "--today", "2026-12-05"]
    with pytest.raises(SystemExit):
        main([*args, "--quiet"])
    capsys.readouterr()
    result = json.loads(out.read_text(encoding="utf-8"))
    [finding] = [
        f
        for f in result["findings"]
        if f["rule_id"] == "us-cloud-act-exposure"
        and f["subject"] == {"system": "support-copilot", "component": "llm", "law": "us-cloud-act"}
    ]
    hops = [
        [result["hops"][i]["node"] for i in result["paths"][p["path"]]]
        for p in finding["evidence_paths"]
    ]
    [via_operator] = [
        nodes
        for nodes in hops
        if any(node.startswith("operator Google Cloud EMEA Limited (IE)") for node in nodes)
    ]
    assert (
        "parent Alphabet Inc. (US): consolidated as a subsidiary in Alphabet Inc.'s group accounts"
    ) in via_operator
    assert not any("do not state what control rests on" in node for node in via_operator)


_ALIBABA_INVENTORY = support_desk(
    "Drafts answers to support tickets",
    llm='vendor: alibaba-model-studio, region: "alibaba:eu-central-1"',
)


def test_an_eu_model_studio_customer_contracts_with_alibaba_netherlands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Alibaba Cloud's own notice makes Alibaba (Netherlands) B.V. the provider of its cloud
    # services to EEA-resident or EEA-billed users from September 2021, replacing (Europe)
    # Limited; the Singapore company is the operator of neither Alibaba Cloud vendor any more.
    # PRC law still reaches the Dutch operator through its stated parent's presence in mainland
    # China, and the report marks the unconfirmed seat and the missing basis of control instead
    # of hiding them.
    kb = load_knowledge_base()
    assert kb.vendors["alibaba-model-studio"].operator == "alibaba-netherlands"
    assert kb.vendors["alibaba-cloud"].operator == "alibaba-netherlands"
    operator = kb.entities["alibaba-netherlands"]
    assert (operator.name, operator.country) == ("Alibaba (Netherlands) B.V.", "NL")
    [link] = operator.parents
    assert (link.entity, link.controlling, link.basis) == ("alibaba-group-holding", True, None)

    (tmp_path / "inventory.yaml").write_text(_ALIBABA_INVENTORY, encoding="utf-8")
    out = tmp_path / "result.json"
    args = ["audit", str(tmp_path), "--json", str(out), "--today", "2026-12-06", "--quiet"]
    with pytest.raises(SystemExit):
        main(args)
    capsys.readouterr()
    result = json.loads(out.read_text(encoding="utf-8"))
    [finding] = [
        f
        for f in result["findings"]
        if f["rule_id"] == "cn-state-access-exposure"
        and f["subject"]
        == {"system": "helpdesk", "component": "llm", "law": "cn-national-intelligence-law"}
    ]
    hops = [
        [result["hops"][i]["node"] for i in result["paths"][p["path"]]]
        for p in finding["evidence_paths"]
    ]
    [via_operator] = [
        nodes for nodes in hops if any(node.startswith("operator ") for node in nodes)
    ]
    assert any(node.startswith("operator Alibaba (Netherlands) B.V. (NL)") for node in via_operator)
    # The default Global mode names mainland China among its inference places (Alibaba's
    # regions page): the operator may process the data there.
    assert any(
        node.startswith(
            "may be processed in China (named by the vendor among the places of its worldwide "
            "handling)"
        )
        for node in via_operator
    ), via_operator
    assert not any("Singapore" in node for nodes in hops for node in nodes)
    flagged = {
        f["subject"]["fact"]
        for f in result["findings"]
        if f["rule_id"] == "kb-fact-unconfirmed" and "fact" in f["subject"]
    }
    assert "entity alibaba-netherlands" in flagged


def test_model_studio_european_union_mode_keeps_processing_in_the_eu(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Alibaba's regions page (2026-03-25) binds a European Union mode to Frankfurt with inference
    # limited to the EU. Declared, it removes the transfer to 'any country' that the default
    # Global mode implies; PRC law still reaches the operator through its Alibaba parent's
    # presence in mainland China.
    def audit(inventory: str, name: str) -> dict[str, Any]:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "inventory.yaml").write_text(inventory, encoding="utf-8")
        out = folder / "result.json"
        args = ["audit", str(folder), "--json", str(out), "--today", "2026-12-06", "--quiet"]
        with pytest.raises(SystemExit):
            main(args)
        capsys.readouterr()
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result

    eu_mode = _ALIBABA_INVENTORY.replace(
        'region: "alibaba:eu-central-1"}',
        'region: "alibaba:eu-central-1", deployment: European_Union}',
    )
    assert eu_mode != _ALIBABA_INVENTORY
    default, eu = audit(_ALIBABA_INVENTORY, "global"), audit(eu_mode, "eu")
    assert {t["country"] for t in default["transfers"] if t["component"] == "llm"} == {"global"}
    assert not [t for t in eu["transfers"] if t["component"] == "llm"]
    assert not [f for f in eu["findings"] if f["rule_id"].startswith("gdpr-transfer")]
    laws = {
        f["subject"]["law"] for f in eu["findings"] if f["rule_id"] == "cn-state-access-exposure"
    }
    assert "cn-national-intelligence-law" in laws


def test_model_studio_reaches_prc_law_through_presence_and_processing_not_a_hong_kong_seat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Alibaba Group Holding Limited's head office is in Hong Kong (Form 20-F/A), where the PRC
    # laws of the knowledge base are not applied (Basic Law Art. 18, Annex III). So its head
    # office brings in the Hong Kong National Security Law, strongly; the PRC laws reach the
    # model provider and the Dutch operator it controls only through the group's presence in
    # mainland China, a contested reach rated at most medium, unless the deployment mode runs
    # or may run the model in mainland China (Mainland_China; Global, whose worldwide inference
    # Alibaba says includes mainland China), where they reach the operator territorially.
    def reach(mode: str) -> tuple[set[tuple[str, str, str, str]], dict[str, str]]:
        folder = tmp_path / mode
        folder.mkdir()
        inventory = _ALIBABA_INVENTORY.replace(
            'region: "alibaba:eu-central-1"}',
            f'region: "alibaba:eu-central-1", deployment: {mode}}}',
        )
        assert inventory != _ALIBABA_INVENTORY
        (folder / "inventory.yaml").write_text(inventory, encoding="utf-8")
        out = folder / "result.json"
        args = ["audit", str(folder), "--json", str(out), "--today", "2026-12-06", "--quiet"]
        with pytest.raises(SystemExit):
            main(args)
        capsys.readouterr()
        result = json.loads(out.read_text(encoding="utf-8"))
        exposures = {
            (e["law"], e["party_role"], e["trigger"], e["strength"])
            for e in result["exposures"]
            if e["component"] == "llm" and e["jurisdiction"] in ("CN", "HK")
        }
        severities = {
            f["subject"]["law"]: f["severity"]
            for f in result["findings"]
            if f["subject"].get("component") == "llm" and "law" in f["subject"]
        }
        return exposures, severities

    through_presence = {
        (law, role, "presence", "contested")
        for law in (
            "cn-counter-espionage-law",
            "cn-data-security-law",
            "cn-national-intelligence-law",
        )
        for role in ("model_provider", "operator")
    }
    hong_kong_seat = ("hk-national-security-law-art43", "model_provider", "incorporated", "strong")
    exposures, severities = reach("European_Union")
    assert exposures == through_presence | {hong_kong_seat}
    assert severities == {
        "cn-counter-espionage-law": "medium",
        "cn-data-security-law": "medium",
        "cn-national-intelligence-law": "medium",
        "hk-national-security-law-art43": "high",
    }

    territorial = {
        (law, "operator", "territorial", "strong")
        for law in (
            "cn-counter-espionage-law",
            "cn-cybersecurity-law",
            "cn-data-security-law",
            "cn-national-intelligence-law",
        )
    }
    by_provider = {e for e in through_presence if e[1] == "model_provider"}
    for mode in ("Mainland_China", "Global"):
        exposures, severities = reach(mode)
        assert exposures == territorial | by_provider | {hong_kong_seat}, mode
        assert set(severities.values()) == {"high"}, mode
