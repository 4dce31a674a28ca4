"""The audit report as one self-contained HTML file (Jinja2, sandboxed, autoescaped).

``report_context`` computes what the report shows; this module renders it. Safety:
autoescape is on everywhere, templates run in Jinja2's immutable sandbox, a template folder
can only load files that really lie inside it (no ``..``, no symlink out), and the page
refers to nothing outside itself: CSS and script are inlined and a Content-Security-Policy
allows exactly them, by hash.
"""

from __future__ import annotations

import base64
import hashlib
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from auditor.errors import Diagnostic, EnvironmentFault, UsageError
from auditor.model.compare import Comparison
from auditor.model.findings import AuditResult
from auditor.model.tia import TransferAssessment
from auditor.model.vendor import VendorAssessment
from auditor.model.words import category_words
from auditor.report.comparison_context import comparison_context
from auditor.report.report_context import (
    MAX_GRAPHS,
    OBJECTIVES,
    SECTIONS,
    SEVERITY_ORDER,
    ReportLimits,
    build_context,
    default_report_id,
)
from auditor.report.report_words import country_in_sentence, generic, generic_title, plain, words
from auditor.report.sandbox import BoundedSandbox
from auditor.resources import builtin_templates_dir

__all__ = [
    "MAX_GRAPHS",
    "SECTIONS",
    "ReportLimits",
    "default_comparison_id",
    "default_report_id",
    "render_comparison_html",
    "render_html",
    "render_tia_html",
    "template_roots",
]

ENTRY_TEMPLATE = "report.html.j2"
# Inlined after report.css and print.css only when the report is abridged (issue 9), so
# that a report which shows everything stays byte-identical to before.
ABRIDGED_CSS = "assets/abridged.css"
COMPARISON_TEMPLATE = "comparison.html.j2"
VENDOR_TEMPLATE = "vendor.html.j2"
TIA_TEMPLATE = "tia.html.j2"
TIA_CSS = "assets/tia.css"


@dataclass(frozen=True)
class Assets:
    """Inlined stylesheet and script with the policy that allows exactly them."""

    css: Markup
    script: Markup | None
    csp: str


def template_roots(template_dir: Path | None) -> tuple[Path, ...]:
    """The folders templates and assets may come from, the override first."""
    builtin = builtin_templates_dir().resolve()
    if template_dir is None:
        return (builtin,)
    if not template_dir.is_dir():
        raise UsageError(
            f"template folder {template_dir} does not exist or is not a folder",
            [
                Diagnostic(
                    str(template_dir), None, None, "not a folder", "pass a folder of .j2 templates"
                )
            ],
        )
    return (template_dir.resolve(), builtin)


def render_html(
    result: AuditResult,
    *,
    template_dir: Path | None = None,
    report_id: str | None = None,
    classification: str = "CONFIDENTIAL",
    print_mode: bool = False,
    limits: ReportLimits | None = None,
) -> str:
    """The whole report as one HTML document; ``print_mode`` is the PDF layout (no script).

    On a large estate it is abridged within ``limits`` (default ``ReportLimits.default()``):
    the most severe items in full, the next in one line, the rest counted; it says so.
    """
    return _render(
        ENTRY_TEMPLATE,
        lambda: build_context(
            result,
            report_id=report_id or default_report_id(result),
            classification=classification,
            print_mode=print_mode,
            limits=limits,
        ),
        template_dir=template_dir,
        print_mode=print_mode,
        script=True,
    )


def default_comparison_id(comparison: Comparison) -> str:
    """``RC-`` and 10 hex digits of the SHA-256 of the comparison (stable per input)."""
    data = comparison.model_dump_json(exclude={"results"})
    return "RC-" + hashlib.sha256(data.encode("utf-8")).hexdigest()[:10]


