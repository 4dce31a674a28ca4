"""CycloneDX AI-BOM: export (``auditor bom``) and import (``auditor import cyclonedx``), end to end.

The exported BOMs are checked with cyclonedx-python-lib's strict validator against the
official CycloneDX 1.6 JSON schema. The imported BOMs in tests/data/cyclonedx are real
ML-BOMs from CycloneDX/bom-examples (CC0; see ATTRIBUTION.md there).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import main
from auditor.model.bom import NAMESPACE, Prop
from auditor.report.bom import schema_errors
from tests.conftest import EXAMPLES, ROOT

DATA = ROOT / "tests" / "data" / "cyclonedx"
GOLDEN = ROOT / "tests" / "report" / "golden" / "hospital.cdx.json"


@dataclass
class Result:
    exit_code: int
    output: str  # standard output and standard error together


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the command line through ``main`` (its error boundary sets the exit codes)."""
    runner, code = CliRunner(), 0
    with runner.isolation(env=env) as streams:
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return Result(code, streams[2].getvalue().decode("utf-8"))


def export(example: str, out: Path, *extra: str, env: dict[str, str] | None = None) -> str:
    result = invoke("bom", str(EXAMPLES / example), "-o", str(out), *extra, env=env)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def props(item: dict[str, object], name: str) -> list[str]:
    found = item.get("properties", [])
    assert isinstance(found, list)
    return [p["value"] for p in found if p["name"] == name]


@pytest.mark.parametrize("example", ["hospital", "bank"])
def test_export_validates_against_the_cyclonedx_1_6_schema(example: str, tmp_path: Path) -> None:
    text = export(example, tmp_path / "bom.json")
    assert schema_errors(text) == []
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6" and bom["bomFormat"] == "CycloneDX"
    assert "timestamp" not in bom["metadata"]
    refs = [c["bom-ref"] for c in bom["components"]] + [s["bom-ref"] for s in bom["services"]]
    assert len(refs) == len(set(refs))
    # Every dependency names something in the BOM.
    known = {*refs, "inventory"}
    for dep in bom["dependencies"]:
        assert dep["ref"] in known and set(dep.get("dependsOn", [])) <= known
    # Every property is in our namespace and follows the taxonomy's name syntax.
    names = {
        p["name"]
        for item in [bom["metadata"], *bom["components"], *bom["services"]]
        for p in item.get("properties", [])
    }
    for name in names:
        assert name.startswith(f"{NAMESPACE}:")
        assert all(
            part and set(part) <= set("abcdefghijklmnopqrstuvwxyz0123456789-_ ")
            for part in name.split(":")
        )


def test_validate_flag_checks_the_schema_before_writing(tmp_path: Path) -> None:
    result = invoke(
        "bom", str(EXAMPLES / "startup-saas"), "--validate", "-o", str(tmp_path / "b.json")
    )
    assert result.exit_code == 0, result.output
    assert schema_errors((tmp_path / "b.json").read_text()) == []


def test_schema_check_rejects_a_broken_bom(tmp_path: Path) -> None:
    bom = json.loads(export("hospital", tmp_path / "bom.json"))
    bom["serialNumber"] = "not-a-uuid"
    bom["services"][0]["data"][0]["flow"] = "sideways"
    errors = schema_errors(json.dumps(bom))
    assert len(errors) == 2
    assert any("serialNumber" in e for e in errors) and any("sideways" in e for e in errors)


def test_hospital_bom_matches_the_golden_file(tmp_path: Path) -> None:
    text = export("hospital", tmp_path / "bom.json")
    # The golden file must not depend on where the repository is checked out.
    assert str(ROOT) not in text
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.exists(), "no golden file: run UPDATE_GOLDEN=1 pytest tests/test_bom.py"
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "the hospital BOM changed: UPDATE_GOLDEN=1 pytest tests/test_bom.py and review the diff"
    )


