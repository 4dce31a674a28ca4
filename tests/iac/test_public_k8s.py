"""Public Kubernetes, Helm and KServe/KubeRay manifests as test corpus (issue 19).

Each folder under ``fixtures/public-k8s/`` is a trimmed copy of public files (see its
NOTICE) with an ``expected.yaml`` written by reading them: every model server that
kubectl, Helm or Terraform would run, the server software, the model the files name
and its open-weights publisher; the servers a manifest scan cannot see, with why; and
workloads that must not be taken for a model server. The numbers are the rows of
docs/iac-precision.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.loader.iac import ScanResult, scan
from auditor.model.inventory import ComponentKind

from .helpers import FIXTURES, components, resolution

CORPUS = FIXTURES / "public-k8s"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())


def _expected(name: str) -> dict[str, Any]:
    data = yaml.safe_load((CORPUS / name / "expected.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _servers(result: ScanResult) -> dict[str, Any]:
    return {
        key: component
        for key, component in components(result).items()
        if component.kind is ComponentKind.INFERENCE_ENDPOINT
    }


@pytest.fixture(autouse=True)
def _no_helm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The counts are those of a machine without helm (charts named in a notice)."""
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.mark.parametrize("name", CASES)
def test_model_servers_match_the_hand_count(name: str) -> None:
    expected = _expected(name)
    result = scan(CORPUS / name)
    assert result.diagnostics == []
    servers = _servers(result)
    present = {item["component"]: item for item in expected["present"]}
    found = [key for key in present if key in servers]
    phantom = sorted(set(servers) - set(present))
    counts = {
        "present": len(present) + len(expected["missed"]),
        "found": len(found),
        "phantom": len(phantom),
    }
    assert counts == expected["counts"], phantom
    for key, item in present.items():
        component = servers[key]
        assert component.name.startswith(f"{item['server']} model server"), component.name
        if item["model"] is None:
            assert component.model is None, key
        else:
            assert component.model is not None, key
            assert (component.model.name, component.model.vendor) == (
                item["model"],
                item["publisher"],
            ), key
            # open weights are provenance: the publisher is never the operator or the vendor
            assert component.vendor is None and component.operator is None
        if "place" in item:
            # where it runs: the region of the cluster its provider points at, or unknown
            assert component.region == item["place"], key
    for address in expected["not_servers"]:
        target = result.address_index.get(address)
        assert target is None or target not in servers, address
    for missed in expected["missed"]:
        assert result.address_index.get(missed["address"]) not in servers
    notes = "\n".join(result.notes).replace(f"{CORPUS}/", "")
    for notice in expected["notices"]:
        assert notice in notes
    for path in expected.get("quiet", []):  # files that are neither manifests nor templates
        assert f"{name}/{path}" not in notes, path


@pytest.mark.parametrize("name", CASES)
def test_unknown_models_say_why(name: str) -> None:
    """A server whose model the files do not fix has a resolution saying why, never a guess."""
    result = scan(CORPUS / name)
    for key, component in _servers(result).items():
        model = [r for r in result.resolutions if r.key == key and r.field == "model"]
        assert len(model) == 1, key
        if component.model is None:
            assert model[0].value is None and model[0].note, key


def test_corpus_totals() -> None:
    totals = {"present": 0, "found": 0, "phantom": 0}
    for name in CASES:
        for field, value in _expected(name)["counts"].items():
            totals[field] += value
    assert totals == {"present": 25, "found": 23, "phantom": 0}


def test_places_of_terraform_deployed_servers() -> None:
    """Counted as in docs/iac-precision.md: a place is right when it is the region of the
    cluster the files deploy to, unknown (with a reason) when the files do not say."""
    tally = {"right": 0, "wrong": 0, "unknown": 0}
    for name in CASES:
        placed = [i for i in _expected(name)["present"] if "place" in i]
        if not placed:
            continue
        result = scan(CORPUS / name)
        servers = _servers(result)
        for item in placed:
            got = servers[item["component"]].region
            if got is None:
                tally["unknown"] += 1
                region = resolution(result, item["component"], "region")
                assert region.value is None and region.note, item["component"]
            else:
                tally["right" if got == item["place"] else "wrong"] += 1
    assert tally == {"right": 2, "wrong": 0, "unknown": 5}


def test_fixture_folders_name_their_source_and_licence() -> None:
    for name in CASES:
        notice = (CORPUS / name / "NOTICE").read_text()
        assert "Repository: https://github.com/" in notice
        assert "Commit:" in notice and "Licence:    Apache-2.0" in notice
        assert (CORPUS / name / "LICENSE").is_file()


def test_the_precision_doc_lists_every_fixture() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "iac-precision.md").read_text()
    for name in CASES:
        assert f"`public-k8s/{name}`" in doc


def test_a_bash_started_vllm_points_at_the_model_line_and_the_variable() -> None:
    """production-stack's prefill pod starts vLLM from a bash script with --model ${MODEL_ID}."""
    result = scan(CORPUS / "vllm-production-stack")
    model = resolution(result, "k8s-default/deployment-prefill", "model")
    spans = [(s.span.path.rsplit("/", 1)[-1], s.span.line) for s in model.steps if s.span]
    # the script's '--model ${MODEL_ID} \' line, then the env entry that gives MODEL_ID its value
    assert spans == [("prefill-deploy.yaml", 141), ("prefill-deploy.yaml", 106)]
