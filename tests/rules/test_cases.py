"""Data-driven rule tests: one case folder per check under ``tests/rules/cases/<rule-id>/``.

Each folder holds ``inventory.yaml`` (a single-file inventory) and ``expected.yaml``::

    fires:    # findings of this rule that must be present
      - subject: {system: ..., component: ...}   # subset match on the finding's subject
        data_assets: [...]                       # optional: among the data it affects
        severity: high                           # optional
    absent:   # subjects for which this rule must not fire (near misses)
      - subject: {...}
        data_assets: [...]   # optional: the finding, if any, affects none of these

Only the inventory file is audited (the folder also holds ``expected.yaml``,
which is not an inventory fragment). A case of a drift check also holds ``scan/``,
application code audited with the inventory as ``auditor scan scan/ --inventory
inventory.yaml`` would.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.audit import AuditOptions, list_rules, run_audit
from auditor.model.findings import Finding
from auditor.model.policy import Severity
from auditor.rules.schema import RuleSpec

CASES = Path(__file__).resolve().parent / "cases"
TODAY = dt.date(2026, 11, 28)

# Rules whose case is correct but cannot pass because of an engine bug
# (rule id -> reason). Each entry is a strict xfail: fixing the bug makes it fail
# until the entry is removed.
KNOWN_ENGINE_BUGS: dict[str, str] = {}


def case_names() -> list[str]:
    """Every case folder, sorted."""
    return sorted(p.name for p in CASES.iterdir() if p.is_dir() and not p.name.startswith("."))


@cache
def rules() -> dict[str, RuleSpec]:
    """The rules the engine loads, by id."""
    return {rule.id: rule for rule in list_rules()}


def rule_ids() -> set[str]:
    """Ids of the rules the engine loads."""
    return set(rules())


def _params() -> list[Any]:
    params = []
    for name in case_names():
        marks = []
        if name in KNOWN_ENGINE_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_ENGINE_BUGS[name]))
        params.append(pytest.param(name, id=name, marks=marks))
    return params


@cache
def _findings(name: str) -> tuple[Finding, ...]:
    scan = CASES / name / "scan"
    options = AuditOptions(today=TODAY, scan_root=scan if scan.is_dir() else None)
    result = run_audit([CASES / name / "inventory.yaml"], options)
    return tuple(result.findings)


def _expected(name: str) -> dict[str, Any]:
    with (CASES / name / "expected.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict), f"{name}/expected.yaml must be a mapping"
    unknown = set(data) - {"fires", "absent"}
    assert not unknown, f"{name}/expected.yaml: unknown keys {sorted(unknown)}"
    return data


def _inventory_ids(name: str) -> dict[str, set[str]]:
    """Ids declared in a case inventory, to catch typos in expected subjects."""
    with (CASES / name / "inventory.yaml").open(encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    systems = doc.get("systems") or []
    return {
        "system": {s["id"] for s in systems},
        "component": {c["id"] for s in systems for c in s["components"]},
        "data_asset": {a["id"] for a in doc.get("data") or []},
    }


def _check_entry(name: str, entry: object) -> None:
    """An entry names only subject fields of its rule, ids the inventory declares, a real severity."""
    assert isinstance(entry, dict) and entry.get("subject"), (
        f"{name}: every entry needs a non-empty 'subject'"
    )
    assert set(entry) <= {"subject", "severity", "data_assets"}, f"{name}: unknown keys in {entry}"
    fields = set(rules()[name].subject)
    unknown = set(entry["subject"]) - fields
    assert not unknown, (
        f"{name}: {sorted(unknown)} are not subject fields of the rule {sorted(fields)}"
    )
    ids = _inventory_ids(name)
    for key, value in entry["subject"].items():
        if key in ids:
            assert str(value) in ids[key], f"{name}: {key} {value!r} is not in the inventory"
    for asset in entry.get("data_assets") or []:
        assert asset in ids["data_asset"], f"{name}: data asset {asset!r} is not in the inventory"
    if "severity" in entry:
        assert entry["severity"] in {s.value for s in Severity}, f"{name}: bad severity {entry}"


def _matches(finding: Finding, entry: dict[str, Any]) -> bool:
    subject = entry.get("subject") or {}
    if any(finding.subject.get(key) != str(value) for key, value in subject.items()):
        return False
    affected = {a.id: a.severity.value for a in finding.data_assets}
    named = entry.get("data_assets") or []
    if not set(named) <= set(affected):
        return False
    severity = entry.get("severity")
    if severity is not None and named:  # the severity the rule gives each named asset
        return all(affected[asset] == severity for asset in named)
    return severity is None or finding.severity.value == severity


def _show(findings: list[Finding]) -> str:
    lines = [
        f"  {f.severity.value:8} {f.subject} data: {[a.id for a in f.data_assets]}"
        for f in findings
    ]
    return "\n".join(lines) or "  (none)"


@pytest.mark.parametrize("name", _params())
def test_case(name: str) -> None:
    assert name in rules(), f"case folder {name!r} names no existing rule"
    expected = _expected(name)
    fires = expected.get("fires") or []
    absent = expected.get("absent") or []
    assert fires, f"{name}: a case needs at least one 'fires' entry"
    for entry in [*fires, *absent]:
        _check_entry(name, entry)
    own = [f for f in _findings(name) if f.rule_id == name]
    for entry in fires:
        assert any(_matches(f, entry) for f in own), (
            f"{name} should fire for {entry}; its findings:\n{_show(own)}"
        )
    for entry in absent:
        hits = [f for f in own if _matches(f, {"subject": entry["subject"]})]
        if entry.get("data_assets"):
            unwanted = set(entry["data_assets"])
            hits = [f for f in hits if unwanted & {a.id for a in f.data_assets}]
        assert not hits, f"{name} must not fire for {entry}; it did:\n{_show(hits)}"


def test_every_rule_has_a_case() -> None:
    missing = sorted(rule_ids() - set(case_names()))
    assert not missing, f"rules without a case folder in {CASES}: {missing}"


def test_every_case_names_a_rule() -> None:
    unknown = sorted(set(case_names()) - rule_ids())
    assert not unknown, f"case folders that name no existing rule: {unknown}"


def test_every_case_has_its_files() -> None:
    for name in case_names():
        for file in ("inventory.yaml", "expected.yaml"):
            assert (CASES / name / file).is_file(), f"{name}/{file} is missing"


# -- Regressions: engine bugs found while writing the cases ---------------------------
# A declared support provider abroad counts as a third party even when the
# organisation operates the component; only the facts an audit actually used are
# reported; a deployment option's storage scope (e.g. global) decides storage.


def test_support_access_abroad_sees_a_declared_support_provider() -> None:
    # in-state-access-exposure: service-assistant/assistant is run by the utility and
    # supported from India by sahyadri-support (locations.support: IN).
    own = [f for f in _findings("in-state-access-exposure") if f.rule_id == "support-access-abroad"]
    assert any(
        f.subject == {"system": "service-assistant", "component": "assistant"} for f in own
    ), _show(own)


SELF_HOSTED_NIM = """\
organisation:
  name: Beispiel GmbH
  country: DE
  entity: beispiel
