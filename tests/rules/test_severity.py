"""A finding's severity: the policy's override, else the first matching case, else the rule's."""

from __future__ import annotations

from auditor.model.policy import Policy, Severity
from auditor.rules.engine import _severity_of
from auditor.rules.load import load_rules

RULES = {rule.id: rule for rule in load_rules()}
GAP = RULES["evidence-gap-location"]  # medium; special_category -> high; public/internal -> low


def test_the_first_matching_case_wins_and_a_list_means_membership() -> None:
    severity = _severity_of(GAP, None)
    assert severity({"sensitivity": "special_category"}) is Severity.HIGH
    assert severity({"sensitivity": "internal"}) is Severity.LOW
    assert severity({"sensitivity": "public"}) is Severity.LOW
    assert severity({"sensitivity": "personal"}) is Severity.MEDIUM
    assert severity({}) is Severity.MEDIUM  # a field the row lacks matches no case


def test_the_policy_override_beats_every_case() -> None:
    policy = Policy.model_validate({"severity_overrides": {GAP.id: "critical"}})
    severity = _severity_of(GAP, policy)
    assert severity({"sensitivity": "public"}) is Severity.CRITICAL
    assert severity({"sensitivity": "special_category"}) is Severity.CRITICAL


def test_a_rule_without_cases_has_its_own_severity() -> None:
    plain = next(rule for rule in RULES.values() if not rule.severity_when)
    assert _severity_of(plain, None)({"sensitivity": "special_category"}) is plain.severity