def render_comparison_html(
    comparison: Comparison,
    *,
    template_dir: Path | None = None,
    report_id: str | None = None,
    classification: str = "CONFIDENTIAL",
    print_mode: bool = False,
) -> str:
    """The procurement comparison (``auditor compare``) as one self-contained HTML document."""
    return _render(
        COMPARISON_TEMPLATE,
        lambda: comparison_context(
            comparison,
            report_id=report_id or default_comparison_id(comparison),
            classification=classification,
            print_mode=print_mode,
        ),
        template_dir=template_dir,
        print_mode=print_mode,
        script=False,
    )


def default_vendor_sheet_id(sheet: VendorAssessment) -> str:
    """``RV-`` and 10 hex digits of the SHA-256 of the sheet (stable per knowledge base)."""
    return "RV-" + hashlib.sha256(sheet.model_dump_json().encode("utf-8")).hexdigest()[:10]


def render_vendor_html(
    sheet: VendorAssessment,
    *,
    template_dir: Path | None = None,
    report_id: str | None = None,
    classification: str = "INTERNAL",
    print_mode: bool = False,
) -> str:
    """The vendor due-diligence sheet (``auditor vendor show --html``) as one HTML document."""
    meta = {
        "report_id": report_id or default_vendor_sheet_id(sheet),
        "classification": classification,
        "date": sheet.kb_as_of,
        "organisation": sheet.name,
        "tool": "residency-auditor",
        "tool_version": sheet.tool_version,
        "kb_version": sheet.kb_version,
        "print_mode": print_mode,
    }
    return _render(
        VENDOR_TEMPLATE,
        lambda: {"v": sheet, "report": meta},
        template_dir=template_dir,
        print_mode=print_mode,
        script=False,
    )


def _render(
    template: str,
    context: Callable[[], dict[str, Any]],
    *,
    template_dir: Path | None,
    print_mode: bool,
    script: bool,
    extra_css: Sequence[str] = (),
) -> str:
    """Render ``template``; template problems become usage errors with file and line."""
    roots = template_roots(template_dir)
    env = _environment(roots)
    try:
        values = context()
        if values.get("abridgements"):
            extra_css = (*extra_css, ABRIDGED_CSS)
        assets = _assets(env, script and not print_mode, extra_css)
        return env.get_template(template).render(assets=assets, **values)
    except TemplateError as exc:
        raise _template_failure(exc, roots) from None
    except (
        TypeError,
        ValueError,
        LookupError,
        ArithmeticError,
        AttributeError,
        RecursionError,  # a macro that calls itself without end
        MemoryError,  # a string built too large for the bounds to catch
    ) as exc:
        if template_dir is None:  # the built-in templates: a bug, keep the traceback
            raise
        raise _template_failure(exc, roots) from None
    except OSError as exc:
        raise EnvironmentFault(f"cannot read the report templates: {exc}") from None


def default_tia_id(assessment: TransferAssessment) -> str:
    """``TIA-`` and 10 hex digits of the SHA-256 of the transfer id and the inventory snapshot."""
    data = f"{assessment.id}\n{assessment.snapshot}"
    return "TIA-" + hashlib.sha256(data.encode("utf-8")).hexdigest()[:10]


def render_tia_html(
    assessment: TransferAssessment,
    *,
    template_dir: Path | None = None,
    report_id: str | None = None,
    classification: str = "CONFIDENTIAL",
    print_mode: bool = False,
) -> str:
    """One transfer impact assessment (``auditor tia --html``) as one HTML document."""
    meta = {
        "report_id": report_id or default_tia_id(assessment),
        "classification": classification,
        "date": assessment.audit_date,
        "organisation": assessment.organisation,
        "tool": assessment.tool,
        "tool_version": assessment.tool_version,
        "print_mode": print_mode,
    }
    return _render(
        TIA_TEMPLATE,
        lambda: {"a": assessment, "report": meta},
        template_dir=template_dir,
        print_mode=print_mode,
        script=False,
        extra_css=(TIA_CSS,),
    )


# ---------------------------------------------------------------- templates


class _ConfinedLoader(FileSystemLoader):
    """A folder loader that also refuses files whose real path leaves the folder (symlinks)."""

    def __init__(self, root: Path) -> None:
        super().__init__(str(root), followlinks=False)
        self._root = root.resolve()

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self._root):
            raise TemplateNotFound(f"{template} (it lies outside the template folder)")
        return source, filename, uptodate


