"""``auditor tia`` and the transfer register: pre-filled assessments in the six EDPB steps.

End to end through the CLI on the bank and hospital examples: one assessment per transfer,
a clear error for an unknown id, a worksheet with no number in it, unknown shown as unknown,
golden JSON and HTML, the PDF's headings, and the register CSV of ``auditor audit``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import cli, main
from auditor.model.tia import TransferAssessments, transfer_ids
from auditor.model.words import code_tokens
from tests.conftest import EXAMPLES, ROOT

TODAY = "2026-11-28"
GOLDEN = ROOT / "tests" / "report" / "golden"
CN_TRANSFER = "complaints-deepseek-pilot/llm/CN/complaint-texts"
STEP_HEADINGS = (
    "Know your transfer",
    "Transfer tool",
    "Law and practice of the destination",
    "Supplementary measures",
    "Procedural steps",
    "Re-evaluation",
    "What remains for the signer to decide",
)


def tia(*args: str) -> str:
    """Run ``auditor tia`` through click's runner from the repository root; its stdout."""
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        done = CliRunner().invoke(cli, ["tia", *args, "--today", TODAY])
    finally:
        os.chdir(cwd)
    assert done.exit_code == 0, (done.output, done.exception)
    return done.output


def assessments_of(example: str, *args: str) -> TransferAssessments:
    return TransferAssessments.model_validate_json(tia(f"examples/{example}", "--json", "-", *args))


def audit_transfers(example: str) -> list[str]:
    done = CliRunner().invoke(
        cli, ["audit", str(EXAMPLES / example), "--json", "-", "--today", TODAY]
    )
    from auditor.model.findings import Transfer

    result = json.loads(done.output)
    transfers = [Transfer.model_validate({**t, "path": []}) for t in result["transfers"]]
    return transfer_ids(transfers)


@pytest.mark.parametrize(("example", "count"), [("bank", 8), ("hospital", 4)])
def test_one_assessment_per_transfer_in_the_folder(
    example: str, count: int, tmp_path: Path
) -> None:
    out = tmp_path / "tia"
    text = tia(f"examples/{example}", "-o", str(out), "--format", "json", "--format", "html")
    ids = sorted(audit_transfers(example))
    assert len(ids) == count == len(set(ids))
    assert f"wrote {2 * count} file(s)" in text
    for ident in ids:
        assert ident in text  # the terminal lists each transfer by its id
    documents = sorted(out.glob("*.json"))
    assert len(documents) == count and len(list(out.glob("*.html"))) == count
    found = []
    for path in documents:
        (only,) = TransferAssessments.model_validate_json(path.read_text()).assessments
        found.append(only.id)
        page = path.with_suffix(".html").read_text(encoding="utf-8")
        for heading in STEP_HEADINGS:
            assert heading in page, (path.name, heading)
        assert "EDPB Recommendations 01/2020" in page and "18 June 2021" in page
        assert only.step1.data_asset_name in page and only.step1.importer.name in page
        visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
        assert not code_tokens(visible), (path.name, code_tokens(visible))
    assert sorted(found) == ids


def test_bank_assessments_follow_the_engine(tmp_path: Path) -> None:
    result = assessments_of("bank")
    by_id = {a.id: a for a in result.assessments}
    china = by_id[CN_TRANSFER]
    assert china.step2.conclusion == "no valid transfer tool"
    assert china.step2.assessment_needed
    assert china.step1.exporter.role == "controller (the organisation)"
    assert china.step1.importer.country == "China (CN)"
    laws = {law.short_name for law in china.step3.laws}
    assert "PRC National Intelligence Law" in laws
    for law in china.step3.laws:
        assert law.sources and law.as_of and law.citation
        assert all(r.chain for r in law.reach)
    # The importer processes in clear: no measure is effective against compelled access.
    assert china.step4.processes_in_clear.startswith("yes")
    assert all(m.effective != "effective" for m in china.step4.measures)
    assert "No declared measure" in china.step4.conclusion
    # Adequacy: steps 3 and 4 are not required, and the assessment says so.
    swiss = by_id["advisor-assistant/llm/CH/advisor-questions"]
    assert swiss.step2.conclusion == "adequacy decision" and not swiss.step2.assessment_needed
    assert swiss.step4.conclusion.startswith(
        "Supplementary measures are not required for this transfer: it rests on an adequacy"
    )
    # A law that reaches through the UK's territory is not in the Swiss assessment.
    assert all(law.jurisdiction != "United Kingdom (GB)" for law in swiss.step3.laws)
    # Default re-evaluation: one year after the audit date; the option sets it.
    assert china.re_evaluation_date == "2027-11-28"
    moved = assessments_of("bank", "--transfer", CN_TRANSFER, "--re-evaluate", "2027-06-30")
    assert [a.re_evaluation_date for a in moved.assessments] == ["2027-06-30"]


