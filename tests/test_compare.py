"""Procurement comparison: ranking, reasons, and agreement with `auditor audit`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from auditor.audit import AuditOptions, run_audit
from auditor.audit.compare import compare
from auditor.cli import main
from auditor.model.compare import Comparison
from auditor.model.words import code_tokens
from tests.conftest import EXAMPLES, TODAY

OPTIONS = EXAMPLES / "procurement" / "options.yaml"
EUROPEAN = {"llama-on-premises", "mistral-ovh-secnumcloud", "mistral-api-eu"}
US_PARENTED = {"azure-openai-datazone", "bedrock-eu-profile", "aws-sovereign-cloud-open-weights"}


@cache
def comparison() -> Comparison:
    return compare(OPTIONS, today=TODAY)


def test_european_and_self_hosted_options_rank_above_us_parented_eu_regions() -> None:
    ranks = {o.id: o.rank for o in comparison().options}
    assert len(ranks) >= 6
    assert max(ranks[i] for i in EUROPEAN) < min(ranks[i] for i in US_PARENTED)
    assert max(ranks.values()) == ranks["deepseek-api"]
    assert comparison().options[0].id == "llama-on-premises"


def test_reasons_cite_the_laws_and_the_chain() -> None:
    by_id = {o.id: o for o in comparison().options}
    azure = " ".join(by_id["azure-openai-datazone"].reasons)
    assert "US CLOUD Act" in azure and "18 U.S.C." in azure
    assert "Microsoft Corporation (US)" in azure
    assert "Fails the organisation's policy" in azure
    deepseek = " ".join(by_id["deepseek-api"].reasons)
    assert "PRC National Intelligence Law" in deepseek and "GDPR Chapter V" in deepseek
    onprem = " ".join(by_id["llama-on-premises"].reasons)
    assert "No law of a jurisdiction outside" in onprem and "Open-weights" in onprem
    assert (
        "llama-on-premises" in comparison().recommendation or "Llama" in comparison().recommendation
    )


def test_every_number_equals_the_audit_of_the_option_inventory(tmp_path: Path) -> None:
    assert (
        main_exit(
            "compare",
            str(OPTIONS),
            "--export-inventories",
            str(tmp_path),
            "--today",
            "2026-11-28",
            "--quiet",
        )
        == 0
    )
    for option in comparison().options:
        result = run_audit([tmp_path / option.id], AuditOptions(today=TODAY))
        card = next(c for c in result.scores if c.kind == "system" and c.subject == option.id)
        assert option.score == card.score, option.id
        assert option.objectives == card.objectives, option.id
        assert option.findings_by_severity == result.summary.findings_by_severity, option.id
        unmitigated = {e.law for e in result.exposures if e.mitigation.value != "mitigated"}
        assert {law.law for law in option.laws if law.mitigation != "mitigated"} == unmitigated, (
            option.id
        )
        assert len(option.transfers) == len(
            {(t.data_asset, t.country, t.importer) for t in result.transfers}
        )
        same = comparison().results[option.id]
        assert [f.fingerprint for f in same.findings] == [f.fingerprint for f in result.findings], (
            option.id
        )


def main_exit(*args: str) -> int:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    return int(info.value.code or 0)


def test_compare_cli_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c.json"
    assert main_exit("compare", str(OPTIONS), "--json", str(out), "--today", "2026-11-28") == 0
    text = capsys.readouterr().out
    assert "Recommendation:" in text and "Ranking rule:" in text
    data = json.loads(out.read_text())
    assert [o["rank"] for o in data["options"]] == list(range(1, len(data["options"]) + 1))
    assert "results" not in data


def test_compare_text_says_roles_and_mitigation_in_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 18: the reasons read "through hosting Microsoft ...; mitigation: none"."""
    assert main_exit("compare", str(OPTIONS), "--today", "2026-11-28") == 0
    text = capsys.readouterr().out
    assert "mitigation: " not in text
    assert "through the hosting provider Microsoft Corporation (US)" in text
    assert "; the operator Microsoft Ireland Operations Limited (IE)" in text
    assert "; nothing in place stops it." in text
    assert not code_tokens(text), code_tokens(text)


