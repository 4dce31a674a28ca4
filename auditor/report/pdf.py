"""The audit report as PDF: the print layout of the HTML report, typeset by WeasyPrint.

WeasyPrint is imported only here and only when a PDF is asked for, so the rest of the tool
works without Pango. The renderer may read nothing but ``data:`` URIs and files inside the
template folders: every other URL (http, ftp, file outside the folders) is refused, so a
hostile inventory or template cannot make the PDF writer fetch or leak anything. The
document metadata, and the timestamps of the embedded font subsets, are fixed from the audit
date, so the same inputs give the same PDF.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import mimetypes
import os
import re
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from auditor.errors import EnvironmentFault
from auditor.model.compare import Comparison
from auditor.model.findings import AuditResult
from auditor.model.tia import TransferAssessment
from auditor.model.vendor import VendorAssessment
from auditor.report.html import (
    default_comparison_id,
    default_report_id,
    default_tia_id,
    default_vendor_sheet_id,
    render_comparison_html,
    render_html,
    render_tia_html,
    render_vendor_html,
    template_roots,
)
from auditor.report.report_context import ReportLimits

_INSTALL_HINT = (
    "PDF output needs WeasyPrint and the Pango library: pip install weasyprint, and on "
    "Debian/Ubuntu apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 "
    "(see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html)"
)


# Tagged PDF/UA-1 (ISO 14289-1): a structure tree that screen readers follow, the document
# language and title shown in the title bar. Public bodies must publish accessible documents
# (Directive (EU) 2016/2102); issue 18.
PDF_VARIANT = "pdf/ua-1"


class RefusedURL(ValueError):
    """A resource the PDF renderer is not allowed to read."""


def resolve_resource(url: str, roots: Sequence[Path]) -> tuple[bytes, str]:
    """The bytes and MIME type behind ``url`` if it is a ``data:`` URI or a file in ``roots``."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        with urllib.request.DataHandler().data_open(urllib.request.Request(url)) as response:
            return response.read(), response.headers.get_content_type()
    if scheme == "file":
        parsed = urllib.parse.urlsplit(url)
        if parsed.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused to fetch {url}: remote file URL")
        path = Path(urllib.request.url2pathname(parsed.path)).resolve()
        if any(path.is_relative_to(root) for root in roots) and path.is_file():
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return path.read_bytes(), mime
        raise RefusedURL(f"refused to fetch {url}: outside the template folder")
    raise RefusedURL(f"refused to fetch {url}: the report may not load anything from the network")


def _print(
    render: Callable[..., str],
    report_id: str,
    date: str,
    template_dir: Path | None,
    classification: str,
    progress: Callable[[str], None] | None = None,
) -> bytes:
    """Typeset what ``render`` gives in print mode (WeasyPrint is checked before rendering)."""
    weasyprint = _weasyprint()
    html = render(
        template_dir=template_dir,
        report_id=report_id,
        classification=classification,
        print_mode=True,
    )
    return _typeset(weasyprint, html, template_roots(template_dir), report_id, date, progress)


def render_pdf(
    result: AuditResult,
    *,
    template_dir: Path | None = None,
    report_id: str | None = None,
    classification: str = "CONFIDENTIAL",
    limits: ReportLimits | None = None,
    progress: Callable[[str], None] | None = None,
) -> bytes:
    """The report as PDF bytes (the same content as :func:`render_html` in print layout).

    A large estate is abridged within ``limits``, as the HTML is (issue 9). ``progress``
    is told, in words, which typesetting step runs and which page is being laid out.
    """
    return _print(
        partial(render_html, result, limits=limits),
        report_id or default_report_id(result),
        result.audit_date,
        template_dir,
        classification,
        progress,
    )


def render_comparison_pdf(
    comparison: Comparison,
    *,
    template_dir: Path | None = None,
    report_id: str | None = None,
    classification: str = "CONFIDENTIAL",
) -> bytes:
    """The procurement comparison as PDF bytes (print layout of the comparison HTML)."""
    return _print(
        partial(render_comparison_html, comparison),
        report_id or default_comparison_id(comparison),
        comparison.audit_date,
        template_dir,
        classification,
    )


def render_vendor_pdf(
    sheet: VendorAssessment,
    *,
    template_dir: Path | None = None,
    report_id: str | None = None,
    classification: str = "INTERNAL",
) -> bytes:
    """The vendor due-diligence sheet as PDF bytes."""
    return _print(
        partial(render_vendor_html, sheet),
        report_id or default_vendor_sheet_id(sheet),
        sheet.kb_as_of,
        template_dir,
        classification,
    )


