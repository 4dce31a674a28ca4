"""Israeli state-access laws through the CLI (issue 17).

- The sources read bind the Communications Data Law 2007 and s. 11 of the General Security
  Service Law 2002 to communications companies and licensed telecommunications providers. None
  says that a cloud provider's Israeli region makes it one, so data in such a region is reported
  as a precaution: the finding says the operator "may be compellable" and that no source read
  confirms the reach, never "can be compelled".
- An Israeli telecommunications company is reached on the sources read, and the finding says so.
- A party that declares only a kind these laws are not read to cover (a remote computing
  service) is not reported under them on the ground of its Israeli seat.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import cli

TODAY = "2026-12-05"
LAW = "il-state-access-laws"
SHORT = "IL surveillance laws"

PATIENTS = {
    "id": "patienten",
    "name": "Patientenakten",
    "categories": ["user.name", "user.health_and_medical"],
    "classification": "confidential",
}


def _audit(
    tmp_path: Path,
    components: list[dict[str, Any]],
    entities: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": {"name": "Praxis Muster", "country": "DE", "entity": "org"},
        "entities": [
            {"id": "org", "name": "Praxis Muster", "country": "DE", "parents": []},
            *entities,
        ],
        "data": [PATIENTS],
        "systems": [
            {
                "id": "akte",
                "name": "Patientenakte",
                "purpose": "Keeps patient records.",
                "criticality": "high",
                "components": [
                    {
                        "id": "app",
                        "name": "Praxis-App",
                        "kind": "application",
                        "on_prem": {"country": "DE"},
                        "holds": ["patienten"],
                    },
                    *components,
                ],
                "flows": [
                    {"from": "app", "to": c["id"], "data": ["patienten"]} for c in components
                ],
            }
        ],
    }
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["audit", str(path), "--fail-on", "never", "--today", TODAY, "--json", "-"]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _findings(result: dict[str, Any], component: str) -> list[dict[str, Any]]:
    return [
        f
        for f in result["findings"]
        if f["subject"].get("component") == component and f["subject"].get("law") == LAW
    ]


def _exposures(result: dict[str, Any], component: str) -> list[dict[str, Any]]:
    return [e for e in result["exposures"] if e["component"] == component and e["law"] == LAW]


@pytest.mark.parametrize(
    ("vendor", "region"),
    [
        ("aws", "aws:il-central-1"),
        ("azure", "azure:israelcentral"),
        ("gcp", "gcp:me-west1"),
        ("oracle-oci", "oci:il-jerusalem-1"),
    ],
)
def test_data_in_an_israeli_cloud_region_is_reported_as_may_be_compellable(
    tmp_path: Path, vendor: str, region: str
) -> None:
    component = {
        "id": "db",
        "name": "Israel database",
        "kind": "database",
        "vendor": vendor,
        "region": region,
    }
    result = _audit(tmp_path, [component])
    [exposure] = _exposures(result, "db")
    assert exposure["trigger"] == "territorial"
    # The region's reach rests on no source: the trigger's own provenance says so.
    assert exposure["reach_confidence"] == "unconfirmed"
    [finding] = _findings(result, "db")
    assert finding["confidence"] == "unconfirmed"
    condition = finding["condition"]
    assert f"may be compellable under {SHORT}" in condition
    assert "can be compelled" not in condition
    assert f"No source read confirms that {SHORT} can reach a party through a place" in condition
    assert "this finding is a precaution, not a reading of the law" in condition
    # The law's own facts stay secondary, with sources a reader can open.
    ref = next(r for r in result["laws"] if r["id"] == LAW)
    assert (ref["status"], ref["confidence"]) == ("in_force", "secondary")
    assert all(source.startswith("http") for source in ref["sources"])


def test_an_israeli_telecom_is_reached_on_the_sources_read_a_cloud_service_is_not(
    tmp_path: Path,
) -> None:
    telecom = {
        "id": "il-telecom",
        "name": "Beispiel Telecom Israel Ltd",
        "country": "IL",
        "parents": [],
        "provider_categories": ["telecom_operator"],
    }
    saas = {
        "id": "il-saas",
        "name": "Beispiel Cloud Israel Ltd",
        "country": "IL",
        "parents": [],
        "provider_categories": ["rcs"],
    }
    result = _audit(
        tmp_path,
        [
            {
                "id": "sms",
                "name": "SMS gateway",
                "kind": "application",
                "operator": "il-telecom",
                "country": "DE",
            },
            {
                "id": "files",
                "name": "File store",
                "kind": "object_storage",
                "operator": "il-saas",
                "country": "DE",
            },
        ],
        entities=(telecom, saas),
    )
    [by_seat] = _exposures(result, "sms")
    assert (by_seat["trigger"], by_seat["reach_confidence"]) == ("incorporated", "secondary")
    [finding] = _findings(result, "sms")
    assert f"can be compelled under {SHORT}" in finding["condition"]
    assert "No source read confirms" not in finding["condition"]
    # The sources read do not extend these laws to a remote computing service by its seat.
    assert _exposures(result, "files") == []
    assert _findings(result, "files") == []