def test_compare_table_names_every_law_in_words_and_cuts_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 18: the table printed law ids cut to 26 characters ("uk-investigatory-powers-ac")
    and option names cut to 40; it names the laws and wraps both instead."""
    assert main_exit("compare", str(OPTIONS), "--today", "2026-11-28") == 0
    text = capsys.readouterr().out
    table = text.split("\n\n")[1].splitlines()
    header, rows = table[0], table[1:]
    start = header.index("foreign laws")
    end = header.index("transfers")
    # Each option's lines: its first starts with its rank, the wrapped ones with blanks.
    by_rank: dict[int, list[str]] = {}
    for line in rows:
        if line[:2].strip():
            rank = int(line[:2])
        by_rank.setdefault(rank, []).append(line)
    options = {o.rank: o for o in comparison().options}
    assert sorted(by_rank) == sorted(options)
    for rank, lines in by_rank.items():
        option = options[rank]
        names = list(
            dict.fromkeys(law.law_name for law in option.laws if law.mitigation != "mitigated")
        )
        laws = " ".join(" ".join(line[start:end].split()) for line in lines).strip()
        assert laws == (", ".join(names) or "none"), (rank, laws)
        option_column = " ".join(" ".join(line[3:33].split()) for line in lines)
        assert " ".join(option_column.split()) == option.name
        for law in option.laws:
            assert law.law not in "\n".join(lines)  # no id, whole or cut
    assert any(len(lines) > 1 for lines in by_rank.values())  # something did wrap


def test_bad_options_file_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "o.yaml"
    bad.write_text(
        OPTIONS.read_text()
        .replace("vendor: deepseek", "vendor: deepsek")
        .replace("deployment: eu\n", "deployment: europe\n", 1)
    )
    assert main_exit("compare", str(bad)) == 3
    err = capsys.readouterr().err
    assert "unknown vendor 'deepsek'" in err and "did you mean 'deepseek'" in err
    assert "o.yaml:" in err


def test_what_if_switching_vendor_removes_the_us_exposure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "w.json"
    change = "component=discharge-assistant/llm vendor=mistral-ai deployment=eu region=-"
    assert (
        main_exit(
            "audit",
            str(EXAMPLES / "hospital"),
            "--what-if",
            change,
            "--json",
            str(out),
            "--today",
            "2026-11-28",
        )
        == 0
    )
    result = json.loads(out.read_text())
    gone = {f["rule_id"] for f in result["disappear"]}
    assert {"us-cloud-act-exposure", "us-fisa-702-exposure"} <= gone
    assert not any(f["rule_id"].startswith("us-") for f in result["appear"])
    system = next(s for s in result["scores"] if s["subject"] == "discharge-assistant")
    before, after = system["objectives"]["SOV-2"]
    assert after > before  # legal sovereignty: no US parent any more
    # But Mistral's EU endpoint may process in Switzerland (EU/EFTA data centres), outside
    # the hospital's EEA-only rule for health data: the what-if shows that too (issue 17),
    # and Mistral, the operator, is within the Swiss BUEPF's territorial reach there (issue 19).
    assert {f["rule_id"] for f in result["appear"]} == {
        "policy-residency-location",
        "foreign-law-exposure",
    }
    assert [f["title"] for f in result["appear"] if f["rule_id"] == "foreign-law-exposure"] == [
        "Swiss surveillance act (BÜPF) can reach data at the Azure OpenAI deployment "
        '"kn-discharge-gpt41" of Entlass-Assistent (discharge letter drafting)'
    ]
    assert system["objectives"]["SOV-3"] == [1, 0]
    assert "disappear (" in capsys.readouterr().out


def test_what_if_patch_file_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text(
        "changes:\n  - component: llm\n    set: {controls.keys: customer_held_external}\n"
    )
    assert (
        main_exit(
            "audit", str(EXAMPLES / "bank"), "--what-if-file", str(patch), "--today", "2026-11-28"
        )
        == 2
    )
    # a short id that names components of several systems is refused, not guessed
    assert "is ambiguous" in capsys.readouterr().err
    patch.write_text(
        "changes:\n  - component: advisor-assistant/vector-store\n    set: {controls.keys: provider_managed}\n"
    )
    assert (
        main_exit(
            "audit", str(EXAMPLES / "bank"), "--what-if-file", str(patch), "--today", "2026-11-28"
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "appear (" in text and "provider-held-keys" in text
    assert (
        main_exit(
            "audit",
            str(EXAMPLES / "bank"),
            "--what-if",
            "component=advisor-assistant/llm colour=blue",
        )
        == 2
    )
    assert main_exit("audit", str(EXAMPLES / "bank"), "--what-if", "vendor=x") == 2
    assert (
        main_exit(
            "audit",
            str(EXAMPLES / "bank"),
            "--what-if",
            "component=advisor-assistant/llm vendor=x",
            "--sarif",
            str(tmp_path / "s"),
        )
        == 2
    )


def test_vendor_sheet_html_and_pdf(tmp_path: Path) -> None:
    from pypdf import PdfReader

    html, pdf = tmp_path / "v.html", tmp_path / "v.pdf"
    assert main_exit("vendor", "show", "azure-openai", "--html", str(html), "--pdf", str(pdf)) == 0
    page = html.read_text()
    assert "Microsoft Corporation" in page and "US CLOUD Act" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    text = "\n".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    for heading in (
        "Legal-entity chain",
        "Laws that can reach data",
        "Residency options",
        "Questions to ask",
        "Sources and dates",
    ):
        assert heading in text, heading
    assert len(PdfReader(str(pdf)).pages) <= 6
    first = pdf.read_bytes()
    assert main_exit("vendor", "show", "azure-openai", "--pdf", str(pdf)) == 0
    assert pdf.read_bytes() == first  # same knowledge base, same bytes


def test_unstated_retention_and_training_are_questions_and_evidence_gaps() -> None:
    # Issue 18: the DeepSeek catalogue entry says the sources state nothing on retention or
    # training, so the comparison must not print "no training use found" for it.
    deepseek = next(o for o in comparison().options if o.id == "deepseek-api")
    for row in (deepseek.retention, deepseek.training):
        assert not any("found" in text for text in row)
        assert any(text.startswith("DeepSeek API: not stated - ask the vendor: ") for text in row)
        assert any(text.endswith("?") for text in row)  # the catalogue's question
    assert "DeepSeek API does not state its retention of prompts and outputs" in deepseek.gaps
    assert "DeepSeek API does not state its use of the data for training" in deepseek.gaps
    # Where the organisation runs the model itself, nothing is unknown.
    own = next(o for o in comparison().options if o.id == "llama-on-premises")
    assert own.retention == ["no retention abroad found"] and not own.gaps


def test_compare_and_vendor_show_take_classification_report_id_and_templates(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from auditor.cli import cli

    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "comparison.html.j2").write_text(
        "<p>{{ report.classification }} {{ report.report_id }}</p>", encoding="utf-8"
    )
    html = tmp_path / "c.html"
    args = ["compare", str(OPTIONS), "--today", "2026-11-28", "--quiet", "--html", str(html)]
    result = CliRunner().invoke(
        cli,
        [*args, "--classification", "RESTRICTED", "--report-id", "PROC-7"],
    )
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert "RESTRICTED" in page and "PROC-7" in page
    result = CliRunner().invoke(cli, [*args, "--template-dir", str(templates)])
    assert result.exit_code == 0, result.output
    assert html.read_text(encoding="utf-8").startswith("<p>CONFIDENTIAL ")
    sheet = tmp_path / "v.html"
    result = CliRunner().invoke(
        cli, ["vendor", "show", "deepseek", "--html", str(sheet), "--classification", "PUBLIC"]
    )
    assert result.exit_code == 0, result.output
    assert "PUBLIC" in sheet.read_text(encoding="utf-8")
    assert "INTERNAL" not in sheet.read_text(encoding="utf-8")


def test_vendor_sheet_lists_facts_sharing_one_source_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Azure OpenAI's eleven deployment options rest on the same Microsoft page: one row names
    them all instead of eleven rows repeating the page (issue 18: one fact, one line)."""
    assert main_exit("vendor", "show", "azure-openai") == 0
    text = capsys.readouterr().out
    facts = text.split("Facts and their sources:")[1].split("Questions to ask")[0]
    assert facts.count("cognitive_deployment.html.markdown") == 1
    assert "the deployment options DataZoneBatch, DataZoneProvisionedManaged" in facts
    assert "the deployment option " not in facts