def render_tia_pdf(
    assessment: TransferAssessment,
    *,
    template_dir: Path | None = None,
    report_id: str | None = None,
    classification: str = "CONFIDENTIAL",
) -> bytes:
    """One transfer impact assessment as PDF bytes (print layout of its HTML)."""
    return _print(
        partial(render_tia_html, assessment),
        report_id or default_tia_id(assessment),
        assessment.audit_date,
        template_dir,
        classification,
    )


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise EnvironmentFault(
            f"cannot write PDF: WeasyPrint is not usable ({exc}). {_INSTALL_HINT}"
        ) from None
    return weasyprint


def _typeset(
    weasyprint: Any,
    html: str,
    roots: Sequence[Path],
    report_id: str,
    date: str,
    progress: Callable[[str], None] | None = None,
) -> bytes:
    """HTML to PDF with the confined fetcher and a file identifier fixed by id and date."""
    fetcher = _fetcher(weasyprint, roots)
    identifier = hashlib.sha256(f"{report_id}\n{date}".encode()).hexdigest()[:32]
    # WeasyPrint reports unsupported CSS and refused resources through logging; they are
    # not the user's problem, and the refusals are intended.
    logger = logging.getLogger("weasyprint")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with _collector_paused(), _font_timestamps(date), _steps_told(progress):
            document = weasyprint.HTML(
                string=html, base_url=roots[0].as_uri() + "/", url_fetcher=fetcher
            ).render()
            data: bytes = document.write_pdf(
                pdf_identifier=identifier.encode("ascii"), pdf_variant=PDF_VARIANT
            )
    except OSError as exc:
        raise EnvironmentFault(f"cannot write PDF: {exc}") from None
    finally:
        logger.setLevel(previous)
    return data


# WeasyPrint logs each of its seven steps, and each page it lays out, to this logger.
_PROGRESS_LOGGER = "weasyprint.progress"
_STEP = re.compile(r"Step (\d) - .*?(?:Page (\d+))?$")
_STEP_WORDS = {
    "1": "reading the report",
    "2": "reading the stylesheets",
    "3": "applying the styles",
    "4": "building the page structure",
    "5": "laying out the pages",
    "6": "writing the PDF",
    "7": "adding the document metadata",
}


class _StepHandler(logging.Handler):
    """Turns WeasyPrint's progress log into words for ``progress``."""

    def __init__(self, progress: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        match = _STEP.match(record.getMessage())
        if match is None:
            return
        step, page = match.groups()
        words = f"laying out page {page}" if page else _STEP_WORDS.get(step, "typesetting")
        self.progress(f"PDF step {step} of 7: {words}")


@contextmanager
def _steps_told(progress: Callable[[str], None] | None) -> Iterator[None]:
    """Tell ``progress`` each typesetting step and page while WeasyPrint runs (issue 18)."""
    if progress is None:
        yield
        return
    logger = logging.getLogger(_PROGRESS_LOGGER)
    handler = _StepHandler(progress)
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.INFO)  # the parent "weasyprint" logger is silenced meanwhile
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


@contextmanager
def _font_timestamps(date: str) -> Iterator[None]:
    """Stamp the embedded font subsets with the report date, not with the clock (issue 15).

    Where ``libharfbuzz-subset`` is missing, WeasyPrint subsets fonts with fontTools, which
    writes the current time into each subset's ``head.modified`` field: two renders a second
    apart then differ. fontTools takes that time from ``SOURCE_DATE_EPOCH`` when it is set
    (https://reproducible-builds.org/specs/source-date-epoch/), so it is set to midnight UTC
    of the report date while typesetting, unless the caller has set it already. The CLI
    renders in one thread; the variable is restored afterwards.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    try:
        day = datetime.strptime(date[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:  # no date to stamp with: leave fontTools its default
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(max(0, int(day.timestamp())))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while WeasyPrint typesets (issue 9).

    Typesetting allocates millions of small objects (boxes, styles, text runs) that all live
    until the PDF is written, so every collection rescans a growing heap and frees nothing:
    a fifth of the time for a 300-finding report. Reference counting still frees everything
    that is not in a cycle (peak memory grew by about 3 %); the collector resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _fetcher(weasyprint: Any, roots: Sequence[Path]) -> Any:
    """A URL fetcher for this WeasyPrint: a ``URLFetcher`` subclass (>= 66) or a function."""
    urls = weasyprint.urls
    if hasattr(urls, "URLFetcher") and hasattr(urls, "URLFetcherResponse"):

        class ConfinedFetcher(urls.URLFetcher):  # type: ignore[misc,name-defined]
            def fetch(self, url: str, headers: Any = None) -> Any:
                body, mime = resolve_resource(url, roots)
                return urls.URLFetcherResponse(url, body, {"Content-Type": mime})

        return ConfinedFetcher()

    def fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
        body, mime = resolve_resource(url, roots)
        return {"string": body, "mime_type": mime, "redirected_url": url}

    return fetch
