"""Places and transfers (issue 17): adequacy per importer, residency zones, unknown
transfers, and who exports. Each test audits a small inventory through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import cli, main
from auditor.errors import KnowledgeBaseError
from auditor.kb import load_knowledge_base
from auditor.loader.iac import scan
from tests.iac.helpers import components as iac_components

ORG = {"name": "Acme GmbH", "country": "DE", "entity": "acme"}
ACME = {"id": "acme", "name": "Acme GmbH", "country": "DE", "parents": []}
CRM = {"id": "crm", "name": "CRM contacts", "categories": ["user.contact.email"]}
APP = {"id": "app", "kind": "application", "operator": "acme", "on_prem": {"country": "DE"}}


def _audit(tmp_path: Path, inventory: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
    out = tmp_path / "result.json"
    result = CliRunner().invoke(
        cli,
        ["audit", str(path), "--today", "2026-12-04", "--json", str(out), "--fail-on", "never"],
    )
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return loaded


def _inventory(
    component: dict[str, Any],
    *,
    allowed: list[str],
    entities: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    return {
        "organisation": ORG,
        "policy": {
            "residency": [
                {"categories": ["user"], "allowed": allowed, "reach_allowed": ["EEA", "US"]}
            ]
        },
        "entities": [ACME, *entities],
        "data": [CRM],
        "systems": [
            {
                "id": "bot",
                "purpose": "Answers customers",
                "components": [APP, component],
                "flows": [{"from": "app", "to": component["id"], "data": ["crm"]}],
            }
        ],
    }


def _location_findings(result: dict[str, Any], component: str) -> list[dict[str, Any]]:
    return [
        f
        for f in result["findings"]
        if f["rule_id"] == "policy-residency-location" and f["subject"]["component"] == component
    ]


# -- 2. 'adequate' admits the United States only for a DPF-certified importer -------------


def _us_store(certified: bool | None) -> dict[str, Any]:
    vecco = {"id": "vecco", "name": "Vecco Inc.", "country": "US", "parents": []}
    if certified is not None:
        vecco["dpf_certified"] = certified
    return _inventory(
        {"id": "vec", "kind": "vector_store", "operator": "vecco", "country": "US"},
        allowed=["EEA", "adequate"],
        entities=[vecco],
    )


def test_adequate_does_not_admit_the_us_for_an_uncertified_importer(tmp_path: Path) -> None:
    findings = _location_findings(_audit(tmp_path, _us_store(None)), "vec")
    assert sorted(f["subject"]["role"] for f in findings) == ["backup", "processing", "storage"]
    for finding in findings:
        assert (
            "United States is adequate only for DPF-certified importers; "
            "Vecco Inc. is not recorded as certified" in finding["condition"]
        )


def test_adequate_admits_the_us_for_a_dpf_certified_importer(tmp_path: Path) -> None:
    result = _audit(tmp_path, _us_store(True))
    assert _location_findings(result, "vec") == []
    # the same test the transfer engine applies: the transfer rests on the DPF
    [transfer] = [t for t in result["transfers"] if t["component"] == "vec"]
    assert transfer["conclusion"] == "adequacy"


def test_a_dpf_contract_on_the_component_counts_as_certification(tmp_path: Path) -> None:
    inventory = _us_store(False)
    inventory["systems"][0]["components"][1]["controls"] = {"transfer_tools": ["dpf"]}
    assert _location_findings(_audit(tmp_path, inventory), "vec") == []


def test_the_adequate_bloc_still_admits_fully_adequate_countries(tmp_path: Path) -> None:
    inventory = _us_store(None)
    inventory["systems"][0]["components"][1]["country"] = "CH"
    assert _location_findings(_audit(tmp_path, inventory), "vec") == []


# -- 3. residency zones ---------------------------------------------------------------------


def _bedrock(deployment: str, region: str = "aws:eu-central-1") -> dict[str, Any]:
    return {
        "id": "llm",
        "kind": "model_api",
        "vendor": "aws-bedrock",
        "region": region,
        "deployment": deployment,
    }


def test_an_eu_only_policy_fails_for_the_bedrock_eu_profile_naming_london_and_zurich(
    tmp_path: Path,
) -> None:
    result = _audit(tmp_path, _inventory(_bedrock("eu"), allowed=["EU"]))
    [finding] = _location_findings(result, "llm")  # processing only: storage stays in region
    assert finding["subject"]["role"] == "processing"
    condition = finding["condition"]
    assert "may be processed in any of:" in condition
    assert "London, United Kingdom (eu-west-2)" in condition  # words before codes
    assert "Zurich, Switzerland (eu-central-2)" in condition
    assert "outside EU: Switzerland, United Kingdom" in condition
    # GDPR: transfers to GB and CH, lawful under their adequacy decisions
    transfers = {t["country"]: t for t in result["transfers"] if t["component"] == "llm"}
    assert sorted(transfers) == ["CH", "GB"]
    assert {t["conclusion"] for t in transfers.values()} == {"adequacy"}


def _path_nodes(result: dict[str, Any], finding: dict[str, Any]) -> list[str]:
    [path] = finding["evidence_paths"]
    return [result["hops"][h]["node"] for h in result["paths"][path["path"]]]


def test_a_zone_that_may_process_in_the_uk_brings_the_ipa_territorial_reach(
    tmp_path: Path,
) -> None:
    result = _audit(tmp_path, _inventory(_bedrock("eu"), allowed=["EU"]))
    ipa = [
        f
        for f in result["findings"]
        if f["rule_id"] == "uk-ipa-exposure" and f["subject"]["component"] == "llm"
    ]
    [finding] = ipa  # one root cause (the operator, the zone), one finding
    assert finding["reach_strength"] == "strong"  # the law's territorial trigger, confirmed
    assert finding["confidence"] == "confirmed"
    nodes = _path_nodes(result, finding)
    assert any(
        n.startswith(
            "may be processed in the United Kingdom (part of the "
            "Amazon Bedrock 'eu.' geographic inference profiles zone)"
        )
        for n in nodes
    ), nodes
    [exposure] = [
        e
        for e in result["exposures"]
        if e["component"] == "llm" and e["law"] == "uk-investigatory-powers-act"
    ]
    assert (exposure["party_role"], exposure["trigger"]) == ("operator", "territorial")
    # Zurich is in the zone too: the Swiss surveillance act reaches the operator the same way
    assert any(
        e["law"] == "ch-buepf-surveillance" and e["trigger"] == "territorial"
        for e in result["exposures"]
        if e["component"] == "llm"
    )


def test_a_region_inside_the_eu_brings_no_uk_territorial_reach(tmp_path: Path) -> None:
    result = _audit(tmp_path, _inventory(_bedrock("in-region"), allowed=["EU"]))
    assert not [
        e
        for e in result["exposures"]
        if e["component"] == "llm" and e["law"] == "uk-investigatory-powers-act"
    ]


def test_the_bedrock_eu_profile_passes_a_policy_allowing_eea_and_adequate(tmp_path: Path) -> None:
    result = _audit(tmp_path, _inventory(_bedrock("eu"), allowed=["EEA", "adequate"]))
    assert _location_findings(result, "llm") == []


def test_a_bare_model_id_stays_in_its_region(tmp_path: Path) -> None:
    result = _audit(tmp_path, _inventory(_bedrock("in-region"), allowed=["EU"]))
    assert _location_findings(result, "llm") == []
    assert [t for t in result["transfers"] if t["component"] == "llm"] == []


def test_the_apac_profile_includes_the_uae(tmp_path: Path) -> None:
    result = _audit(
        tmp_path, _inventory(_bedrock("apac", "aws:ap-northeast-1"), allowed=["JP", "KR"])
    )
    [finding] = _location_findings(result, "llm")
    # No city for me-central-1 in the catalogue: the country, then the code.
    assert "United Arab Emirates (me-central-1)" in finding["condition"]
    countries = {t["country"] for t in result["transfers"] if t["component"] == "llm"}
    assert {"AE", "IN", "SG", "JP"} <= countries


def test_the_jp_profile_stays_in_japan(tmp_path: Path) -> None:
    result = _audit(tmp_path, _inventory(_bedrock("jp", "aws:ap-northeast-1"), allowed=["JP"]))
    assert _location_findings(result, "llm") == []


def test_openai_europe_is_the_eea_and_switzerland(tmp_path: Path) -> None:
    component = {"id": "llm", "kind": "model_api", "vendor": "openai", "deployment": "eu"}
    result = _audit(tmp_path, _inventory(component, allowed=["EEA"]))
    findings = _location_findings(result, "llm")
    assert findings, "Switzerland is outside the EEA"
    assert all("outside EEA: Switzerland" in f["condition"] for f in findings)
    countries = {t["country"] for t in result["transfers"] if t["component"] == "llm"}
    assert countries == {"CH"}


def test_an_azure_data_zone_follows_the_resource_region(tmp_path: Path) -> None:
    def processing(region: str) -> str:
        component = {
            "id": "llm",
            "kind": "model_api",
            "vendor": "azure-openai",
            "region": region,
            "deployment": "DataZoneStandard",
        }
        result = _audit(tmp_path, _inventory(component, allowed=["EU"]))
        roles = {f["subject"]["role"]: f for f in _location_findings(result, "llm")}
        return roles["processing"]["title"] if "processing" in roles else ""

    assert processing("azure:swedencentral") == ""
    assert "US data zone" in processing("azure:eastus")


def test_every_zone_member_resolves_and_every_zone_is_sourced() -> None:
    kb = load_knowledge_base()
    assert {"aws-bedrock-eu", "aws-bedrock-jp", "aws-bedrock-au", "openai-europe"} <= set(kb.zones)
    for zone in kb.zones.values():
        assert kb.zone_countries(zone)
        assert zone.provenance.source and zone.provenance.confidence.value == "confirmed"
    assert {"GB", "CH"} <= kb.zone_countries(kb.zones["aws-bedrock-eu"])
    assert "AE" in kb.zone_countries(kb.zones["aws-bedrock-apac"])


def test_a_zone_with_an_unknown_region_is_a_knowledge_base_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    (rules / "zones").mkdir(parents=True)
    (rules / "zones" / "extra.yaml").write_text(
        "zones:\n"
        "  - id: broken-zone\n"
        "    name: Broken\n"
        "    members: ['aws:mars-north-1']\n"
        "    provenance: {source: https://example.invalid, as_of: 2026-12-01,"
        " confidence: unconfirmed, note: a test zone}\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base([rules])
    messages = [d.message for d in caught.value.diagnostics]
    assert any("aws:mars-north-1" in m and "broken-zone" in m for m in messages)


# -- 4. unknown places are unknown transfers -------------------------------------------------


def test_an_unresolvable_location_is_an_unknown_transfer_reported_once(tmp_path: Path) -> None:
    component = {"id": "ghost", "kind": "database", "operator": "acme"}
    result = _audit(tmp_path, _inventory(component, allowed=["EEA", "adequate"]))
    [transfer] = [t for t in result["transfers"] if t["component"] == "ghost"]
    assert transfer["conclusion"] == "unknown"
    assert transfer["country"] == "unknown"
    assert "cannot be assessed" in transfer["explanation"]
    assert result["summary"]["transfers"] >= 1
    rules = [f["rule_id"] for f in result["findings"] if f["subject"].get("component") == "ghost"]
    # one root cause, one finding for it: the evidence gap, not also a transfer finding
    assert "evidence-gap-location" in rules
    assert "gdpr-transfer-unassessable" not in rules


def test_upclouds_stavanger_zone_is_placed_in_norway_inside_the_eea(tmp_path: Path) -> None:
    # no-svg1 rests on secondary sources only (rules/regions/upcloud.yaml); it is kept so an
    # inventory naming it is placed, rather than refused as an unknown UpCloud region.
    vm = {"id": "vm", "kind": "database", "vendor": "upcloud", "region": "upcloud:no-svg1"}
    result = _audit(tmp_path, _inventory(vm, allowed=["EEA"]))
    assert _location_findings(result, "vm") == []
    assert not [t for t in result["transfers"] if t["component"] == "vm"]
    labels = [hop["label"] for hop in result["hops"] if hop["kind"] == "component"]
    assert any("Stavanger, Norway (UpCloud no-svg1)" in label for label in labels)
    unconfirmed = [f for f in result["findings"] if f["rule_id"] == "kb-fact-unconfirmed"]
    assert not [f for f in unconfirmed if "upcloud:no-svg1" in f["subject"]["fact"]]


def test_global_processing_is_still_an_unassessable_transfer(tmp_path: Path) -> None:
    component = {"id": "llm", "kind": "model_api", "vendor": "openai", "deployment": "global"}
    result = _audit(tmp_path, _inventory(component, allowed=["EEA", "adequate"]))
    rules = [f["rule_id"] for f in result["findings"] if f["subject"].get("component") == "llm"]
    assert "gdpr-transfer-unassessable" in rules


# -- 5. who exports -------------------------------------------------------------------------

HOSTCO = {"id": "hostco", "name": "HostCo SAS", "country": "FR", "parents": []}
HELPDESK = {"id": "helpdesk", "name": "Helpdesk Pvt Ltd", "country": "IN", "parents": []}


def _supported_db(engaged_by: str | None) -> dict[str, Any]:
    component: dict[str, Any] = {
        "id": "db",
        "kind": "database",
        "operator": "hostco",
        "country": "FR",
        "support": "helpdesk",
        "locations": {"support": "IN", "admin": "FR"},
        "controls": {"transfer_tools": ["sccs"]},
    }
    if engaged_by is not None:
        component["engaged_by"] = engaged_by
    return _inventory(component, allowed=["EEA"], entities=[HOSTCO, HELPDESK])


def test_a_processors_sub_processor_abroad_is_exported_by_the_processor(tmp_path: Path) -> None:
    result = _audit(tmp_path, _supported_db("hostco"))
    [transfer] = [t for t in result["transfers"] if t["component"] == "db"]
    assert transfer["importer"] == "helpdesk"
    assert transfer["exporter"] == "hostco"
    assert transfer["exporter_name"] == "HostCo SAS"
    assert transfer["scc_module"] == "Module 3 (processor to processor)"
    assert "the exporter is HostCo SAS, the organisation's processor" in transfer["explanation"]


def test_controller_to_processor_stays_the_default(tmp_path: Path) -> None:
    result = _audit(tmp_path, _supported_db(None))
    [transfer] = [t for t in result["transfers"] if t["component"] == "db"]
    assert transfer["exporter"] == "acme"
    assert transfer["exporter_name"] == "Acme GmbH"
    assert transfer["scc_module"] == "Module 2 (controller to processor)"


def test_engaged_by_must_name_an_entity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump(_supported_db("nobody"), sort_keys=False), encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["validate", str(path)])
    assert info.value.code == 3
    assert "unknown entity 'nobody'" in capsys.readouterr().err


def test_terraform_model_ids_with_the_jp_au_and_us_gov_prefixes_name_their_profile(
    tmp_path: Path,
) -> None:
    for region, model_id, option in (
        ("ap-northeast-1", "jp.anthropic.claude-x-v1:0", "jp"),
        ("ap-southeast-2", "au.anthropic.claude-x-v1:0", "au"),
        ("us-gov-west-1", "us-gov.anthropic.claude-x-v1:0", "us-gov"),
        ("eu-central-1", "anthropic.claude-x-v1:0", "in-region"),
    ):
        root = tmp_path / option
        root.mkdir()
        (root / "main.tf").write_text(
            f'provider "aws" {{\n  region = "{region}"\n}}\n'
            f'resource "aws_bedrockagent_agent" "a" {{\n  foundation_model = "{model_id}"\n}}\n',
            encoding="utf-8",
        )
        found = iac_components(scan(root))
        [agent] = [c for k, c in found.items() if k.endswith("aws_bedrockagent_agent.a")]
        assert agent.deployment == option, (model_id, agent.deployment)


def test_adequate_admits_us_law_only_through_a_dpf_certified_party(tmp_path: Path) -> None:
    def cloud_act(certified: bool) -> dict[str, Any]:
        inventory = _us_store(certified)
        inventory["policy"]["residency"][0]["allowed"] = ["EEA", "US"]
        inventory["policy"]["residency"][0]["reach_allowed"] = ["EEA", "adequate"]
        result = _audit(tmp_path, inventory)
        [finding] = [f for f in result["findings"] if f["rule_id"] == "us-cloud-act-exposure"]
        return finding

    assert (
        "United States is adequate only for DPF-certified importers; Vecco Inc. is not "
        "recorded as certified" in cloud_act(False)["condition"]
    )
    assert "does not allow this law" not in cloud_act(True)["condition"]


def _eea_processor_abroad(operator_country: str) -> dict[str, Any]:
    """A database run by one provider, kept in Switzerland: the provider sits in France or
    in the United States."""
    hostco = {**HOSTCO, "country": operator_country}
    component: dict[str, Any] = {
        "id": "db",
        "kind": "database",
        "operator": "hostco",
        "country": "CH",
        "controls": {"transfer_tools": ["sccs"]},
    }
    return _inventory(component, allowed=["EEA", "CH"], entities=[hostco])


def test_a_processor_seated_in_the_eea_exports_what_it_handles_outside_it(
    tmp_path: Path,
) -> None:
    result = _audit(tmp_path, _eea_processor_abroad("FR"))
    [transfer] = [t for t in result["transfers"] if t["component"] == "db"]
    # Handing the data to HostCo in France is no transfer; HostCo's handling in Switzerland is.
    assert transfer["exporter"] == "hostco"
    assert transfer["importer"] == "hostco"
    assert transfer["country"] == "CH"
    assert transfer["conclusion"] == "adequacy"
    assert transfer["scc_module"] is None
    assert (
        "HostCo SAS is seated in France, in the EEA: handing it the data is no transfer"
        in (transfer["explanation"])
    )
    assert "exports it onward (GDPR Art. 44)" in transfer["explanation"]
    last_hop = result["hops"][result["paths"][transfer["path"]][-1]]
    assert last_hop["node"].startswith("exporter and importer HostCo SAS")


def test_a_processor_seated_outside_the_eea_imports_from_the_organisation(
    tmp_path: Path,
) -> None:
    result = _audit(tmp_path, _eea_processor_abroad("US"))
    [transfer] = [t for t in result["transfers"] if t["component"] == "db"]
    assert transfer["exporter"] == "acme"
    assert transfer["importer"] == "hostco"
    assert transfer["scc_module"] == "Module 2 (controller to processor)"
    assert "onward" not in transfer["explanation"]


def test_a_place_that_may_be_anywhere_reads_as_words_in_titles_conditions_and_evidence(
    tmp_path: Path,
) -> None:
    # The bank's AML assistant uses Azure OpenAI GlobalStandard: processing may happen anywhere.
    from tests.conftest import EXAMPLES

    out = tmp_path / "bank.json"
    result = CliRunner().invoke(
        cli,
        ["audit", str(EXAMPLES / "bank"), "--today", "2026-12-05", "--json", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    location = next(
        f
        for f in doc["findings"]
        if f["rule_id"] == "policy-residency-location"
        and f["subject"]["system"] == "aml-alert-assistant"
    )
    assert location["title"].endswith("leaves the area the policy allows (processing in any place)")
    assert "has its processing at any place:" in location["condition"]
    transfer = next(
        t
        for t in doc["transfers"]
        if t["system"] == "aml-alert-assistant" and t["country"] == "global"
    )
    steps = [doc["hops"][i]["label"] or "" for i in doc["paths"][transfer["path"]]]
    assert any("(processing anywhere)" in s for s in steps), steps
    text = json.dumps(doc)
    assert "in anywhere" not in text and "at anywhere" not in text


def test_an_onward_transfer_shows_no_tool_of_the_organisation(tmp_path: Path) -> None:
    """The organisation's SCCs with HostCo (France) cover nothing HostCo does in a third
    country: that onward transfer is HostCo's, under tools the inventory does not record."""
    inventory = _eea_processor_abroad("FR")
    inventory["systems"][0]["components"][1]["country"] = "IN"
    inventory["policy"]["residency"][0]["allowed"] = ["EEA", "IN"]
    result = _audit(tmp_path, inventory)
    [transfer] = [t for t in result["transfers"] if t["component"] == "db"]
    assert (transfer["exporter"], transfer["importer"]) == ("hostco", "hostco")
    assert transfer["tools"] == []
    assert transfer["conclusion"] == "no_valid_tool"
    assert "exports it onward (GDPR Art. 44)" in transfer["explanation"]
    # The organisation's own transfer (HostCo seated in the US) keeps its SCCs.
    result = _audit(tmp_path, _eea_processor_abroad("US"))
    [own] = [t for t in result["transfers"] if t["component"] == "db"]
    assert own["tools"] == ["sccs"]