def test_no_transfer_tool_is_never_weighed_against_practice() -> None:
    """Without a tool there is nothing whose effectiveness the law could impinge on: the
    transfer is unlawful until one is in place (GDPR Art. 44), whatever the signer finds."""
    (china,) = assessments_of("bank", "--transfer", CN_TRANSFER).assessments
    assert "does not impinge on the tool in practice" not in china.step4.conclusion
    assert "No transfer tool is in place (step 2)" in china.step4.conclusion
    assert "Art. 44" in china.step4.conclusion
    assert not any("effectiveness of the transfer tool for this" in d for d in china.decisions)
    assert any(d.startswith("Which transfer tool to put in place") for d in china.decisions)
    assert any(d.startswith("Whether the supplementary measures") for d in china.decisions)
    (anywhere,) = assessments_of(
        "bank", "--transfer", "aml-alert-assistant/llm/global/aml-alerts"
    ).assessments
    assert "does not impinge on the tool in practice" not in anywhere.step4.conclusion
    assert "find the destinations first" in anywhere.step4.conclusion
    assert "law and practice of anywhere" not in " ".join(anywhere.decisions)


def test_the_audit_names_the_transfer_tools_as_the_assessment_does() -> None:
    """The finding's condition and the TIA's step 2 speak of the same tools, in words."""
    done = CliRunner().invoke(
        cli, ["audit", str(EXAMPLES / "bank"), "--json", "-", "--today", TODAY]
    )
    result = json.loads(done.output)
    (unassessable,) = [
        f
        for f in result["findings"]
        if f["rule_id"] == "gdpr-transfer-unassessable"
        and f["subject"]["system"] == "aml-alert-assistant"
    ]
    # Microsoft Ireland (in the EEA) handles the data anywhere: its onward transfer, under
    # its own tools. The bank's DPF and SCCs with it are the bank's and cover none of that.
    onward = (
        "none recorded for Microsoft Ireland Operations Limited's onward transfer (the "
        "organisation's own tools with it do not cover that transfer)"
    )
    assert f"tools recorded: {onward}" in unassessable["condition"], unassessable["condition"]
    assert "dpf" not in unassessable["condition"]
    assert "Data Privacy Framework" not in unassessable["condition"]
    (anywhere,) = assessments_of(
        "bank", "--transfer", "aml-alert-assistant/llm/global/aml-alerts"
    ).assessments
    assert anywhere.step2.tools == [onward]


def test_the_signature_block_names_the_exporter_in_its_role(tmp_path: Path) -> None:
    """A processor that engaged a sub-processor abroad exports (Module 3): it signs as the
    exporter, not as a controller; the organisation's own transfer keeps the controller."""
    from tests.test_places import _supported_db

    for engaged_by, signs in (
        ("hostco", "Data exporter (processor): HostCo SAS"),
        (None, "Data exporter (controller): "),
    ):
        folder = tmp_path / str(engaged_by)
        folder.mkdir()
        inventory = _supported_db(engaged_by)
        (folder / "inventory.yaml").write_text(yaml.safe_dump(inventory), encoding="utf-8")
        page = folder / "tia.html"
        tia(str(folder), "--html", str(page))
        html = page.read_text(encoding="utf-8")
        assert signs in html
        assert "Data importer (where the clauses require it): Helpdesk Pvt Ltd" in html
        assert (engaged_by is None) == ("Data exporter (controller)" in html)


def test_the_data_privacy_framework_is_checked_only_for_a_transfer_to_the_us() -> None:
    """The bank's Swiss transfer records 'dpf' (for the US hosting provider under it): the
    Swiss importer, a Luxembourg company, has no DPF certification to check."""
    swiss = assessments_of("bank", "--transfer", "advisor-assistant/llm/CH/advisor-questions")
    (ch,) = swiss.assessments
    assert not any("Data Privacy Framework list" in step for step in ch.step5), ch.step5
    assert not any("Data Privacy Framework" in trigger for trigger in ch.step6)
    assert any(t.startswith("The adequacy decision for Switzerland is amended") for t in ch.step6)
    us = assessments_of(
        "ministry", "--transfer", "transcription-reunions/transcription/US/comptes-rendus"
    )
    (verbalis,) = us.assessments
    assert any(
        "Verbalis, Inc.'s certification on the Data Privacy Framework list" in step
        for step in verbalis.step5
    )
    assert any("EU-US Data Privacy Framework" in trigger for trigger in verbalis.step6)


