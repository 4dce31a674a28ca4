"""Command line: each command parses options, calls the library, renders, exits.

This module is the single error boundary: an :class:`~auditor.errors.AuditorError`
becomes a message, its diagnostics and its exit code; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import click

from auditor import __version__
from auditor.errors import AuditorError, ExitCode

PathArg = click.Path(path_type=Path)


class Context:
    """Options shared by every command."""

    def __init__(self, debug: bool, rule_dirs: tuple[Path, ...]) -> None:
        self.debug = debug
        self.rule_dirs = rule_dirs


def _echo_error(error: AuditorError) -> None:
    click.echo(f"error: {error.message}", err=True)
    for diagnostic in error.diagnostics:
        click.echo(str(diagnostic), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
def schema(output: Path | None) -> None:
    """JSON Schema of one inventory file (for editors and yaml-language-server)."""
    from auditor.audit import inventory_json_schema
    from auditor.report.output import write_text

    text = json.dumps(inventory_json_schema(), indent=2, sort_keys=True) + "\n"
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
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date to measure age against (default: the system date).",
)
@click.pass_obj
def kb_check(obj: Context, max_age: int | None, today: dt.datetime | None) -> None:
    """Validate the knowledge base; list unconfirmed and stale facts. Exit 0 or 4."""
    from auditor.audit import knowledge_report

    report = knowledge_report(
        obj.rule_dirs, max_age_days=max_age, today=(today.date() if today else dt.date.today())
    )
    click.echo(report.render())


SEVERITY_CHOICES = click.Choice(["critical", "high", "medium", "low", "info", "never"])


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=PathArg)
@click.option(
    "--policy",
    "policy_file",
    type=PathArg,
    default=None,
    help="Policy file (overrides the inventory's).",
)
@click.option(
    "--json",
    "json_out",
    type=PathArg,
    default=None,
    help="Write the JSON result to FILE (- for stdout).",
)
@click.option(
    "--fail-on",
    type=SEVERITY_CHOICES,
    default="high",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Audit date (default: today); fixes fact ages for reproducible reports.",
)
@click.option("--quiet", is_flag=True, help="No terminal summary.")
@click.pass_obj
def audit(
    obj: Context,
    paths: tuple[Path, ...],
    policy_file: Path | None,
    json_out: Path | None,
    fail_on: str,
    today: dt.datetime | None,
    quiet: bool,
) -> None:
    """Audit inventory files or folders: exposures, transfers, findings, scores."""
    from auditor.audit import AuditOptions, exit_code_for, run_audit
    from auditor.report.json_report import render_json
    from auditor.report.output import write_text
    from auditor.report.terminal import render_summary

    outputs = [json_out] if json_out is not None else []
    _refuse_overwriting_inputs(outputs, paths, policy_file)
    progress = None if quiet else _progress_reporter()
    result = run_audit(
        paths,
        AuditOptions(
            rule_dirs=obj.rule_dirs,
            policy_file=policy_file,
            today=today.date() if today else None,
            progress=progress,
        ),
    )
    if progress is not None:
        progress("")
    if json_out is not None:
        write_text(json_out, render_json(result))
    if not quiet and not (json_out is not None and str(json_out) == "-"):
        click.echo(render_summary(result), nl=False)
    sys.exit(int(exit_code_for(result, fail_on)))


def _progress_reporter() -> Callable[[str], None] | None:
    """Stage names on stderr, on one rewritten line; nothing when stderr is not a terminal."""
    stream = sys.stderr
    if not stream.isatty():
        return None

    def report(stage: str) -> None:
        # An empty stage clears the line once the run is done.
        stream.write(f"\r\x1b[K{stage} ..." if stage else "\r\x1b[K")
        stream.flush()

    return report


def _refuse_overwriting_inputs(
    outputs: list[Path], paths: tuple[Path, ...], policy: Path | None
) -> None:
    from auditor.errors import UsageError

    inputs = {p.resolve() for p in paths if p.is_file()}
    folders = [p.resolve() for p in paths if p.is_dir()]
    if policy is not None:
        inputs.add(policy.resolve())
    for out in outputs:
        if str(out) == "-":
            continue
        target = out.resolve()
        if target in inputs or (
            target.suffix in (".yaml", ".yml") and any(target.is_relative_to(f) for f in folders)
        ):
            raise UsageError(f"refusing to write {out}: it is an input of this run")


@cli.group("rules")
def rules_group() -> None:
    """The checks the audit runs."""


@rules_group.command("list")
@click.pass_obj
def rules_list(obj: Context) -> None:
    """List every check with its default severity."""
    from auditor.audit import list_rules

    for rule in list_rules(obj.rule_dirs):
        click.echo(f"{rule.id:<40} {rule.severity.value:<8} {rule.title}")


@cli.command()
@click.argument("ident")
@click.argument("sources", nargs=-1, type=PathArg)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Audit date when SOURCES is an inventory.",
)
@click.pass_obj
def explain(obj: Context, ident: str, sources: tuple[Path, ...], today: dt.datetime | None) -> None:
    """Explain a rule id, or a finding fingerprint of SOURCES (inventory paths or a JSON result)."""
    from auditor.audit import explain_text

    click.echo(explain_text(ident, sources, obj.rule_dirs, today.date() if today else None))


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
        _refuse_overwriting_inputs([output], paths, None)
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
        click.echo(f"{row[0]:<30} {row[1]:<16} {row[2]:<40} {row[3]}")


@vendor.command("show")
@click.argument("ident")
@click.pass_obj
def vendor_show(obj: Context, ident: str) -> None:
    """Due-diligence sheet: entity chain, laws that reach it and why, residency options, sources."""
    from auditor.audit import vendor_sheet

    click.echo(vendor_sheet(ident, obj.rule_dirs))


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the ``auditor`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
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
