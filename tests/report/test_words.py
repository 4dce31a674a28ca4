"""Issue 18: page 1 is the answer, the plan is made of decisions, the worst harm comes first."""

from __future__ import annotations

import re
from collections import Counter

from auditor.model.findings import AuditResult
from auditor.model.policy import SEVERITY_RANK
from auditor.report.html import render_html
from auditor.report.report_context import build_context
from auditor.report.report_words import decision_key


def _context(result: AuditResult) -> dict[str, object]:
    return build_context(
        result, report_id="RA-test", classification="CONFIDENTIAL", print_mode=False
    )


def test_page_one_states_the_opinion_key_actions_and_counts_before_the_control_block(
    hospital: AuditResult,
) -> None:
    html = render_html(hospital)
    cover = html.split('<header class="cover"')[1].split("</header>")[0]
    assert "Overall opinion: <strong>Unsatisfactory</strong>" in cover
    assert "Key actions for management" in cover
    assert "Open findings by severity" in cover
    assert "Control block" not in cover
    assert html.index("Key actions for management") < html.index("<caption>Control block")
    context = _context(hospital)
    plan, keys = context["plan"], context["key_actions"]
    assert isinstance(plan, list) and isinstance(keys, list)
    assert 3 <= len(keys) <= 5 and keys == plan[: len(keys)]
    for item in keys:
        assert item.decision in cover


def test_the_plan_has_one_decision_per_system_component_named_in_words(bank: AuditResult) -> None:
    context = _context(bank)
    plan = context["plan"]
    assert isinstance(plan, list)
    keys = Counter(decision_key(f) for f in bank.findings if not f.waived)
    assert len(plan) == len(keys)  # never one action per rule on the same component
    assert sum(item.count for item in plan) == sum(keys.values())
    names = {r.system: r.system_name for r in bank.inventory_register}
    for item in plan:
        # A component id shared by several systems never stands alone in a decision.
        assert not re.search(r"\b(for|of|Move) (llm|app|embeddings)\b", item.action), item.action
    replaced = [item.decision for item in plan if item.decision.startswith("Replace ")]
    assert any("DeepSeek API" in d and names["complaints-deepseek-pilot"] in d for d in replaced), (
        replaced
    )
    assert any("Azure OpenAI" in d and names["aml-alert-assistant"] in d for d in replaced)
    # Two components of one system with the same product are told apart.
    assert len(set(replaced)) == len(replaced)


def test_the_deepseek_pilot_is_the_first_top_exposure_of_the_bank(bank: AuditResult) -> None:
    top = _context(bank)["top_exposures"]
    assert isinstance(top, tuple)
    assert top[0].system == "complaints-deepseek-pilot"
    assert "without a valid transfer tool" in " ".join(top[0].aggravations)
    # One line per root cause: system, component and country.
    causes = [(c.system, c.component, c.jurisdiction_name) for c in top]
    assert len(causes) == len(set(causes))


def test_a_transfer_without_a_valid_tool_is_at_least_as_severe_as_any_with_safeguards(
    bank: AuditResult,
) -> None:
    transfer_rules = {
        "gdpr-transfer-unassessable",
        "gdpr-transfer-safeguards-incomplete",
        "gdpr-transfer-derogation",
    }
    unlawful = [f for f in bank.findings if f.rule_id == "gdpr-transfer-without-valid-tool"]
    others = [f for f in bank.findings if f.rule_id in transfer_rules]
    assert unlawful and others
    floor = min(SEVERITY_RANK[f.severity] for f in unlawful)
    assert all(SEVERITY_RANK[f.severity] <= floor for f in others)
    assert all(f.severity.value == "critical" for f in unlawful)
