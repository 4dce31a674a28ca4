"""Command line: each command parses options, calls the library, renders, exits.

This module is the single error boundary: an :class:`~auditor.errors.AuditorError`
becomes a message, its diagnostics and its exit code; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

import click

from auditor import __version__
from auditor.errors import (
    AuditorError,
    ExitCode,
    KnowledgeBaseError,
    UsageError,
    printable,
    terminal_text,
)
from auditor.model.outputs import OutputFormat

if TYPE_CHECKING:  # the commands import what they use when they run: `auditor --help` stays fast
    from auditor.audit.config import Config
    from auditor.model.findings import AuditResult, Finding
    from auditor.report.writers import WriteRequest

PathArg = click.Path(path_type=Path)
DateArg = click.DateTime(formats=["%Y-%m-%d"])


def today_option(help: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--today YYYY-MM-DD``: the date a command measures against, for reproducible output."""
    return click.option("--today", type=DateArg, default=None, help=help)


# --template-dir of the commands that render through the report templates, as audit does.
template_dir_option = click.option(
    "--template-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder overriding the report templates (as for audit).",
)


class Context:
    """Options shared by every command."""

    def __init__(self, debug: bool, rule_dirs: tuple[Path, ...]) -> None:
        self.debug = debug
        self.rule_dirs = rule_dirs


def _say(text: str, *, nl: bool = True) -> None:
    """Print text that quotes the input (names, file names): never raw escapes or bidi."""
    click.echo(terminal_text(text), nl=nl)


def _echo_error(error: AuditorError) -> None:
    click.echo(f"error: {printable(error.message)}", err=True)
    for diagnostic in error.diagnostics:
        click.echo(str(diagnostic), err=True)


class _ReaderGone(Exception):
    """Standard output's reader went away; raised instead of BrokenPipeError, which
    click would turn into a silent exit 1 (the code of failing findings)."""


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise _ReaderGone from None


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="auditor")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of short error messages.")
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Extra rules folder (checks/, laws/, vendors/, ...). Repeatable.",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, rule_dirs: tuple[Path, ...]) -> None:
    """Audit which foreign laws can reach the data your AI systems process."""
    ctx.obj = Context(debug, rule_dirs)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=PathArg)
@click.pass_obj
def validate(obj: Context, paths: tuple[Path, ...]) -> None:
    """Check inventory files: syntax, schema, references. Exit 0 or 3."""
    from auditor.audit import load_checked_inventory

    inventory, _ = load_checked_inventory(paths, obj.rule_dirs)
    systems = len(inventory.systems)
    components = sum(len(s.components) for s in inventory.systems)
    click.echo(
        f"ok: {len(inventory.files)} file(s), {systems} system(s), {components} component(s), "
        f"{len(inventory.data)} data asset(s), {len(inventory.entities)} entit(y/ies)"
    )


@cli.command()
@click.option("-o", "--output", type=PathArg, default=None, help="Write to FILE instead of stdout.")
@click.option(
    "--kind",
    type=click.Choice(["inventory", "options", "policy", "waivers", "config", "result"]),
    default="inventory",
    show_default=True,
    help="Which file format.",
)
def schema(output: Path | None, kind: str) -> None:
    """JSON Schema of an inventory (or options, policy, waiver, config) file, or of the JSON result."""
    from auditor.audit import inventory_json_schema
    from auditor.model.document import result_json_schema
    from auditor.report.output import write_text

    document = result_json_schema() if kind == "result" else inventory_json_schema(kind)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text(output, text)


@cli.group()
def kb() -> None:
    """The knowledge base of laws, jurisdictions, vendors and regions."""


@kb.command("check")
@click.option(
    "--max-age",
    type=click.IntRange(min=1),
    default=None,
    help="List facts older than DAYS (relative to --today).",
)
@today_option("Date to measure age against (default: the system date).")
@click.pass_obj
def kb_check(obj: Context, max_age: int | None, today: dt.datetime | None) -> None:
    """Validate the knowledge base; list unconfirmed and stale facts. Exit 0 or 4."""
    from auditor.audit import knowledge_report

    report = knowledge_report(
        obj.rule_dirs, max_age_days=max_age, today=(today.date() if today else dt.date.today())
    )
    _say(report.render())
    if report.unsourced:
        raise KnowledgeBaseError(
            f"{len(report.unsourced)} line(s) of the knowledge base give no primary source "
            "(from memory, general knowledge, or the research notes); every fact needs one",
            [line.diagnostic for line in report.unsourced],
        )


SEVERITY_CHOICES = click.Choice(["critical", "high", "medium", "low", "info", "never"])


