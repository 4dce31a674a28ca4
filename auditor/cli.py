"""Command line: each command parses options, calls the library, renders, exits.

This module is the single error boundary: an :class:`~auditor.errors.AuditorError`
becomes a message, its diagnostics and its exit code; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
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
