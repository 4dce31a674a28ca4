"""Every report format behind one small protocol, and the registry the CLI and config read.

A writer takes the audit result and what the run asked for (:class:`WriteRequest`) and writes
one target through :mod:`auditor.report.output` (staged, all or nothing). The registry
:data:`WRITERS` maps each :class:`~auditor.model.outputs.OutputFormat` to its writer; the
``audit``/``scan`` flags and the config file's ``outputs:`` are made from the same enum.
Adding a format is one enum member, one module with a writer, and one line here.

Each writer imports its renderer when its format is asked for, not with the registry: the
HTML and PDF renderers bring Jinja2 and WeasyPrint, which a CI run writing SARIF never needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from auditor.model.findings import AuditResult
from auditor.model.outputs import OutputFormat
from auditor.report.output import write_bytes, write_text

if TYPE_CHECKING:  # the report views (and markupsafe) load only with a writer that uses them
    from auditor.report.report_summary import ReportLimits


@dataclass(frozen=True)
class WriteRequest:
    """What a run asks of its writers besides the result."""

    result: AuditResult
    failing: frozenset[str] = frozenset()  # fingerprints that fail the build (JUnit failures)
    show_waived: bool = False  # Markdown lists waived findings too
    root: str = ""  # SARIF, GitLab: the source root (absolute) locations are relative to
    cwd: str = ""  # SARIF, GitLab: the folder the audit ran in (relative input paths)
    template_dir: Path | None = None  # HTML/PDF: the user's templates
    report_id: str | None = None
    classification: str = "CONFIDENTIAL"
    limits: ReportLimits | None = None  # HTML/PDF: None abridges a large estate by default
    progress: Callable[[str], None] | None = None  # PDF: told each typesetting step and page


class Writer(Protocol):
    """Writes one report of ``request.result`` to ``target`` (``-`` is standard output)."""

    def __call__(self, target: Path, request: WriteRequest) -> None: ...


@dataclass(frozen=True)
class WriterSpec:
    """A format's writer, and what the CLI must know of it."""

    write: Writer
    # Typesetting (PDF) runs long in C code: the CLI lets a signal end the process there,
    # and leaves the cyclic collector on (its box trees have cycles).
    typesets: bool = False
    # Files written beside the target (the CSV's register), for the overwrite checks.
    side_files: Callable[[Path], tuple[Path, ...]] = lambda target: ()


def register_csv_path(target: Path) -> Path:
    """Where ``--csv FILE`` puts the inventory register: beside it, as FILE-stem.register.csv."""
    return target.with_name(target.stem + ".register.csv")


def _csv_side_files(target: Path) -> tuple[Path, ...]:
    return () if str(target) == "-" else (register_csv_path(target),)


# The writers of the built-in formats. Each is a few lines over its module's renderer, so
# the renderers stay plain functions of the result that tests and Python callers use.


def write_json(target: Path, request: WriteRequest) -> None:
    """The versioned JSON result, streamed: it can be hundreds of MB."""
    from auditor.report.json_report import json_chunks

    write_bytes(target, json_chunks(request.result))


def write_sarif(target: Path, request: WriteRequest) -> None:
    """SARIF 2.1.0 for code scanning."""
    from auditor.report.sarif import render_sarif

    write_text(target, render_sarif(request.result, root=request.root, cwd=request.cwd))


def write_gitlab_sast(target: Path, request: WriteRequest) -> None:
    """GitLab's security report (SAST) for the merge-request widget."""
    from auditor.report.gitlab import render_gitlab_sast

    write_text(target, render_gitlab_sast(request.result, root=request.root, cwd=request.cwd))


def write_junit(target: Path, request: WriteRequest) -> None:
    """JUnit XML, streamed (250,000 findings make over 400 MB of XML)."""
    from auditor.report.junit import junit_chunks

    write_bytes(target, junit_chunks(request.result, set(request.failing)))


def write_markdown(target: Path, request: WriteRequest) -> None:
    """The Markdown summary for a pull-request comment or a job summary."""
    from auditor.report.markdown import render_markdown

    write_text(target, render_markdown(request.result, show_waived=request.show_waived))


def write_csv(target: Path, request: WriteRequest) -> None:
    """Findings as CSV, and the inventory register beside them (unless on stdout)."""
    from auditor.report.csv_report import render_findings_csv, render_register_csv

    write_text(target, render_findings_csv(request.result))
    for side in _csv_side_files(target):
        write_text(side, render_register_csv(request.result))


def write_transfers_csv(target: Path, request: WriteRequest) -> None:
    """The GDPR transfer register: one row per transfer outside the EEA."""
    from auditor.report.csv_report import render_transfers_csv

    write_text(target, render_transfers_csv(request.result))


def write_html(target: Path, request: WriteRequest) -> None:
    """The self-contained HTML audit report."""
    from auditor.report.html import render_html

    write_text(
        target,
        render_html(
            request.result,
            template_dir=request.template_dir,
            report_id=request.report_id,
            classification=request.classification,
            limits=request.limits,
        ),
    )


def write_pdf(target: Path, request: WriteRequest) -> None:
    """The PDF audit report (the HTML report's print layout)."""
    from auditor.report.pdf import render_pdf

    write_bytes(
        target,
        render_pdf(
            request.result,
            template_dir=request.template_dir,
            report_id=request.report_id,
            classification=request.classification,
            limits=request.limits,
            progress=request.progress,
        ),
    )


WRITERS: Mapping[OutputFormat, WriterSpec] = {
    OutputFormat.JSON: WriterSpec(write_json),
    OutputFormat.SARIF: WriterSpec(write_sarif),
    OutputFormat.JUNIT: WriterSpec(write_junit),
    OutputFormat.GITLAB_SAST: WriterSpec(write_gitlab_sast),
    OutputFormat.MARKDOWN: WriterSpec(write_markdown),
    OutputFormat.CSV: WriterSpec(write_csv, side_files=_csv_side_files),
    OutputFormat.TRANSFERS_CSV: WriterSpec(write_transfers_csv),
    OutputFormat.HTML: WriterSpec(write_html),
    OutputFormat.PDF: WriterSpec(write_pdf, typesets=True),
}
