"""A finding's severity: the policy's override, else the first matching case, else the rule's."""

from __future__ import annotations

from auditor.exposure.rows import GapRow
from auditor.model.policy import Policy, Severity
from auditor.rules.engine import _severity_of
from auditor.rules.load import load_rules

RULES = {rule.id: rule for rule in load_rules()}
GAP = RULES["evidence-gap-location"]  # medium; special_category -> high; public/internal -> low


def gap(sensitivity: str) -> GapRow:
    """An evidence-gap row of the given sensitivity."""
    return GapRow(
        "unknown_location",
        "s",
        "c",
        "S",
        "C",
        "",
        "",
        "storage location unknown",
        "d",
        sensitivity,
        ["d"],
        [],
    )


def test_the_first_matching_case_wins_and_a_list_means_membership() -> None:
    severity = _severity_of(GAP, None)
    assert severity(gap("special_category")) is Severity.HIGH
    assert severity(gap("internal")) is Severity.LOW
    assert severity(gap("public")) is Severity.LOW
    assert severity(gap("personal")) is Severity.MEDIUM
    assert severity(gap("confidential")) is Severity.MEDIUM  # no case names it


def test_the_policy_override_beats_every_case() -> None:
    policy = Policy.model_validate({"severity_overrides": {GAP.id: "critical"}})
    severity = _severity_of(GAP, policy)
    assert severity(gap("public")) is Severity.CRITICAL
    assert severity(gap("special_category")) is Severity.CRITICAL


def test_a_rule_without_cases_has_its_own_severity() -> None:
    plain = next(rule for rule in RULES.values() if not rule.severity_when)
    assert _severity_of(plain, None)(gap("special_category")) is plain.severity