def test_hospital_bom_says_what_reaches_which_service(tmp_path: Path) -> None:
    bom = json.loads(export("hospital", tmp_path / "bom.json"))
    services = {s["bom-ref"]: s for s in bom["services"]}
    azure = services["component:discharge-assistant/llm"]
    assert azure["provider"] == {
        "name": "Microsoft Ireland Operations Limited",
        "address": {"country": "IE"},
    }
    assert azure["x-trust-boundary"] is True
    assert azure["trustZone"] == "third party: Microsoft Ireland Operations Limited"
    assert props(azure, Prop.JURISDICTION) == ["US"]
    assert any(s.startswith("US CLOUD Act reaches Microsoft") for s in props(azure, Prop.EXPOSURE))
    # The mitigation in words: "none" alone could be read as "nothing to mitigate".
    assert all(s.endswith("; not mitigated") for s in props(azure, Prop.EXPOSURE))
    assert props(azure, Prop.OPERATOR_CONTROLLED_FROM) == ["IE, US"]
    inbound = [d for d in azure["data"] if d["flow"] == "inbound"]
    assert {d["name"] for d in inbound} == {
        "Clinical notes of an inpatient stay",
        "Structured radiology reports",
    }
    assert all(d["classification"] == "confidential" for d in inbound)
    assert all(d["source"][0].endswith("#component%3Adischarge-assistant%2Fapp") for d in inbound)
    # The on-premises model: run by the hospital itself, open weights, Meta only as publisher.
    local = services["component:radiology-drafting/llm"]
    assert local["x-trust-boundary"] is False and local["trustZone"] == "the organisation"
    assert props(local, Prop.JURISDICTION) == []
    models = {c["bom-ref"]: c for c in bom["components"] if c["type"] == "machine-learning-model"}
    llama = models["model:radiology-drafting/llm"]
    card = llama["modelCard"]["properties"]
    assert {"name": Prop.MODEL_WEIGHTS, "value": "open"} in card
    assert "supplier" not in llama and llama["publisher"].startswith("Meta Platforms")
    gpt = models["model:discharge-assistant/llm"]
    assert {"name": Prop.MODEL_WEIGHTS, "value": "api-only"} in gpt["modelCard"]["properties"]
    # The Mistral EU endpoint comes from the catalogue's host rules.
    assert services["component:guidelines-assistant/llm"]["endpoints"] == [
        "https://api.eu.mistral.ai"
    ]


def test_export_is_byte_identical_twice_and_has_a_derived_serial(tmp_path: Path) -> None:
    first = export("hospital", tmp_path / "a.json")
    second = export("hospital", tmp_path / "b.json")
    assert first == second
    assert (
        json.loads(first)["serialNumber"]
        != json.loads(export("bank", tmp_path / "c.json"))["serialNumber"]
    )


def test_a_changed_input_changes_the_serial(tmp_path: Path, hospital_copy: Path) -> None:
    before = json.loads(export("hospital", tmp_path / "a.json"))["serialNumber"]
    with (hospital_copy / "data.yaml").open("a", encoding="utf-8") as handle:
        handle.write("\n# reviewed again\n")
    result = invoke("bom", str(hospital_copy), "-o", str(tmp_path / "b.json"))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "b.json").read_text())["serialNumber"] != before


def test_timestamp_only_when_asked(tmp_path: Path) -> None:
    text = export(
        "hospital", tmp_path / "bom.json", "--timestamp", env={"SOURCE_DATE_EPOCH": "1764547200"}
    )
    bom = json.loads(text)
    assert bom["metadata"]["timestamp"] == "2025-12-01T00:00:00Z"
    assert schema_errors(text) == []


def test_bom_to_stdout_and_invalid_inventory_exit_3(tmp_path: Path, hospital_copy: Path) -> None:
    result = invoke("bom", str(EXAMPLES / "hospital"))
    assert result.exit_code == 0 and json.loads(result.output)["specVersion"] == "1.6"
    (hospital_copy / "broken.yaml").write_text("systems: [{id: x}]\n")
    result = invoke("bom", str(hospital_copy), "-o", str(tmp_path / "bom.json"))
    assert result.exit_code == 3
    assert "broken.yaml:1:" in result.output and not (tmp_path / "bom.json").exists()


def _import(bom: Path, out: Path, *extra: str) -> Result:
    return invoke("import", "cyclonedx", str(bom), "-o", str(out), *extra)


