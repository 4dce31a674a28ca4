"""CI integration: SARIF (schema + GitHub rules), JUnit, Markdown, CSV, exit policy,
waivers, baselines, diff mode and the config file, through the command line."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.cli import main
from auditor.model.words import category_words as code_words
from auditor.model.words import code_tokens
from auditor.report.csv_report import cell
from auditor.report.markdown import render_markdown
from tests.conftest import EXAMPLES, ROOT

SCHEMA = json.loads((ROOT / "tests/data/sarif-schema-2.1.0.json").read_text())

SMALL = """\
organisation: {name: Muster GmbH, country: DE, entity: muster}
entities:
  - {id: muster, name: Muster GmbH, country: DE, parents: []}
data:
  - {id: customers, categories: [user.name, user.contact.email], classification: confidential}
systems:
  - id: mail-assistant
    purpose: Drafts replies to customer e-mails.
    components:
      - {id: app, kind: application, on_prem: {country: DE}, operator: muster}
      - {id: llm, kind: model_api, vendor: azure-openai, region: azure:swedencentral, deployment: DataZoneStandard}
    flows:
      - {from: app, to: llm, data: [customers]}
"""

EXTRA_SYSTEM = """\
  - id: chat-pilot
    purpose: Tries a Chinese model on the same e-mails.
    components:
      - {id: app, kind: application, on_prem: {country: DE}, operator: muster}
      - {id: llm, kind: model_api, vendor: deepseek}
    flows:
      - {from: app, to: llm, data: [customers]}