def test_who_engaged_a_sub_processor_is_asked_not_assumed(tmp_path: Path) -> None:
    """Verbalis, Inc. supports a service Verbalis Europe runs: if Verbalis Europe engaged it,
    Verbalis Europe exports under Module 3. The inventory does not say, so the TIA asks."""
    (verbalis,) = assessments_of(
        "ministry", "--transfer", "transcription-reunions/transcription/US/comptes-rendus"
    ).assessments
    assert verbalis.step2.scc_module == "Module 2 (controller to processor)"
    (question,) = [u for u in verbalis.unknowns if u.startswith("who engaged Verbalis, Inc.")]
    assert "Verbalis Europe Limited is the exporter" in question and "Module 3" in question
    # Declared (engaged_by), the question is settled.
    from tests.test_places import _supported_db

    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(yaml.safe_dump(_supported_db("hostco")), encoding="utf-8")
    (declared,) = TransferAssessments.model_validate_json(
        tia(str(inventory), "--json", "-")
    ).assessments
    assert declared.step2.scc_module == "Module 3 (processor to processor)"
    assert not any(u.startswith("who engaged") for u in declared.unknowns)


def test_data_subjects_are_in_words() -> None:
    (pinecone,) = assessments_of(
        "startup-saas", "--transfer", "cv-matching/vector-store/US/candidate-cvs"
    ).assessments
    assert pinecone.step1.subjects == "job applicant"  # declared as job_applicant


def test_unknown_is_shown_as_unknown_never_as_clean() -> None:
    result = assessments_of("bank", "--transfer", "aml-alert-assistant/llm/global/aml-alerts")
    (anywhere,) = result.assessments
    assert anywhere.step2.conclusion == "cannot be assessed"
    assert anywhere.unknowns, "an unassessable destination leaves open questions"
    assert any("where the data goes" in u for u in anywhere.unknowns)
    processing = next(p for p in anywhere.step1.places if p.role == "processing")
    assert processing.place == "anywhere"
    assert processing.outside_eea == "possibly (anywhere)"
    assert anywhere.decisions[0].startswith("The answers to the open questions")


def test_what_the_inventory_does_not_say_is_asked_for(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(EXAMPLES / "bank", bank)
    data = bank / "data.yaml"
    text = data.read_text(encoding="utf-8")
    # complaint-texts without its data subjects and volume
    start = text.index("  - id: complaint-texts")
    end = text.index("  - id:", start + 5)
    block = text[start:end]
    block = re.sub(r"\n    subjects:\n(      - .*\n)+", "\n", block)
    block = re.sub(r"\n    volume: .*", "", block)
    data.write_text(text[:start] + block + text[end:], encoding="utf-8")
    done = CliRunner().invoke(
        cli, ["tia", str(bank), "--transfer", CN_TRANSFER, "--json", "-", "--today", TODAY]
    )
    assert done.exit_code == 0, done.output
    (china,) = TransferAssessments.model_validate_json(done.output).assessments
    assert china.step1.subjects.startswith("not stated in the inventory - ask"), (
        china.step1.subjects
    )
    assert china.step1.volume.startswith("not stated in the inventory - ask")
    assert any(u.startswith("data subjects: not stated") for u in china.unknowns)
    assert any(u.startswith("volume: not stated") for u in china.unknowns)


def test_an_unknown_transfer_id_is_a_usage_error_that_lists_the_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["tia", str(EXAMPLES / "bank"), "--transfer", "nope/llm/US/x", "--today", TODAY])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "no transfer with the id 'nope/llm/US/x'" in err
    assert CN_TRANSFER in err and "Traceback" not in err