def test_round_trip_of_our_export_validates_and_audits_the_same(tmp_path: Path) -> None:
    export("hospital", tmp_path / "bom.json")
    result = _import(tmp_path / "bom.json", tmp_path / "draft")
    assert result.exit_code == 0, result.output
    assert invoke("validate", str(tmp_path / "draft")).exit_code == 0
    draft = yaml.safe_load(
        (tmp_path / "draft" / "systems" / "discharge-assistant.yaml").read_text()
    )
    llm = next(c for c in draft["systems"][0]["components"] if c["id"] == "llm")
    assert llm["vendor"] == "azure-openai" and llm["region"] == "azure:swedencentral"
    assert (
        llm["deployment"] == "DataZoneStandard"
        and llm["operator"] == "microsoft-ireland-operations"
    )
    assert llm["model"] == {
        "name": "gpt-4.1 (2025-04-14)",
        "open_weights": False,
        "vendor": "openai",
    }
    flows = {(f["from"], f["to"]): f["data"] for f in draft["systems"][0]["flows"]}
    assert flows[("app", "llm")] == ["clinical-notes", "radiology-reports"]
    purposes = {(f["from"], f["to"]): f.get("purpose") for f in draft["systems"][0]["flows"]}
    assert purposes[("app", "llm")] == "summarisation into a discharge letter draft"
    radiology = yaml.safe_load(
        (tmp_path / "draft" / "systems" / "radiology-drafting.yaml").read_text()
    )
    assert ("ris", "discharge-assistant/kis") in {
        (f["from"], f["to"]) for f in radiology["systems"][0]["flows"]
    }
    # Same exposures and transfers as the original: places, operators and flows survived.
    counts = []
    for source in (EXAMPLES / "hospital", tmp_path / "draft"):
        out = tmp_path / f"{source.name}.json"
        ran = invoke("audit", str(source), "--fail-on", "never", "--json", str(out), "--quiet")
        assert ran.exit_code == 0, ran.output
        summary = json.loads(out.read_text())["summary"]
        counts.append((summary["exposures"], summary["transfers"]))
    assert counts[0] == counts[1]
    # What a BOM cannot carry is a visible gap, not a silent loss; the hospital's own chain
    # of control (Klinikum Nord gGmbH, held by its foundation) comes back from the BOM.
    assert "controls not part of a BOM" in result.output
    assert "ownership not stated" not in result.output
    entities = yaml.safe_load((tmp_path / "draft" / "entities.yaml").read_text())["entities"]
    chain = {e["id"]: e.get("parents") for e in entities}
    assert chain["klinikum-nord"] == [
        {"entity": "stiftung-klinikum-nord", "share_pct": 100.0, "voting_pct": 100.0}
    ]
    assert chain["stiftung-klinikum-nord"] == []


def test_import_of_a_real_foundation_model_bom(tmp_path: Path) -> None:
    result = _import(DATA / "foundation-model.json", tmp_path / "draft", "--country", "DE")
    assert result.exit_code == 0, result.output
    assert invoke("validate", str(tmp_path / "draft")).exit_code == 0
    system = yaml.safe_load((tmp_path / "draft" / "systems" / "foundation-model.yaml").read_text())
    component = system["systems"][0]["components"][0]
    # "OpenAI Inc" as supplier is the catalogue's OpenAI API; no region or operator invented.
    assert component["kind"] == "model_api" and component["vendor"] == "openai"
    assert component["model"]["name"] == "gpt-4o"
    assert not {"region", "country", "on_prem", "operator"} & set(component)
    text = (tmp_path / "draft" / "systems" / "foundation-model.yaml").read_text()
    assert "# TODO(auditor): hosted model of" in text and "deployment option not stated" in text
    assert "gpt-4o: deployment option not stated" in result.output
    organisation = (tmp_path / "draft" / "organisation.yaml").read_text()
    assert "# TODO(auditor): the organisation's name is not in the BOM" in organisation