class _Sandbox(BoundedSandbox):
    """Jinja2's immutable sandbox with its verdicts cached.

    Whether an attribute is safe depends only on the object's type and the attribute's
    name (``is_internal_attribute`` and ``modifies_known_mutable`` test the type), so one
    check per (type, name) is enough; the uncached check was half the render time.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._verdicts: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = super().is_safe_attribute(obj, attr, value)
        return verdict


def _plain(value: object) -> object:
    if type(value) is str:  # not Markup: that is already final
        return plain(value)
    return value


def _environment(roots: Sequence[Path]) -> ImmutableSandboxedEnvironment:
    loaders: list[BaseLoader] = [_ConfinedLoader(root) for root in roots]
    env = _Sandbox(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        # Every sentence printed, in words: codes a check or the engine put into a text
        # ("a model_api component") are written out (issue 18). Bare codes are left for
        # attributes; templates print those as text through the ``words`` filter.
        finalize=_plain,
    )
    env.filters["fileline"] = _fileline
    env.filters["words"] = words
    env.filters["category_words"] = category_words
    env.filters["generic"] = generic
    env.filters["generic_title"] = generic_title
    env.filters["in_sentence"] = country_in_sentence
    env.filters["severity_label"] = lambda s: str(s).capitalize()
    env.globals["sections"] = SECTIONS
    env.globals["section"] = {s.anchor: s for s in SECTIONS}
    env.globals["severities"] = tuple(s.value for s in SEVERITY_ORDER)
    env.globals["objectives"] = OBJECTIVES
    return env


def _asset_source(env: ImmutableSandboxedEnvironment, name: str) -> str:
    """An asset's text as it is (not a template); it can be overridden like a template."""
    assert env.loader is not None
    source, _filename, _uptodate = env.loader.get_source(env, name)
    return source


def _csp_hash(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def _assets(
    env: ImmutableSandboxedEnvironment, with_script: bool, extra_css: Sequence[str] = ()
) -> Assets:
    names = ("assets/report.css", "assets/print.css", *extra_css)
    css = "\n".join(_asset_source(env, name) for name in names)
    for closing in ("</style", "</script"):
        if closing in css.lower():
            raise UsageError(f"the report stylesheet must not contain '{closing}'")
    script = _asset_source(env, "assets/report.js") if with_script else None
    if script is not None and "</script" in script.lower():
        raise UsageError("the report script must not contain '</script'")
    script_src = _csp_hash(script) if script is not None else "'none'"
    csp = (
        "default-src 'none'; img-src data:; font-src data:; "
        f"style-src {_csp_hash(css)}; script-src {script_src}; "
        "base-uri 'none'; form-action 'none'"
    )
    return Assets(Markup(css), None if script is None else Markup(script), csp)


def _template_failure(exc: BaseException, roots: Sequence[Path]) -> UsageError:
    """A template problem as a diagnostic pointing at the template file and line."""
    path, line = "templates", None
    if isinstance(exc, TemplateSyntaxError):
        path, line = exc.filename or exc.name or path, exc.lineno
    else:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith((".j2", ".html", ".jinja")):
                path, line = frame.filename, frame.lineno
                break
    if isinstance(exc, TemplateNotFound):
        hint = "templates are looked up in " + ", ".join(str(r) for r in roots)
    else:
        hint = "fix the template; the built-in ones in templates/ show every variable"
    if isinstance(exc, RecursionError):
        hint = "a macro that calls itself needs a case that stops; " + hint
    detail = str(exc) or (
        "the template built more text than fits in memory"
        if isinstance(exc, MemoryError)
        else type(exc).__name__
    )
    message = f"report template error: {type(exc).__name__}: {detail}"
    return UsageError(message, [Diagnostic(path, line, None, detail, hint)])


def _fileline(value: Any) -> str:
    file = getattr(value, "file", None)
    line = getattr(value, "line", None)
    if not file:
        return ""
    return f"{file}:{line}" if line else str(file)