def audit_options(func: Callable[..., None]) -> Callable[..., None]:
    """Options shared by ``audit`` (and later ``scan``): policy, outputs, exit policy, waivers, baselines."""
    options: list[Callable[[Callable[..., None]], Callable[..., None]]] = [
        click.option(
            "--policy",
            "policy_file",
            type=PathArg,
            default=None,
            help="Policy file (overrides the inventory's).",
        ),
        *(
            click.option(
                f"--{fmt.value}",
                f"{fmt.key}_out",
                type=PathArg,
                default=None,
                help=fmt.description,
            )
            for fmt in OutputFormat
        ),
        click.option(
            "--template-dir",
            type=click.Path(path_type=Path, file_okay=False),
            default=None,
            help="Folder overriding the report templates.",
        ),
        click.option(
            "--source-root",
            type=click.Path(path_type=Path, file_okay=False, exists=True),
            default=None,
            help="SARIF, GitLab SAST: the repository root their file paths are relative to "
            "(default: the folder of .auditor.yaml, else the working folder).",
        ),
        click.option(
            "--report-id",
            default=None,
            help="Report id on the cover (default: derived from the input hashes).",
        ),
        click.option(
            "--classification",
            default="CONFIDENTIAL",
            show_default=True,
            help="Classification printed on the report.",
        ),
        click.option(
            "--full-report",
            is_flag=True,
            help="HTML/PDF: every finding, transfer, scorecard and register row in full, "
            "however large (slow, and very long, on a large estate).",
        ),
        click.option(
            "--fail-on",
            type=SEVERITY_CHOICES,
            default=None,
            help="Exit 1 when a finding is at or above this severity [default: high].",
        ),
        click.option("--waivers", "waivers_file", type=PathArg, default=None, help="Waiver file."),
        click.option(
            "--no-waivers",
            is_flag=True,
            help="Ignore every waiver (an audit of the unwaived state).",
        ),
        click.option(
            "--show-waived",
            is_flag=True,
            help="List waived findings in the terminal and Markdown too.",
        ),
        click.option(
            "--baseline",
            "baseline_file",
            type=PathArg,
            default=None,
            help="Report only findings not in this baseline.",
        ),
        click.option(
            "--write-baseline",
            type=PathArg,
            default=None,
            help="Write a baseline of this run's findings.",
        ),
        click.option(
            "--since",
            default=None,
            metavar="GIT_REF",
            help="Report only findings introduced since GIT_REF.",
        ),
        click.option(
            "--what-if",
            "what_if",
            multiple=True,
            metavar="CHANGE",
            help="Show what 'component=ID key=value ...' would change (repeatable); no other output.",
        ),
        click.option(
            "--what-if-file", type=PathArg, default=None, help="What-if changes from a patch file."
        ),
        click.option(
            "--config",
            "config_file",
            type=PathArg,
            default=None,
            help="Config file (default: .auditor.yaml found upward).",
        ),
        click.option("--no-config", is_flag=True, help="Do not read .auditor.yaml."),
        today_option("Audit date (default: today); fixes fact ages for reproducible reports."),
        click.option("--quiet", is_flag=True, help="No terminal summary or progress."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command()
@click.argument("paths", nargs=-1, type=PathArg)
@audit_options
@click.pass_obj
def audit(obj: Context, /, paths: tuple[Path, ...], **flags: object) -> None:
    """Audit inventory files or folders: exposures, transfers, findings, scores.

    Settings come from .auditor.yaml (found from the working folder upward) unless
    --no-config; flags override it. Any number of outputs can be written in one run.
    """
    sys.exit(int(_run_audit(paths, obj.rule_dirs, flags)))


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--inventory",
    "inventory_paths",
    multiple=True,
    type=PathArg,
    help="Hand-written inventory files or folders to audit together with the scan (repeatable).",
)
@click.option(
    "--var-file",
    "var_files",
    multiple=True,
    type=PathArg,
    help="Terraform variables file (repeatable).",
)
@click.option(
    "--country",
    default=None,
    help="The organisation's country when no inventory declares it (e.g. DE).",
)
@click.option(
    "--explain-resolution", is_flag=True, help="Print how every location was resolved, and stop."
)
@audit_options
@click.pass_obj
def scan(obj: Context, /, directory: Path, **flags: object) -> None:
    """Scan Terraform (HCL, plan/state JSON), Kubernetes and application code under DIRECTORY and audit it.

    Scanned services merge with --inventory, whose flows can name them as
    'system/component' (see --explain-resolution for the ids). With --inventory, the
    drift checks also report AI services the code uses but the inventory does not declare,
    places that differ from the declaration, and declared services nothing uses.
    Every audit option applies.
    """
    if flags.get("explain_resolution"):
        from auditor.loader.iac import scan as scan_infrastructure

        var_files = tuple(Path(str(v)) for v in flags.get("var_files") or ())  # type: ignore[attr-defined]
        result = scan_infrastructure(directory, var_files=var_files)
        _say(result.explain())
        for diagnostic in result.diagnostics:
            click.echo(str(diagnostic), err=True)
        sys.exit(int(ExitCode.INVALID_INPUT if result.diagnostics else ExitCode.OK))
    paths = tuple(Path(str(p)) for p in flags.pop("inventory_paths") or ())  # type: ignore[attr-defined]
    flags["scan_root"] = directory
    sys.exit(int(_run_audit(paths, obj.rule_dirs, flags)))


def _run_audit(
    paths: tuple[Path, ...], rule_dirs: tuple[Path, ...], flags: dict[str, object]
) -> ExitCode:
    from auditor.report.output import all_or_nothing

    try:
        # Every report of the run lands, or none does (a failing PDF keeps the old JSON too).
        with all_or_nothing():
            return _audit_and_write(paths, rule_dirs, flags)
    finally:
        gc.unfreeze()  # in-process callers (tests, embedding) get a normal collector back


@dataclass(frozen=True)
class _Run:
    """One ``audit``/``scan`` run: its flags merged over ``.auditor.yaml``."""

    flags: dict[str, object]
    config: Config
    config_file: Path | None
    inventory_paths: tuple[Path, ...]
    rule_dirs: tuple[Path, ...]
    outputs: dict[OutputFormat, Path]
    write_baseline: Path | None
    policy_file: Path | None
    waivers_file: Path | None
    baseline_file: Path | None
    patch: Path | None
    var_files: tuple[Path, ...]
    scan_root: Path | None

    def flag(self, name: str) -> object:
        return self.flags.get(name)

    def targets(self) -> list[Path]:
        """Every file the run may write: reports, what they write beside them, the baseline."""
        from auditor.report.writers import WRITERS

        found: list[Path] = []
        for fmt, target in self.outputs.items():
            found += [target, *WRITERS[fmt].side_files(target)]
        return found + ([self.write_baseline] if self.write_baseline else [])

    def side_inputs(self) -> tuple[Path, ...]:
        """Files the run reads besides the inventory: policy, waivers, baseline, config, ..."""
        return tuple(
            p
            for p in (
                self.policy_file,
                self.waivers_file,
                self.baseline_file,
                self.config_file,
                self.patch,
                *self.var_files,
            )
            if p is not None
        )


def _run_settings(
    paths: tuple[Path, ...], rule_dirs: tuple[Path, ...], flags: dict[str, object]
) -> _Run:
    """Flags over the config file; paths from the config stay inside the config's folder."""
    from auditor.audit.config import Config, configured_output, find_config, load_config

    config, base = Config(), Path.cwd()
    config_path = flags.get("config_file")
    config_file_used: Path | None = None
    if not flags.get("no_config"):
        found = config_path if isinstance(config_path, Path) else find_config(Path.cwd())
        if found is not None:
            config, base, config_file_used = load_config(found), found.resolve().parent, found

    def from_config(value: str | None) -> Path | None:
        """A path from the config file, which must stay inside the config file's folder:
        a repository being audited must not make the auditor read or write elsewhere."""
        if value is None:
            return None
        resolved = (base / value).resolve()
        if not resolved.is_relative_to(base):
            raise UsageError(f"{config_file_used}: {value!r} points outside {base}", ())
        return base / value

    def path_flag(name: str, configured: str | None) -> Path | None:
        value = flags.get(name)
        return value if isinstance(value, Path) else from_config(configured)

    scan_root = flags.get("scan_root")
    inventory_paths = paths or tuple(
        p for p in (from_config(v) for v in config.paths) if p is not None
    )
    if not inventory_paths and not isinstance(scan_root, Path):
        raise UsageError(
            "no inventory given: name files or folders, or set 'paths' in .auditor.yaml"
        )
    outputs = {
        fmt: target
        for fmt in OutputFormat
        if (target := path_flag(f"{fmt.key}_out", configured_output(config.outputs, fmt)))
        is not None
    }
    patch = flags.get("what_if_file")
    return _Run(
        flags=flags,
        config=config,
        config_file=config_file_used,
        inventory_paths=inventory_paths,
        rule_dirs=rule_dirs
        + tuple(p for p in (from_config(r) for r in config.rules) if p is not None),
        outputs=outputs,
        write_baseline=path_flag("write_baseline", None),
        policy_file=path_flag("policy_file", config.policy),
        waivers_file=path_flag("waivers_file", config.waivers),
        baseline_file=path_flag("baseline_file", config.baseline),
        patch=patch if isinstance(patch, Path) else None,
        var_files=tuple(Path(str(v)) for v in flags.get("var_files") or ()),  # type: ignore[attr-defined]
        scan_root=scan_root if isinstance(scan_root, Path) else None,
    )


def _audit_and_write(
    paths: tuple[Path, ...], rule_dirs: tuple[Path, ...], flags: dict[str, object]
) -> ExitCode:
    from auditor.loader.yamlsrc import paused_gc

    # Importing the pipeline creates thousands of classes, functions and patterns that all
    # live until the end: about a hundred collections would walk them for nothing to
    # free, a few per cent of the start-up of a scan of a small tree (issue 19).
    with paused_gc():
        from auditor.audit import AuditOptions, failing_findings, run_audit
        from auditor.audit.baseline import render_baseline
        from auditor.report.output import write_text
        from auditor.report.terminal import render_summary

    run = _run_settings(paths, rule_dirs, flags)
    targets = run.targets()
    if sum(1 for p in targets if str(p) == "-") > 1:
        raise UsageError("only one output can go to stdout (-)")
    _refuse_overwriting_inputs(targets, (*run.inventory_paths, *run.side_inputs()))
    if run.scan_root is not None:
        _refuse_overwriting_inputs(targets, (run.scan_root,), SCANNED_SUFFIXES)
    quiet = bool(run.flag("quiet"))
    today = run.flag("today")
    if run.flag("what_if") or run.patch is not None:
        return _what_if(run, quiet)
    progress = None if quiet else _progress_reporter()
    result = run_audit(
        run.inventory_paths,
        AuditOptions(
            rule_dirs=run.rule_dirs,
            policy_file=run.policy_file,
            today=today.date() if isinstance(today, dt.datetime) else None,
            progress=progress,
            waivers_file=run.waivers_file,
            use_waivers=not run.flag("no_waivers"),
            baseline_file=run.baseline_file,
            since=str(run.flag("since")) if run.flag("since") else None,
            scan_root=run.scan_root,
            var_files=run.var_files,
            country=str(run.flag("country")) if run.flag("country") else None,
            limits=run.config.limits.limits(),
        ),
    )
    # Every file the run read (scanned Terraform, plan JSON and manifests included) is
    # known only now; nothing has been written yet.
    _refuse_overwriting_inputs(targets, tuple(Path(i.path) for i in result.inputs))
    # The result lives until the process ends: move it (and everything the audit
    # kept) out of the collector's sight, so collections while the writers run
    # walk only the writers' own objects. At 10,000 systems the SARIF writer
    # spent most of its time in collections of the audit's objects.
    gc.freeze()
    fail_on = str(run.flag("fail_on") or run.config.fail_on or "high")
    failing = failing_findings(result, fail_on, run.config.hard_fail, run.config.soft_fail)
    show_waived = bool(run.flag("show_waived"))
    _write_reports(run, _write_request(run, result, failing, show_waived, progress))
    if progress is not None:
        progress("")
    if run.write_baseline is not None:
        write_text(run.write_baseline, render_baseline(result))
    if not quiet and "-" not in {str(t) for t in targets}:
        _say(render_summary(result, show_waived=show_waived), nl=False)
        if failing:
            click.echo(f"{len(failing)} finding(s) fail the build (--fail-on {fail_on}).")
    return ExitCode.FINDINGS if failing else ExitCode.OK


def _source_root(run: _Run) -> Path:
    """The folder SARIF and GitLab paths are relative to: --source-root, else the folder of
    the config file in use (a repository's root, as its paths are), else the working folder."""
    given = run.flag("source_root")
    if isinstance(given, Path):
        return given.resolve()
    if run.config_file is not None:
        return run.config_file.resolve().parent
    return Path.cwd()


def _write_request(
    run: _Run,
    result: AuditResult,
    failing: list[Finding],
    show_waived: bool,
    progress: Callable[[str], None] | None = None,
) -> WriteRequest:
    from auditor.report.writers import WriteRequest

    template_dir = run.flag("template_dir")
    limits = None
    if run.flag("full_report"):
        from auditor.report.report_summary import ReportLimits

        limits = ReportLimits.unlimited()
    return WriteRequest(
        result=result,
        failing=frozenset(f.fingerprint for f in failing),
        show_waived=show_waived,
        root=str(_source_root(run)),
        cwd=str(Path.cwd()),
        template_dir=template_dir if isinstance(template_dir, Path) else None,
        report_id=str(run.flag("report_id")) if run.flag("report_id") else None,
        classification=str(run.flag("classification") or "CONFIDENTIAL"),
        limits=limits,
        progress=progress,
    )


def _write_reports(run: _Run, request: WriteRequest) -> None:
    """Every report the run asked for, in the registry's order (all staged, none landed yet)."""
    from auditor.loader.yamlsrc import paused_gc
    from auditor.report.writers import WRITERS

    for fmt, target in run.outputs.items():
        spec = WRITERS[fmt]
        if request.progress is not None:
            request.progress(f"writing {target}")
        if spec.typesets:
            # Typesetting is left to the collector (WeasyPrint's box trees have parent
            # links), and a signal ends the process there at once.
            with _signals_end_the_process():
                spec.write(target, request)
        else:
            # The text writers build large acyclic structures: no collection helps them.
            with paused_gc():
                spec.write(target, request)


def _what_if(run: _Run, quiet: bool) -> ExitCode:
    from auditor.audit import AuditOptions
    from auditor.audit.whatif import load_patch, parse_change, what_if
    from auditor.report.compare_text import render_what_if
    from auditor.report.output import write_text

    if any(fmt is not OutputFormat.JSON for fmt in run.outputs):
        raise UsageError("--what-if writes only --json (the diff) and the terminal summary")
    changes = [parse_change(str(text)) for text in run.flag("what_if") or ()]  # type: ignore[attr-defined]
    if run.patch is not None:
        changes += load_patch(run.patch)
    today = run.flag("today")
    result = what_if(
        run.inventory_paths,
        changes,
        AuditOptions(
            rule_dirs=run.rule_dirs,
            policy_file=run.policy_file,
            today=today.date() if isinstance(today, dt.datetime) else None,
        ),
    )
    json_out = run.outputs.get(OutputFormat.JSON)
    if json_out is not None:
        write_text(json_out, result.model_dump_json(indent=2) + "\n")
    if not quiet and (json_out is None or str(json_out) != "-"):
        _say(render_what_if(result), nl=False)
    return ExitCode.OK


def _is_terminal(stream: TextIO) -> bool:
    return stream.isatty()


def _progress_reporter() -> Callable[[str], None] | None:
    """Where a long run is, on stderr, on one rewritten line: the audit's stages numbered, the
    report being written and the PDF page being laid out, with the time since the start.
    Nothing when stderr is not a terminal (a CI log, a pipe) or with --quiet (issue 18)."""
    stream = sys.stderr
    if not _is_terminal(stream):
        return None
    started = time.monotonic()
    stages = [0]

    def report(stage: str) -> None:
        # An empty stage clears the line once the run is done.
        if not stage:
            stream.write("\r\x1b[K")
        else:
            if not stage.startswith(("PDF ", "writing ")):
                stages[0] += 1
                stage = f"audit stage {stages[0]}: {stage}"
            stream.write(f"\r\x1b[K[{time.monotonic() - started:4.0f} s] {stage} ...")
        stream.flush()

    return report


# What `auditor scan` reads under its folder besides YAML: Terraform and its variables.
# (Plan and state JSON are recognised by content; those read are checked after the audit.)
SCANNED_SUFFIXES = (".yaml", ".yml", ".tf", ".tf.json", ".tfvars", ".tfvars.json")


def _refuse_overwriting_inputs(
    outputs: list[Path],
    paths: tuple[Path, ...],
    folder_suffixes: tuple[str, ...] = (".yaml", ".yml"),
) -> None:
    """Usage error if an output would replace an input file, or is a symbolic link.

    ``paths`` are input files and folders; in a folder, every file whose name ends
    with one of ``folder_suffixes`` counts as an input (the loaders read them all).
    """
    from auditor.report.output import refuse_symbolic_link

    inputs = {p.resolve() for p in paths if p.is_file()}
    folders = [p.resolve() for p in paths if p.is_dir()]
    for out in outputs:
        if str(out) == "-":
            continue
        target = out.resolve()
        if target in inputs or (
            target.name.endswith(folder_suffixes) and any(target.is_relative_to(f) for f in folders)
        ):
            raise UsageError(f"refusing to write {out}: it is an input of this run")
        refuse_symbolic_link(out)


@cli.command()
@click.argument("options_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--json", "json_out", type=PathArg, default=None, help="Comparison as JSON (- for stdout)."
)
@click.option(
    "--html",
    "html_out",
    type=PathArg,
    default=None,
    help="Comparison as a self-contained HTML report.",
)
@click.option("--pdf", "pdf_out", type=PathArg, default=None, help="Comparison as PDF.")
@click.option(
    "--export-inventories",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Write each option's inventory (as audited) into this folder.",
)
@today_option("Audit date (default: today).")
@template_dir_option
@click.option(
    "--report-id",
    default=None,
    help="Report id on the cover (default: derived from the options file).",
)
@click.option(
    "--classification",
    default="CONFIDENTIAL",
    show_default=True,
    help="Classification printed on the HTML and PDF.",
)
@click.option("--quiet", is_flag=True, help="No terminal output.")
@click.pass_obj
def compare(
    obj: Context,
    /,
    options_file: Path,
    json_out: Path | None,
    html_out: Path | None,
    pdf_out: Path | None,
    export_inventories: Path | None,
    today: dt.datetime | None,
    template_dir: Path | None,
    report_id: str | None,
    classification: str,
    quiet: bool,
) -> None:
    """Compare candidate deployments for one use case (procurement), best first."""
    from auditor.audit.compare import compare as run_compare
    from auditor.audit.compare import export_inventories as write_inventories
    from auditor.errors import EnvironmentFault
    from auditor.report.compare_text import render_comparison_json, render_comparison_text
    from auditor.report.output import all_or_nothing, write_bytes, write_text

    exports = (
        [
            (export_inventories / relative, text)
            for relative, text in write_inventories(options_file)
        ]
        if export_inventories is not None
        else []
    )
    _refuse_overwriting_inputs(
        [p for p in (json_out, html_out, pdf_out) if p] + [target for target, _ in exports],
        (options_file,),
    )
    comparison = run_compare(options_file, obj.rule_dirs, today.date() if today else None)
    exported: list[Path] = []
    with all_or_nothing():  # every file lands, or none does
        if json_out is not None:
            write_text(json_out, render_comparison_json(comparison))
        if html_out is not None:
            from auditor.report.html import render_comparison_html

            write_text(
                html_out,
                render_comparison_html(
                    comparison,
                    template_dir=template_dir,
                    report_id=report_id,
                    classification=classification,
                ),
            )
        if pdf_out is not None:
            from auditor.report.pdf import render_comparison_pdf

            with _signals_end_the_process():
                pdf = render_comparison_pdf(
                    comparison,
                    template_dir=template_dir,
                    report_id=report_id,
                    classification=classification,
                )
            write_bytes(pdf_out, pdf)
        for target, text in exports:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EnvironmentFault(
                    f"cannot create {target.parent}: {exc.strerror or exc}"
                ) from None
            write_text(target, text)
            exported.append(target)
    for target in exported:
        click.echo(f"wrote {target}", err=True)
    if not quiet and not (json_out is not None and str(json_out) == "-"):
        _say(render_comparison_text(comparison), nl=False)


@cli.group("rules")
def rules_group() -> None:
    """The checks the audit runs."""


@rules_group.command("list")
@click.pass_obj
def rules_list(obj: Context) -> None:
    """List every check with its default severity."""
    from auditor.audit import list_rules
    from auditor.model.words import generic_title

    for rule in list_rules(obj.rule_dirs):
        _say(f"{rule.id:<40} {rule.severity.value:<8} {generic_title(rule.title)}")


@cli.command()
@click.argument("ident")
@click.argument("sources", nargs=-1, type=PathArg)
@today_option("Audit date when SOURCES is an inventory.")
@click.pass_obj
def explain(obj: Context, ident: str, sources: tuple[Path, ...], today: dt.datetime | None) -> None:
    """Explain a rule id, or a finding fingerprint of SOURCES (inventory paths or a JSON result)."""
    from auditor.audit import explain_text

    _say(explain_text(ident, sources, obj.rule_dirs, today.date() if today else None))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=PathArg)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "graphml", "json", "svg"]),
    default="dot",
    show_default=True,
)
@click.option("-o", "--output", type=PathArg, default=None, help="Write to FILE instead of stdout.")
@click.pass_obj
def graph(obj: Context, paths: tuple[Path, ...], fmt: str, output: Path | None) -> None:
    """Export the dependency graph (data -> components -> operators -> parents -> countries -> laws)."""
    from auditor.audit import graph_of
    from auditor.report.output import write_text

    built = graph_of(paths, obj.rule_dirs)
    text = {
        "dot": built.to_dot,
        "graphml": built.to_graphml,
        "json": built.to_json,
        "svg": built.to_svg,
    }[fmt]()
    if output is None:
        click.echo(text, nl=False)
    else:
        _refuse_overwriting_inputs([output], paths)
        write_text(output, text)


