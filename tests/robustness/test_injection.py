"""Hostile text in every free-text field stays inert in every output.

The same inventory is audited once per hostile string (``_support.HOSTILE``:
markup, Markdown links, spreadsheet formulas, ANSI and OSC escape sequences,
bidi overrides, template syntax, XML entities, CSS URLs), with the string in
every field a person can write freely: names, purposes, owners, descriptions,
notes, sites, model names and licences, retention purposes, flow purposes,
policy name, waiver reason, approver and ticket. Then:

- terminal summary: no control character (ESC, C1 CSI, BEL, backspace, CR);
- Markdown: no raw HTML and no link or image syntax from the input;
- CSV: no cell starts with = + - @ tab or CR (it would run as a formula);
- JSON and SARIF: valid JSON (SARIF valid against the 2.1.0 schema), the string only as data;
- JUnit: well-formed XML;
- HTML (when the writer is ready): the same elements as for harmless text, no
  event handler, nothing fetched; custom templates cannot read outside their folder;
- PDF (when the writer exists): nothing is fetched.
"""

from __future__ import annotations

import collections
import csv
import functools
import io
import json
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.audit import AuditOptions, run_audit
from auditor.model.findings import AuditResult
from auditor.report.csv_report import render_findings_csv, render_register_csv
from auditor.report.json_report import render_json_bytes
from auditor.report.junit import junit_chunks
from auditor.report.markdown import render_markdown
from auditor.report.sarif import render_sarif
from auditor.report.terminal import render_summary
from tests.conftest import TODAY
from tests.robustness._support import (
    HOSTILE,
    LONG_STRING,
    SARIF_SCHEMA,
    audit_args,
    control_chars_in,
    dump,
    no_network,
    require_html,
    require_pdf,
    run_cli,
)

pytestmark = pytest.mark.usefixtures("cached_kb")

PLAIN = "Plain harmless text"
STRINGS = (*HOSTILE, LONG_STRING)
IDS = [f"s{i:02d}" for i in range(len(STRINGS))]
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def hostile_inventory(text: str) -> dict[str, Any]:
    """A small inventory with ``text`` in every free-text field, and findings that quote them."""
    return {
        "organisation": {"name": text, "country": "DE", "entity": "org", "sector": text},
        "entities": [
            {"id": "org", "name": text, "country": "DE", "parents": []},
            {
                "id": "vendor-eu",
                "name": text,
                "country": "IE",
                "parents": [{"entity": "vendor-us", "share_pct": 100}],
            },
            {"id": "vendor-us", "name": text, "country": "US", "parents": []},
            {"id": "unowned", "name": text, "country": "US"},
        ],
        "data": [
            {
                "id": "notes",
                "name": text,
                "description": text,
                "volume": text,
                "categories": ["user.health_and_medical", "user.name"],
                "subjects": [text, "patient"],
                "classification": "confidential",
                "residency": {"allowed": ["EEA"], "reason": text},
            }
        ],
        "systems": [
            {
                "id": "assistant",
                "name": text,
                "purpose": text,
                "owner": text,
                "criticality": "high",
                "components": [
                    {
                        "id": "app",
                        "kind": "application",
                        "name": text,
                        "notes": text,
                        "operator": "org",
                        "on_prem": {"country": "DE", "site": text},
                    },
                    {
                        "id": "llm",
                        "kind": "model_api",
                        "name": text,
                        "notes": text,
                        "operator": "vendor-eu",
                        "region": "aws:eu-central-1",
                        "model": {"name": text, "licence": text, "open_weights": False},
                        "controls": {
                            "keys": "provider_managed",
                            "retention": {
                                "prompts_retained": True,
                                "days": 30,
                                "location": "US",
                                "purpose": text,
                            },
                            "training_use": True,
                        },
                    },
                    {
                        "id": "index",
                        "kind": "vector_store",
                        "name": text,
                        "operator": "unowned",
                        "subprocessors": ["vendor-us"],
                    },
                ],
                "flows": [
                    {"from": "app", "to": "llm", "data": ["notes"], "purpose": text},
                    {"from": "app", "to": "index", "data": ["notes"], "purpose": text},
                ],
            }
        ],
        "policy": {
            "name": text,
            "residency": [{"categories": ["user"], "allowed": ["EEA"], "reach_allowed": ["EEA"]}],
        },
        "waivers": [
            {
                "rule": "us-cloud-act-exposure",
                "subject": {"system": "assistant", "component": "llm"},
                "reason": "Reason: " + text,
                "approved_by": "By " + text,
                "ticket": text,
                "expires": "2030-01-01",
            },
            {
                "rule": "us-fisa-702-exposure",
                "subject": {"system": "assistant", "component": "llm"},
                "reason": "Expired: " + text,
                "approved_by": "By " + text,
                "expires": "2020-01-01",
            },
        ],
    }


