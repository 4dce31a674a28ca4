"""Write the DORA register of information as an EBA plain-CSV report package folder.

The folder holds what the EBA's plain-CSV format expects (``META-INF/reportPackage.json``,
``reports/report.json``, ``reports/parameters.csv``, ``reports/FilingIndicators.csv`` and
one ``reports/b_xx.xx.csv`` per template, headed by the column codes; a name a spreadsheet
would run as a formula is prefixed with an apostrophe) and, beside them,
``unfilled.md`` and ``unfilled.json``: every field left empty and why, and
``critical_providers.csv``: the providers of B_05.01 the ESAs designated as critical ICT
third-party service providers (DORA Art. 31), which no template column carries, so it is
kept out of ``reports/`` where the EBA's checks would reject an undefined column. The folder is
written whole or not at all: it is built beside the target and renamed into place, and
an existing folder is replaced only if it is a register this command wrote before.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from auditor.errors import EnvironmentFault, UsageError
from auditor.model.dora import DoraRegister, UnfilledField
from auditor.report.csv_report import cell
from auditor.report.output import refuse_symbolic_link

MARKER = "META-INF/reportPackage.json"
# critical_providers.csv: headed in words, as it is read by people and is no EBA table.
CRITICAL_HEADER = (
    "Identification code (B_05.01 c0010)",
    "Legal name (B_05.01 c0050)",
    "Line in b_05.01.csv",
    "Designated by the ESAs as critical ICT third-party service provider (DORA Art. 31), listed as",
    "List published on",
    "Source",
    "Source date",
)


def _csv(rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def register_files(register: DoraRegister) -> dict[str, bytes]:
    """The package's files by path inside the folder, in a fixed order."""
    package = register.package
    files: dict[str, bytes] = {
        MARKER: _json({"documentInfo": {"documentType": package.report_package_type}}),
        "reports/report.json": _json(
            {"documentInfo": {"documentType": package.xbrl_csv_type, "extends": [package.module]}}
        ),
        "reports/parameters.csv": _csv([("name", "value"), *register.parameters]),
        "reports/FilingIndicators.csv": _csv(
            [
                ("templateID", "reported"),
                *((table.template, "true" if table.rows else "false") for table in register.tables),
            ]
        ),
    }
    for table in register.tables:
        # Names come from the inventory: one a spreadsheet would run as a formula gets an
        # apostrophe, as in the CSV report (no code, LEI or rank starts with = + - @).
        rows = [tuple(cell(value) for value in row) for row in table.rows]
        files[f"reports/{table.template.lower()}.csv"] = _csv([table.columns, *rows])
    files["unfilled.json"] = _json(
        {
            "organisation": register.organisation,
            "financial_entity": register.financial_entity,
            "reference_date": register.reference_date,
            "template_sources": list(register.sources),
            "unfilled": [field.model_dump() for field in register.unfilled],
            "critical_providers": [p.model_dump() for p in register.critical_providers],
        }
    )
    files["critical_providers.csv"] = _csv(
        [
            CRITICAL_HEADER,
            *(
                (
                    cell(p.code),
                    cell(p.name),
                    str(p.b_05_01_line),
                    cell(p.listed_as),
                    p.designated_on,
                    cell(" ; ".join(p.sources)),
                    p.as_of,
                )
                for p in register.critical_providers
            ),
        ]
    )
    files["unfilled.md"] = render_unfilled_markdown(register).encode("utf-8")
    return files


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


# Rows named in full per field; the rest are given by line number, so that every row is there.
_ROWS_NAMED = 5


def _rows_text(fields: list[UnfilledField]) -> str:
    """The rows a field is empty in: the first few named, every other one by its line."""
    rows = [f"line {f.line}: {f.row}" if f.line else f.row for f in fields]
    shown = "; ".join(rows[:_ROWS_NAMED])
    rest = fields[_ROWS_NAMED:]
    if rest:
        numbered = [str(f.line) for f in rest if f.line]
        shown += f"; and {len(rest)} more" + (
            f" (lines {', '.join(numbered)})" if len(numbered) == len(rest) else ""
        )
    return shown


