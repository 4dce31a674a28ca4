"""End-to-end through click's runner: exit codes, messages, outputs, schema."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import cli, main
from tests.conftest import EXAMPLES, ROOT


def run(*args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    return int(info.value.code or 0), "", ""


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_validate_examples_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("hospital", "ministry", "bank", "startup-saas"):
        code, _, _ = run("validate", str(EXAMPLES / name))
        assert code == 0
    assert "ok:" in capsys.readouterr().out


def test_validate_broken_copy_exits_3_with_positions(
    hospital_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (hospital_copy / "broken.yaml").write_text(
        "entities:\n  - {id: a, name: A, country: DE, parents: [], extra: 1}\n  - {id: a, name: B}\n"
    )
    code, _, _ = run("validate", str(hospital_copy))
    err = capsys.readouterr().err
    assert code == 3
    assert "broken.yaml:2:" in err and "unknown key 'extra'" in err
    assert "Traceback" not in err


def test_schema_is_valid_and_every_example_file_validates(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    code, _, _ = run("schema", "-o", str(out))
    assert code == 0
    schema = json.loads(out.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(p for p in EXAMPLES.rglob("*.yaml") if "procurement" not in p.parts)
    assert len(files) >= 15
    for path in files:
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        errors = list(validator.iter_errors(data))
        assert not errors, f"{path}: {errors[0].message}"


def test_audit_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "result.json"
    code, _, _ = run(
        "audit", str(EXAMPLES / "hospital"), "--json", str(out), "--today", "2026-11-28"
    )
    assert code == 1  # critical findings at the default --fail-on high
    result = json.loads(out.read_text())
    assert result["schema_version"] == "2.0"
    assert {
        "tool",
        "inputs",
        "kb",
        "exposures",
        "transfers",
        "findings",
        "scores",
        "summary",
    } <= set(result)
    assert all(len(i["sha256"]) == 64 for i in result["inputs"])
    assert "findings:" in capsys.readouterr().out
    code, _, _ = run("audit", str(EXAMPLES / "hospital"), "--fail-on", "never", "--quiet")
    assert code == 0


def test_audit_refuses_to_overwrite_an_input(
    hospital_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = hospital_copy / "data.yaml"
    before = target.read_bytes()
    code, _, _ = run("audit", str(hospital_copy), "--json", str(target))
    assert code == 2
    assert target.read_bytes() == before
    assert "refusing to write" in capsys.readouterr().err


def test_json_is_byte_identical_across_runs(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run("audit", str(EXAMPLES / "bank"), "--json", str(a), "--today", "2026-11-28", "--quiet")
    run("audit", str(EXAMPLES / "bank"), "--json", str(b), "--today", "2026-11-28", "--quiet")
    assert a.read_bytes() == b.read_bytes()


def test_kb_check_passes_and_broken_kb_exits_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run("kb", "check", "--max-age", "365", "--today", "2026-11-28")
    assert code == 0
    assert "valid" in capsys.readouterr().out
    extra = tmp_path / "extra"
    (extra / "laws").mkdir(parents=True)
    law = yaml.safe_load((ROOT / "rules/laws/us-cloud-act.yaml").read_text())
    del law["provenance"]["source"]
    law["jurisdiction"] = "XX"
    (extra / "laws" / "us-cloud-act.yaml").write_text(yaml.safe_dump(law))
    (extra / "entities").mkdir()
    (extra / "entities" / "cycle.yaml").write_text(
        "entities:\n"
        "  - {id: a-co, name: A, country: DE, parents: [{entity: b-co, share_pct: 100}], provenance: {source: x, as_of: 2026-01-01, confidence: confirmed}}\n"
        "  - {id: b-co, name: B, country: DE, parents: [{entity: a-co, share_pct: 100}], provenance: {source: x, as_of: 2026-01-01, confidence: confirmed}}\n"
    )
    code, _, _ = run("--rules", str(extra), "kb", "check")
    err = capsys.readouterr().err
    assert code == 4
    assert "missing required key 'source'" in err
    assert "ownership cycle" in err
    assert "cycle.yaml:" in err


def test_rules_list_explain_and_unknown_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("rules", "list")[0] == 0
    assert "us-cloud-act-exposure" in capsys.readouterr().out
    assert run("explain", "us-cloud-act-exposure")[0] == 0
    assert "18 U.S.C." in capsys.readouterr().out
    assert run("explain", "us-cloud-act-exposur")[0] == 2
    assert "did you mean" in capsys.readouterr().err


def test_broken_rule_file_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checks = tmp_path / "pack" / "checks"
    checks.mkdir(parents=True)
    rule = yaml.safe_load((ROOT / "rules/checks/provider-training-use.yaml").read_text())
    rule["id"] = "my-check"
    rule["match"]["where"].append({"field": "trainng_use", "op": "matches", "value": 1})
    (checks / "my-check.yaml").write_text(yaml.safe_dump(rule))
    shutil.copy(
        ROOT / "rules/checks/provider-training-use.yaml", checks / "provider-training-use.yaml"
    )
    code, _, _ = run("--rules", str(tmp_path / "pack"), "rules", "list")
    err = capsys.readouterr().err
    assert code == 4
    assert "'matches' is not one of" in err
    assert "duplicate rule id 'provider-training-use'" in err


def test_vendor_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("vendor", "list")[0] == 0
    listing = capsys.readouterr().out
    assert len(listing.splitlines()) >= 40
    assert run("vendor", "show", "azure-openai")[0] == 0
    sheet = capsys.readouterr().out
    assert "Microsoft Corporation (US)" in sheet and "US CLOUD Act (in force)" in sheet
    assert run("vendor", "show", "ovhcloud")[0] == 0
    # OVH's group has US operations: the CLOUD Act reaches it only through presence.
    reach = [line for line in capsys.readouterr().out.splitlines() if "US CLOUD Act (" in line]
    assert reach and all(
        "does business in the United States (a contested reach)" in line for line in reach
    )


def test_graph_export(tmp_path: Path) -> None:
    out = tmp_path / "g.json"
    assert run("graph", str(EXAMPLES / "hospital"), "--format", "json", "-o", str(out))[0] == 0
    data = json.loads(out.read_text())
    types = {n["type"] for n in data["nodes"]}
    assert {"data", "system", "component", "entity", "country", "law"} <= types
    assert any(e["type"] == "controlled_by" for e in data["edges"])
    assert all("file" in n for n in data["nodes"] if n["type"] in ("data", "component"))


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and "auditor" in result.output


def test_graph_svg_is_self_contained_and_escaped(tmp_path: Path) -> None:
    inventory = tmp_path / "inv.yaml"
    inventory.write_text(
        "organisation: {name: X, country: DE, entity: x}\n"
        "entities: [{id: x, name: '<script>alert(1)</script> & Co', country: DE, parents: []}]\n"
        "data: [{id: d, categories: [user.name]}]\n"
        "systems:\n"
        "  - id: s\n"
        "    purpose: p\n"
        "    components: [{id: c, kind: database, on_prem: {country: DE}, operator: x, holds: [d]}]\n"
    )
    out = tmp_path / "g.svg"
    assert run("graph", str(inventory), "--format", "svg", "-o", str(out))[0] == 0
    text = out.read_text()
    import xml.dom.minidom

    xml.dom.minidom.parseString(text)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "href" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")


def test_explain_a_finding_by_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    run("audit", str(EXAMPLES / "hospital"), "--json", str(out), "--today", "2026-11-28", "--quiet")
    finding = json.loads(out.read_text())["findings"][0]
    capsys.readouterr()
    assert run("explain", finding["fingerprint"][:12], str(out))[0] == 0
    text = capsys.readouterr().out
    assert finding["title"] in text and "Evidence:" in text
    assert "examples/hospital/" in text  # evidence cites inventory lines
    assert run("explain", "0" * 32, str(out))[0] == 2
    assert "no finding" in capsys.readouterr().err


def test_options_schema_validates_the_procurement_example(tmp_path: Path) -> None:
    out = tmp_path / "options.json"
    assert run("schema", "--kind", "options", "-o", str(out))[0] == 0
    schema = json.loads(out.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(
        json.dumps(yaml.safe_load((EXAMPLES / "procurement/options.yaml").read_text()), default=str)
    )
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(data))


def test_full_report_shows_every_finding_of_an_estate_the_default_report_abridges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.report import report_summary

    monkeypatch.setattr(report_summary, "MAX_DETAILED_FINDINGS", 10)
    monkeypatch.setattr(report_summary, "MAX_LISTED_FINDINGS", 15)
    inventory = tmp_path / "hospital"
    shutil.copytree(EXAMPLES / "hospital", inventory)  # 18 findings: more than 10
    common = ["audit", str(inventory), "--today", "2026-11-28", "--quiet", "--fail-on", "never"]
    code, _, err = run(*common, "--html", str(tmp_path / "abridged.html"))
    assert code == 0, err
    code, _, err = run(*common, "--html", str(tmp_path / "full.html"), "--full-report")
    assert code == 0, err
    abridged = (tmp_path / "abridged.html").read_text(encoding="utf-8")
    full = (tmp_path / "full.html").read_text(encoding="utf-8")
    assert "This report is abridged" in abridged
    assert "This report is abridged" not in full and "abridged-summary" not in full
    code, _, err = run(*common, "--json", str(tmp_path / "result.json"))
    assert code == 0, err
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert len(result["findings"]) > 10
    for finding in result["findings"]:
        assert f'id="finding-{finding["fingerprint"]}"' in full


def test_kb_check_fails_on_facts_said_to_come_from_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 17: a report that cites a fact "from memory" cannot be signed.
    extra = tmp_path / "extra"
    (extra / "laws").mkdir(parents=True)
    law = (ROOT / "rules/laws/us-cloud-act.yaml").read_text(encoding="utf-8")
    law = law.replace("id: us-cloud-act", "id: us-cloud-act-copy", 1)
    law = law.replace("provenance:", "provenance:\n  # the section number is from memory", 1)
    (extra / "laws" / "us-cloud-act-copy.yaml").write_text(law, encoding="utf-8")
    code, _, _ = run("--rules", str(extra), "kb", "check")
    captured = capsys.readouterr()
    assert code == 4
    line = law.splitlines().index("  # the section number is from memory") + 1
    assert f"us-cloud-act-copy.yaml:{line}:" in captured.err
    assert "from memory" in captured.err and "primary source" in captured.err
    assert "facts said to come from memory (1)" in captured.out


def _counted(out: str, heading: str) -> int:
    """The count on a ``kb check`` line such as ``facts citing the research notes (3): ...``."""
    match = re.search(rf"^{re.escape(heading)} \((\d+)\)", out, re.MULTILINE)
    return int(match.group(1)) if match else 0


def test_kb_check_fails_on_research_note_citations_and_general_knowledge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 17: the research notes are leads, not sources, and knowing a fact is not a source.
    # The built-in rules may still hold such lines while they are being re-sourced, so the
    # extra folder's lines are counted on top of whatever the built-in check finds.
    run("kb", "check")
    before = capsys.readouterr().out
    notes_before = _counted(before, "facts citing the research notes")
    general_before = _counted(before, "facts said to be general knowledge")

    extra = tmp_path / "extra"
    (extra / "laws").mkdir(parents=True)
    law = (ROOT / "rules/laws/us-cloud-act.yaml").read_text(encoding="utf-8")
    law = law.replace("id: us-cloud-act", "id: us-cloud-act-copy", 1)
    law = law.replace(
        "provenance:\n  source:\n",
        "provenance:\n  source:\n"
        '    - "vendors-regions-terraform.md Part C (terraform_catalog.google)"\n'
        "    - https://example.org/.well-known/security.txt\n"
        "  # the section number is general knowledge\n",
        1,
    )
    (extra / "laws" / "us-cloud-act-copy.yaml").write_text(law, encoding="utf-8")
    # Zones are knowledge too: a citation in a comment there is found.
    (extra / "zones").mkdir()
    (extra / "zones" / "more.yaml").write_text(
        "# members from /work/shared/kb/Laws.md section 5\nzones: []\n", encoding="utf-8"
    )

    code, _, _ = run("--rules", str(extra), "kb", "check")
    captured = capsys.readouterr()
    assert code == 4
    lines = law.splitlines()
    cited = (
        lines.index('    - "vendors-regions-terraform.md Part C (terraform_catalog.google)"') + 1
    )
    general = lines.index("  # the section number is general knowledge") + 1
    well_known = lines.index("    - https://example.org/.well-known/security.txt") + 1
    assert f"us-cloud-act-copy.yaml:{cited}:8: cites the team's research notes" in captured.err
    assert f"us-cloud-act-copy.yaml:{general}:" in captured.err
    assert "says a fact is general knowledge ('general knowledge')" in captured.err
    assert f"us-cloud-act-copy.yaml:{well_known}:" not in captured.err  # a URL path, no claim
    assert "more.yaml:1:" in captured.err and "'Laws.md'" in captured.err
    assert "cite the primary source the note points to" in captured.err
    assert "Traceback" not in captured.err
    # Each kind is counted on its own line.
    assert _counted(captured.out, "facts citing the research notes") == notes_before + 2
    assert _counted(captured.out, "facts said to be general knowledge") == general_before + 1
    assert "not acceptable: facts without a source" in captured.out


# Issue 21: every command that writes files takes --quiet, as audit, scan and tia do.
_QUIET_COMMANDS = {
    "dora": lambda tmp: ["dora", str(EXAMPLES / "bank"), "-o", str(tmp / "register")],
    "bom": lambda tmp: ["bom", str(EXAMPLES / "bank"), "-o", str(tmp / "bom.json")],
    "import cyclonedx": lambda tmp: [
        "import",
        "cyclonedx",
        str(Path("tests/data/cyclonedx/foundation-model.json")),
        "-o",
        str(tmp / "draft"),
        "--country",
        "DE",
        "--name",
        "Example GmbH",
    ],
}


def _through_main(args: list[str]) -> tuple[int, str, str]:
    """Run through ``main``, the error boundary: (exit code, stdout, stderr)."""
    runner, code = CliRunner(), 0
    with runner.isolation() as (out, err, _):
        try:
            main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8")


@pytest.mark.parametrize("command", sorted(_QUIET_COMMANDS))
def test_quiet_leaves_the_terminal_silent_but_writes_and_still_reports_errors(
    command: str, tmp_path: Path
) -> None:
    args = _QUIET_COMMANDS[command]
    for folder in ("loud", "quiet", "err"):
        (tmp_path / folder).mkdir()
    code, loud, loud_err = _through_main(args(tmp_path / "loud"))
    assert code == 0, loud + loud_err
    code, out, err = _through_main([*args(tmp_path / "quiet"), "--quiet"])
    assert (code, out, err) == (0, "", "")
    assert sorted(p.name for p in (tmp_path / "quiet").iterdir()) == sorted(
        p.name for p in (tmp_path / "loud").iterdir()
    )
    if command != "bom":  # a BOM written to a file prints nothing either way
        assert loud.strip()
    missing = [*args(tmp_path / "err"), "--quiet"]
    missing[2 if command == "import cyclonedx" else 1] = str(tmp_path / "nowhere")
    code, out, err = _through_main(missing)
    assert code != 0 and out == "" and "error:" in err and "nowhere" in err