@functools.cache
def _audit(text: str) -> AuditResult:
    folder = Path(tempfile.mkdtemp(prefix="injection-"))
    try:
        path = folder / "inventory.yaml"
        path.write_text(dump(hostile_inventory(text)), encoding="utf-8")
        return run_audit([path], AuditOptions(today=TODAY))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@functools.cache
def outputs(text: str) -> dict[str, str]:
    """Every text output of the audit of the hostile inventory (computed once per string)."""
    result = _audit(text)
    failing = {f.fingerprint for f in result.findings[::2]}
    rendered = {
        "json": render_json_bytes(result).decode("utf-8"),
        "sarif": render_sarif(result, root="/repo"),
        "junit": b"".join(junit_chunks(result, failing)).decode("utf-8"),
        "markdown": render_markdown(result, show_waived=True),
        "csv": render_findings_csv(result),
        "register": render_register_csv(result),
        "terminal": render_summary(result, show_waived=True),
    }
    return rendered


def test_the_hostile_inventory_produces_findings_that_quote_the_text() -> None:
    """The fixture is meaningful: findings, waived and expired ones, and the text in the JSON."""
    result = _audit(PLAIN)
    assert len(result.findings) >= 5
    assert any(f.waived for f in result.findings)
    assert any(f.waiver is not None and f.waiver.expired for f in result.findings)
    rendered = outputs(PLAIN)
    for name in ("json", "markdown", "csv", "register", "terminal"):
        assert PLAIN in rendered[name], name


@pytest.mark.parametrize("text", STRINGS, ids=IDS)
def test_terminal_summary_is_plain_text(text: str) -> None:
    summary = outputs(text)["terminal"]
    assert not control_chars_in(summary, allowed="\n\t"), sorted(control_chars_in(summary))


