"""The PDF audit report: content, bookmarks, determinism, and a renderer that fetches nothing."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import EnvironmentFault
from auditor.model.findings import AuditResult
from auditor.model.words import plain
from auditor.report import pdf as pdf_module
from auditor.report.html import SECTIONS
from auditor.report.pdf import RefusedURL, render_pdf, resolve_resource
from auditor.report.report_context import build_context
from auditor.report.report_summary import ReportLimits
from auditor.resources import builtin_templates_dir
from tests.report.conftest import TrapServer, audit, enlarge

pypdf = pytest.importorskip("pypdf", reason="pypdf is in the test extra: pip install -e '.[test]'")
try:
    import weasyprint  # noqa: F401
except (ImportError, OSError) as exc:  # pragma: no cover - depends on the machine
    pytest.skip(f"WeasyPrint or Pango is missing: {exc}", allow_module_level=True)


# The running header and footer (organisation and classification; report id,
# classification and page number) that pypdf extracts at the end of every page.
_FURNITURE = re.compile(r"\n[^\n]*\bCONFIDENTIAL\n[^\n]*\bPage \d+ of \d+\s*$")


def pdf_text(data: bytes) -> str:
    """The PDF's text, page by page, without the running header and footer, so a
    sentence that runs over a page break reads as one."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(_FURNITURE.sub("", page.extract_text()) for page in reader.pages)


@pytest.fixture(scope="module")
def hospital_pdf(hospital: AuditResult) -> bytes:
    return render_pdf(hospital)


@pytest.fixture(scope="module")
def hospital_text(hospital_pdf: bytes) -> str:
    return pdf_text(hospital_pdf)


def test_pdf_contains_every_section_heading_and_finding(
    hospital: AuditResult, hospital_pdf: bytes, hospital_text: str
) -> None:
    assert hospital_pdf.startswith(b"%PDF-")
    text = hospital_text
    for section in SECTIONS:
        assert section.title in text, section.title
    for finding in hospital.findings:
        assert finding.fingerprint in text, finding.fingerprint
    for rule in hospital.rules:
        assert rule.id in text


def _squeezed(text: str) -> str:
    """Text without any white space: PDF text breaks lines (and paths) where it likes."""
    return "".join(text.split())


def test_every_finding_keeps_its_evidence_law_and_remediation(
    hospital: AuditResult, hospital_text: str
) -> None:
    # The PDF prints text that all findings of a rule share once per rule (issue 9), so each
    # finding's remediation, cause and effect must still be somewhere in the text.
    # Codes inside the texts are printed in words (issue 18), hence ``plain``.
    text = _squeezed(hospital_text)
    for finding in hospital.findings:
        for hop in finding.evidence:
            assert _squeezed(plain(hop.shown)) in text, (finding.fingerprint, hop.shown)
            if hop.file:
                assert _squeezed(f"{hop.file}:{hop.line}" if hop.line else hop.file) in text
        for sentence in (finding.condition, finding.cause, finding.effect, finding.remediation):
            assert _squeezed(plain(sentence)) in text, (finding.fingerprint, sentence)
        if finding.citation:
            assert _squeezed(finding.citation) in text, finding.fingerprint


def test_pdf_has_bookmarks_page_numbers_and_running_header(
    hospital: AuditResult, hospital_pdf: bytes
) -> None:
    reader = pypdf.PdfReader(io.BytesIO(hospital_pdf))
    titles = {item["/Title"] for item in reader.outline if isinstance(item, dict)}
    for section in SECTIONS:
        assert f"{section.label} {section.title}" in titles
    pages = len(reader.pages)
    second = reader.pages[1].extract_text()
    assert f"Page 2 of {pages}" in second
    assert "Klinikum Nord gGmbH" in second and "CONFIDENTIAL" in second
    assert "RA-" in second
    # Page 1 is the answer, page 2 the control block (issue 18), then the contents.
    assert "Control block" in second
    contents = reader.pages[2].extract_text()
    # The table of contents gives page numbers: every entry ends with one.
    assert "Executive summary" in contents and any(ch.isdigit() for ch in contents)
    assert reader.metadata is not None
    assert reader.metadata.title.startswith("Klinikum Nord gGmbH")
    assert str(reader.metadata.get("/CreationDate", "")).startswith("D:20261128")


