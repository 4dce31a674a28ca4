"""The writer registry: every format has a writer, a flag and a config key, all from one enum."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.audit.config import Config, configured_output, load_config
from auditor.cli import audit, cli, scan
from auditor.errors import InputError
from auditor.model.findings import AuditResult
from auditor.model.outputs import OutputFormat
from auditor.report.csv_report import (
    render_findings_csv,
    render_register_csv,
    render_transfers_csv,
)
from auditor.report.html import render_html
from auditor.report.json_report import json_chunks
from auditor.report.junit import junit_chunks
from auditor.report.markdown import render_markdown
from auditor.report.sarif import render_sarif
from auditor.report.writers import WRITERS, WriteRequest, register_csv_path
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_has_a_writer_a_flag_and_a_config_key(
    fmt: OutputFormat, tmp_path: Path
) -> None:
    assert callable(WRITERS[fmt].write)
    for command in (audit, scan):
        flags = {opt for param in command.params for opt in param.opts}
        assert f"--{fmt.value}" in flags, (command.name, fmt)
    config = tmp_path / ".auditor.yaml"
    config.write_text(f"outputs:\n  {fmt.value}: out/report.{fmt.value}\n", encoding="utf-8")
    assert configured_output(load_config(config).outputs, fmt) == f"out/report.{fmt.value}"
    schema = Config.model_json_schema(by_alias=True)
    assert fmt.value in schema["$defs"]["Outputs"]["properties"]


def test_the_registry_covers_exactly_the_enum() -> None:
    assert set(WRITERS) == set(OutputFormat)


def test_an_unknown_output_key_in_the_config_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / ".auditor.yaml"
    config.write_text("outputs:\n  docx: report.docx\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(config)
    assert any("docx" in d.message for d in info.value.diagnostics)


def test_each_writer_writes_what_its_renderer_renders(
    hospital: AuditResult, tmp_path: Path
) -> None:
    request = WriteRequest(
        result=hospital,
        failing=frozenset(f.fingerprint for f in hospital.findings[:3]),
        show_waived=True,
        root="/repo",
    )
    expected = {
        OutputFormat.JSON: b"".join(json_chunks(hospital)),
        OutputFormat.SARIF: render_sarif(hospital, root="/repo").encode(),
        OutputFormat.JUNIT: b"".join(junit_chunks(hospital, set(request.failing))),
        OutputFormat.MARKDOWN: render_markdown(hospital, show_waived=True).encode(),
        OutputFormat.CSV: render_findings_csv(hospital).encode(),
        OutputFormat.TRANSFERS_CSV: render_transfers_csv(hospital).encode(),
        OutputFormat.HTML: render_html(hospital).encode(),
    }
    for fmt, data in expected.items():
        target = tmp_path / f"report.{fmt.value}"
        WRITERS[fmt].write(target, request)
        assert target.read_bytes() == data, fmt
    register = register_csv_path(tmp_path / "report.csv")
    assert WRITERS[OutputFormat.CSV].side_files(tmp_path / "report.csv") == (register,)
    assert register.read_text(encoding="utf-8") == render_register_csv(hospital)


def test_config_outputs_are_written_by_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(EXAMPLES / "hospital", tmp_path / "inventory")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".auditor.yaml").write_text(
        "paths: [inventory]\noutputs:\n  json: out.json\n  markdown: out.md\n  csv: out.csv\n",
        encoding="utf-8",
    )
    done = CliRunner().invoke(
        cli, ["audit", "--fail-on", "never", "--quiet", "--today", "2026-11-28"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads((tmp_path / "out.json").read_text())["findings"]
    assert (tmp_path / "out.md").read_text().startswith("#")
    assert (tmp_path / "out.register.csv").is_file()