def test_earlier_assessments_left_in_the_folder_are_pointed_out(tmp_path: Path) -> None:
    """A signer must not take an earlier run's file, or one of a transfer the audit no longer
    finds, for a current assessment: the command names them (and leaves them alone)."""
    out = tmp_path / "tia"
    out.mkdir()
    gone = out / "tia-old-system__llm__US__notes.json"
    gone.write_text("{}", encoding="utf-8")
    older = out / "tia-guidelines-assistant__llm__CH__staff-questions.html"
    older.write_text("<p>an earlier run</p>", encoding="utf-8")
    (out / "signed-copy.pdf").write_bytes(b"%PDF")  # not named like an assessment: not ours
    args = ["tia", str(EXAMPLES / "hospital"), "-o", str(out), "--format", "json"]
    done = CliRunner().invoke(cli, [*args, "--today", TODAY])
    assert done.exit_code == 0, done.output
    assert "note: 2 assessment file(s)" in done.stderr
    assert gone.name in done.stderr and older.name in done.stderr
    assert "signed-copy.pdf" not in done.stderr
    assert "staff-questions.json" not in done.stderr  # written by this run
    assert gone.exists() and older.exists()
    # A format named twice is written once, and the count says so.
    assert "wrote 4 file(s)" in done.output
    twice = CliRunner().invoke(cli, [*args, "--format", "json", "--today", TODAY])
    assert "wrote 4 file(s)" in twice.output, twice.output
    # A run that writes every file it finds there says nothing.
    gone.unlink()
    older.unlink()
    again = CliRunner().invoke(cli, [*args, "--today", TODAY])
    assert again.exit_code == 0 and "note:" not in again.stderr


def test_a_mistyped_id_among_many_gets_the_closest_ids_not_all_of_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from benchmarks.generate import generate

    generate(30, tmp_path / "estate", seed=7)
    listed = CliRunner().invoke(cli, ["tia", str(tmp_path / "estate"), "--today", TODAY])
    ids = re.findall(r"^    id (\S+)$", listed.output, flags=re.M)
    assert len(ids) > 10, len(ids)
    typo = ids[5][:-1]  # the last character dropped
    with pytest.raises(SystemExit) as info:
        main(["tia", str(tmp_path / "estate"), "--transfer", typo, "--today", TODAY])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"did you mean {ids[5]}" in err
    assert f"lists all {len(set(ids))} ids" in err
    assert sum(ident in err for ident in ids) <= 3, err  # not every id in one line


def test_a_re_evaluation_date_not_after_the_audit_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page = tmp_path / "x.html"
    with pytest.raises(SystemExit) as info:
        late = ["--re-evaluate", "2020-01-01", "--today", TODAY]
        main(["tia", str(EXAMPLES / "bank"), "--transfer", CN_TRANSFER, "--html", str(page), *late])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"--re-evaluate 2020-01-01 is not after the audit date {TODAY}" in err
    assert "Traceback" not in err and not page.exists()


def test_one_file_options_need_one_transfer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["tia", str(EXAMPLES / "bank"), "--html", str(tmp_path / "x.html"), "--today", TODAY])
    assert info.value.code == 2
    assert "--transfer ID" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_the_worksheet_has_fields_to_fill_and_no_numbers(tmp_path: Path) -> None:
    page = tmp_path / "tia.html"
    text = tia("examples/bank", "--transfer", CN_TRANSFER, "--worksheet", "--html", str(page))
    assert "wrote 1 file(s)" in text
    (china,) = assessments_of("bank", "--transfer", CN_TRANSFER, "--worksheet").assessments
    sheet = china.worksheet
    assert sheet is not None
    assert len(sheet.cells) == len(sheet.scenarios) * len(sheet.factors)
    assert all(cell is None for row in sheet.cells for cell in row)
    assert any("PRC National Intelligence Law" in s for s in sheet.scenarios)
    assert any("1 - the product" in f for f in sheet.formula)
    html = page.read_text(encoding="utf-8")
    worksheet = html[html.index('id="worksheet"') :]
    cells = re.findall(r'<td class="fill[^"]*">(.*?)</td>', worksheet)
    assert cells and all(c == "&nbsp;" for c in cells), set(cells)
    # Without the flag there is no worksheet.
    (plain,) = assessments_of("bank", "--transfer", CN_TRANSFER).assessments
    assert plain.worksheet is None


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if the change is intended, run "
        f"UPDATE_GOLDEN=1 pytest {__file__} and review the diff"
    )


def test_golden_json_and_html(tmp_path: Path) -> None:
    args = ("examples/bank", "--transfer", CN_TRANSFER, "--worksheet")
    first = tia(*args, "--json", "-")
    assert first == tia(*args, "--json", "-")  # deterministic
    _golden("tia-bank-china.json", first)
    page = tmp_path / "tia.html"
    tia(*args, "--html", str(page))
    html = page.read_text(encoding="utf-8")
    again = tmp_path / "again.html"
    tia(*args, "--html", str(again))
    assert html == again.read_text(encoding="utf-8")
    _golden("tia-bank-china.html", html)
    # Written for people: no raw code of the engine's vocabularies in the visible text.
    body = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S)
    assert not code_tokens(body), code_tokens(body)


