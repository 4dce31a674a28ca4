"""Property tests of the engine (hypothesis): order and file split, mitigations, unknowns.

Each example is taken apart into its items and re-assembled in another order and
another split into files; the audit must not change. Measures and unknowns are
then added at random and the exposure must move only in the allowed direction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.audit import AuditOptions, run_audit
from auditor.model.findings import AuditResult, MitigationState
from tests.conftest import EXAMPLES, TODAY, assert_revalidates

SECTIONS = ("entities", "data", "systems")
EXAMPLE_NAMES = ["hospital", "ministry", "bank", "startup-saas"]
PROFILE = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def merged(name: str) -> dict[str, Any]:
    """All sections of an example, as one plain document."""
    result: dict[str, Any] = {s: [] for s in SECTIONS}
    for path in sorted((EXAMPLES / name).rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in doc.items():
            if key in SECTIONS:
                result[key].extend(value)
            else:
                result[key] = value
    return result


def write(
    doc: dict[str, Any], folder: Path, parts: int = 1, order: list[int] | None = None
) -> Path:
    """Write ``doc`` as ``parts`` files, items dealt round-robin in ``order``."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = [{} for _ in range(parts)]
    files[0] = {k: v for k, v in doc.items() if k not in SECTIONS}
    items = [(s, item) for s in SECTIONS for item in doc[s]]
    for position, index in enumerate(order if order is not None else range(len(items))):
        section, item = items[index]
        files[position % parts].setdefault(section, []).append(item)
    for number, content in enumerate(files):
        (folder / f"part-{number:02d}.yaml").write_text(
            yaml.safe_dump(content, sort_keys=False), encoding="utf-8"
        )
    return folder


def audit(folder: Path) -> AuditResult:
    result = run_audit([folder], AuditOptions(today=TODAY))
    assert_revalidates(result)
    return result


def without_positions(result: AuditResult) -> str:
    """The result with source positions and input hashes removed (they name files and lines)."""
    data = result.model_dump(mode="json")
    data.pop("inputs")
    data.pop("graphs")  # the pictures' tooltips name files and lines

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: scrub(v)
                for k, v in value.items()
                if k not in ("file", "line", "location_file", "location_line")
            }
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    return json.dumps(scrub(data), sort_keys=True)


def exposure_keys(result: AuditResult) -> dict[tuple[str, ...], MitigationState]:
    return {
        (e.data_asset, e.system, e.component, e.party, e.law): e.mitigation
        for e in result.exposures
    }


RANK = {MitigationState.NONE: 0, MitigationState.PARTIAL: 1, MitigationState.MITIGATED: 2}


@PROFILE
@given(name=st.sampled_from(EXAMPLE_NAMES), parts=st.integers(1, 5), data=st.data())
def test_order_and_file_split_do_not_change_the_result(
    tmp_path_factory: Any, name: str, parts: int, data: Any
) -> None:
    doc = merged(name)
    count = sum(len(doc[s]) for s in SECTIONS)
    order = data.draw(st.permutations(range(count)))
    base = audit(write(doc, tmp_path_factory.mktemp("base")))
    shuffled = audit(write(doc, tmp_path_factory.mktemp("shuffled"), parts, list(order)))
    assert without_positions(base) == without_positions(shuffled)


def test_file_order_on_the_command_line_gives_byte_identical_json() -> None:
    files = sorted((EXAMPLES / "bank").rglob("*.yaml"))
    forward = run_audit(files, AuditOptions(today=TODAY)).model_dump_json()
    backward = run_audit(list(reversed(files)), AuditOptions(today=TODAY)).model_dump_json()
    assert forward == backward


MEASURES = [
    {"confidential_computing": True},
    {"pseudonymised_before": True},
    {"notification_commitment": True},
    {"keys": "customer_held_external", "processes_in_clear": False},
]


def _components(doc: dict[str, Any]) -> list[tuple[int, int]]:
    return [
        (s, c) for s, system in enumerate(doc["systems"]) for c in range(len(system["components"]))
    ]


@PROFILE
@given(name=st.sampled_from(EXAMPLE_NAMES), data=st.data())
def test_adding_a_mitigation_never_adds_or_worsens_an_exposure(
    tmp_path_factory: Any, name: str, data: Any
) -> None:
    doc = merged(name)
    before = exposure_keys(audit(write(doc, tmp_path_factory.mktemp("before"))))
    s, c = data.draw(st.sampled_from(_components(doc)))
    measure = dict(data.draw(st.sampled_from(MEASURES)))
    component = doc["systems"][s]["components"][c]
    if measure.get("keys") == "customer_held_external":
        organisation = doc["organisation"]
        if not organisation.get("entity"):
            return
        measure["key_holder"] = organisation["entity"]
        component.setdefault("locations", {})["key_custody"] = organisation["country"]
    component["controls"] = {**component.get("controls", {}), **measure}
    after = exposure_keys(audit(write(doc, tmp_path_factory.mktemp("after"))))
    assert set(after) <= set(before)
    for key, state in after.items():
        assert RANK[state] >= RANK[before[key]], key


@PROFILE
@given(name=st.sampled_from(EXAMPLE_NAMES), data=st.data())
def test_removing_a_location_never_silently_removes_exposure(
    tmp_path_factory: Any, name: str, data: Any
) -> None:
    doc = merged(name)
    before = audit(write(doc, tmp_path_factory.mktemp("before")))
    s, c = data.draw(st.sampled_from(_components(doc)))
    system = doc["systems"][s]
    component = system["components"][c]
    for key in ("region", "country", "on_prem", "locations", "vendor", "deployment"):
        component.pop(key, None)
    after = audit(write(doc, tmp_path_factory.mktemp("after")))
    lost = {k for k in exposure_keys(before) if k[1:3] == (system["id"], component["id"])} - set(
        exposure_keys(after)
    )
    if lost or any(
        e.system == system["id"] and e.component == component["id"] for e in before.exposures
    ):
        gaps = [
            f
            for f in after.findings
            if f.rule_id.startswith("evidence-gap")
            and f.subject.get("system") == system["id"]
            and f.subject.get("component") == component["id"]
        ]
        assert gaps, f"{system['id']}/{component['id']}: exposure removed without an evidence gap"


@PROFILE
@given(name=st.sampled_from(EXAMPLE_NAMES), data=st.data())
def test_unknown_ownership_is_never_silent(tmp_path_factory: Any, name: str, data: Any) -> None:
    doc = merged(name)
    if not doc["entities"]:
        return
    index = data.draw(st.integers(0, len(doc["entities"]) - 1))
    entity = doc["entities"][index]
    entity.pop("parents", None)
    result = audit(write(doc, tmp_path_factory.mktemp("after")))
    used = any(
        entity["id"]
        in (c.get("operator"), c.get("hosting"), c.get("support"), *c.get("subprocessors", []))
        for system in doc["systems"]
        for c in system["components"]
    )
    if used:
        assert any(
            f.rule_id == "evidence-gap-ownership" and f.subject.get("entity") == entity["id"]
            for f in result.findings
        ), entity["id"]
