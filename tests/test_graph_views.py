"""The audit draws pictures from a neighbourhood of the graph and lists countries without
building the whole graph; both must agree with the whole graph (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.audit import load_checked_inventory
from auditor.graph import build_graph
from auditor.graph.build import system_svg
from tests.conftest import EXAMPLES

CROSS_SYSTEM = """\
organisation: {name: Muster GmbH, country: DE, entity: muster}
entities:
  - {id: muster, name: Muster GmbH, country: DE, parents: []}
data:
  - {id: customers, categories: [user.name], classification: confidential}
systems:
  - id: front
    purpose: takes requests
    components:
      - {id: app, kind: application, on_prem: {country: DE}, operator: muster}
      - {id: llm, kind: model_api, vendor: deepseek}
    flows:
      - {from: app, to: llm, data: [customers]}
      - {from: app, to: back/store, data: [customers]}
  - id: back
    purpose: keeps records
    components:
      - {id: store, kind: database, vendor: aws, region: aws:eu-central-1}
      - {id: search, kind: vector_store, vendor: azure, region: azure:swedencentral}
    flows:
      - {from: store, to: search, data: [customers]}
"""


def _inventories(tmp_path: Path) -> list[Path]:
    cross = tmp_path / "cross"
    cross.mkdir()
    (cross / "inventory.yaml").write_text(CROSS_SYSTEM)
    return [EXAMPLES / n for n in ("hospital", "bank", "ministry", "startup-saas")] + [cross]


@pytest.mark.parametrize("index", range(5))
def test_pictures_from_a_neighbourhood_equal_pictures_from_the_whole_graph(
    index: int, tmp_path: Path
) -> None:
    inventory, kb = load_checked_inventory([_inventories(tmp_path)[index]])
    graph = build_graph(inventory, kb)
    ids = [s.id for s in inventory.systems]
    for chosen in [ids, ids[:1], ids[-1:]]:
        near = graph.neighbourhood(chosen)
        for system in chosen:
            assert system_svg(graph, system, near) == system_svg(graph, system)
    whole = {n.split(":", 1)[1] for n, a in graph.nodes() if a.get("type") == "country"}
    assert graph.countries() == whole


def test_a_hostile_component_name_stays_text_in_the_picture(tmp_path: Path) -> None:
    """The SVG is inlined in the HTML report: quotes and angle brackets in a name stay text,
    and the picture stays well-formed XML with no attribute the name could add."""
    import xml.etree.ElementTree as ET

    hostile = CROSS_SYSTEM.replace(
        "{id: llm, kind: model_api, vendor: deepseek}",
        "{id: llm, name: 'LLM \" onload=\"alert(1) <x>', kind: model_api, vendor: deepseek}",
    )
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "inventory.yaml").write_text(hostile)
    inventory, kb = load_checked_inventory([folder])
    svg = system_svg(build_graph(inventory, kb), "front")
    root = ET.fromstring(svg)
    assert all("onload" not in element.attrib for element in root.iter())
    assert "<x>" not in svg


def test_a_component_box_shows_its_name_and_its_hover_text_the_kind_and_id(
    tmp_path: Path,
) -> None:
    """People read the graph: a component the inventory names is drawn under that name
    (not "front/llm (hosted model API)"), its hover text adds what it is and its id, and
    one without a name keeps its id and kind in words. The JSON export carries the kind."""
    import json
    import xml.etree.ElementTree as ET

    from click.testing import CliRunner

    from auditor.cli import cli

    named = CROSS_SYSTEM.replace(
        "{id: llm, kind: model_api, vendor: deepseek}",
        "{id: llm, name: Drafting model, kind: model_api, vendor: deepseek}",
    )
    (tmp_path / "inventory.yaml").write_text(named)
    runner = CliRunner()
    svg = runner.invoke(cli, ["graph", "--format", "svg", str(tmp_path)])
    assert svg.exit_code == 0, svg.output
    root = ET.fromstring(svg.output)
    ns = "{http://www.w3.org/2000/svg}"
    boxes = {
        (group.findtext(f"{ns}title") or ""): " ".join(
            (span.text or "") for span in group.iter(f"{ns}tspan")
        )
        for group in root.iter(f"{ns}g")
        if group.find(f"{ns}title") is not None
    }
    titles = {title.split(" · ")[0]: title for title in boxes}
    assert "Drafting model" in titles
    assert titles["Drafting model"].startswith(
        "Drafting model · hosted model API · id component:front/llm · declared at "
    )
    assert "Drafting model" in boxes[titles["Drafting model"]]
    assert "front/llm" not in boxes[titles["Drafting model"]]
    assert "front/app (application)" in titles  # no name: the id and the kind in words
    exported = runner.invoke(cli, ["graph", "--format", "json", str(tmp_path)])
    nodes = {n["id"]: n for n in json.loads(exported.output)["nodes"]}
    assert nodes["component:front/llm"]["label"] == "Drafting model"
    assert nodes["component:front/llm"]["kind"] == "model_api"
    assert nodes["component:back/store"]["label"] == "back/store (database)"