def test_pdf_renders_every_step(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    target = tmp_path / "tia.pdf"
    tia("examples/bank", "--transfer", CN_TRANSFER, "--worksheet", "--pdf", str(target))
    assert target.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    text = " ".join(text.split())
    for heading in (*STEP_HEADINGS, "Probability worksheet", "Open questions"):
        assert heading in text, heading
    assert "Hangzhou DeepSeek" in text and "2027-11-28" in text


def test_the_transfer_register_csv(tmp_path: Path) -> None:
    target = tmp_path / "transfers.csv"
    done = CliRunner().invoke(
        cli,
        [
            "audit",
            str(EXAMPLES / "bank"),
            "--transfers-csv",
            str(target),
            "--today",
            TODAY,
            "--fail-on",
            "never",
            "--quiet",
        ],
    )
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0] == [
        "id",
        "system",
        "component",
        "data_asset",
        "data_asset_name",
        "data_categories",
        "sensitivity",
        "data_subjects",
        "exporter",
        "importer",
        "importer_country",
        "role",
        "transfer_tool",
        "adequacy",
        "scc_module",
        "supplementary_measures",
        "conclusion",
        "explanation",
        "tia",
        "tia_reference",
        "re_evaluation_due",
        "data_category_codes",
        "data_subject_codes",
    ]
    assert len(rows) == 1 + 8
    row = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == CN_TRANSFER), strict=True))
    assert row["importer"].startswith("Hangzhou DeepSeek")
    assert row["importer_country"] == "China (CN)"
    assert row["conclusion"] == "no valid transfer tool"
    assert row["transfer_tool"] == "none recorded"
    assert row["scc_module"] == "Module 2 (controller to processor)"
    # Words, as the TIA writes them; the taxonomy codes stay in columns of their own.
    assert row["data_categories"] == "name; email; address; bank account; financial; private"
    assert "user." not in "".join(r[5] for r in rows[1:])
    assert row["data_category_codes"].split("; ")[:2] == ["user.name", "user.contact.email"]
    assert row["data_subjects"] == "customer" == row["data_subject_codes"]
    advisor = next(r for r in rows[1:] if r[0].endswith("/client-meeting-notes"))
    assert advisor[7] == "customer; next of kin" and advisor[-1] == "customer; next_of_kin"
    assert row["exporter"] == "Banque de l'Alzette S.A."
    assert row["tia"] == "required once a tool is chosen"
    assert row["tia_reference"] == f"auditor tia --transfer {CN_TRANSFER}"
    assert row["re_evaluation_due"] == "2027-11-28"
    ids = [r[0] for r in rows[1:]]
    assert ids == sorted(ids)


def test_hostile_names_are_escaped_and_nothing_is_fetched(tmp_path: Path) -> None:
    from tests.report.conftest import write_hostile

    folder = write_hostile(tmp_path / "hostile", "127.0.0.1:9")
    done = CliRunner().invoke(
        cli, ["tia", str(folder), "-o", str(tmp_path / "out"), "--format", "html", "--today", TODAY]
    )
    assert done.exit_code == 0, (done.output, done.exception)
    (page,) = (tmp_path / "out").glob("*.html")
    html = page.read_text(encoding="utf-8")
    assert "Shady &lt;img" in html  # the importer's name, escaped
    for raw in ("<script>", "<img src", "<iframe", "<base href", "<object", "<svg onload"):
        assert raw not in html, raw
    assert "<script" not in html  # the assessment carries no script at all


def test_the_register_cannot_run_formulas() -> None:
    from auditor.audit import AuditOptions, run_audit
    from auditor.report.csv_report import render_transfers_csv

    result = run_audit([EXAMPLES / "bank"], AuditOptions(today=dt.date(2026, 11, 28)))
    hostile = result.model_copy(
        update={
            "transfers": [
                t.model_copy(update={"importer_name": '=HYPERLINK("http://x","y")'})
                for t in result.transfers
            ]
        }
    )
    rows = list(csv.DictReader(io.StringIO(render_transfers_csv(hostile))))
    assert rows and all(r["importer"].startswith("'=") for r in rows)


def test_the_pdf_fetches_nothing(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    from tests.report.conftest import TrapServer, write_hostile

    trap = TrapServer()
    try:
        folder = write_hostile(tmp_path / "hostile", trap.host)
        target = tmp_path / "tia.pdf"
        done = CliRunner().invoke(
            cli, ["tia", str(folder), "--pdf", str(target), "--worksheet", "--today", TODAY]
        )
        assert done.exit_code == 0, (done.output, done.exception)
        assert target.read_bytes().startswith(b"%PDF-")
    finally:
        trap.close()
    assert trap.requests == []
