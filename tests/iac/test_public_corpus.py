"""Public Terraform as test corpus (issue 19): found, missed, phantom and placed, against a hand count.

Each folder under ``fixtures/public/`` is a trimmed copy of a public repository (see its
NOTICE) with an ``expected.yaml`` written by reading the files: the AI and data
resources Terraform would create in each root or example folder, and where. The scan
must report no resource beyond those (no phantoms), miss at most one in ten, and
place what it finds where the code puts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.loader.iac import ScanResult, scan

from .helpers import FIXTURES

PUBLIC = FIXTURES / "public"
CASES = sorted(p.name for p in PUBLIC.iterdir() if (p / "expected.yaml").is_file())


@dataclass(frozen=True)
class Tally:
    """The six numbers of docs/iac-precision.md for one folder."""

    present: int
    found: int
    phantom: int
    place_right: int
    place_wrong: int
    place_unknown: int

    def as_dict(self) -> dict[str, int]:
        return {
            "present": self.present,
            "found": self.found,
            "phantom": self.phantom,
            "place_right": self.place_right,
            "place_wrong": self.place_wrong,
            "place_unknown": self.place_unknown,
        }


def tally(result: ScanResult, system: str, present: list[dict[str, Any]]) -> Tally:
    """Compare the components scanned into ``system`` with the hand count."""
    scanned = {
        address.split(":", 1)[1]: key
        for address, key in result.address_index.items()
        if address.startswith(f"{system}:")
    }
    components = {f"{s.id}/{c.id}": c for s in result.fragment.systems for c in s.components}
    truth = {str(item["address"]): item for item in present}
    found = right = wrong = unknown = 0
    for address, item in truth.items():
        key = scanned.get(address)
        if key is None:
            continue
        found += 1
        region = components[key].region
        if region is None:
            unknown += 1
        elif region == item.get("place"):
            right += 1
        else:
            wrong += 1
    phantom = sum(1 for address in scanned if address not in truth)
    return Tally(len(truth), found, phantom, right, wrong, unknown)


def _expected(name: str) -> dict[str, Any]:
    data = yaml.safe_load((PUBLIC / name / "expected.yaml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("name", CASES)
def test_public_repository_matches_the_hand_count(name: str) -> None:
    expected = _expected(name)
    result = scan(PUBLIC / name)
    assert result.diagnostics == []
    systems = {s.id for s in result.fragment.systems}
    for folder, spec in expected["folders"].items():
        got = tally(result, spec["system"], spec["present"])
        assert got.as_dict() == spec["counts"], folder
        assert got.phantom == 0, folder
    # no system outside the counted folders (a phantom root would hide here)
    counted = {spec["system"] for spec in expected["folders"].values()}
    assert systems <= counted
    notes = "\n".join(result.notes).replace(f"{PUBLIC}/", "")
    for notice in expected.get("notices", []):
        assert notice in notes
    # a resource the scan misses is never missed in silence: a notice names the module
    for spec in expected["folders"].values():
        for item in spec["present"]:
            if f"{spec['system']}:{item['address']}" not in result.address_index:
                assert item.get("not_followed"), item["address"]
                assert f"\n{item['not_followed']} (" in f"\n{notes}", item["address"]


@pytest.mark.parametrize("name", CASES)
def test_public_repository_values_of_found_components(name: str) -> None:
    """Deployment option and model of each found component are what the code fixes."""
    expected = _expected(name)
    result = scan(PUBLIC / name)
    components = {f"{s.id}/{c.id}": c for s in result.fragment.systems for c in s.components}
    for spec in expected["folders"].values():
        for item in spec["present"]:
            key = result.address_index.get(f"{spec['system']}:{item['address']}")
            if key is None:
                continue
            component = components[key]
            # unknown only where the code fixes no place (place: null), never a lost one
            assert component.region == item.get("place"), item["address"]
            if "kind" in item:
                assert component.kind == item["kind"], item["address"]
            if "deployment" in item:
                assert component.deployment == item["deployment"], item["address"]
            if "model" in item:
                assert component.model is not None, item["address"]
                assert component.model.name == item["model"], item["address"]
            if "storage" in item:
                assert component.locations.storage == item["storage"], item["address"]
            if "model_vendor" in item:
                assert component.model is not None, item["address"]
                assert component.model.vendor == item["model_vendor"], item["address"]
            if "routes_to" in item:
                routes = [
                    r.value for r in result.resolutions if r.key == key and r.field == "routes_to"
                ]
                assert sorted(str(r) for r in routes) == item["routes_to"], item["address"]


def test_corpus_totals_invent_nothing_and_place_nothing_wrongly() -> None:
    """The totals of docs/iac-precision.md; misses are only inside modules not followed."""
    totals = Tally(0, 0, 0, 0, 0, 0).as_dict()
    for name in CASES:
        result = scan(PUBLIC / name)
        for spec in _expected(name)["folders"].values():
            for field, value in tally(result, spec["system"], spec["present"]).as_dict().items():
                totals[field] += value
    assert totals == {
        "present": 65,
        "found": 65,
        "phantom": 0,
        "place_right": 45,
        "place_wrong": 0,
        "place_unknown": 20,
    }


def test_fixture_folders_name_their_source_and_licence() -> None:
    for name in CASES:
        notice = (PUBLIC / name / "NOTICE").read_text()
        assert "Repository: https://github.com/" in notice
        assert "Commit:" in notice and "Licence:" in notice
        assert (PUBLIC / name / "LICENSE").is_file()


def test_the_precision_table_lists_every_fixture() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "iac-precision.md").read_text()
    for name in CASES:
        assert f"`{name}`" in doc
