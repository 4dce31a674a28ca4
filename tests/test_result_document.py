"""The JSON result a consumer loads (schema 2.0): valid against its published schema, every
shared text and path stored once, and read back into the same result (issue 16)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from auditor.audit import AuditOptions, run_audit
from auditor.audit.baseline import load_baseline
from auditor.cli import cli, main
from auditor.errors import InputError
from auditor.model.document import result_from_document
from auditor.model.findings import AuditResult
from auditor.report.json_report import render_json_bytes
from tests.conftest import EXAMPLES, TODAY

NAMES = ("hospital", "ministry", "bank", "startup-saas")


@pytest.fixture(scope="module")
def results() -> dict[str, AuditResult]:
    return {name: run_audit([EXAMPLES / name], AuditOptions(today=TODAY)) for name in NAMES}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    done = CliRunner().invoke(cli, ["schema", "--kind", "result"])
    assert done.exit_code == 0, done.output
    loaded: dict[str, Any] = json.loads(done.output)
    return loaded


def _oracle(result: AuditResult) -> dict[str, Any]:
    """The 2.0 document built the plain way, from the 1.0 dump: what the streaming writer
    must agree with (as data; its bytes order the path references last)."""
    data = result.model_dump(mode="json", exclude={"graphs"})
    hops: list[Any] = []
    paths: list[list[int]] = []

    def number(path: list[Any]) -> int:
        steps = []
        for hop in path:
            if hop not in hops:
                hops.append(hop)
            steps.append(hops.index(hop))
        if steps not in paths:
            paths.append(steps)
        return paths.index(steps)

    for key, field in (("exposures", "path"), ("transfers", "path"), ("findings", "evidence")):
        for item in data[key]:
            item[field] = number(item[field])
            item.pop("frameworks", None)
            for entry in item.get("evidence_paths", ()):
                entry["path"] = number(entry["path"])
    data["hops"], data["paths"] = hops, paths
    return data


@pytest.mark.parametrize("name", NAMES)
def test_every_example_validates_against_the_published_schema(
    name: str, results: dict[str, AuditResult], schema: dict[str, Any]
) -> None:
    document = json.loads(render_json_bytes(results[name]))
    jsonschema.validate(document, schema)
    assert document["schema_version"] == "2.0"
    assert document == _oracle(results[name])


@pytest.mark.parametrize("name", NAMES)
def test_a_result_reads_back_as_it_was(name: str, results: dict[str, AuditResult]) -> None:
    result = results[name]
    again = result_from_document(json.loads(render_json_bytes(result)))
    assert again == result.model_copy(update={"graphs": []})


@pytest.mark.parametrize("name", NAMES)
def test_shared_texts_and_paths_are_stored_once(name: str, results: dict[str, AuditResult]) -> None:
    result = results[name]
    document = json.loads(render_json_bytes(result))
    assert all("frameworks" not in f for f in document["findings"])
    assert len(document["hops"]) == len({json.dumps(h, sort_keys=True) for h in document["hops"]})
    assert len(document["paths"]) == len({tuple(p) for p in document["paths"]})
    old = len(result.model_dump_json(exclude={"graphs"}))
    assert len(render_json_bytes(result)) < 0.85 * old  # what 1.0 wrote for the same result


def test_a_1_0_result_is_still_read(results: dict[str, AuditResult], tmp_path: Path) -> None:
    result = results["bank"]
    old = tmp_path / "old.json"
    old.write_text(result.model_copy(update={"schema_version": "1.0"}).model_dump_json())
    loaded = load_baseline(old)
    assert isinstance(loaded, AuditResult)
    assert [f.fingerprint for f in loaded.findings] == [f.fingerprint for f in result.findings]


def test_a_2_0_result_with_a_dangling_reference_is_refused(
    results: dict[str, AuditResult], tmp_path: Path
) -> None:
    document = json.loads(render_json_bytes(results["hospital"]))
    broken = copy.deepcopy(document)
    broken["findings"][0]["evidence"] = len(document["paths"]) + 5
    target = tmp_path / "broken.json"
    target.write_text(json.dumps(broken))
    with pytest.raises(InputError, match="not in paths"):
        load_baseline(target)
    with pytest.raises(SystemExit) as info:
        main(["explain", document["findings"][0]["fingerprint"], str(target)])
    assert info.value.code == 3