@cli.group()
def vendor() -> None:
    """The vendor catalogue (rules/vendors/)."""


@vendor.command("list")
@click.pass_obj
def vendor_list(obj: Context) -> None:
    """List catalogue vendors: id, kind, operator entity and its country."""
    from auditor.audit import vendor_rows

    for row in vendor_rows(obj.rule_dirs):
        _say(f"{row[0]:<30} {row[1]:<16} {row[2]:<40} {row[3]}")


@vendor.command("show")
@click.argument("ident")
@click.option(
    "--html", "html_out", type=PathArg, default=None, help="The sheet as self-contained HTML."
)
@click.option("--pdf", "pdf_out", type=PathArg, default=None, help="The sheet as PDF.")
@click.option(
    "--classification",
    default="INTERNAL",
    show_default=True,
    help="Classification printed on the HTML and PDF sheet.",
)
@click.pass_obj
def vendor_show(
    obj: Context, /, ident: str, html_out: Path | None, pdf_out: Path | None, classification: str
) -> None:
    """Due-diligence sheet: entity chain, laws that reach it and why, residency options, sources."""
    from auditor.audit import vendor_sheet
    from auditor.audit.text import vendor_assessment
    from auditor.report.output import all_or_nothing, write_bytes, write_text

    if html_out is None and pdf_out is None:
        _say(vendor_sheet(ident, obj.rule_dirs))
        return
    sheet = vendor_assessment(ident, obj.rule_dirs)
    with all_or_nothing():
        if html_out is not None:
            from auditor.report.html import render_vendor_html

            write_text(html_out, render_vendor_html(sheet, classification=classification))
        if pdf_out is not None:
            from auditor.report.pdf import render_vendor_pdf

            with _signals_end_the_process():
                pdf = render_vendor_pdf(sheet, classification=classification)
            write_bytes(pdf_out, pdf)