def test_import_of_a_real_model_card_bom_keeps_every_unknown_visible(tmp_path: Path) -> None:
    result = _import(
        DATA / "model-card-with-dataset.json",
        tmp_path / "draft",
        "--country",
        "FR",
        "--name",
        "Example SAS",
    )
    assert result.exit_code == 0, result.output
    assert invoke("validate", str(tmp_path / "draft")).exit_code == 0
    draft = yaml.safe_load(
        (tmp_path / "draft" / "systems" / "support-triage-service.yaml").read_text()
    )
    system = draft["systems"][0]
    assert system["purpose"].startswith("Fictional application")
    model = system["components"][0]
    assert model["model"]["name"] == "support-ticket-classifier"
    assert not {"vendor", "region", "operator"} & set(model)
    data = yaml.safe_load((tmp_path / "draft" / "data.yaml").read_text())["data"]
    assert data[0]["classification"] == "internal" and data[0]["categories"] == ["user"]
    assert "kind, operator and region not stated" in result.output
    assert "data categories not stated (assumed personal data)" in result.output
    assert yaml.safe_load((tmp_path / "draft" / "organisation.yaml").read_text())[
        "organisation"
    ] == {
        "name": "Example SAS",
        "country": "FR",
    }


def test_import_of_a_service_bom_maps_the_api_host(tmp_path: Path) -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "metadata": {"component": {"type": "application", "bom-ref": "app", "name": "Chat"}},
        "services": [
            {"bom-ref": "mistral", "name": "Mistral API", "endpoints": ["https://api.eu.mistral.ai/v1/chat"],
             "data": [{"flow": "inbound", "classification": "PII", "source": ["gateway"]}]},
            {"bom-ref": "gateway", "name": "Gateway", "provider": {"name": "Acme GmbH"},
             "data": [{"flow": "outbound", "classification": "PII", "destination": ["mistral"]}]},
        ],
        "dependencies": [{"ref": "app", "dependsOn": ["mistral", "gateway"]}],
    }  # fmt: skip
    (tmp_path / "bom.json").write_text(json.dumps(bom))
    result = _import(tmp_path / "bom.json", tmp_path / "draft", "--country", "DE")
    assert result.exit_code == 0, result.output
    assert invoke("validate", str(tmp_path / "draft")).exit_code == 0
    system = yaml.safe_load((tmp_path / "draft" / "systems" / "chat.yaml").read_text())["systems"][
        0
    ]
    parts = {c["id"]: c for c in system["components"]}
    assert (
        parts["mistral-api"]["vendor"] == "mistral-ai"
        and parts["mistral-api"]["deployment"] == "eu"
    )
    assert parts["gateway"]["operator"] == "acme-gmbh" and parts["gateway"]["kind"] == "application"
    assert system["flows"] == [{"from": "gateway", "to": "mistral-api", "data": ["pii"]}]
    entities = (tmp_path / "draft" / "entities.yaml").read_text()
    assert "# TODO(auditor): country of Acme GmbH's registered office not stated" in entities
    assert "classification not stated (the BOM says 'PII')" in result.output