def test_pdf_is_deterministic(hospital_pdf: bytes, hospital_text: str) -> None:
    again = render_pdf(audit([Path("examples/hospital")]))
    assert pdf_text(again) == hospital_text
    assert again == hospital_pdf  # WeasyPrint allows byte identity with fixed metadata


class _Clock:
    """Stands in for the ``time`` module fontTools reads when it stamps a font subset."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def test_pdf_is_deterministic_without_harfbuzz_subset(
    hospital: AuditResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: without libharfbuzz-subset, WeasyPrint subsets fonts with fontTools, which
    stamps each subset with the clock. The renderer fixes that stamp from the report date, so
    two renders an hour apart are the same bytes on a machine with or without the library."""
    fonts = pytest.importorskip("weasyprint.pdf.fonts")
    time_tools = pytest.importorskip("fontTools.misc.timeTools")
    if not hasattr(fonts, "harfbuzz_subset") or not hasattr(time_tools, "time"):
        pytest.skip("this WeasyPrint or fontTools chooses its font subsetter differently")
    monkeypatch.setattr(fonts, "harfbuzz_subset", None)  # the fontTools path, as on such a machine
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    renders = []
    for now in (1_800_000_000.0, 1_800_003_600.0):
        monkeypatch.setattr(time_tools, "time", _Clock(now))
        renders.append(render_pdf(hospital))
    assert renders[0] == renders[1]
    assert "SOURCE_DATE_EPOCH" not in os.environ  # the renderer leaves the environment as it was


def graph_pages(data: bytes) -> list[Any]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page for page in reader.pages if "\ndata components parties" in page.extract_text()]


def printed_font_sizes(page: Any) -> list[tuple[float, str]]:
    """The text of the pictures on ``page`` with its printed size in points (the font size
    scaled by the text and transformation matrices, as the SVG picture is scaled into the
    page). A picture is drawn in a matrix moved to where it stands; the page's own text,
    running header included, in the page's matrix, which is not moved."""
    sizes: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip() and cm[4] != 0:
            scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
            sizes.append((size * scale, text.strip()))

    page.extract_text(visitor_text=visit)
    return sizes


def test_graphs_print_one_system_a_page_at_a_readable_size(
    hospital: AuditResult, hospital_pdf: bytes
) -> None:
    """Issue 18: the graphs printed at about 5 pt with labels cut, several to a page, with
    "Hover a box" on paper."""
    pages = graph_pages(hospital_pdf)
    assert len(pages) == len(hospital.graphs)  # one system per page
    drawn_text = {
        line for graph in hospital.graphs for line in re.findall(r">([^<>]+)</tspan>", graph.svg)
    }
    for page in pages:
        assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
        text = page.extract_text()
        assert "Hover" not in text and "Point at" not in text
        assert "…" not in text  # labels are wrapped, not cut
        picture = [(size, t) for size, t in printed_font_sizes(page) if t in drawn_text]
        assert picture and min(size for size, _ in picture) >= 8.0, picture[:5]
    # Every exposing law is drawn, and no other law.
    for graph in hospital.graphs:
        laws = {e.law_name for e in hospital.exposures if e.system == graph.system}
        drawn = {law.label for law in _law_labels(graph.svg)}
        assert drawn == laws


class _Label:
    def __init__(self, label: str) -> None:
        self.label = label


def _law_labels(svg: str) -> list[_Label]:
    """The labels of the law boxes of a picture (their fill is the laws' colour)."""
    return [
        _Label(" ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", box)))
        for box in re.findall(r'fill="#fee2e2"[^>]*/><text>(.*?)</text>', svg)
    ]