# ---------------------------------------------------------------- auditor tia (issue 21)

TIA_FORMATS = ("html", "pdf", "json")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=PathArg)
@click.option(
    "--transfer",
    "transfer_id",
    default=None,
    metavar="ID",
    help="Only this transfer (system/component/country/data-asset); without it, every transfer.",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Write one assessment per transfer into this folder (see --format).",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(TIA_FORMATS),
    multiple=True,
    help="With -o: which formats to write (repeatable) [default: html, pdf and json].",
)
@click.option("--html", "html_out", type=PathArg, default=None, help="One assessment as HTML.")
@click.option("--pdf", "pdf_out", type=PathArg, default=None, help="One assessment as PDF.")
@click.option(
    "--json",
    "json_out",
    type=PathArg,
    default=None,
    help="Every assessment as JSON (- for stdout).",
)
@click.option(
    "--re-evaluate",
    "re_evaluate",
    type=DateArg,
    default=None,
    help="Re-evaluation date [default: one year after the audit date].",
)
@click.option(
    "--worksheet",
    is_flag=True,
    help="Add an empty probability worksheet (scenarios x periods) for the signer to fill in.",
)
@click.option("--policy", "policy_file", type=PathArg, default=None, help="Policy file.")
@today_option("Audit date (default: today).")
@template_dir_option
@click.option(
    "--classification",
    default="CONFIDENTIAL",
    show_default=True,
    help="Classification printed on the HTML and PDF.",
)
@click.option("--quiet", is_flag=True, help="No terminal output.")
@click.pass_obj
def tia(
    obj: Context,
    /,
    paths: tuple[Path, ...],
    transfer_id: str | None,
    output_dir: Path | None,
    formats: tuple[str, ...],
    html_out: Path | None,
    pdf_out: Path | None,
    json_out: Path | None,
    re_evaluate: dt.datetime | None,
    worksheet: bool,
    policy_file: Path | None,
    today: dt.datetime | None,
    template_dir: Path | None,
    classification: str,
    quiet: bool,
) -> None:
    """Pre-fill a transfer impact assessment for each GDPR transfer outside the EEA.

    Follows the six steps of EDPB Recommendations 01/2020: the transfer, its tool, the
    destination's laws that reach the importer, supplementary measures, procedural steps and
    re-evaluation. What only people can judge is left for the signer. Without an output
    option it lists the transfers and their ids.
    """
    from auditor.audit import AuditOptions
    from auditor.audit.tia import TiaOptions, transfer_assessments
    from auditor.errors import EnvironmentFault
    from auditor.report.output import all_or_nothing, write_bytes, write_text
    from auditor.report.tia import render_tia_json, tia_file_stem

    if formats and output_dir is None:
        raise UsageError("--format chooses what -o DIR gets: give -o DIR too")
    if output_dir is not None and (html_out or pdf_out):
        raise UsageError("use either -o DIR (one file per transfer) or --html/--pdf FILE")
    single = [p for p in (html_out, pdf_out, json_out) if p is not None]
    _refuse_overwriting_inputs(single, (*paths, *((policy_file,) if policy_file else ())))
    result = transfer_assessments(
        paths,
        AuditOptions(
            rule_dirs=obj.rule_dirs,
            policy_file=policy_file,
            today=today.date() if today else None,
        ),
        TiaOptions(
            transfer_id=transfer_id,
            re_evaluation=re_evaluate.date() if re_evaluate else None,
            worksheet=worksheet,
        ),
    )
    assessments = result.assessments
    if (html_out or pdf_out) and not assessments:
        raise UsageError("no transfer of personal data outside the EEA: nothing to assess")
    if (html_out or pdf_out) and len(assessments) != 1:
        raise UsageError(
            f"--html and --pdf write one assessment, and there are {len(assessments)}: "
            "name one with --transfer ID, or write them all with -o DIR"
        )
    chosen = tuple(dict.fromkeys(formats)) or TIA_FORMATS  # each format once
    targets: list[tuple[Path, str, int]] = []  # (file, format, index of the assessment)
    if output_dir is not None:
        for index, assessment in enumerate(assessments):
            stem = tia_file_stem(assessment)
            targets += [(output_dir / f"{stem}.{fmt}", fmt, index) for fmt in chosen]
    targets += [(p, fmt, 0) for p, fmt in ((html_out, "html"), (pdf_out, "pdf")) if p]
    _refuse_overwriting_inputs([t for t, _, _ in targets], paths)
    written: list[Path] = []
    with all_or_nothing():  # every file lands, or none does
        if output_dir is not None:
            try:
                output_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EnvironmentFault(
                    f"cannot create {output_dir}: {exc.strerror or exc}"
                ) from None
        if json_out is not None:
            write_text(json_out, render_tia_json(result))
        for target, fmt, index in targets:
            assessment = assessments[index]
            if fmt == "json":
                from auditor.report.tia import render_one_tia_json

                write_text(target, render_one_tia_json(assessment))
            elif fmt == "html":
                from auditor.report.html import render_tia_html

                write_text(
                    target,
                    render_tia_html(
                        assessment, template_dir=template_dir, classification=classification
                    ),
                )
            else:
                from auditor.report.pdf import render_tia_pdf

                with _signals_end_the_process():
                    pdf = render_tia_pdf(
                        assessment, template_dir=template_dir, classification=classification
                    )
                write_bytes(target, pdf)
            written.append(target)
    if output_dir is not None and not quiet:
        _note_stale_assessments(output_dir, {target.name for target, _, _ in targets})
    if quiet or (json_out is not None and str(json_out) == "-"):
        return
    if not assessments:
        _say("no transfer of personal data outside the EEA: nothing to assess")
        return
    for assessment in assessments:
        _say(f"{assessment.title}: {assessment.step2.conclusion}\n    id {assessment.id}")
    if written:
        _say(f"wrote {len(written)} file(s)" + (f" into {output_dir}" if output_dir else ""))
    elif json_out is None:
        _say("write the assessments with -o DIR, or one with --transfer ID --html FILE")