def test_not_json_names_file_line_and_what_to_do(tmp_path: Path) -> None:
    # The published OpenSource example has a trailing comma: not JSON.
    result = _import(DATA / "open-source-model.json", tmp_path / "draft", "--country", "DE")
    assert result.exit_code == 3
    assert "open-source-model.json:9:5: not JSON" in result.output
    assert "hint: give a CycloneDX BOM in JSON format" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "draft").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"specVersion": "1.2"}, ":4:5: specVersion '1.2' is not one of 1.4, 1.5, 1.6, 1.7"),
        ({"bomFormat": "SPDX"}, ":3:5: bomFormat is 'SPDX', not 'CycloneDX'"),
    ],
)
def test_wrong_spec_version_or_format_is_a_clear_error(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    bom = json.loads((DATA / "foundation-model.json").read_text())
    bom.update(change)
    (tmp_path / "bom.json").write_text(json.dumps(bom, indent=4))
    result = _import(tmp_path / "bom.json", tmp_path / "draft", "--country", "DE")
    assert result.exit_code == 3
    assert f"bom.json{message}" in result.output and "hint:" in result.output


def test_import_never_overwrites_a_folder_silently(tmp_path: Path) -> None:
    target = tmp_path / "draft"
    target.mkdir()
    (target / "organisation.yaml").write_text("organisation: {name: Mine, country: DE}\n")
    result = _import(DATA / "foundation-model.json", target, "--country", "DE")
    assert result.exit_code == 2
    assert "would replace organisation.yaml" in result.output and "--force" in result.output
    assert (target / "organisation.yaml").read_text() == "organisation: {name: Mine, country: DE}\n"
    forced = _import(DATA / "foundation-model.json", target, "--country", "DE", "--force")
    assert forced.exit_code == 0 and "Mine" not in (target / "organisation.yaml").read_text()


def test_forcing_into_an_earlier_draft_names_the_files_that_stay(tmp_path: Path) -> None:
    """An earlier draft's systems stay and are read with the new one: the command says so."""
    target = tmp_path / "draft"
    (target / "systems").mkdir(parents=True)
    (target / "systems" / "old-system.yaml").write_text("systems: []\n")
    (target / "notes.txt").write_text("not YAML\n")
    forced = _import(DATA / "foundation-model.json", target, "--country", "DE", "--force")
    assert forced.exit_code == 0, forced.output
    assert "note: 1 other YAML file(s)" in forced.output
    assert "systems/old-system.yaml" in forced.output and "notes.txt" not in forced.output
    assert (target / "systems" / "old-system.yaml").exists()
    fresh = _import(DATA / "foundation-model.json", tmp_path / "new", "--country", "DE")
    assert fresh.exit_code == 0 and "note:" not in fresh.output


def test_a_foreign_bom_needs_the_organisations_country(tmp_path: Path) -> None:
    result = _import(DATA / "foundation-model.json", tmp_path / "draft")
    assert result.exit_code == 2 and "--country" in result.output
    assert not (tmp_path / "draft").exists()


def test_examples_copy_is_left_alone(tmp_path: Path) -> None:
    # The export reads the inventory and writes only the BOM.
    source = tmp_path / "hospital"
    shutil.copytree(EXAMPLES / "hospital", source)
    before = sorted(p.name for p in source.rglob("*"))
    result = invoke("bom", str(source), "-o", str(source / "bom.yaml"))
    assert result.exit_code == 2 and "it is an input of this run" in result.output
    assert sorted(p.name for p in source.rglob("*")) == before


def test_every_property_is_documented() -> None:
    doc = (ROOT / "docs" / "cyclonedx.md").read_text(encoding="utf-8")
    missing = [p.value for p in Prop if f"`{p.value}" not in doc]
    assert not missing, f"docs/cyclonedx.md does not document: {missing}"


def test_names_from_the_bom_cannot_write_yaml_into_the_draft(tmp_path: Path) -> None:
    hostile = "Evil Ltd\nsystems: [{id: injected, purpose: x, components: [{id: c, kind: application}]}]\n#"
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:00000000-0000-0000-0000-000000000000",
        "services": [{"bom-ref": "s", "name": "Store\nsystems: []", "provider": {"name": hostile}}],
    }
    (tmp_path / "bom.json").write_text(json.dumps(bom))
    result = _import(tmp_path / "bom.json", tmp_path / "draft", "--country", "DE")
    assert result.exit_code == 0, result.output
    assert invoke("validate", str(tmp_path / "draft")).exit_code == 0
    systems = [
        system["id"]
        for path in (tmp_path / "draft").rglob("*.yaml")
        for system in (yaml.safe_load(path.read_text()) or {}).get("systems", [])
    ]
    assert "injected" not in systems and len(systems) == 1
    entities = yaml.safe_load((tmp_path / "draft" / "entities.yaml").read_text())["entities"]
    assert entities[0]["name"] == hostile


def test_a_library_only_sbom_drafts_no_system(tmp_path: Path) -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "components": [{"type": "library", "name": "left-pad", "version": "1.3.0"}],
    }
    (tmp_path / "bom.json").write_text(json.dumps(bom))
    result = _import(tmp_path / "bom.json", tmp_path / "draft", "--country", "DE")
    assert result.exit_code == 0 and "names no service or model" in result.output
    assert sorted(p.name for p in (tmp_path / "draft").iterdir()) == ["organisation.yaml"]