"""


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    return int(info.value.code or 0)


def small(tmp_path: Path, text: str = SMALL) -> Path:
    folder = tmp_path / "inv"
    folder.mkdir(exist_ok=True)
    (folder / "inventory.yaml").write_text(text)
    return folder


@pytest.mark.parametrize("name", ["hospital", "ministry", "bank", "startup-saas"])
def test_sarif_validates_and_follows_github_rules(name: str, tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    run("audit", str(EXAMPLES / name), "--sarif", str(out), "--today", "2026-11-28", "--quiet")
    log = json.loads(out.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (run_,) = log["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    for rule in rules:
        severity = rule["properties"]["security-severity"]
        assert isinstance(severity, str) and 0.0 <= float(severity) <= 10.0
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert "security" in rule["properties"]["tags"]
    assert run_["results"]
    for result in run_["results"]:
        assert result["partialFingerprints"]["residencyAuditorFingerprint/v1"]
        assert result["message"]["text"]
        # Read by people in code scanning: the engine's codes in words.
        shown = [result["message"]["text"]]
        shown += [r["message"]["text"] for r in result.get("relatedLocations", [])]
        assert not code_tokens(" ".join(shown)), sorted(set(code_tokens(" ".join(shown))))
        for location in result["locations"] + result.get("relatedLocations", []):
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert not uri.startswith("/") and ".." not in uri.split("/"), uri
            assert physical["region"]["startLine"] >= 1
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
            "examples/"
        )


def test_sarif_keeps_the_most_severe_results_within_code_scannings_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub rejects a run of more than 25,000 results; a capped file says what it left out."""
    from auditor.report import sarif

    full, capped = tmp_path / "full.sarif", tmp_path / "capped.sarif"
    args = ("audit", str(EXAMPLES / "hospital"), "--today", "2026-11-28", "--quiet")
    run(*args, "--sarif", str(full))
    results = json.loads(full.read_text())["runs"][0]["results"]
    assert len(results) > 3
    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    run(*args, "--sarif", str(capped))
    log = json.loads(capped.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (run_,) = log["runs"]
    assert run_["results"] == results[:3]
    ranks = ["critical", "high", "medium", "low", "info"]
    kept = max(ranks.index(r["properties"]["severity"]) for r in run_["results"])
    assert all(ranks.index(r["properties"]["severity"]) >= kept for r in results[3:])
    (note,) = run_["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith(f"{len(results) - 3} of {len(results)} findings")
    assert note["message"]["text"] in run_["properties"]["notices"]


def test_fingerprints_are_stable_when_unrelated_lines_move(tmp_path: Path) -> None:
    copy = tmp_path / "bank"
    shutil.copytree(EXAMPLES / "bank", copy)
    first, second = tmp_path / "a.sarif", tmp_path / "b.sarif"
    run("audit", str(copy), "--sarif", str(first), "--today", "2026-11-28", "--quiet")
    for path in copy.rglob("*.yaml"):
        path.write_text("# reviewed 2026-11-28\n# owner: compliance\n\n" + path.read_text())
    run("audit", str(copy), "--sarif", str(second), "--today", "2026-11-28", "--quiet")

    def prints(path: Path) -> list[tuple[str, int]]:
        results = json.loads(path.read_text())["runs"][0]["results"]
        return sorted(
            (
                r["partialFingerprints"]["residencyAuditorFingerprint/v1"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in results
        )

    before, after = prints(first), prints(second)
    assert [f for f, _ in before] == [f for f, _ in after]
    # every inventory line moved by the three added lines; knowledge-base findings stay at line 1
    assert [line + 3 if line > 1 else 1 for _, line in before] == [line for _, line in after]


def test_exit_code_per_threshold(tmp_path: Path) -> None:
    folder = small(tmp_path)  # high findings (US law over personal data), nothing critical
    assert run("audit", str(folder), "--quiet", "--fail-on", "critical") == 0
    assert run("audit", str(folder), "--quiet", "--fail-on", "high") == 1
    assert run("audit", str(folder), "--quiet") == 1  # default high
    assert run("audit", str(folder), "--quiet", "--fail-on", "never") == 0
    assert run("audit", str(folder), "--quiet", "--fail-on", "sometimes") == 2


def test_junit_has_a_case_per_rule_and_subject(tmp_path: Path) -> None:
    out = tmp_path / "r.xml"
    run("audit", str(small(tmp_path)), "--junit", str(out), "--quiet")
    root = ET.parse(out).getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert "us-cloud-act-exposure" in suites and "closed-api-dependency" in suites
    failures = root.findall(".//failure")
    assert failures and int(root.get("failures", "0")) == len(failures)
    texts = " ".join(f.text or "" for f in failures)
    assert not code_tokens(texts), sorted(set(code_tokens(texts)))  # in words, for people
    assert all(c.get("name") for c in root.iter("testcase"))


def _waivers(tmp_path: Path, expires: str) -> Path:
    path = tmp_path / "waivers.yaml"
    body = "waivers:\n"
    for rule in (
        "us-cloud-act-exposure",
        "us-fisa-702-exposure",
        "evidence-gap-location",
        "policy-residency-reach",
    ):
        body += (
            f"  - rule: {rule}\n"
            "    subject: {system: mail-assistant}\n"
            "    reason: Accepted until the EU provider migration (risk register R-17).\n"
            "    approved_by: Dr. Jana Weber, DPO\n"
            f"    expires: {expires}\n"
        )
    path.write_text(body)
    return path


def test_waivers_apply_and_an_expired_waiver_fails_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = small(tmp_path)
    valid = _waivers(tmp_path, "2027-06-30")
    assert (
        run(
            "audit",
            str(folder),
            "--waivers",
            str(valid),
            "--today",
            "2026-11-28",
            "--fail-on",
            "high",
        )
        == 0
    )
    assert "waived:" in capsys.readouterr().out
    assert (
        run("audit", str(folder), "--waivers", str(valid), "--no-waivers", "--today", "2026-11-28")
        == 1
    )
    capsys.readouterr()
    expired = _waivers(tmp_path, "2026-10-31")
    md = tmp_path / "s.md"
    sarif = tmp_path / "s.sarif"
    code = run(
        "audit",
        str(folder),
        "--waivers",
        str(expired),
        "--today",
        "2026-11-28",
        "--markdown",
        str(md),
        "--sarif",
        str(sarif),
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "expired on 2026-10-31" in out and "waivers.yaml:2" in out
    assert "expired on 2026-10-31" in md.read_text()
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert not any("suppressions" in r for r in results)
    assert any("waiver expired" in r["message"]["text"] for r in results)


def _audit_waived(tmp_path: Path, *outputs: str) -> None:
    """The small inventory with waivers valid until mid-2027, writing ``outputs``."""
    waivers = str(_waivers(tmp_path, "2027-06-30"))
    run(
        "audit",
        str(small(tmp_path)),
        "--waivers",
        waivers,
        "--today",
        "2026-11-28",
        *outputs,
        "--quiet",
    )


def test_valid_waiver_is_a_sarif_suppression(tmp_path: Path) -> None:
    sarif = tmp_path / "s.sarif"
    _audit_waived(tmp_path, "--sarif", str(sarif))
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert suppressed and all(
        "Jana Weber" in r["suppressions"][0]["justification"] for r in suppressed
    )


def test_baseline_reports_only_new_findings(tmp_path: Path) -> None:
    folder = small(tmp_path)
    baseline = tmp_path / "baseline.json"
    assert run("audit", str(folder), "--write-baseline", str(baseline), "--quiet") == 1
    assert run("audit", str(folder), "--baseline", str(baseline), "--quiet") == 0
    (folder / "inventory.yaml").write_text(SMALL + EXTRA_SYSTEM)
    out = tmp_path / "new.json"
    assert (
        run("audit", str(folder), "--baseline", str(baseline), "--json", str(out), "--quiet") == 1
    )
    result = json.loads(out.read_text())
    systems = {f["subject"].get("system") for f in result["findings"]}
    assert "chat-pilot" in systems and "mail-assistant" not in systems
    assert result["summary"]["in_baseline"] > 0


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_diff_mode_reports_findings_since_a_git_ref(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    folder = repo / "inventory"
    folder.mkdir(parents=True)
    (folder / "inventory.yaml").write_text(SMALL)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "first")
    (folder / "inventory.yaml").write_text(SMALL + EXTRA_SYSTEM)
    _git(repo, "commit", "-qam", "add the pilot")
    monkeypatch.chdir(repo)
    out = repo / "since.json"
    assert run("audit", "inventory", "--since", "HEAD~1", "--json", str(out), "--quiet") == 1
    result = json.loads(out.read_text())
    assert result["findings"] and {f["subject"].get("system") for f in result["findings"]} <= {
        "chat-pilot",
        None,
    }
    assert run("audit", "inventory", "--since", "HEAD", "--quiet") == 0
    assert run("audit", "inventory", "--since", "no-such-ref", "--quiet") == 2


def test_config_file_is_found_upward_and_flags_override_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = small(tmp_path)
    (tmp_path / ".auditor.yaml").write_text(
        "paths: [inv]\nfail_on: critical\noutputs: {json: out/result.json}\nsoft_fail: []\n"
    )
    (tmp_path / "out").mkdir()
    sub = tmp_path / "deeper"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert run("audit", "--quiet") == 0  # fail_on critical from the config
    assert (tmp_path / "out/result.json").is_file()
    assert run("audit", "--quiet", "--fail-on", "high") == 1  # the flag wins
    assert run("audit", "--quiet", "--no-config", str(folder)) == 1
    (tmp_path / ".auditor.yaml").write_text(
        "paths: [inv]\nhard_fail: [closed-api-dependency]\nfail_on: never\n"
    )
    assert run("audit", "--quiet") == 0  # closed-api-dependency needs a high-criticality system
    (tmp_path / ".auditor.yaml").write_text(
        "paths: [inv]\nfail_on: high\nsoft_fail: [us-cloud-act-exposure, us-fisa-702-exposure, policy-residency-reach]\n"
    )
    assert run("audit", "--quiet") == 0
    (tmp_path / ".auditor.yaml").write_text("pathz: [inv]\n")
    assert run("audit", "--quiet") == 3


def test_csv_cells_cannot_run_formulas(tmp_path: Path) -> None:
    assert cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert cell("+1") == "'+1" and cell("-2") == "'-2" and cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell("plain") == "plain"
    hostile = SMALL.replace("Drafts replies to customer e-mails.", "=cmd|' /C calc'!A0")
    out = tmp_path / "f.csv"
    run("audit", str(small(tmp_path, hostile)), "--csv", str(out), "--quiet")
    register = list(csv.reader((tmp_path / "f.register.csv").read_text().splitlines()))
    assert any(row[2] == "'=cmd|' /C calc'!A0" for row in register[1:])
    rows = list(csv.reader(out.read_text().splitlines()))
    assert rows[0][0] == "severity" and len(rows) > 1


def test_register_csv_writes_categories_in_words_and_keeps_the_codes_apart(
    tmp_path: Path,
) -> None:
    out = tmp_path / "f.csv"
    run("audit", str(EXAMPLES / "hospital"), "--csv", str(out), "--quiet", "--fail-on", "never")
    rows = list(csv.reader((tmp_path / "f.register.csv").read_text().splitlines()))
    header, body = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header[-2:] == ["data_category_codes", "data_subject_codes"]
    with_data = [r for r in body if r["data_category_codes"]]
    assert with_data
    for row in with_data:
        codes = row["data_category_codes"].split("; ")
        assert row["categories"].split("; ") == [code_words(c) for c in codes]
        assert not any("." in w or "_" in w for w in row["categories"].split("; "))
        assert len(row["subjects"].split("; ")) == len(row["data_subject_codes"].split("; "))
        assert "_" not in row["subjects"]


def test_markdown_is_escaped_and_fits_a_pull_request_comment(tmp_path: Path) -> None:
    from auditor.audit import AuditOptions, run_audit
    from tests.conftest import TODAY

    hostile = SMALL.replace(
        "{name: Muster GmbH, country",
        "{name: 'Muster <img src=x onerror=alert(1)> [x](http://evil) GmbH', country",
        1,
    )
    result = run_audit([small(tmp_path, hostile)], AuditOptions(today=TODAY))
    text = render_markdown(result)
    assert "<img" not in text and "](http" not in text
    bank = run_audit([EXAMPLES / "bank"], AuditOptions(today=TODAY))
    limited = render_markdown(bank, limit=4000)
    assert len(limited) <= 4000 and "Truncated" in limited
    assert len(render_markdown(bank)) <= 65_536


def test_outputs_to_stdout_and_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = small(tmp_path)
    assert run("audit", str(folder), "--sarif", "-", "--fail-on", "never") == 0
    assert json.loads(capsys.readouterr().out)["version"] == "2.1.0"
    assert run("audit", str(folder), "--sarif", "-", "--json", "-") == 2
    assert run("audit", str(folder), "--json", str(folder / "inventory.yaml")) == 2


def test_limits_are_configurable_in_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small(tmp_path)
    (tmp_path / ".auditor.yaml").write_text(
        "paths: [inv]\nfail_on: never\nlimits: {max_depth: 4}\n"
    )
    monkeypatch.chdir(tmp_path)
    assert run("audit", "--quiet") == 3
    assert "nesting deeper than 4 levels" in capsys.readouterr().err
    (tmp_path / ".auditor.yaml").write_text(
        "paths: [inv]\nfail_on: never\nlimits: {max_file_mb: 0.0001}\n"
    )
    assert run("audit", "--quiet") == 3
    assert "over the limit" in capsys.readouterr().err
    (tmp_path / ".auditor.yaml").write_text("paths: [inv]\nfail_on: never\n")
    assert run("audit", "--quiet") == 0


@pytest.mark.parametrize("name", ["hospital", "bank"])
def test_streamed_json_is_the_same_bytes_as_one_serialisation(name: str, tmp_path: Path) -> None:
    """`--json` is written chunk by chunk; it must equal the result serialised at once."""
    from auditor.audit import AuditOptions, run_audit
    from auditor.report import json_report

    out = tmp_path / "r.json"
    run("audit", str(EXAMPLES / name), "--json", str(out), "--today", "2026-11-28", "--quiet")
    result = run_audit([EXAMPLES / name], AuditOptions(today=dt.date(2026, 11, 28)))
    whole = json_report.render_json_bytes(result)
    assert b"".join(json_report.json_chunks(result)) == whole
    # small batches: every list is split, empty and one-item lists included
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(json_report, "_BATCH", 1)
    try:
        assert b"".join(json_report.json_chunks(result)) == whole
    finally:
        monkeypatch.undo()
    assert out.read_bytes() == whole
    written = json.loads(whole)
    assert written["findings"] and written["exposures"]


GITLAB_SCHEMA = json.loads((ROOT / "tests/data/gitlab-sast-report-format-15.2.1.json").read_text())


@pytest.mark.parametrize("name", ["hospital", "bank"])
def test_gitlab_sast_report_validates_and_tracks_each_finding(name: str, tmp_path: Path) -> None:
    """GitLab's widget reads its own format, not SARIF: one vulnerability per finding, a
    primary identifier per root cause (GitLab merges by primary identifier and location),
    the same bytes on a second run."""
    out, again, result = tmp_path / "gl.json", tmp_path / "gl2.json", tmp_path / "r.json"
    args = ("audit", str(EXAMPLES / name), "--today", "2026-11-28", "--quiet")
    run(*args, "--gitlab-sast", str(out), "--json", str(result))
    run(*args, "--gitlab-sast", str(again))
    assert out.read_bytes() == again.read_bytes()
    report = json.loads(out.read_text())
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate(report)
    assert report["version"] == "15.2.1" and report["scan"]["type"] == "sast"
    assert report["scan"]["start_time"] == "2026-11-28T00:00:00"
    findings = json.loads(result.read_text())["findings"]
    vulns = report["vulnerabilities"]
    assert len(vulns) == len(findings)
    assert len({v["id"] for v in vulns}) == len(vulns)
    assert len({v["identifiers"][0]["value"] for v in vulns}) == len(vulns)
    assert {v["identifiers"][0]["value"] for v in vulns} == {f["fingerprint"] for f in findings}
    worst = {f["fingerprint"]: f["severity"] for f in findings}
    for vuln in vulns:
        assert vuln["severity"].lower() == worst[vuln["identifiers"][0]["value"]]
        assert vuln["location"]["file"].startswith("examples/"), vuln["location"]
        assert vuln["location"]["start_line"] >= 1
        assert "{" not in vuln["name"] and vuln["solution"]
        # Read by people in the merge-request widget: no raw code of the engine's vocabularies.
        shown = vuln["description"] + " " + vuln["solution"]
        assert not code_tokens(shown), (vuln["name"], sorted(set(code_tokens(shown))))


def _places(sarif: Path, gitlab: Path) -> tuple[dict[str, Any], set[tuple[str, str]], set[str]]:
    log = json.loads(sarif.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (run_,) = log["runs"]
    found = {
        (
            loc["physicalLocation"]["artifactLocation"]["uri"],
            loc["physicalLocation"]["artifactLocation"].get("uriBaseId", ""),
        )
        for r in run_["results"]
        for loc in [*r["locations"], *r.get("relatedLocations", [])]
    }
    report = json.loads(gitlab.read_text())
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate(report)
    return run_, found, {v["location"]["file"] for v in report["vulnerabilities"]}


def test_locations_outside_the_working_folder_are_whole_not_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An inventory outside the folder the audit runs in used to lose only its leading '/'
    ('tmp/.../inventory.yaml', a path that exists nowhere). It is now either relative to the
    source root (--source-root, which SARIF's originalUriBaseIds names) or, outside it, whole."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    inventory = small(elsewhere) / "inventory.yaml"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    sarif, gitlab = tmp_path / "r.sarif", tmp_path / "gl.json"
    outputs = ("--sarif", str(sarif), "--gitlab-sast", str(gitlab), "--quiet")
    assert run("audit", str(elsewhere / "inv"), *outputs, "--fail-on", "never") == 0
    run_, found, files = _places(sarif, gitlab)
    assert found == {(inventory.as_uri(), "")}  # an absolute URI needs no base
    assert files == {str(inventory)}
    assert any("--source-root" in n and "outside" in n for n in run_["properties"]["notices"])
    messages = json.loads(gitlab.read_text())["scan"]["messages"]
    assert any("--source-root" in m["value"] for m in messages)

    # With the source root named, the paths are relative to it, from anywhere.
    root = ("--source-root", str(tmp_path))
    assert run("audit", "../elsewhere/inv", *outputs, *root, "--fail-on", "never") == 0
    run_, found, files = _places(sarif, gitlab)
    assert found == {("elsewhere/inv/inventory.yaml", "%SRCROOT%")}
    assert files == {"elsewhere/inv/inventory.yaml"}
    # The base is named but not written as this machine's folder: the bytes stay the same
    # in any checkout (the consumer resolves %SRCROOT% to the repository root).
    assert "uri" not in run_["originalUriBaseIds"]["%SRCROOT%"]
    assert not any("--source-root" in n for n in run_["properties"]["notices"])


def test_locations_are_relative_to_the_config_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from a subfolder, a repository's .auditor.yaml marks the root its paths are
    relative to; the report locations are relative to it too."""
    small(tmp_path)
    sarif, gitlab = tmp_path / "r.sarif", tmp_path / "gl.json"
    (tmp_path / ".auditor.yaml").write_text(
        "paths: [inv]\nfail_on: never\noutputs:\n  sarif: r.sarif\n  gitlab-sast: gl.json\n"
    )
    sub = tmp_path / "docs"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert run("audit", "--quiet") == 0
    _, found, files = _places(sarif, gitlab)
    assert found == {("inv/inventory.yaml", "%SRCROOT%")}
    assert files == {"inv/inventory.yaml"}


def test_gitlab_sast_report_leaves_waived_findings_out_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "gl.json"
    _audit_waived(tmp_path, "--gitlab-sast", str(out))
    report = json.loads(out.read_text())
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate(report)
    messages = [m["value"] for m in report["scan"].get("messages", [])]
    assert any("waived finding" in m and "left out" in m for m in messages), messages


def test_gitlab_sast_output_from_the_config_file(tmp_path: Path) -> None:
    folder = small(tmp_path)
    (tmp_path / ".auditor.yaml").write_text(
        f"paths: [{folder}]\noutputs:\n  gitlab-sast: {tmp_path / 'gl.json'}\n"
    )
    run("audit", "--config", str(tmp_path / ".auditor.yaml"), "--quiet")
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate(
        json.loads((tmp_path / "gl.json").read_text())
    )