entities:
  - id: beispiel
    name: Beispiel GmbH
    country: DE
    parents: []
data:
  - id: staff-questions
    categories: [user.name, user.content.private]
    subjects: [employee]
systems:
  - id: hr-helpdesk
    purpose: Answers staff HR questions with an NVIDIA NIM container on own GPUs.
    components:
      - id: nim
        kind: inference_endpoint
        vendor: nvidia-nim
        deployment: self-hosted
        operator: beispiel
        on_prem:
          country: DE
        model:
          name: Llama 3.3 70B
          open_weights: true
        holds: [staff-questions]
"""


def test_kb_facts_cover_only_the_deployment_option_used(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(SELF_HOSTED_NIM, encoding="utf-8")
    findings = run_audit([inventory], AuditOptions(today=TODAY)).findings
    facts = {f.subject["fact"] for f in findings if f.rule_id == "kb-fact-unconfirmed"}
    # only the self-hosted option is used; the hosted API (unconfirmed) is not
    assert "vendor nvidia-nim deployment hosted-api" not in facts, sorted(facts)


ANTHROPIC_GLOBAL_RETENTION = """\
organisation:
  name: Beispiel GmbH
  country: DE
  entity: beispiel
entities:
  - id: beispiel
    name: Beispiel GmbH
    country: DE
    parents: []
data:
  - id: client-letters
    categories: [user.name, user.financial]
    subjects: [customer]
systems:
  - id: letter-drafting
    purpose: Drafts letters to clients with the Anthropic API (global deployment).
    components:
      - id: claude
        kind: model_api
        vendor: anthropic
        deployment: global
        controls:
          retention:
            prompts_retained: true
            days: 30
            purpose: abuse_monitoring
        holds: [client-letters]
"""


def test_prompt_retention_abroad_sees_global_storage(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(ANTHROPIC_GLOBAL_RETENTION, encoding="utf-8")
    findings = run_audit([inventory], AuditOptions(today=TODAY)).findings
    own = [f for f in findings if f.rule_id == "prompt-retention-abroad"]
    assert any(f.subject == {"system": "letter-drafting", "component": "claude"} for f in own)
