"""The remediation plan of a generated estate (benchmarks/generate.py, 200 systems; no timings).

Issue 18: on a large estate the plan must stay one decision per system component (or per
system, scored provider or knowledge-base fact), whatever rules found its findings: no
action that closes the findings of many unrelated systems, no action split by rule, and no
two actions that read the same because two systems share a name.
"""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from auditor.audit import run_audit
from auditor.model.findings import AuditResult, Finding
from auditor.report.report_context import build_context
from auditor.report.report_summary import ReportLimits
from auditor.report.report_views import RemediationItem
from benchmarks.generate import generate
from benchmarks.run import audit_options

ALL = sys.maxsize
# Every finding shown and every one referenced by its action; no graph, few tables.
LIMITS = ReportLimits(
    detailed_findings=ALL,
    listed_findings=0,
    detailed_transfers=10,
    scorecards=10,
    register_systems=10,
    graphs=0,
    plan_refs=ALL,
    plan_subjects=ALL,
    plan_items=ALL,
)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, list[RemediationItem]]:
    root = tmp_path_factory.mktemp("plan") / "estate-200"
    generate(200, root)
    result = run_audit([root], audit_options())
    context = build_context(
        result, report_id="RA-plan", classification="TEST", print_mode=False, limits=LIMITS
    )
    assert context["plan_total"] == len(context["plan"])
    return result, list(context["plan"])


def _about(finding: Finding) -> tuple[str, ...]:
    """What one decision is about: a system's component, a system, a scored provider, or one
    knowledge-base record ("law us-fisa-702", whichever of its facts is in doubt)."""
    subject = finding.subject
    if subject.get("system") and subject.get("component"):
        return ("component", subject["system"], subject["component"])
    for key in ("system", "subject"):
        if subject.get(key):
            return (key, subject[key])
    if subject.get("fact"):
        return ("record", " ".join(subject["fact"].split()[:2]))
    return ("rule", finding.rule_id)


def test_the_estate_is_large_and_varied_enough_to_test_the_plan(
    estate: tuple[AuditResult, list[RemediationItem]],
) -> None:
    result, plan = estate
    assert len({f.subject.get("system") for f in result.findings} - {None}) >= 150
    assert len(plan) >= 500
    # Some components are found wanting by several rules: one action must close them all.
    rules_per_component = Counter(
        _about(f) for f in {(f.rule_id, _about(f)): f for f in result.findings}.values()
    )
    assert max(rules_per_component.values()) >= 3


def test_every_open_finding_is_closed_by_exactly_one_action(
    estate: tuple[AuditResult, list[RemediationItem]],
) -> None:
    result, plan = estate
    open_findings = sorted(f.fingerprint for f in result.findings if not f.waived)
    closed = sorted(ref.fingerprint for item in plan for ref in item.refs)
    assert closed == open_findings
    assert sum(item.count for item in plan) == len(open_findings)


def test_one_action_per_component_never_across_systems_never_split_by_rule(
    estate: tuple[AuditResult, list[RemediationItem]],
) -> None:
    result, plan = estate
    by_fingerprint = {f.fingerprint: f for f in result.findings}
    subjects: list[tuple[str, ...]] = []
    for item in plan:
        about = {_about(by_fingerprint[ref.fingerprint]) for ref in item.refs}
        assert len(about) == 1, (item.decision, sorted(about)[:5])  # one component, one system
        subjects.append(about.pop())
    split = [key for key, n in Counter(subjects).items() if n > 1]
    assert split == []  # a second action on the same component would be a split by rule
    several_rules = [
        item
        for item in plan
        if len({by_fingerprint[ref.fingerprint].rule_id for ref in item.refs}) > 1
    ]
    assert several_rules  # merged across rules, as the test above shows some must be


def test_actions_have_unique_names_even_where_systems_share_one(
    estate: tuple[AuditResult, list[RemediationItem]],
) -> None:
    result, plan = estate
    names = Counter(
        r.system_name for r in {r.system: r for r in result.inventory_register}.values()
    )
    assert max(names.values()) > 1  # the generator gives some systems the same name
    decisions = Counter(item.decision for item in plan)
    assert [d for d, n in decisions.items() if n > 1] == []
    assert len({item.action for item in plan}) == len(plan)