@pytest.mark.parametrize("text", STRINGS, ids=IDS)
def test_cli_output_is_plain_text(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole command, stdout and stderr (click strips only some ANSI sequences itself)."""
    path = tmp_path / "inventory.yaml"
    path.write_text(dump(hostile_inventory(text)), encoding="utf-8")
    code, out, err = run_cli(audit_args(str(path), extra=["--show-waived"]), capsys)
    assert code == 0, err
    assert not control_chars_in(out + err, allowed="\n\t"), sorted(control_chars_in(out + err))


_ALLOWED_TAGS = re.compile(r"</?(?:details|summary|b)>")
_LINK = re.compile(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\s*\(")


@pytest.mark.parametrize("text", STRINGS, ids=IDS)
def test_markdown_has_no_html_or_links_from_the_input(text: str) -> None:
    markdown = outputs(text)["markdown"]
    assert not control_chars_in(markdown, allowed="\n\t")
    stripped = _ALLOWED_TAGS.sub("", markdown)
    assert not re.search(r"<[A-Za-z/!?]", stripped), re.search(r"<[A-Za-z/!?].{0,40}", stripped)
    assert not _LINK.search(markdown), _LINK.search(markdown)
    assert "<https://" not in markdown
    # Every line that quotes the input keeps its block structure: no heading, rule or table row.
    for line in markdown.splitlines():
        if PLAIN in line or "evil" in line:
            assert not line.startswith(("#", "|", "---", "    ", "\t")), line


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("text", STRINGS, ids=IDS)
@pytest.mark.parametrize("table", ["csv", "register"])
def test_csv_cells_cannot_run_as_formulas(text: str, table: str) -> None:
    rows = _cells(outputs(text)[table])
    width = len(rows[0])
    for row in rows:
        assert len(row) == width, row
        for cell in row:
            assert not cell.startswith(FORMULA), cell[:60]
    if text.strip().startswith(FORMULA) and table == "register":
        assert any(cell.startswith("'" + text.strip()[:5]) for row in rows for cell in row)


def test_csv_carriage_return_cannot_start_a_new_row() -> None:
    rows = _cells(outputs("Vendor\r=1+2")["register"])
    width = len(rows[0])
    for row in rows:
        assert len(row) == width, row
        for cell in row:
            assert not cell.startswith(FORMULA), cell


@functools.cache
def _sarif_validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


@pytest.mark.parametrize("text", STRINGS, ids=IDS)
def test_json_and_sarif_carry_the_text_only_as_data(text: str) -> None:
    rendered = outputs(text)
    result = json.loads(rendered["json"])
    assert result["organisation"]["name"] == _audit(text).organisation["name"]
    sarif = json.loads(rendered["sarif"])
    errors = list(_sarif_validator().iter_errors(sarif))
    assert not errors, errors[0].message
    for name in ("json", "sarif"):
        assert not control_chars_in(rendered[name].replace("\n", ""), allowed="\x85\x9b")
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert suppressed, "the waiver reaches SARIF as a suppression"


@pytest.mark.parametrize("text", STRINGS, ids=IDS)
def test_junit_is_well_formed_xml(text: str) -> None:
    root = ET.fromstring(outputs(text)["junit"])
    assert root.tag == "testsuites"
    assert int(root.get("failures", "0")) >= 1 and int(root.get("skipped", "0")) >= 1


# ------------------------------------------------------------------ file names are input too


@pytest.mark.parametrize(
    "name",
    ["=HYPERLINK(1) x.yaml", "<img src=x onerror=alert(1)>.yaml", "[a](https:evil.example).yaml"],
)
def test_hostile_file_names_stay_inert(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "inv"
    folder.mkdir()
    (folder / name).write_text(dump(hostile_inventory(PLAIN)), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run_cli(
        audit_args(
            str(folder),
            extra=[
                "--quiet",
                *("--csv", str(out / "f.csv")),
                *("--markdown", str(out / "f.md")),
                *("--sarif", str(out / "f.sarif")),
            ],
        ),
        capsys,
    )
    assert code == 0, err
    for table in ("f.csv", "f.register.csv"):
        for row in _cells((out / table).read_text(encoding="utf-8")):
            for cell in row:
                assert not cell.startswith(FORMULA), cell
    markdown = _ALLOWED_TAGS.sub("", (out / "f.md").read_text(encoding="utf-8"))
    assert not re.search(r"<[A-Za-z/!?]", markdown)
    assert not _LINK.search(markdown)
    assert not list(_sarif_validator().iter_errors(json.loads((out / "f.sarif").read_text())))


_URI_REFERENCE = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")


def test_sarif_uris_are_percent_encoded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "my inventory"
    folder.mkdir()
    (folder / "release #1 (100%).yaml").write_text(dump(hostile_inventory(PLAIN)), encoding="utf-8")
    target = tmp_path / "out.sarif"
    code, _, err = run_cli(
        audit_args(str(folder), extra=["--quiet", "--sarif", str(target)]), capsys
    )
    assert code == 0, err
    sarif = json.loads(target.read_text(encoding="utf-8"))
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for loc in [*result["locations"], *result.get("relatedLocations", [])]
    }
    for uri in uris:
        assert _URI_REFERENCE.match(uri) and "#" not in uri, uri


# ------------------------------------------------------------------ HTML and PDF


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: collections.Counter[str] = collections.Counter()
        self.handlers: list[tuple[str, str]] = []
        self.fetches: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "tspan":  # a graph label has a line per wrap: as many as its length needs
            self.tags[tag] += 1
        for name, value in attrs:
            text = (value or "").strip().lower()
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in (
                "src",
                "srcset",
                "poster",
                "data",
                "action",
                "formaction",
            ) and not text.startswith("data:"):
                self.fetches.append((tag, name, value))
            if name == "href" and tag != "a" and not text.startswith(("#", "data:")):
                self.fetches.append((tag, name, value))
            if name == "href" and ("evil.example" in text or text.startswith("javascript:")):
                self.fetches.append((tag, name, value))


@functools.cache
def _html(text: str) -> str:
    from auditor.report.html import render_html

    return render_html(_audit(text))


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


@pytest.mark.parametrize("text", STRINGS, ids=IDS)
def test_html_escapes_everything_from_the_input(text: str) -> None:
    require_html()
    baseline = _parse(_html(PLAIN))
    hostile = _parse(_html(text))
    assert hostile.tags == baseline.tags, (
        hostile.tags - baseline.tags,
        baseline.tags - hostile.tags,
    )
    assert hostile.handlers == baseline.handlers == []
    assert hostile.fetches == [] and baseline.fetches == []
    assert "<script>alert" not in _html(text)


def test_html_report_fetches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    require_html()
    from auditor.report.html import render_html

    with no_network(monkeypatch) as attempts:
        page = render_html(_audit(HOSTILE[27]))  # url(https://evil.example/...) in every field
    assert attempts == []
    assert "Content-Security-Policy" in page or "content-security-policy" in page.lower()


def test_pdf_report_fetches_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    require_pdf()
    import auditor.report.pdf as pdf_module
    from auditor.report.pdf import render_pdf

    asked: list[str] = []
    resolver = getattr(pdf_module, "resolve_resource", None)
    if resolver is not None:

        def recording(url: str, *args: Any, **kwargs: Any) -> Any:
            asked.append(url)
            return resolver(url, *args, **kwargs)

        monkeypatch.setattr(pdf_module, "resolve_resource", recording)
    text = " ".join(HOSTILE[26:30])  # XML entities, CSS url()/@import, <link>, file:///
    with no_network(monkeypatch) as attempts:
        pdf = render_pdf(_audit(text))
    assert attempts == []
    assert not [u for u in asked if "evil.example" in u or "passwd" in u], asked
    assert bytes(pdf).startswith(b"%PDF")
    assert b"root:x:0:0" not in bytes(pdf)


# ------------------------------------------------------------------ custom templates

SECRET = "TOP-SECRET-OUTSIDE-THE-TEMPLATE-FOLDER"


def _custom_templates(folder: Path, body: str) -> Path:
    """A complete template folder (entry template and assets) whose page is ``body``."""
    (folder / "assets").mkdir(parents=True)
    (folder / "assets" / "report.css").write_text("body { color: black; }\n")
    (folder / "assets" / "print.css").write_text("@page { size: A4; }\n")
    (folder / "assets" / "report.js").write_text("void 0;\n")
    (folder / "report.html.j2").write_text(
        "<!DOCTYPE html><html><head><title>t</title></head><body>" + body + "</body></html>\n"
    )
    return folder


@pytest.fixture
def template_setup(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    (tmp_path / "inventory.yaml").write_text(dump(hostile_inventory(PLAIN)), encoding="utf-8")
    return tmp_path


def _render_custom(
    root: Path, templates: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    out = root / "report.html"
    code, stdout, stderr = run_cli(
        audit_args(
            str(root / "inventory.yaml"),
            extra=["--quiet", "--html", str(out), "--template-dir", str(templates)],
        ),
        capsys,
    )
    page = out.read_text(encoding="utf-8") if out.exists() else ""
    assert "Traceback" not in stdout + stderr
    return code, page + stdout + stderr


def test_a_benign_custom_template_renders(
    template_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_html()
    templates = _custom_templates(template_setup / "tpl", "<p>{{ r.organisation.name }}</p>")
    code, shown = _render_custom(template_setup, templates, capsys)
    if code != 0:
        pytest.skip(
            f"the HTML writer does not accept this minimal custom template yet: {shown[:300]}"
        )
    assert PLAIN in shown


ESCAPES = {
    "parent-include": '{% include "../secret.txt" %}',
    "absolute-include": '{% include "' + "/" + '{secret}" %}',
    "extends-outside": '{% extends "../secret.txt" %}',
    "import-outside": '{% import "../../secret.txt" as s %}',
    "symlink-include": '{% include "leak.txt" %}',
    "symlinked-subfolder": '{% include "linked/secret.txt" %}',
    "sandbox-globals": "{{ cycler.__init__.__globals__.os.popen('cat {secret}').read() }}",
    "sandbox-mro": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "sandbox-self": "{{ self._TemplateReference__context }}",
    "sandbox-open": "{{ r.__class__.__init__.__globals__['__builtins__']['open']('{secret}').read() }}",
    "loader-source": "{{ environment.loader.get_source(environment, '../secret.txt') }}",
}


@pytest.mark.parametrize("trick", list(ESCAPES))
def test_custom_templates_cannot_read_outside_their_folder(
    trick: str, template_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_html()
    secret = template_setup / "secret.txt"
    templates = _custom_templates(
        template_setup / "tpl", ESCAPES[trick].replace("{secret}", str(secret).lstrip("/"))
    )
    (templates / "leak.txt").symlink_to(secret)
    (templates / "linked").symlink_to(template_setup)
    code, shown = _render_custom(template_setup, templates, capsys)
    assert SECRET not in shown
    assert code in (0, 2), shown[:500]
