"""The abridged report of a large estate (issue 9): bounded, but complete in its conclusions.

A large result is built cheaply by copying the hospital's findings, register, scorecards and
the bank's transfers onto many systems; the limits are lowered so that every tier shows up.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

import pytest

from auditor.model.findings import AuditResult
from auditor.model.policy import Severity
from auditor.report import report_summary
from auditor.report.html import render_html
from auditor.report.report_context import build_context
from auditor.report.report_summary import ReportLimits
from auditor.report.report_words import decision_key
from tests.report.conftest import audit, enlarge

COPIES = 20  # hospital: 3 systems and their findings -> 60 systems, 20 times the findings
LIMITS = dataclasses.replace(
    ReportLimits.default(),
    detailed_findings=40,
    listed_findings=100,
    detailed_transfers=3,
    scorecards=5,
    register_systems=4,
)
EXAMPLES = ["hospital", "bank", "ministry", "startup-saas"]


@pytest.fixture(scope="module")
def large(hospital: AuditResult, bank: AuditResult) -> AuditResult:
    return enlarge(hospital, bank, COPIES)


@pytest.fixture(scope="module")
def large_html(large: AuditResult) -> str:
    return render_html(large, limits=LIMITS)


def findings_section(html: str) -> str:
    return html.split('aria-labelledby="findings"')[1].split('aria-labelledby="transfers"')[0]


def listed_rows(html: str) -> list[str]:
    listed = findings_section(html).split('id="findings-listed"')[1]
    return re.findall(r'<tr id="finding-([0-9a-f]+)"', listed)


# ---------------------------------------------------------------- small reports


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_examples_are_not_abridged(name: str) -> None:
    result = audit([Path("examples") / name])
    context = build_context(result, report_id="RA-x", classification="C", print_mode=False)
    assert context["abridgements"] == ()
    assert context["finding_lines"] == ()
    for print_mode in (False, True):
        html = render_html(result, print_mode=print_mode)
        assert "Abridged" not in html and "abridged" not in html
        assert html.count('<article class="finding ') == len(result.findings)
        for finding in result.findings:
            assert f'id="finding-{finding.fingerprint}"' in html


# ---------------------------------------------------------------- findings


def test_the_notice_says_how_many_findings_are_shown_listed_and_counted(
    hospital: AuditResult, large: AuditResult, large_html: str
) -> None:
    total = len(large.findings)
    assert total == len(hospital.findings) * COPIES
    section = findings_section(large_html)
    notice = (
        f"40 of the {total} findings are shown in full: one example of every rule at every "
        "severity, and the most severe others"
    )
    assert notice in section
    assert "the next 100 are listed one line each" in section
    assert f"the other {total - 140} are counted" in section
    assert "the JSON result (--json FILE) and the findings CSV (--csv FILE)" in section
    # The executive summary repeats it, with the other abridged parts.
    summary = large_html.split('aria-labelledby="summary"')[1].split('aria-labelledby="scope"')[0]
    assert "This report is abridged" in summary and notice in summary
    assert section.count('<article class="finding ') == 40
    assert len(listed_rows(large_html)) == 100
    assert "Filters and search apply to the 40 findings shown in full" in section


def test_counts_stay_complete(large: AuditResult, large_html: str) -> None:
    by_severity = Counter(f.severity.value for f in large.findings)
    counts = large_html.split('<table class="counts">')[1].split("</table>")[0]
    for severity, count in by_severity.items():
        assert re.search(rf"sev-{severity}\">\w+</span></th><td class=\"n\">{count}<", counts)
    critical = by_severity["critical"]
    assert f"{critical} open critical findings." in large_html  # the opinion's basis
    # Appendix C counts every finding of every rule.
    for rule_id, count in Counter(f.rule_id for f in large.findings).items():
        rule = large_html.split(f'id="rule-{rule_id}"')[1].split("</article>")[0]
        assert f"{count} finding" in rule


def test_the_table_by_severity_and_rule_accounts_for_every_finding(
    large: AuditResult, large_html: str
) -> None:
    table = findings_section(large_html).split('id="findings-by-rule"')[1].split("</table>")[0]
    rows = re.findall(
        # The rule by its title in words, then its id in small print (issue 18).
        r'sev-(\w+)">\w+</span></td><td>[^<{}]+ <a href="#rule-([\w-]+)" class="rule-ref">'
        r'<code class="rule-id">[\w-]+</code></a></td>'
        r'((?:<td class="n">\d+</td>){6})',
        table,
    )
    expected = Counter((f.severity.value, f.rule_id) for f in large.findings)
    assert len(rows) == len(expected)
    shown_in_full = Counter()
    for severity, rule_id, cells in rows:
        total, _waived, _systems, full, listed, counted = map(int, re.findall(r"\d+", cells))
        assert total == expected[(severity, rule_id)]
        assert full + listed + counted == total
        assert full >= 1  # one example of every rule at every severity is shown in full
        shown_in_full[severity] += full
    assert sum(shown_in_full.values()) == 40
    all_row = (
        f'<tfoot><tr><th scope="row" colspan="2">All</th><td class="n">{len(large.findings)}</td>'
    )
    assert all_row in table


def test_every_critical_and_high_finding_is_shown_or_counted_under_its_rule(
    large: AuditResult, large_html: str
) -> None:
    severe = [f for f in large.findings if f.severity in (Severity.CRITICAL, Severity.HIGH)]
    assert len(severe) > 140  # more than the report shows: some are only counted
    missing = Counter(
        (f.severity.value, f.rule_id) for f in severe if f.fingerprint not in large_html
    )
    assert missing
    table = findings_section(large_html).split('id="findings-by-rule"')[1].split("</table>")[0]
    for (severity, rule_id), count in missing.items():
        row = re.search(rf'sev-{severity}">.*?#rule-{rule_id}".*?</tr>', table)
        assert row, (severity, rule_id)
        assert row.group(0).endswith(f'<td class="n">{count}</td></tr>')  # "counted only"
    # Critical and high findings come first: nothing less severe is listed while one is left out.
    listed = set(listed_rows(large_html))
    assert all(
        f.severity in (Severity.CRITICAL, Severity.HIGH)
        for f in large.findings
        if f.fingerprint in listed
    )


def test_with_room_for_them_every_critical_and_high_fingerprint_is_in_the_report(
    large: AuditResult,
) -> None:
    severe = [f for f in large.findings if f.severity in (Severity.CRITICAL, Severity.HIGH)]
    limits = dataclasses.replace(LIMITS, listed_findings=len(severe))
    html = render_html(large, limits=limits)
    for finding in severe:
        assert f'id="finding-{finding.fingerprint}"' in html


def test_the_module_limits_apply_when_patched(
    large: AuditResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_summary, "MAX_DETAILED_FINDINGS", 30)
    monkeypatch.setattr(report_summary, "MAX_LISTED_FINDINGS", 50)
    html = render_html(large)
    assert html.count('<article class="finding ') == 30
    assert len(listed_rows(html)) == 50
    assert f"30 of the {len(large.findings)} findings are shown in full" in html


def test_the_plan_covers_every_open_finding(large: AuditResult, large_html: str) -> None:
    plan = large_html.split('aria-labelledby="remediation"')[1].split("</section>")[0]
    # One decision per system component (or system, vendor, provider), whatever rule found
    # its findings: the rows together close every open finding once.
    by_action = Counter(decision_key(f) for f in large.findings if not f.waived)
    rows = plan.split("<tbody>")[1].split("</tr>")[:-1]
    assert len(rows) == len(by_action)
    closed = 0
    for row in rows:
        refs = re.findall(r'<a href="#finding-([0-9a-f]+)">F-\d+</a>', row)
        more = re.search(r"</a> and (\d+) more", row)
        counted = re.search(r"<td class=\"refs\">(\d+) findings?, counted in section 5</td>", row)
        assert len(refs) <= report_summary.MAX_PLAN_REFS
        closes = (
            int(counted.group(1)) if counted else len(refs) + (int(more.group(1)) if more else 0)
        )
        assert closes in by_action.values()
        closed += closes
        for fingerprint in refs:  # each number links to a finding the report shows
            assert f'id="finding-{fingerprint}"' in large_html
    assert closed == sum(by_action.values())


def test_print_layout_lists_findings_as_lines_without_anchors(large: AuditResult) -> None:
    html = render_html(large, limits=LIMITS, print_mode=True)
    listed = findings_section(html).split('id="findings-listed"')[1]
    assert "<table" not in listed and 'id="finding-' not in listed
    assert listed.count('<p class="fline">') == 100
    assert findings_section(html).count('<article class="finding ') == 40
    assert "shown in full, of " in findings_section(html)  # a rule head says how many it has
    # The plan links only to findings printed in full; the others are plain numbers.
    plan = html.split('aria-labelledby="remediation"')[1].split("</section>")[0]
    for fingerprint in re.findall(r'href="#finding-([0-9a-f]+)"', plan):
        assert f'<article class="finding state-open" id="finding-{fingerprint}"' in html


# ---------------------------------------------------------------- other parts


def test_scorecards_register_and_transfers_are_abridged_and_counted(
    large: AuditResult, large_html: str
) -> None:
    systems = sum(1 for c in large.scores if c.kind == "system")
    html = large_html
    scorecards = html.split('aria-labelledby="scorecards"')[1].split("</section>")[0]
    assert f"The scorecards of the 5 weakest of the {systems} systems are shown" in scorecards
    assert f"The 5 weakest of {systems} systems, weakest first" in scorecards
    levels = scorecards.split('<table class="seal-levels">')[1].split("</table>")[0]
    for row in re.findall(r"</td>((?:<td class=\"n\">\d+</td>){6})", levels):
        assert sum(map(int, re.findall(r"\d+", row))) == systems  # SEAL-0..4 and not assessed
    matrix = scorecards.split("weakest first</caption>")[1].split("</table>")[0]
    assert matrix.count('<tr><th scope="row">') == 5
    assert scorecards.count('class="scorecard-detail"') == 5 + sum(
        1 for c in large.scores if c.kind != "system"
    )

    register = html.split('aria-labelledby="register"')[1].split("</section>")[0]
    names = {r.system for r in large.inventory_register}
    assert f"The 4 of the {len(names)} systems with the most severe open findings" in register
    assert "FILE.register.csv" in register
    assert register.count('<tr id="system-') == 4
    scope = html.split('aria-labelledby="scope"')[1].split("</section>")[0]
    assert '<table class="systems">' not in scope and "by criticality and AI Act risk" in scope

    transfers = html.split('aria-labelledby="transfers"')[1].split('aria-labelledby="scorecards"')[
        0
    ]
    total = len(large.transfers)
    assert f"The 3 worst of the {total} transfers are shown" in transfers
    assert transfers.count('<tr class="conclusion-') == 3
    tally = transfers.split('<table class="transfer-tally">')[1].split("</table>")[0]
    counted = [
        int(n)
        for n in re.findall(
            r'</td><td class="n">(\d+)</td><td class="n">\d+</td><td class="n">\d+</td><td class="n">\d+</td></tr>',
            tally,
        )
    ]
    assert sum(counted) == total


def test_abridged_report_is_deterministic_and_self_contained(
    large: AuditResult, large_html: str
) -> None:
    assert render_html(large, limits=LIMITS) == large_html
    assert large_html.count("<style") == 1 and ".abridged-summary" in large_html
    assert large_html.count("<script") == 1
    assert not re.search(r"<[^>]+\ssrc\s*=", large_html)


def test_unlimited_shows_everything_in_full(large: AuditResult) -> None:
    html = render_html(large, limits=ReportLimits.unlimited())
    assert html.count('<article class="finding ') == len(large.findings)
    assert "Abridged" not in html
