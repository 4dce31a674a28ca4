"""What control rests on when the source gives no figure, through the CLI (issue 17).

A parent link can say what its source says: ``majority: true`` (majority-owned, no
figure), ``basis: reported_subsidiary`` (listed in a registrant's Exhibit 21) or
``consolidated_subsidiary`` (consolidated in audited accounts), with ``reported_by`` for
the registrant and ``via`` for the intermediate companies of an indirect holding. Such a
link controls, the exposure chain says why in words, and ``kb check`` no longer lists it
as lacking a basis; a link with only ``controlling: true`` still is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import cli, main

TODAY = "2026-11-28"
_PROV = (
    "provenance: {source: 'https://register.example/a', as_of: 2025-01-01, confidence: confirmed}"
)


def _inventory(tmp_path: Path, parents: list[dict[str, Any]], extra: list[dict[str, Any]]) -> Path:
    body: dict[str, Any] = {
        "organisation": {"name": "Ministère de l'Exemple", "country": "FR", "entity": "org"},
        "entities": [
            {"id": "org", "name": "Ministère de l'Exemple", "country": "FR", "parents": []},
            {
                "id": "nuage",
                "name": "Nuage Français SAS",
                "country": "FR",
                "provider_categories": ["rcs"],
                "parents": parents,
            },
            *extra,
        ],
        "data": [
            {
                "id": "dossiers",
                "name": "Dossiers usagers",
                "categories": ["user.name", "user.contact.email"],
                "classification": "confidential",
            }
        ],
        "systems": [
            {
                "id": "courrier",
                "purpose": "Sorts incoming letters.",
                "criticality": "high",
                "components": [
                    {
                        "id": "app",
                        "kind": "application",
                        "on_prem": {"country": "FR"},
                        "holds": ["dossiers"],
                    },
                    {"id": "store", "kind": "database", "operator": "nuage", "country": "FR"},
                ],
                "flows": [{"from": "app", "to": "store", "data": ["dossiers"]}],
            }
        ],
        "policy": {"control_test": "secnumcloud"},
    }
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


_ATLANTIC = {"id": "atlantic", "name": "Atlantic Cloud Inc.", "country": "US", "parents": []}


def _audit(path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["audit", str(path), "--fail-on", "never", "--today", TODAY, "--json", "-"]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _parent_hops(result: dict[str, Any]) -> set[str]:
    return {h["node"] for h in result["hops"] if h["kind"] == "parent"}


def _cloud_act(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in result["findings"] if f["rule_id"] == "us-cloud-act-exposure"]


def test_a_parent_the_source_calls_the_majority_holder_controls(tmp_path: Path) -> None:
    path = _inventory(tmp_path, [{"entity": "atlantic", "majority": True}], [_ATLANTIC])
    result = _audit(path)
    assert _cloud_act(result), "a majority holder controls: the CLOUD Act reaches through it"
    assert {e["trigger"] for e in result["exposures"] if e["law"] == "us-cloud-act"} == {"control"}
    assert _parent_hops(result) == {
        "parent Atlantic Cloud Inc. (US): majority-owned (no figure stated in the source)"
    }
    # SecNumCloud 19.6.b: a non-EU majority holder holds more than 24 %, figure or not.
    [policy] = [f for f in result["findings"] if f["rule_id"] == "policy-secnumcloud-ownership"]
    assert (
        "Atlantic Cloud Inc. (US) holds the majority of Nuage Français SAS "
        "(no figure stated in the source; more than 24 %)"
    ) in policy["condition"]


def test_a_subsidiary_listed_in_the_registrants_exhibit_21_is_controlled_through_intermediates(
    tmp_path: Path,
) -> None:
    parents = [
        {
            "entity": "atlantic",
            "basis": "reported_subsidiary",
            "via": ["atlantic-eu", "Atlantic Ireland Holdings Limited"],
        }
    ]
    extra = [
        _ATLANTIC,
        {
            "id": "atlantic-eu",
            "name": "Atlantic EU Holdings B.V.",
            "country": "NL",
            "parents": [{"entity": "atlantic", "share_pct": 100}],
        },
    ]
    result = _audit(_inventory(tmp_path, parents, extra))
    assert _cloud_act(result)
    assert _parent_hops(result) == {
        "parent Atlantic Cloud Inc. (US): listed as a subsidiary in Atlantic Cloud Inc.'s annual "
        "report filing (Exhibit 21), held indirectly through Atlantic EU Holdings B.V. and "
        "Atlantic Ireland Holdings Limited"
    }


def test_the_registrant_can_differ_from_the_parent_and_is_named(tmp_path: Path) -> None:
    parents = [
        {"entity": "atlantic-eu", "basis": "consolidated_subsidiary", "reported_by": "atlantic"}
    ]
    extra = [
        _ATLANTIC,
        {
            "id": "atlantic-eu",
            "name": "Atlantic EU Holdings B.V.",
            "country": "NL",
            "parents": [{"entity": "atlantic", "share_pct": 100}],
        },
    ]
    result = _audit(_inventory(tmp_path, parents, extra))
    hops = _parent_hops(result)
    assert (
        "parent Atlantic EU Holdings B.V. (NL): consolidated as a subsidiary in Atlantic "
        "Cloud Inc.'s group accounts"
    ) in hops
    assert "parent Atlantic Cloud Inc. (US): holds 100 % of the capital" in hops


def test_explain_of_a_finding_says_the_basis_in_words(tmp_path: Path) -> None:
    path = _inventory(tmp_path, [{"entity": "atlantic", "majority": True}], [_ATLANTIC])
    [finding] = _cloud_act(_audit(path))
    result = CliRunner().invoke(
        cli, ["explain", finding["fingerprint"], str(path), "--today", TODAY]
    )
    assert result.exit_code == 0, result.output
    assert "majority-owned (no figure stated in the source)" in result.output


@pytest.mark.parametrize(
    ("link", "message"),
    [
        (
            {"entity": "atlantic", "majority": True, "share_pct": 30},
            "majority: true contradicts a stake of 30 %",
        ),
        (
            {"entity": "atlantic", "reported_by": "atlantic"},
            "reported_by names whose filing lists the entity: add basis",
        ),
        ({"entity": "atlantic", "basis": "listed"}, "reported_subsidiary"),
        (
            {"entity": "atlantic", "basis": "reported_subsidiary", "reported_by": "atlantik"},
            "unknown entity 'atlantik' in reported_by",
        ),
    ],
)
def test_a_contradictory_basis_is_a_clear_error_naming_file_and_line(
    tmp_path: Path, link: dict[str, Any], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _inventory(tmp_path, [link], [_ATLANTIC])
    code, _, err = _run(capsys, "validate", str(path))
    assert code == 3
    assert message in err
    assert "inventory.yaml:" in err
    assert "Traceback" not in err


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out, captured.err


def _kb_check(extra: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return _run(capsys, "--rules", str(extra), "kb", "check")


def test_kb_check_lists_bare_controlling_links_but_not_those_with_a_basis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "extra" / "entities"
    extra.mkdir(parents=True)
    (extra / "links.yaml").write_text(
        "entities:\n"
        f"  - {{id: top-co, name: Top, country: US, parents: [], {_PROV}}}\n"
        f"  - {{id: bare-sub, name: Bare, country: IE, parents: [{{entity: top-co, controlling: true}}], {_PROV}}}\n"
        f"  - {{id: major-sub, name: Major, country: IE, parents: [{{entity: top-co, controlling: true, majority: true, {_PROV}}}], {_PROV}}}\n"
        f"  - {{id: listed-sub, name: Listed, country: IE, parents: [{{entity: top-co, basis: reported_subsidiary, via: [Mid Ltd], {_PROV}}}], {_PROV}}}\n"
        f"  - {{id: stated-sub, name: Stated, country: IE, parents: [{{entity: top-co, basis: group_statement, {_PROV}}}], {_PROV}}}\n",
        encoding="utf-8",
    )
    code, out, _ = _kb_check(tmp_path / "extra", capsys)
    assert code == 0
    listed = out.split("control links without a stated basis", 1)[1].split("\n\n", 1)[0]
    assert "entity bare-sub parent top-co" in listed
    assert "major-sub" not in listed
    assert "listed-sub" not in listed
    assert "stated-sub" not in listed  # the group's own statement is a basis (issue 17)


def test_kb_check_rejects_a_registrant_that_is_not_a_catalogue_entity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "extra" / "entities"
    extra.mkdir(parents=True)
    (extra / "links.yaml").write_text(
        "entities:\n"
        f"  - {{id: top-co, name: Top, country: US, parents: [], {_PROV}}}\n"
        f"  - {{id: sub-co, name: Sub, country: IE, parents: [{{entity: top-co, basis: reported_subsidiary, reported_by: nobody-co, {_PROV}}}], {_PROV}}}\n",
        encoding="utf-8",
    )
    code, _, err = _kb_check(tmp_path / "extra", capsys)
    assert code == 4
    assert "links.yaml:3:" in err
    assert "reported_by 'nobody-co'" in err


def test_the_inventory_schema_documents_the_new_fields(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    result = CliRunner().invoke(cli, ["schema", "-o", str(out)])
    assert result.exit_code == 0, result.output
    schema = json.loads(out.read_text(encoding="utf-8"))
    ownership = schema["$defs"]["Ownership"]["properties"]
    assert {"majority", "basis", "reported_by", "via"} <= set(ownership)
    assert schema["$defs"]["ControlBasis"]["enum"] == [
        "reported_subsidiary",
        "consolidated_subsidiary",
        "group_statement",
    ]
    assert "group_statement" in json.dumps(ownership["basis"])


@pytest.mark.parametrize(
    ("vendor", "said"),
    [
        # AWS's own Privacy Notice names AWS EMEA SARL among the 'affiliates that
        # Amazon.com, Inc. controls' (rules/entities, link provenance).
        (
            "aws",
            "controlled by Amazon.com, Inc. (US): stated in the group's own published text to "
            "be controlled by Amazon.com, Inc. or a subsidiary of its group (no share published)",
        ),
        # Exoscale's own terms: Akenes SA is 'a subsidiary of the A1 Telekom Austria Group';
        # the intermediate A1 Digital comes from secondary sources.
        (
            "exoscale",
            "controlled by Telekom Austria AG (AT): stated in the group's own published text to "
            "be controlled by Telekom Austria AG or a subsidiary of its group (no share "
            "published), held indirectly through A1 Digital",
        ),
    ],
)
def test_vendor_show_says_control_rests_on_the_groups_own_statement(vendor: str, said: str) -> None:
    result = CliRunner().invoke(cli, ["vendor", "show", vendor])
    assert result.exit_code == 0, result.output
    assert said in result.output
    assert "the sources do not state what control rests on" not in result.output


def test_vendor_show_says_microsofts_basis_from_its_exhibit_21() -> None:
    # The built-in link rests on Exhibit 21 to Microsoft's 10-K (rules/entities).
    result = CliRunner().invoke(cli, ["vendor", "show", "azure"])
    assert result.exit_code == 0, result.output
    assert (
        "controlled by Microsoft Corporation (US): listed as a subsidiary in Microsoft "
        "Corporation's annual report filing (Exhibit 21)"
    ) in result.output


def test_the_graph_export_carries_the_basis_on_the_control_edge(tmp_path: Path) -> None:
    parents = [
        {
            "entity": "atlantic",
            "basis": "consolidated_subsidiary",
            "reported_by": "atlantic",
            "via": ["Atlantic Ireland Holdings Limited"],
        }
    ]
    path = _inventory(tmp_path, parents, [_ATLANTIC])
    result = CliRunner().invoke(cli, ["graph", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    [edge] = [
        e
        for e in json.loads(result.stdout)["edges"]
        if e["type"] == "controlled_by" and e["source"] == "entity:nuage"
    ]
    assert edge["target"] == "entity:atlantic"
    assert edge["basis"] == "consolidated_subsidiary"
    assert edge["reported_by"] == "atlantic"
    assert edge["via"] == "Atlantic Ireland Holdings Limited"
    assert "majority" not in edge  # only what the link records


def _ownership_test(result: dict[str, Any]) -> list[str]:
    return [
        f["condition"] for f in result["findings"] if f["rule_id"] == "policy-secnumcloud-ownership"
    ]


@pytest.mark.parametrize(
    ("link", "said"),
    [
        ({"controlling": True}, "(the sources do not state what control rests on)"),
        ({"basis": "reported_subsidiary"}, "(listed as a subsidiary in Atlantic Cloud Inc.'s"),
    ],
)
def test_control_from_outside_the_eu_without_a_figure_fails_secnumcloud_19_6_b(
    tmp_path: Path, link: dict[str, Any], said: str
) -> None:
    """A controller holds more than half the votes, a veto or the board majority: under
    SecNumCloud 19.6.b each is too much for a holder seated outside the EU, figure or not."""
    result = _audit(_inventory(tmp_path, [{"entity": "atlantic", **link}], [_ATLANTIC]))
    [condition] = _ownership_test(result)
    assert "Atlantic Cloud Inc. (US) controls Nuage Français SAS " + said in condition
    assert "a controller holds more than half of the votes, a veto or the board majority" in (
        condition
    )


def test_control_through_an_eu_holding_is_followed_to_the_controller_outside_the_eu(
    tmp_path: Path,
) -> None:
    holding = {
        "id": "nuage-holding",
        "name": "Nuage Holding SE",
        "country": "FR",
        "parents": [{"entity": "atlantic", "controlling": True}],
    }
    result = _audit(
        _inventory(
            tmp_path, [{"entity": "nuage-holding", "controlling": True}], [_ATLANTIC, holding]
        )
    )
    [condition] = _ownership_test(result)
    assert "Atlantic Cloud Inc. (US) controls Nuage Français SAS through Nuage Holding SE" in (
        condition
    )


def test_a_controller_inside_the_eu_passes_the_ownership_test(tmp_path: Path) -> None:
    european = {"id": "europa", "name": "Europa Cloud AG", "country": "DE", "parents": []}
    result = _audit(_inventory(tmp_path, [{"entity": "europa", "controlling": True}], [european]))
    assert _ownership_test(result) == []