def test_pdf_is_tagged_with_language_and_title(hospital_pdf: bytes) -> None:
    """Issue 18: a PDF/UA-1 document: tagged (MarkInfo, StructTreeRoot), its language and
    title set, the title shown in the window title bar."""
    reader = pypdf.PdfReader(io.BytesIO(hospital_pdf))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    tree = catalog["/StructTreeRoot"].get_object()
    assert tree["/Type"] == "/StructTreeRoot" and tree["/K"]
    assert catalog["/Lang"] == "en"
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata is not None and reader.metadata.title.startswith("Klinikum Nord")
    assert b"pdfuaid:part" in reader.xmp_metadata.stream.get_data()  # type: ignore[union-attr]


def outline_titles(items: list[Any]) -> list[str]:
    titles: list[str] = []
    for item in items:
        titles += outline_titles(item) if isinstance(item, list) else [str(item["/Title"])]
    return titles


def test_bookmarks_do_not_double_words(hospital_pdf: bytes) -> None:
    """Issue 18: the bookmarks read "Critical Critical findings"."""
    titles = outline_titles(pypdf.PdfReader(io.BytesIO(hospital_pdf)).outline)
    doubled = [t for t in titles if re.search(r"\b(\w+) \1\b", t, re.IGNORECASE)]
    assert doubled == []
    assert any(re.fullmatch(r"Critical findings \(\d+ open\)", t) for t in titles), titles


def test_table_headers_extract_as_separate_words(hospital_text: str) -> None:
    """Issue 18: a header word wider than its column printed over the next header, and the
    text read "ComponentsDeclared in"."""
    start = hospital_text.index("Systems in scope")
    header = hospital_text[start : hospital_text.index("discharge-", start)]
    words = header.replace("\u2010\n", "").split()
    header_words = "Systems in scope System Name Criticality AI Act risk Components Declared in"
    assert words == header_words.split()
    assert not re.search(r"[a-z](Declared in|Proposed owner)", hospital_text)


def test_a_large_estate_gives_a_bounded_pdf_that_says_what_it_leaves_out(
    hospital: AuditResult, bank: AuditResult
) -> None:
    # Issue 9: the PDF is abridged like the HTML; the counts and the notices stay complete.
    large = enlarge(hospital, bank, 4)
    limits = dataclasses.replace(
        ReportLimits.default(),
        detailed_findings=10,
        listed_findings=20,
        detailed_transfers=2,
        scorecards=3,
        register_systems=2,
    )
    context = build_context(
        large, report_id="RA-x", classification="C", print_mode=True, limits=limits
    )
    text = _squeezed(pdf_text(render_pdf(large, limits=limits)))
    total = len(large.findings)
    assert _squeezed(f"10 of the {total} findings are shown in full") in text
    assert _squeezed(f"the other {total - 30} are counted") in text
    assert _squeezed("This report is abridged") in text
    for view in (v for block in context["blocks"] for g in block.groups for v in g.items):
        assert view.finding.fingerprint in text
    for line in context["finding_lines"]:
        assert (
            _squeezed(f"{line.number} {line.system}") in text and line.finding.fingerprint in text
        )
    assert _squeezed("Findings by severity and rule") in text
    assert _squeezed("Transfers by importer and conclusion") in text
    assert _squeezed("SEAL levels across the") in text


# ---------------------------------------------------------------- nothing is fetched


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
        "ftp://example.com/x",
        "file:///etc/passwd",
        "file://evil.example/share/x.png",
        "//example.com/x.png",
        "gopher://example.com/",
    ],
)
def test_fetcher_refuses_everything_outside_the_templates(url: str) -> None:
    with pytest.raises(RefusedURL):
        resolve_resource(url, (builtin_templates_dir().resolve(),))


def test_fetcher_serves_data_uris_and_template_files(tmp_path: Path) -> None:
    assert resolve_resource("data:text/plain;base64,aGk=", (tmp_path,)) == (b"hi", "text/plain")
    (tmp_path / "logo.svg").write_text("<svg/>")
    body, mime = resolve_resource((tmp_path / "logo.svg").as_uri(), (tmp_path.resolve(),))
    assert body == b"<svg/>" and mime == "image/svg+xml"
    escape = (tmp_path / ".." / "x").as_uri()
    with pytest.raises(RefusedURL):
        resolve_resource(escape, (tmp_path.resolve(),))


