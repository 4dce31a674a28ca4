"""Inventory loading: all problems of all files at once, each with file:line:col and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.audit import load_checked_inventory
from auditor.errors import ExitCode, InputError
from tests.conftest import EXAMPLES


def errors_of(paths: list[Path]) -> list[str]:
    with pytest.raises(InputError) as info:
        load_checked_inventory(paths)
    assert info.value.exit_code is ExitCode.INVALID_INPUT
    return [str(d) for d in info.value.diagnostics]


@pytest.mark.parametrize("name", ["hospital", "ministry", "bank", "startup-saas"])
def test_examples_load(name: str) -> None:
    inventory, _ = load_checked_inventory([EXAMPLES / name])
    assert len(inventory.systems) >= 3
    for system in inventory.systems:
        for component in system.components:
            assert component.span is not None and component.span.line > 0


def test_every_problem_of_every_file_is_reported(hospital_copy: Path) -> None:
    systems = sorted((hospital_copy / "systems").glob("*.yaml"))
    first, second = systems[0], systems[1]
    text = first.read_text()
    first.write_text(
        text.replace("kind: model_api", "kind: model_apii", 1).replace("purpose:", "purpse:", 1)
    )
    second.write_text(
        second.read_text()
        + "\n  - {id: x, purpose: p, components: [{id: c, kind: database, region: azure:nowhere}]}\n"
    )
    (hospital_copy / "broken.yaml").write_text("entities:\n  - {id: a, name: A\n")
    messages = errors_of([hospital_copy])
    joined = "\n".join(messages)
    assert "broken.yaml:" in joined
    assert f"{first}:" in joined
    assert "unknown key 'purpse'" in joined and "did you mean 'purpose'?" in joined
    for message in messages:
        location = message.split(": ")[0]
        assert location.count(":") >= 2 or location.endswith(".yaml"), message


def test_unknown_reference_gets_did_you_mean(hospital_copy: Path) -> None:
    system = sorted((hospital_copy / "systems").glob("*.yaml"))[0]
    system.write_text(system.read_text().replace("vendor: azure-openai", "vendor: azure-opneai", 1))
    joined = "\n".join(errors_of([hospital_copy]))
    assert "unknown vendor 'azure-opneai'" in joined
    assert "did you mean 'azure-openai'?" in joined


def test_duplicate_key_and_wrong_type(tmp_path: Path) -> None:
    (tmp_path / "inv.yaml").write_text(
        "organisation: {name: X, country: DE}\n"
        "data:\n"
        "  - id: d\n"
        "    categories: [user.name]\n"
        "    categories: [user.contact.email]\n"
        "systems:\n"
        "  - id: s\n"
        "    purpose: 12\n"
        "    criticality: [high]\n"
        "    components: [{id: c, kind: database, country: DE}]\n"
    )
    joined = "\n".join(errors_of([tmp_path]))
    assert "inv.yaml:5:5: duplicate key 'categories'" in joined


def test_wrong_type_is_positioned(tmp_path: Path) -> None:
    (tmp_path / "inv.yaml").write_text(
        "organisation: {name: X, country: DE}\n"
        "systems:\n"
        "  - id: s\n"
        "    purpose: p\n"
        "    criticality: [high]\n"
        "    components: [{id: c, kind: database, country: DE}]\n"
    )
    joined = "\n".join(errors_of([tmp_path]))
    assert "inv.yaml:5:18: systems.0.criticality" in joined


def test_ids_unique_across_files_and_flows_checked(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "organisation: {name: X, country: DE}\nentities: [{id: e, name: E, country: DE, parents: []}]\n"
    )
    (tmp_path / "b.yaml").write_text(
        "entities: [{id: e, name: E2, country: DE, parents: []}]\n"
        "data: [{id: d, categories: [user.name]}]\n"
        "systems:\n"
        "  - id: s\n"
        "    purpose: p\n"
        "    components: [{id: app, kind: application, on_prem: {country: DE}}]\n"
        "    flows: [{from: app, to: lmm, data: [d, dd]}]\n"
    )
    joined = "\n".join(errors_of([tmp_path]))
    assert "duplicate entity id 'e'" in joined
    assert "flow to unknown component 'lmm'" in joined
    assert "unknown data asset 'dd'" in joined


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "org.yaml").write_text("organisation: {name: X, country: DE}\n")
    assert "the file is empty" in "\n".join(errors_of([tmp_path]))


def test_missing_organisation(tmp_path: Path) -> None:
    (tmp_path / "data.yaml").write_text("data: [{id: d, categories: [user.name]}]\n")
    assert "no organisation is declared" in "\n".join(errors_of([tmp_path]))


def test_symlink_out_of_tree_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("organisation: {name: X, country: DE}\n")
    inv = tmp_path / "inv"
    inv.mkdir()
    (inv / "link.yaml").symlink_to(outside)
    joined = "\n".join(errors_of([inv]))
    assert "symbolic link leads outside" in joined