def render_unfilled_markdown(register: DoraRegister) -> str:
    """What the inventory could not fill, grouped by template and column, for people."""
    lines = [
        f"# DORA register of information: what {register.organisation}'s inventory leaves to people",
        "",
        "Filled from the AI-system inventory by `auditor dora`. Every field below was left",
        "empty rather than guessed; each says why and where the value can come from.",
        "",
    ]
    if register.reference_date is None:
        lines += ["No reference date was given (`--reference-date`).", ""]
    by_template: dict[str, list[UnfilledField]] = {}
    for field in register.unfilled:
        by_template.setdefault(field.template, []).append(field)
    if not by_template:
        lines.append("Nothing: every field the inventory can feed was filled.")
    for template, fields in by_template.items():
        title = fields[0].template_name + (f" ({template})" if template != "parameters" else "")
        lines += [f"## {title}", "", "| Field | Rows | Why it is empty |", "|---|---|---|"]
        grouped: dict[tuple[str, str, str], list[UnfilledField]] = {}
        for field in fields:
            grouped.setdefault((field.column, field.label, field.reason), []).append(field)
        for (column, label, reason), group in sorted(grouped.items()):
            shown = _rows_text(group)
            lines.append(f"| {_cell(label)} ({column}) | {_cell(shown)} | {_cell(reason)} |")
        lines.append("")
    lines += _critical_markdown(register)
    lines += ["## Template definitions", ""]
    lines += [f"- {source}" for source in register.sources]
    return "\n".join(lines) + "\n"


def _critical_markdown(register: DoraRegister) -> list[str]:
    """The providers the ESAs designated as critical: no template column carries this, so it
    is stated here and in critical_providers.csv, beside the package."""
    lines = [
        "## Providers designated as critical ICT third-party service providers",
        "",
        "The ESAs designate critical ICT third-party service providers under DORA Art. 31 and",
        "publish the list. No column of the register's templates carries the designation, so",
        "it is not in `reports/`; it is listed here and in `critical_providers.csv`.",
        "",
    ]
    if not register.critical_providers:
        return [
            *lines,
            "None of the providers in B_05.01 is on the list the knowledge base holds.",
            "",
        ]
    lines += [
        "| Provider (B_05.01 line) | Listed as | List of | Source, as of |",
        "|---|---|---|---|",
    ]
    for p in register.critical_providers:
        provider = _cell(p.name) + (f" `{p.code}`" if p.code else "")
        lines.append(
            f"| {provider} (line {p.b_05_01_line}) | {_cell(p.listed_as)} | {p.designated_on} "
            f"| {_cell(', '.join(p.sources))}, {p.as_of} |"
        )
    return [*lines, ""]


def write_register(target: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` as the folder ``target``, whole or not at all.

    An existing ``target`` is replaced only if it is a register written by ``auditor dora``
    (it holds META-INF/reportPackage.json); any other folder or file is refused, so a typo
    in ``-o`` cannot wipe unrelated work.
    """
    refuse_symbolic_link(target)
    if target.exists() and not target.is_dir():
        raise UsageError(f"refusing to write the register to {target}: it is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise UsageError(
            f"refusing to replace {target}: it is not empty and is not a register written by "
            "auditor dora; choose a new folder"
        )
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp"))
    except OSError as exc:
        raise EnvironmentFault(f"cannot write {target}: {exc.strerror or exc}") from None
    old: Path | None = None
    try:
        for relative, data in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".old"))
            os.replace(target, old / "register")
            try:
                os.replace(staging, target)
            except OSError:
                os.replace(old / "register", target)  # put the previous register back
                raise
        else:
            os.replace(staging, target)
    except OSError as exc:
        raise EnvironmentFault(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
        if old is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(old)


__all__ = [
    "CRITICAL_HEADER",
    "MARKER",
    "register_files",
    "render_unfilled_markdown",
    "write_register",
]