def _note_stale_assessments(folder: Path, written: set[str]) -> None:
    """Warn of assessment files in ``folder`` this run did not write: an earlier run's, of a
    transfer the audit no longer finds or in a format not asked for this time. Nobody should
    sign one believing it current; they are left in place (they may be signed copies)."""
    stale = sorted(
        path.name
        for path in folder.glob("tia-*")
        if path.suffix in {f".{fmt}" for fmt in TIA_FORMATS} and path.name not in written
    )
    if not stale:
        return
    shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
    click.echo(
        terminal_text(
            f"note: {len(stale)} assessment file(s) in {folder} are not from this run and may "
            f"be out of date: {shown}; remove them, or write into an empty folder"
        ),
        err=True,
    )


# --- CycloneDX AI-BOM: export (`auditor bom`) and import (`auditor import cyclonedx`) ---


def _bom_time() -> dt.datetime:
    """The time a BOM records with --timestamp: SOURCE_DATE_EPOCH when set (reproducible
    builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        if not epoch.isdigit():
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds")
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=PathArg)
@click.option("-o", "--output", type=PathArg, default=None, help="Write to FILE instead of stdout.")
@click.option(
    "--timestamp",
    is_flag=True,
    help="Record when the BOM was made (SOURCE_DATE_EPOCH if set, else now). Without it the "
    "same inputs give the same bytes.",
)
@click.option(
    "--validate",
    "check_schema",
    is_flag=True,
    help="Check the BOM against the official CycloneDX 1.6 schema before writing it (slow: "
    "the schema's IRI check takes about 0.1 s per data-flow link).",
)
@click.option(
    "--quiet",
    is_flag=True,
    help="No terminal output except errors (without -o the BOM itself still goes to stdout).",
)
@click.pass_obj
def bom(
    obj: Context,
    /,
    paths: tuple[Path, ...],
    output: Path | None,
    timestamp: bool,
    check_schema: bool,
    quiet: bool,
) -> None:
    """CycloneDX 1.6 AI-BOM of an inventory: systems, services, models, data, and the laws that reach them."""
    from auditor.audit.bom import bom_of
    from auditor.report.bom import render_bom, render_valid_bom
    from auditor.report.output import write_text

    built = bom_of(paths, obj.rule_dirs, _bom_time() if timestamp else None)
    text = render_valid_bom(built) if check_schema else render_bom(built)
    if output is None:
        click.echo(text, nl=False)
    else:
        _refuse_overwriting_inputs([output], paths)
        write_text(output, text)


@cli.group("import")
def import_group() -> None:
    """Draft an inventory from what other tools write."""


@import_group.command("cyclonedx")
@click.argument("bom_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the draft inventory (created; an existing non-empty one needs --force).",
)
@click.option(
    "--country",
    default=None,
    help="The organisation's country (e.g. DE); needed when the BOM does not say.",
)
@click.option(
    "--name", "org_name", default=None, help="The organisation's name if the BOM does not say."
)
@click.option(
    "--force", is_flag=True, help="Write into a non-empty folder, replacing the draft's own files."
)
@click.option(
    "--quiet", is_flag=True, help="No terminal output except errors (the gaps stay in the files)."
)
@click.pass_obj
def import_cyclonedx(
    obj: Context,
    /,
    bom_file: Path,
    out_dir: Path,
    country: str | None,
    org_name: str | None,
    force: bool,
    quiet: bool,
) -> None:
    """Draft inventory YAML from a CycloneDX JSON BOM (1.4-1.7); every gap is a TODO comment."""
    from auditor.audit.bom_import import draft_from_cyclonedx
    from auditor.report.output import all_or_nothing, write_text

    draft = draft_from_cyclonedx(bom_file, obj.rule_dirs, country=country, organisation=org_name)
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        clashing = sorted(name for name in draft.files if (out_dir / name).exists())
        detail = f" and would replace {', '.join(clashing)}" if clashing else ""
        raise UsageError(
            f"{out_dir} is not empty{detail}: choose a new folder, or --force to write the "
            "draft's files into it"
        )
    targets = [out_dir / name for name in draft.files]
    _refuse_overwriting_inputs(targets, (bom_file,))
    try:
        for folder in sorted({t.parent for t in targets}):
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    with all_or_nothing():
        for target, text in zip(targets, draft.files.values(), strict=True):
            write_text(target, text)
    if quiet:
        return
    # With --force, YAML already there is read with the draft as one inventory: say so.
    others = sorted(
        path.relative_to(out_dir).as_posix()
        for pattern in ("*.yaml", "*.yml")
        for path in out_dir.rglob(pattern)
        if path.relative_to(out_dir).as_posix() not in draft.files
    )
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        click.echo(
            terminal_text(
                f"note: {len(others)} other YAML file(s) in {out_dir} are not from this BOM and "
                f"will be read with the draft: {shown}; remove those of an earlier draft"
            ),
            err=True,
        )
    _say(
        f"wrote {len(targets)} file(s) to {out_dir}: {draft.systems} system(s), "
        f"{draft.components} component(s), {draft.data_assets} data asset(s)"
    )
    if not draft.systems:
        _say("the BOM names no service or model: the draft holds the organisation and data only")
    if draft.gaps:
        _say(f"{len(draft.gaps)} gap(s) to fill (marked TODO(auditor) in the files):")
        for gap in draft.gaps:
            _say(f"  {gap}")
    _say(f"next: fill the gaps, then run auditor validate {out_dir}")


# --- DORA register of information (issue 21) ------------------------------------------


@cli.command("dora")
@click.argument("paths", nargs=-1, required=True, type=PathArg)
@click.option(
    "-o",
    "--output",
    type=PathArg,
    required=True,
    help="Folder to write the report package to (replaced whole if it is an earlier register).",
)
@click.option(
    "--reference-date",
    type=DateArg,
    default=None,
    help="Reference date of the register (refPeriod), YYYY-MM-DD; left empty if not given.",
)
@click.option(
    "--quiet",
    is_flag=True,
    help="No terminal output except errors (unfilled.md still lists the fields left to fill).",
)
@click.pass_obj
def dora(
    obj: Context,
    /,
    paths: tuple[Path, ...],
    output: Path,
    reference_date: dt.datetime | None,
    quiet: bool,
) -> None:
    """DORA register of information (EBA plain-CSV) for the ICT services behind the AI systems.

    Writes B_02.02, B_05.01, B_05.02 and B_07.01 with the report-package files, and
    unfilled.md / unfilled.json listing every field the inventory could not fill and why.
    """
    from auditor.audit.dora import dora_register
    from auditor.report.dora import register_files, write_register

    _refuse_overwriting_inputs([output], paths)
    register = dora_register(
        paths, obj.rule_dirs, reference_date=reference_date.date() if reference_date else None
    )
    write_register(output, register_files(register))
    if quiet:
        return
    rows = sum(len(table.rows) for table in register.tables)
    if not register.financial_entity:
        _say(
            f"note: {register.organisation} is not declared a DORA financial entity "
            "(organisation.financial_entity, or a financial sector); the register is written anyway"
        )
    _say(
        f"wrote {output}: {len(register.tables)} templates, {rows} rows; "
        f"{len(register.unfilled)} fields left to fill (see {output / 'unfilled.md'})"
    )
    if register.critical_providers:
        names = ", ".join(p.name for p in register.critical_providers)
        _say(
            f"designated by the ESAs as critical ICT third-party service providers: {names} "
            f"(no template column; see {output / 'critical_providers.csv'})"
        )


# Set while a PDF is typeset. WeasyPrint catches every exception (KeyboardInterrupt and
# SystemExit included) around each SVG chart it draws, so an interruption that lands there
# is swallowed and the render runs on: Ctrl-C was ignored for a minute on a 300-system
# report. During rendering nothing is half-written (the PDF is held in memory, earlier
# reports are staged), so a signal ends the process at once after removing what is staged.
_rendering = False


@contextlib.contextmanager
def _signals_end_the_process() -> Iterator[None]:
    global _rendering
    _rendering = True
    try:
        yield
    finally:
        _rendering = False


def _signal_exit_code(signum: int) -> int:
    return 130 if signum == signal.SIGINT else 128 + signum


def _on_signal(signum: int, frame: object) -> None:
    """SIGINT raises KeyboardInterrupt, SIGTERM and SIGHUP SystemExit: the run unwinds,
    half-written temporary files are removed and the previous reports stay as they were."""
    if _rendering:
        from auditor.report.output import discard_staged

        discard_staged()
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
            os.write(2, b"interrupted; no output was left half-written\n")
        os._exit(_signal_exit_code(signum))
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(_signal_exit_code(signum))


@contextlib.contextmanager
def _signal_handlers() -> Iterator[None]:
    """Route SIGINT, SIGTERM and SIGHUP to :func:`_on_signal` for the run, then restore."""
    previous: dict[int, object] = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:  # SIGHUP does not exist on Windows
            continue
        if signal.getsignal(signum) is signal.SIG_IGN:
            continue  # e.g. nohup, or a shell's background job: keep ignoring it
        with contextlib.suppress(ValueError):  # not in the main thread (some test runners)
            previous[signum] = signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


# 128 + SIGPIPE: what the shell reports for a program that a closed pipe ended.
BROKEN_PIPE_EXIT = 141


def _quiet_broken_pipe() -> NoReturn:
    """The reader of standard output went away (``auditor ... | head -1``): stop quietly,
    and point standard output at /dev/null so the flush at exit raises nothing more."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(BROKEN_PIPE_EXIT)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the ``auditor`` console script."""
    from auditor.loader.cache import default_cache_dir, use_cache_dir

    args = list(sys.argv[1:] if argv is None else argv)
    # The validated rules are cached for the next run (issue 19); for this run only,
    # so that the library called in-process after it caches nothing.
    use_cache_dir(default_cache_dir(os.environ), one_run=True)
    with _signal_handlers():
        try:
            _main(args)
        except (BrokenPipeError, _ReaderGone):
            _quiet_broken_pipe()
        except SystemExit:
            try:  # output still buffered for a reader that left is a broken pipe too
                if sys.stdout is not None:
                    sys.stdout.flush()
            except BrokenPipeError:
                _quiet_broken_pipe()
            except (OSError, ValueError):
                pass
            raise
        finally:
            use_cache_dir(None)


def _main(args: list[str]) -> NoReturn:
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="auditor", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE if exc.exit_code == 2 else exc.exit_code)
    except AuditorError as exc:
        if debug:
            raise
        _echo_error(exc)
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        click.echo("interrupted; no output was left half-written", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(0)
