"""State-access laws of Saudi Arabia, Qatar, Bahrain and the UAE, and safeguard laws, through
the CLI (issue 17).

- Data placed in a Saudi, Qatari or Bahraini cloud region is reachable under that country's
  law: the finding names the law, its citation and the confidence of its sources, and the
  report's law list gives its status. Where the sources bind only licensed telecoms providers
  (Qatar's Art. 59, Bahrain's Art. 78), the reach through a cloud region is reported as resting
  on an unconfirmed fact, while a provider established there is reached on the sources read.
- No UAE text read gives an authority access to a provider's data: data in a UAE region is
  reported under an entry that says so in its name and citation, with unknown status, unconfirmed
  confidence and no claimed secrecy power, never as a confirmed reach (issue 17).
- Bahrain's data embassy law (Legislative Decree No. 56 of 2018) limits Bahrain's own
  authorities for a foreign party's content: the Bahraini exposure is partial and the finding
  says why, while the US CLOUD Act reach of the same US provider is unchanged.
- The EU Data Act's Art. 32 is a duty on the provider for non-personal data held in the Union:
  a finding at an EU-region component of a US provider cites it without calling the data
  protected, and the verdict stays what it was; it is not cited for personal data (issue 21).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import cli, main
from tests.conftest import ROOT

TODAY = "2026-12-05"


# Customer records (personal data) and machine logs without personal categories.
KUNDEN = {
    "id": "kunden",
    "name": "Kundendaten",
    "categories": ["user.name", "user.contact.email"],
    "classification": "confidential",
}
PROTOKOLLE = {
    "id": "protokolle",
    "name": "Betriebsprotokolle",
    "categories": ["system.operations"],
    "classification": "confidential",
}


def _audit(
    tmp_path: Path,
    components: list[dict[str, Any]],
    rules: Path | None = None,
    data: tuple[dict[str, Any], ...] = (KUNDEN,),
    entities: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": {"name": "Beispiel GmbH", "country": "DE", "entity": "org"},
        "entities": [
            {"id": "org", "name": "Beispiel GmbH", "country": "DE", "parents": []},
            *entities,
        ],
        "data": list(data),
        "systems": [
            {
                "id": "crm",
                "name": "Kundenportal",
                "purpose": "Keeps customer records.",
                "criticality": "high",
                "components": [
                    {
                        "id": "app",
                        "name": "Portal",
                        "kind": "application",
                        "on_prem": {"country": "DE"},
                        "holds": [d["id"] for d in data],
                    },
                    *components,
                ],
                "flows": [
                    {"from": "app", "to": c["id"], "data": [d["id"] for d in data]}
                    for c in components
                ],
            }
        ],
    }
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    extra = ["--rules", str(rules)] if rules else []
    result = CliRunner().invoke(
        cli, [*extra, "audit", str(path), "--fail-on", "never", "--today", TODAY, "--json", "-"]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _database(ident: str, name: str, vendor: str, region: str) -> dict[str, Any]:
    return {"id": ident, "name": name, "kind": "database", "vendor": vendor, "region": region}


def _finding(result: dict[str, Any], component: str, law: str) -> dict[str, Any]:
    found = [
        f
        for f in result["findings"]
        if f["subject"].get("component") == component and f["subject"].get("law") == law
    ]
    assert len(found) == 1, [f["subject"] for f in result["findings"]]
    return found[0]


def _exposure(result: dict[str, Any], component: str, law: str) -> dict[str, Any]:
    found = [e for e in result["exposures"] if e["component"] == component and e["law"] == law]
    assert len(found) == 1
    return found[0]


def _law(result: dict[str, Any], law: str) -> dict[str, Any]:
    return next(ref for ref in result["laws"] if ref["id"] == law)


@pytest.mark.parametrize(
    ("vendor", "region", "law", "name", "citation", "confidence"),
    [
        (
            "gcp",
            "gcp:me-central2",
            "sa-state-access",
            "Saudi PDPL disclosure to public entities",
            "Art. 15(3)",
            # Law-firm notes say the cloud framework binds infrastructure in the Kingdom.
            "secondary",
        ),
        (
            "azure",
            "azure:qatarcentral",
            "qa-cybercrime-law",
            "Qatar Telecommunications Law Art. 59 and Cybercrime Prevention Law",
            "Telecommunications Law, Art. 59",
            # Art. 59 binds licensed service providers; a cloud region is not shown to be one.
            "unconfirmed",
        ),
    ],
)
def test_a_saudi_or_qatari_region_is_reachable_under_that_countrys_law(
    tmp_path: Path,
    vendor: str,
    region: str,
    law: str,
    name: str,
    citation: str,
    confidence: str,
) -> None:
    result = _audit(tmp_path, [_database("db", "Gulf database", vendor, region)])
    exposure = _exposure(result, "db", law)
    assert exposure["trigger"] == "territorial"
    assert exposure["mitigation"] == "none"
    finding = _finding(result, "db", law)
    assert finding["rule_id"] == "foreign-law-exposure"
    assert finding["severity"] == "high"  # confidential data, nothing in place
    # A reach no source confirms is worded as a possibility (issue 17).
    verb = "may be compellable" if confidence == "unconfirmed" else "can be compelled"
    assert f"{verb} under {name}" in finding["condition"]
    assert citation in finding["citation"]
    # How sure the reach is, where the law's facts come from and whether it is in force.
    assert finding["confidence"] == confidence
    ref = _law(result, law)
    assert (ref["status"], ref["confidence"]) == ("in_force", "secondary")
    assert ref["sources"]
    # No safeguard applies outside the EU and Bahrain.
    assert "data embassy" not in finding["cause"] and "Data Act" not in finding["cause"]


def test_a_qatari_licensee_is_reached_on_the_sources_read_a_qatari_region_only_as_a_precaution(
    tmp_path: Path,
) -> None:
    licensee = {"id": "doha-telecom", "name": "Doha Telecom Q.P.S.C.", "country": "QA"}
    result = _audit(
        tmp_path,
        [
            {
                "id": "mail",
                "name": "Mail archive",
                "kind": "database",
                "operator": "doha-telecom",
                "country": "DE",
            },
            _database("db", "Doha database", "azure", "azure:qatarcentral"),
        ],
        entities=({**licensee, "parents": []},),
    )
    law = "qa-cybercrime-law"
    # A service provider established in Qatar: Art. 59 as quoted in the sources read.
    by_seat = _exposure(result, "mail", law)
    assert (by_seat["trigger"], by_seat["confidence"]) == ("incorporated", "secondary")
    # A US provider's Qatari region: reported, but marked as resting on an unconfirmed fact.
    by_place = _exposure(result, "db", law)
    assert (by_place["trigger"], by_place["confidence"]) == ("territorial", "unconfirmed")
    assert _finding(result, "db", law)["confidence"] == "unconfirmed"
    # The law's own facts stay secondary; only the reach through the region is a precaution.
    assert _law(result, law)["confidence"] == "secondary"
    # The finding says so in its words: a possibility, not a reading of the law.
    assert by_place["reach_confidence"] == "unconfirmed"
    condition = _finding(result, "db", law)["condition"]
    assert "may be compellable under" in condition and "can be compelled" not in condition
    assert (
        "No source read confirms that" in condition and "this finding is a precaution" in condition
    )
    # The law's short name joins two laws ("... Art. 59 and Cybercrime Prevention Law"): the
    # sentence reads with a name in the singular and with one in the plural.
    short = "Qatar Telecommunications Law Art. 59 and Cybercrime Prevention Law"
    assert f"confirms that {short} can reach a party through a place" in condition
    # The licensee's reach rests on a source read: it is stated as a reach.
    assert by_seat["reach_confidence"] == "secondary"
    assert "can be compelled under" in _finding(result, "mail", law)["condition"]


def test_a_uae_region_is_reported_as_an_unconfirmed_precaution_not_as_a_laws_reach(
    tmp_path: Path,
) -> None:
    result = _audit(tmp_path, [_database("db", "UAE database", "azure", "azure:uaenorth")])
    law = "ae-state-access"
    exposure = _exposure(result, "db", law)
    assert exposure["trigger"] == "territorial"
    # No text read gives a secrecy power, so none is claimed.
    assert "secrecy" not in exposure["access"]
    finding = _finding(result, "db", law)
    assert finding["confidence"] == "unconfirmed"
    # The reader sees that no statute stands behind it, in the name, the citation and the status.
    assert "UAE state access (no statute read)" in finding["condition"]
    assert finding["citation"].startswith("No access statute read.")
    assert "its current status could not be confirmed" in finding["condition"]
    ref = _law(result, law)
    assert (ref["status"], ref["confidence"]) == ("unknown", "unconfirmed")
    assert "https://uaelegislation.gov.ae/en/legislations/1132" in ref["sources"]


def test_bahrain_data_embassy_law_narrows_bahrains_own_reach_and_says_so(
    tmp_path: Path,
) -> None:
    result = _audit(tmp_path, [_database("db", "Bahrain database", "aws", "aws:me-south-1")])
    law = "bh-telecommunications-lawful-access"
    assert _exposure(result, "db", law)["mitigation"] == "partial"
    finding = _finding(result, "db", law)
    # Partial mitigation of confidential data: medium, not high.
    assert finding["severity"] == "medium"
    # Art. 78 binds licensed operators; a cloud region is not shown to make AWS one.
    assert finding["confidence"] == "unconfirmed"
    cause = finding["cause"]
    assert "Bahrain data embassy law (Legislative Decree No. 56 of 2018" in cause
    assert "the law of the customer's own country applies" in cause
    assert "secondary sources" in cause
    assert "narrows, but does not remove, what Bahrain Telecommunications Law access" in cause
    ref = _law(result, "bh-cloud-data-embassy-law")
    assert (ref["status"], ref["confidence"]) == ("in_force", "secondary")
    # The decree limits Bahrain's authorities, not the US provider's home law.
    cloud_act = _finding(result, "db", "us-cloud-act")
    assert _exposure(result, "db", "us-cloud-act")["mitigation"] == "none"
    assert cloud_act["severity"] == "high"
    assert "data embassy" not in cloud_act["cause"]
    # Nor is Bahrain an EU place: the Data Act is not cited there.
    assert "Data Act" not in cloud_act["cause"]
    # The graph draws the laws that can compel a party; the decree compels no one.
    graph = CliRunner().invoke(cli, ["graph", str(tmp_path / "inventory.yaml"), "--format", "json"])
    assert graph.exit_code == 0, graph.output
    laws = {n["id"] for n in json.loads(graph.stdout)["nodes"] if n["id"].startswith("law:")}
    assert f"law:{law}" in laws and "law:bh-cloud-data-embassy-law" not in laws


def test_eu_region_of_a_us_provider_cites_data_act_art32_without_changing_the_verdict(
    tmp_path: Path,
) -> None:
    result = _audit(
        tmp_path,
        [_database("db", "Frankfurt database", "aws", "aws:eu-central-1")],
        data=(PROTOKOLLE,),
    )
    finding = _finding(result, "db", "us-cloud-act")
    assert _exposure(result, "db", "us-cloud-act")["mitigation"] == "none"
    assert finding["severity"] == "high"  # as without the safeguard
    cause = finding["cause"]
    assert "EU Data Act Art. 32 (Regulation (EU) 2023/2854 (Data Act), Art. 32" in cause
    assert "third-country governmental access to non-personal data held in the Union" in cause
    assert "international agreement or the conditions of Art. 32(3)" in cause
    assert "it does not cover personal data" in cause
    assert "it does not by itself stop an order under US CLOUD Act" in cause
    ref = _law(result, "eu-data-act-art32")
    assert ref["status"] == "in_force"
    assert ref["citation"].startswith("Regulation (EU) 2023/2854")
    assert "https://eur-lex.europa.eu/eli/reg/2023/2854/oj" in ref["sources"]


def test_data_act_is_not_cited_for_personal_data(tmp_path: Path) -> None:
    """Issue 21: Art. 32 covers non-personal data only (personal data is GDPR Art. 48's)."""
    result = _audit(tmp_path, [_database("db", "Frankfurt database", "aws", "aws:eu-central-1")])
    assert "Data Act" not in _finding(result, "db", "us-cloud-act")["cause"]
    assert not any("Data Act" in r for e in result["exposures"] for r in e["mitigation_reasons"])
    assert all(ref["id"] != "eu-data-act-art32" for ref in result["laws"])


def test_data_act_is_cited_for_the_non_personal_data_beside_personal_data(
    tmp_path: Path,
) -> None:
    result = _audit(
        tmp_path,
        [_database("db", "Frankfurt database", "aws", "aws:eu-central-1")],
        data=(KUNDEN, PROTOKOLLE),
    )
    cited = {
        e["data_asset"]: any("EU Data Act Art. 32" in r for r in e["mitigation_reasons"])
        for e in result["exposures"]
        if e["component"] == "db" and e["law"] == "us-cloud-act"
    }
    assert cited == {"kunden": False, "protokolle": True}
    assert _law(result, "eu-data-act-art32")["status"] == "in_force"


def test_data_act_is_not_cited_where_the_data_is_held_outside_the_union(tmp_path: Path) -> None:
    result = _audit(tmp_path, [_database("db", "Dammam database", "gcp", "gcp:me-central2")])
    assert "Data Act" not in _finding(result, "db", "us-cloud-act")["cause"]
    assert all(ref["id"] != "eu-data-act-art32" for ref in result["laws"])


@pytest.mark.parametrize(("status", "cited"), [("in_force", True), ("pending", False)])
def test_a_safeguard_of_ones_own_that_narrows_a_foreign_law_counts_only_when_operative(
    tmp_path: Path, status: str, cited: bool
) -> None:
    # A safeguard from a custom rule folder: effect partial for foreign laws at German places.
    laws = tmp_path / "extra" / "laws"
    laws.mkdir(parents=True)
    guard = yaml.safe_load((ROOT / "rules/laws/eu-data-act-art32.yaml").read_text())
    guard.update(
        id="xx-blocking-statute",
        short_name="Example blocking statute",
        citation="Example Act, s. 1",
        jurisdiction="DE",
        status=status,
        safeguard={
            "held_in": ["DE"],
            "against": "foreign",
            "data": "all data",
            "effect": "partial",
            "finding": "foreign orders need a domestic court's leave",
        },
    )
    (laws / "xx-blocking-statute.yaml").write_text(yaml.safe_dump(guard, sort_keys=False))
    result = _audit(
        tmp_path,
        [_database("db", "Frankfurt database", "aws", "aws:eu-central-1")],
        rules=tmp_path / "extra",
        data=(PROTOKOLLE,),
    )
    finding = _finding(result, "db", "us-cloud-act")
    mitigation = _exposure(result, "db", "us-cloud-act")["mitigation"]
    said = "Example blocking statute (Example Act, s. 1): foreign orders need a domestic court's"
    if cited:
        assert mitigation == "partial" and finding["severity"] == "medium"
        assert said in finding["cause"]
        assert "it narrows, but does not remove, what US CLOUD Act can reach" in finding["cause"]
    else:
        assert mitigation == "none" and finding["severity"] == "high"
        assert "Example blocking statute" not in finding["cause"]
    # The Data Act is cited either way, and never narrows.
    assert "EU Data Act Art. 32" in finding["cause"]


def test_kb_check_rejects_a_malformed_safeguard_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "extra" / "laws"
    extra.mkdir(parents=True)
    guard = yaml.safe_load((ROOT / "rules/laws/eu-data-act-art32.yaml").read_text())
    unknown = {**guard, "id": "xx-unknown-place"}
    unknown["safeguard"] = {**guard["safeguard"], "held_in": ["EU", "XX"]}
    (extra / "xx-unknown-place.yaml").write_text(yaml.safe_dump(unknown, sort_keys=False))
    reaching = {**guard, "id": "xx-reaching-guard", "triggers": [{"kind": "territorial"}]}
    (extra / "xx-reaching-guard.yaml").write_text(yaml.safe_dump(reaching, sort_keys=False))
    with pytest.raises(SystemExit) as info:
        main(["--rules", str(tmp_path / "extra"), "kb", "check"])
    err = capsys.readouterr().err
    assert info.value.code == 4
    assert "xx-unknown-place.yaml:" in err and "unknown country or bloc 'XX' in held_in" in err
    assert "xx-reaching-guard.yaml:" in err and "a safeguard gives no access" in err
    assert "Traceback" not in err
