"""The HTML audit report: golden file, determinism, structure, escaping, template overrides."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from markupsafe import escape

from auditor.errors import UsageError
from auditor.model.findings import AuditResult, SystemGraph
from auditor.model.policy import Severity
from auditor.report.html import MAX_GRAPHS, SECTIONS, default_report_id, render_html
from tests.report.conftest import TrapServer, audit

GOLDEN = Path(__file__).parent / "golden" / "hospital.html"


def test_hospital_matches_the_golden_file(hospital: AuditResult) -> None:
    html = render_html(hospital)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(html, encoding="utf-8")
    assert GOLDEN.exists(), "no golden file: run UPDATE_GOLDEN=1 pytest tests/report"
    expected = GOLDEN.read_text(encoding="utf-8")
    if html != expected:
        diff = next(
            (
                n
                for n, (a, b) in enumerate(
                    zip(html.splitlines(), expected.splitlines(), strict=False)
                )
                if a != b
            ),
            min(len(html.splitlines()), len(expected.splitlines())),
        )
        pytest.fail(
            f"the hospital report differs from {GOLDEN.relative_to(Path.cwd())} from line "
            f"{diff + 1}; if the change is intended, regenerate it with "
            "UPDATE_GOLDEN=1 pytest tests/report and review the diff"
        )


def test_two_renders_of_two_audits_are_byte_identical(hospital: AuditResult) -> None:
    again = audit([Path("examples/hospital")])
    assert render_html(hospital) == render_html(again)
    assert render_html(hospital, print_mode=True) == render_html(again, print_mode=True)


def test_every_section_finding_and_rule_is_in_the_report(hospital: AuditResult) -> None:
    html = render_html(hospital)
    for section in SECTIONS:
        assert f'id="{section.anchor}"' in html
        assert f'href="#{section.anchor}"' in html  # in the table of contents
        assert section.title in html
    for finding in hospital.findings:
        assert f'id="finding-{finding.fingerprint}"' in html
        assert f"<code>{finding.rule_id}</code>" in html
    for rule in hospital.rules:
        assert f'id="rule-{rule.id}"' in html
    assert len(re.findall(r'<article class="finding ', html)) == len(hospital.findings)


def test_report_id_is_derived_from_the_inputs(hospital: AuditResult) -> None:
    report_id = default_report_id(hospital)
    assert re.fullmatch(r"RA-[0-9a-f]{10}", report_id)
    assert report_id in render_html(hospital)
    assert "RA-custom-1" in render_html(hospital, report_id="RA-custom-1")
    for item in hospital.inputs:
        assert item.sha256 in render_html(hospital)


def test_page_is_self_contained(hospital: AuditResult) -> None:
    html = render_html(hospital)
    assert "default-src &#39;none&#39;" in html  # the Content-Security-Policy
    assert not re.search(r"<[^>]+\ssrc\s*=", html)  # nothing is loaded: no src at all
    for tag, target in re.findall(r'<(\w+)[^>]*\shref="([^"]*)"', html):
        assert tag == "a"  # links only, to the report itself or to a cited web source
        assert target.startswith(("#", "https://", "http://")), target
    assert "@import" not in html and "url(" not in html
    assert html.count("<script") == 1 and "<script src" not in html
    assert html.count("<svg") == len(hospital.graphs)


def test_print_mode_has_no_script_and_no_filters(hospital: AuditResult) -> None:
    html = render_html(hospital, print_mode=True)
    assert "<script" not in html
    assert 'id="filters"' not in html
    assert '<html lang="en" class="print">' in html


def test_print_findings_are_lean_and_state_shared_text_once(hospital: AuditResult) -> None:
    # WeasyPrint's time grows with every box: no table, float or flex per finding (issue 9).
    html = render_html(hospital, print_mode=True)
    findings = html.split('aria-labelledby="findings"')[1].split('aria-labelledby="transfers"')[0]
    assert "<table" not in findings
    assert findings.count('<article class="finding ') == len(hospital.findings)
    for finding in hospital.findings:
        assert f'id="finding-{finding.fingerprint}"' in findings
    # A remediation all findings of a rule share is printed once, at the head of the rule.
    by_rule: dict[tuple[str, str], list[str]] = {}
    for finding in hospital.findings:
        by_rule.setdefault((finding.severity.value, finding.rule_id), []).append(
            finding.remediation
        )
    shared = Counter(r[0] for r in by_rule.values() if len(r) > 1 and len(set(r)) == 1)
    # A rule with a single finding prints it with that finding (checks no longer name the
    # component in their remediation, so several rules' texts can be the same).
    single = Counter(r[0] for r in by_rule.values() if len(r) == 1)
    assert shared
    for remediation, rules in shared.items():
        assert findings.count(str(escape(remediation))) == rules + single[remediation]


def test_severity_counts_and_opinion(hospital: AuditResult) -> None:
    html = render_html(hospital)
    assert "Overall opinion: <strong>Unsatisfactory</strong>" in html
    critical = sum(1 for f in hospital.findings if f.severity is Severity.CRITICAL)
    assert f"{critical} open critical findings." in html
    assert "at least one open critical finding" in html  # the rule, stated in the methodology


def test_severity_headings_name_the_severity_once(hospital: AuditResult) -> None:
    """Issue 18: the heading read "CRITICAL Critical findings" (badge, then the word)."""
    html = render_html(hospital)
    headings = re.findall(r'<section class="severity-block[^>]*>\n<h3>(.*?)</h3>', html)
    assert headings
    for heading in headings:
        text = re.sub(r"<[^>]+>", "", heading)
        assert re.match(r"(Critical|High|Medium|Low|Info) findings \(\d+ open", text), text
        assert 'class="sev ' in heading  # the badge is the heading's first word


@pytest.mark.parametrize(
    ("severities", "opinion"),
    [
        ((), "Satisfactory"),
        ((Severity.LOW, Severity.INFO), "Satisfactory"),
        ((Severity.MEDIUM,), "Needs improvement"),
        ((Severity.HIGH, Severity.LOW), "Needs improvement"),
        ((Severity.CRITICAL,), "Unsatisfactory"),
    ],
)
def test_opinion_follows_the_stated_rule(
    hospital: AuditResult, severities: tuple[Severity, ...], opinion: str
) -> None:
    template = hospital.findings[0]
    findings = [
        template.model_copy(update={"severity": s, "fingerprint": f"{n:032x}"})
        for n, s in enumerate(severities)
    ]
    result = hospital.model_copy(update={"findings": findings})
    assert f"Overall opinion: <strong>{opinion}</strong>" in render_html(result)


def test_waived_critical_finding_does_not_make_the_opinion_unsatisfactory(
    hospital: AuditResult,
) -> None:
    critical = next(f for f in hospital.findings if f.severity is Severity.CRITICAL)
    result = hospital.model_copy(
        update={"findings": [critical.model_copy(update={"waived": True})]}
    )
    html = render_html(result)
    assert "Overall opinion: <strong>Satisfactory</strong>" in html
    assert 'data-status="waived"' in html


def test_notices_are_printed_prominently(hospital: AuditResult) -> None:
    notice = "Waiver W-7 for finding 59df2ccb expired on 2026-10-01 <b>and no longer waives</b>"
    html = render_html(hospital.model_copy(update={"notices": [notice]}))
    escaped = notice.replace("<", "&lt;").replace(">", "&gt;")
    assert html.count(escaped) == 2  # on the cover and in the executive summary
    assert "1 notice needs attention" in html


def test_not_assessed_objectives_are_never_shown_as_zero(hospital: AuditResult) -> None:
    html = render_html(hospital)
    card = next(c for c in hospital.scores if c.subject == "guidelines-assistant")
    matrix = html.split('href="#card-system-guidelines-assistant"')[1].split("</tr>")[0]
    cells = re.findall(r'<td class="c cell-([a-z-]+)">(.*?)</td>', matrix)
    assert len(cells) == len(card.objectives)
    detail = html.split('id="card-system-guidelines-assistant"')[1].split("</table>")[0]
    missing = detail.split('<th scope="row">Not assessed</th>')[1]
    everywhere = html.split('<ul class="reasons common-gaps">')[1].split("</ul>")[0]
    for objective, (state, cell) in zip(card.objectives, cells, strict=True):
        if objective.seal is None:
            assert state == "not-assessed" and "n.a." in cell and ">0<" not in cell
            label = f"<strong>{objective.objective} {objective.name}</strong>"
            assert label in missing or label in everywhere
        else:
            assert f">{objective.seal}<" in cell
            assert f"SEAL-{objective.seal}" in detail.split(f"{objective.objective} ")[1]


def test_unconfirmed_findings_say_so(hospital: AuditResult) -> None:
    html = render_html(hospital)
    unconfirmed = [f for f in hospital.findings if f.confidence != "confirmed"]
    assert unconfirmed
    for finding in unconfirmed:
        article = html.split(f'id="finding-{finding.fingerprint}"')[1].split("</article>")[0]
        assert "Rests on at least one" in article


def test_transfers_table_lists_every_transfer(bank: AuditResult) -> None:
    html = render_html(bank)
    table = html.split('id="transfers"')[1].split("</section>")[0]
    assert table.count('<tr class="conclusion-') == len(bank.transfers)
    for transfer in bank.transfers:
        assert transfer.importer_name.replace("'", "&#39;") in table


def test_large_estates_show_the_worst_graphs_and_say_how_many_are_left_out(
    hospital: AuditResult,
) -> None:
    svg = hospital.graphs[0].svg
    graphs = [SystemGraph(system=f"sys-{n:03d}", svg=svg) for n in range(MAX_GRAPHS + 7)]
    graphs.append(hospital.graphs[0])  # the one system with findings must be among those shown
    html = render_html(hospital.model_copy(update={"graphs": graphs}))
    assert html.count("<svg") == MAX_GRAPHS
    assert f"{MAX_GRAPHS} of {len(graphs)} systems are shown" in html
    assert f'id="graph-{hospital.graphs[0].system}"' in html


def test_graph_with_active_content_is_left_out(hospital: AuditResult) -> None:
    bad = SystemGraph(system="x", svg="<svg><script>alert(1)</script></svg>")
    html = render_html(hospital.model_copy(update={"graphs": [bad]}))
    assert "alert(1)" not in html
    assert "left out because it contained active content" in html


def test_hostile_inventory_renders_inert(hostile_dir: Path, trap: TrapServer) -> None:
    result = audit([hostile_dir])
    for print_mode in (False, True):
        html = render_html(result, print_mode=print_mode)
        # Only the report's own tags exist; every injected one is text.
        tags = set(re.findall(r"<(script|img|iframe|object|link|base|style|meta|svg|a)\b", html))
        assert "img" not in tags and "iframe" not in tags and "object" not in tags
        assert "link" not in tags and "base" not in tags
        assert html.count("<script") == (0 if print_mode else 1)
        assert html.count("<style") == 1
        assert "onerror=" not in html.replace("onerror=alert", "")  # only escaped text remains
        assert "&lt;script&gt;alert(&#39;org&#39;)&lt;/script&gt;" in html
        assert "&lt;img src=file:///etc/passwd" in html
        assert "{{ 7*7 }}" in html and ">49<" not in html
        assert 'href="javascript:' not in html
        assert "<meta http-equiv=refresh" not in html
    assert trap.requests == []


def test_classification_is_escaped(hospital: AuditResult) -> None:
    html = render_html(hospital, classification="SECRET</span><script>x()</script>")
    assert "SECRET&lt;/span&gt;&lt;script&gt;x()&lt;/script&gt;" in html
    assert html.count("<script") == 1


# ---------------------------------------------------------------- template overrides


def test_a_template_folder_can_override_one_partial(hospital: AuditResult, tmp_path: Path) -> None:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "appendix_glossary.html.j2").write_text(
        '<section id="glossary"><h2>Our glossary</h2><p>{{ report.organisation }}</p></section>\n'
    )
    html = render_html(hospital, template_dir=tmp_path)
    assert "<h2>Our glossary</h2><p>Klinikum Nord gGmbH</p>" in html
    assert "Executive summary" in html  # everything else from the built-in templates


def test_a_template_folder_can_replace_the_whole_report(
    hospital: AuditResult, tmp_path: Path
) -> None:
    (tmp_path / "report.html.j2").write_text(
        "<!DOCTYPE html><title>{{ report.report_id }}</title>"
        "{% for f in r.findings %}<p>{{ f.fingerprint }} {{ f.title }}</p>{% endfor %}\n"
    )
    html = render_html(hospital, template_dir=tmp_path, report_id="RA-x")
    assert html.startswith("<!DOCTYPE html><title>RA-x</title>")
    assert html.count("<p>") == len(hospital.findings)


def test_custom_templates_are_autoescaped(hospital: AuditResult, tmp_path: Path) -> None:
    (tmp_path / "report.html.j2").write_text("<p>{{ r.organisation.name }}</p>\n")
    evil = hospital.model_copy(update={"organisation": {"name": "<script>x()</script>"}})
    assert render_html(evil, template_dir=tmp_path) == "<p>&lt;script&gt;x()&lt;/script&gt;</p>\n"


@pytest.mark.parametrize(
    "source",
    [
        '{% include "../secret.txt" %}',
        '{% include "/etc/passwd" %}',
        '{% include "link.txt" %}',  # a symlink out of the folder
        "{{ r.__class__.__mro__ }}",
        "{{ r.findings.__class__.__subclasses__() }}",
        "{{ r.findings.append(1) }}",  # the sandbox is immutable
        "{{ ''.__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ undefined_variable }}",
        "{% for x in %}",
    ],
)
def test_a_custom_template_cannot_escape_its_folder_or_the_sandbox(
    hospital: AuditResult, tmp_path: Path, source: str
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    (folder / "link.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "report.html.j2").write_text(source + "\n")
    with pytest.raises(UsageError) as info:
        render_html(hospital, template_dir=folder)
    error = info.value
    assert "report template error" in error.message
    assert "TOP SECRET" not in error.message
    assert error.diagnostics and error.diagnostics[0].hint


def test_template_errors_point_at_the_template_line(hospital: AuditResult, tmp_path: Path) -> None:
    (tmp_path / "report.html.j2").write_text("<p>ok</p>\n<p>{{ r.nothing_here }}</p>\n")
    with pytest.raises(UsageError) as info:
        render_html(hospital, template_dir=tmp_path)
    diagnostic = info.value.diagnostics[0]
    assert diagnostic.path.endswith("report.html.j2")
    assert diagnostic.line == 2


def test_a_missing_template_folder_is_a_usage_error(hospital: AuditResult, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        render_html(hospital, template_dir=tmp_path / "nowhere")


def test_a_stylesheet_cannot_close_its_style_element(hospital: AuditResult, tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "report.css").write_text("</style><script>x()</script>")
    with pytest.raises(UsageError, match="</style"):
        render_html(hospital, template_dir=tmp_path)