def test_a_template_that_references_the_network_and_files_fetches_nothing(
    hospital: AuditResult, tmp_path: Path, trap: TrapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, str]] = []
    real = pdf_module.resolve_resource

    def spy(url: str, roots: tuple[Path, ...]) -> tuple[bytes, str]:
        try:
            served = real(url, roots)
        except RefusedURL:
            asked.append((url, "refused"))
            raise
        asked.append((url, "served"))
        return served

    monkeypatch.setattr(pdf_module, "resolve_resource", spy)
    (tmp_path / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    )
    (tmp_path / "report.html.j2").write_text(
        f"""<!DOCTYPE html><html><head>
<link rel="stylesheet" href="http://{trap.host}/style.css">
<style>@import url(http://{trap.host}/import.css);
body {{ background: url(file:///etc/passwd); }}
h1 {{ background-image: url(http://{trap.host}/bg.png); }}</style></head>
<body><h1>{{{{ report.organisation }}}}</h1>
<img src="http://{trap.host}/img.png"><img src="file:///etc/passwd"><img src="/etc/passwd">
<img src="../../../../../../etc/passwd"><img src="logo.svg">
<object data="file:///etc/shadow"></object><iframe src="http://{trap.host}/frame"></iframe>
</body></html>
"""
    )
    data = render_pdf(hospital, template_dir=tmp_path)
    assert trap.requests == []
    served = [url for url, outcome in asked if outcome == "served"]
    refused = [url for url, outcome in asked if outcome == "refused"]
    assert served == [(tmp_path / "logo.svg").resolve().as_uri()]
    assert any(url.startswith("file:///etc/passwd") for url in refused)
    assert any(trap.host in url for url in refused)
    assert b"root:x:0:0" not in data
    assert "Klinikum Nord gGmbH" in pdf_text(data)


def test_hostile_inventory_renders_inert_in_pdf(hostile_dir: Path, trap: TrapServer) -> None:
    data = render_pdf(audit([hostile_dir]))
    text = pdf_text(data)
    assert trap.requests == []
    assert "<script>alert('org')</script>" in text  # shown as text, never run
    assert "<img src=file:///etc/passwd" in text
    assert "root:x:0:0" not in text and b"root:x:0:0" not in data
    assert b"/JavaScript" not in data and b"/JS " not in data


def test_missing_weasyprint_is_an_environment_fault(
    hospital: AuditResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(EnvironmentFault, match="apt-get install libpango"):
        render_pdf(hospital)


@pytest.mark.parametrize(
    ("table", "partial"),
    [("plan", "remediation.html.j2"), ("transfers", "transfers.html.j2"), ("systems", None)],
)
def test_fixed_layout_tables_give_every_column_a_width_that_adds_up(
    table: str, partial: str | None
) -> None:
    """A fixed-layout print table whose widths miss a column, or add up to more than the page,
    runs its last column off the page (the plan's owner column did, after a column was
    dropped): the widths in print.css match the template's header cells and sum to 100 % or
    less."""
    css = (builtin_templates_dir() / "assets" / "print.css").read_text("utf-8")
    widths = {
        int(n): float(w)
        for n, w in re.findall(
            rf"html\.print table\.{table}(?: thead)? th:nth-child\((\d+)\)[^{{]*\{{ width: ([\d.]+)%",
            css,
        )
    }
    assert widths, f"no widths for table.{table} in print.css"
    assert sum(widths.values()) <= 100.0
    if partial is not None:
        template = (builtin_templates_dir() / "partials" / partial).read_text("utf-8")
        head = template[template.index(f'<table class="{table}">') :]
        head = head[: head.index("</thead>")]
        columns = head.count("<th ")
        assert sorted(widths) == list(range(1, columns + 1)), (sorted(widths), columns)
