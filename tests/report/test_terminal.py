"""The terminal summary and progress of `auditor audit`: where a long run is, and the worst
systems first under names no two of which look alike (issue 18)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import cli as cli_module
from auditor.cli import cli
from auditor.model.document import result_from_document
from auditor.model.findings import AuditResult
from auditor.report.terminal import render_summary, unique_labels
from benchmarks.generate import generate
from tests.conftest import EXAMPLES
from tests.report.conftest import enlarge

ROW = re.compile(r"^(?P<label>.+?)\s+(?P<c>\d+)\s+(?P<h>\d+)\s+(?P<m>\d+)\s+(?P<l>\d+)\s+\S+$")


def system_rows(summary: str) -> list[tuple[str, tuple[int, int, int, int]]]:
    table = summary.split("\nsystem ", 1)[1].splitlines()[1:]
    rows = []
    for line in table:
        match = ROW.match(line)
        if match and not line.startswith("(providers"):
            rows.append(
                (
                    match["label"],
                    (int(match["c"]), int(match["h"]), int(match["m"]), int(match["l"])),
                )
            )
    return rows


def test_summary_shows_the_worst_systems_first_under_unique_names(
    hospital: AuditResult, bank: AuditResult
) -> None:
    # 30 copies of the hospital: every system name is used 30 times over.
    large = enlarge(hospital, bank, 30)
    systems = {c.subject for c in large.scores if c.kind == "system"}
    summary = render_summary(large)
    rows = system_rows(summary)
    assert len(rows) == 20
    assert f"... and {len(systems) - 20} more systems" in summary
    labels = [label for label, _ in rows]
    assert len(set(labels)) == len(labels)  # no two systems look alike
    counts = [c for _, c in rows]
    assert counts == sorted(counts, reverse=True)  # worst first
    worst = max(
        tuple(
            sum(
                1
                for f in large.findings
                if f.subject.get("system") == s and f.severity.value == sev
            )
            for sev in ("critical", "high", "medium", "low")
        )
        for s in systems
    )
    assert counts[0] == worst


def test_unique_labels_keep_the_id_whole_and_never_collide() -> None:
    names = {
        "radiology-drafting-de-00001": "Radiology report drafting for the internal medicine wards",
        "radiology-drafting-de-00002": "Radiology report drafting for the internal medicine wards",
        "coding-a": "Coding assistant for the medical controlling department, Germany",
        "coding-b": "Coding assistant for the medical controlling department, Austria",
        "short": "Tariff explainer",
    }
    labels = unique_labels(names, 48)
    assert len(set(labels.values())) == len(labels)
    assert labels["short"] == "Tariff explainer"
    assert labels["radiology-drafting-de-00001"].endswith("(radiology-drafting-de-00001)")
    assert len(labels["radiology-drafting-de-00001"]) <= 48
    # Shortened in the middle: both ends, where the names differ, stay.
    assert labels["coding-a"].endswith("Germany") and labels["coding-b"].endswith("Austria")
    assert all(len(v) <= 48 for v in labels.values())


@pytest.mark.slow
def test_a_3000_system_audit_summary_is_bounded_and_worst_first(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    generate(3000, estate)
    result = CliRunner().invoke(
        cli, ["audit", str(estate), "--fail-on", "never", "--today", "2026-01-15"]
    )
    assert result.exit_code == 0, result.output
    rows = system_rows(result.stdout)
    assert len(rows) == 20
    assert "... and 2980 more systems" in result.stdout
    labels = [label for label, _ in rows]
    assert len(set(labels)) == len(labels)
    assert [c for _, c in rows] == sorted((c for _, c in rows), reverse=True)
    assert result.stderr == ""  # stderr is not a terminal: no progress


def test_progress_on_a_terminal_counts_stages_and_pdf_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_module, "_is_terminal", lambda stream: True)
    pdf = tmp_path / "report.pdf"
    args = ["audit", str(EXAMPLES / "startup-saas"), "--fail-on", "never", "--pdf", str(pdf)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    steps = result.stderr.split("\r\x1b[K")
    assert any(re.search(r"^\[\s*\d+ s\] audit stage 1: ", s) for s in steps)
    assert any("audit stage 4: " in s for s in steps)
    assert any(f"writing {pdf} ..." in s for s in steps)
    pages = [
        int(m[1]) for s in steps if (m := re.search(r"PDF step 5 of 7: laying out page (\d+)", s))
    ]
    assert pages[:3] == [1, 2, 3]
    assert any("PDF step 6 of 7: writing the PDF" in s for s in steps)
    assert result.stderr.endswith("\r\x1b[K")  # the line is cleared before the summary
    assert "findings:" in result.stdout and "\x1b" not in result.stdout

    quiet = CliRunner().invoke(cli, [*args, "--quiet"])
    assert quiet.exit_code == 0
    assert quiet.stderr == "" and quiet.stdout == ""


def test_summary_counts_transfers_by_the_conclusion_each_transfer_states(
    tmp_path: Path,
) -> None:
    """Issue 21: a transfer to an unknown destination 'cannot be assessed' (as the TIA and
    the transfer table say); the summaries must not count it as one without a valid tool."""
    out = tmp_path / "bank.json"
    html = tmp_path / "bank.html"
    md = tmp_path / "bank.md"
    run = CliRunner().invoke(
        cli,
        [
            "audit",
            str(EXAMPLES / "bank"),
            "--today",
            "2026-03-01",
            "--fail-on",
            "never",
            "--no-config",
            "--json",
            str(out),
            "--html",
            str(html),
            "--markdown",
            str(md),
        ],
    )
    assert run.exit_code == 0, run.output
    result = result_from_document(json.loads(out.read_text(encoding="utf-8")))
    conclusions = [t.conclusion.value for t in result.transfers]
    no_tool, unknown = conclusions.count("no_valid_tool"), conclusions.count("unknown")
    assert no_tool and unknown, "the bank example has transfers of both kinds"
    assert (result.summary.transfers_without_valid_tool, result.summary.transfers_unassessable) == (
        no_tool,
        unknown,
    )
    said = f"({no_tool} without a valid tool, {unknown} cannot be assessed)"
    assert f"transfers outside the EEA: {len(conclusions)} {said}" in run.output
    assert said in md.read_text(encoding="utf-8")
    page = html.read_text(encoding="utf-8")
    assert f"({no_tool} without a valid transfer tool, {unknown} cannot be assessed)" in page
    assert f"{no_tool} without a valid transfer tool, {unknown} cannot be assessed." in page


def test_top_exposures_say_the_mitigation_in_words() -> None:
    result = CliRunner().invoke(
        cli, ["audit", str(EXAMPLES / "hospital"), "--fail-on", "never", "--today", "2026-12-05"]
    )
    assert result.exit_code == 0, result.output
    block = result.output.split("top exposures:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    top = [line for line in block if not line.startswith("  ... ")]
    assert top and all(line.endswith(("[not mitigated]", "[partly mitigated]")) for line in top), (
        top
    )
    assert "[none]" not in result.output and "[partial]" not in result.output