def test_round_trip_keeps_declared_parties_and_locations(tmp_path: Path) -> None:
    export("ministry", tmp_path / "bom.json")
    result = _import(tmp_path / "bom.json", tmp_path / "draft")
    assert result.exit_code == 0, result.output
    assert invoke("validate", str(tmp_path / "draft")).exit_code == 0
    source = yaml.safe_load(
        (EXAMPLES / "ministry" / "systems" / "courrier-assistant.yaml").read_text()
    )
    draft = yaml.safe_load((tmp_path / "draft" / "systems" / "courrier-assistant.yaml").read_text())
    after = {c["id"]: c for c in draft["systems"][0]["components"]}
    for before in source["systems"][0]["components"]:
        for key in ("hosting", "support", "subprocessors", "locations", "operator"):
            assert before.get(key) == after[before["id"]].get(key), (before["id"], key)
    # An entity the catalogue does not know comes back as the inventory declared it: Numeria's
    # owners were never stated there, and that gap stays a gap.
    assert "Numeria Services SAS: ownership not stated" in result.output


@pytest.mark.parametrize("example", ["bank", "startup-saas", "ministry"])
def test_round_trip_audits_to_the_same_exposures(example: str, tmp_path: Path) -> None:
    export(example, tmp_path / "bom.json")
    assert _import(tmp_path / "bom.json", tmp_path / "draft").exit_code == 0
    counts = []
    for source in (EXAMPLES / example, tmp_path / "draft"):
        out = tmp_path / f"{source.name}.json"
        ran = invoke("audit", str(source), "--fail-on", "never", "--json", str(out), "--quiet")
        assert ran.exit_code == 0, ran.output
        result = json.loads(out.read_text())
        counts.append(
            sorted(
                (e["system"], e["component"], e["data_asset"], e["party"], e["law"])
                for e in result["exposures"]
            )
        )
    assert counts[0] and counts[0] == counts[1]


def test_the_bom_carries_the_inventory_s_own_entity_chain_and_only_that(tmp_path: Path) -> None:
    """The ministry's transcription SaaS is run by Verbalis Europe Limited (IE), controlled by
    Verbalis, Inc. (US): neither is in the catalogue, so the BOM carries their records under
    residency-auditor:entity and the import restores them. A record that would stand in for
    a catalogue entity (its id or its name) is not taken: the catalogue's facts win."""
    bom_path = tmp_path / "bom.json"
    export("ministry", bom_path)
    bom = json.loads(bom_path.read_text())
    records = [
        json.loads(p["value"])
        for p in bom["metadata"]["properties"]
        if p["name"] == "residency-auditor:entity"
    ]
    by_id = {r["id"]: r for r in records}
    assert by_id["verbalis-europe-ltd"]["parents"][0]["entity"] == "verbalis-inc"
    assert by_id["verbalis-inc"]["country"] == "US" and by_id["verbalis-inc"]["parents"] == []
    assert "ovh-sas" not in by_id  # a catalogue entity is the catalogue's, not the BOM's
    result = _import(bom_path, tmp_path / "draft")
    assert result.exit_code == 0, result.output
    assert "Verbalis, Inc.: ownership not stated" not in result.output
    entities = yaml.safe_load((tmp_path / "draft" / "entities.yaml").read_text())["entities"]
    restored = {e["id"]: e for e in entities}
    assert restored["verbalis-inc"]["provider_categories"] == ["rcs"]
    # An edited BOM cannot make a catalogue company look independent or move it.
    bom["metadata"]["properties"] += [
        {
            "name": "residency-auditor:entity",
            "value": json.dumps(
                {"id": "ovh-sas", "name": "OVH SAS", "country": "FR", "parents": []}
            ),
        },
        {
            "name": "residency-auditor:entity",
            "value": json.dumps(
                {"id": "ms-eu", "name": "Microsoft Corporation", "country": "IE", "parents": []}
            ),
        },
        {"name": "residency-auditor:entity", "value": "{not json"},
    ]
    bom_path.write_text(json.dumps(bom))
    result = _import(bom_path, tmp_path / "edited")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "edited" / "entities.yaml").read_text()
    ids = {e["id"] for e in yaml.safe_load(text)["entities"]}
    assert "ovh-sas" not in ids and "ms-eu" not in ids
    assert "is a catalogue entity" in result.output and "not a valid entity record" in result.output
    assert invoke("validate", str(tmp_path / "edited")).exit_code == 0
