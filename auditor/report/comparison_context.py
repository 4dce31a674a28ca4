"""What the procurement comparison report (``auditor compare --html/--pdf``) shows.

Options stay in the comparison's rank order; each gets its SEAL cells in SOV order and the
laws that still reach the data. The ranking itself is the comparison's, stated in its words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.model.compare import Comparison, OptionColumn, OptionLaw
from auditor.report.report_context import (
    OBJECTIVES,
    SEVERITY_ORDER,
    ScoreCell,
    objective_state,
)


@dataclass(frozen=True)
class ComparisonMeta:
    """The control block of a comparison."""

    report_id: str
    classification: str
    date: str
    organisation: str
    country: str
    tool: str
    tool_version: str
    kb_version: str
    print_mode: bool


@dataclass(frozen=True)
class OptionView:
    """One option (a column of the matrix) with what the templates need."""

    option: OptionColumn
    cells: tuple[ScoreCell | None, ...]
    reaching: tuple[OptionLaw, ...]
    findings_total: int


def comparison_context(
    comparison: Comparison, *, report_id: str, classification: str, print_mode: bool
) -> dict[str, Any]:
    """Everything the comparison template needs (``c`` is the raw comparison)."""
    tool = next(iter(comparison.results.values())).tool if comparison.results else {}
    meta = ComparisonMeta(
        report_id=report_id,
        classification=classification,
        date=comparison.audit_date,
        organisation=comparison.organisation.get("name", ""),
        country=comparison.organisation.get("country", ""),
        tool=tool.get("name", "residency-auditor"),
        tool_version=tool.get("version", ""),
        kb_version=comparison.kb_version,
        print_mode=print_mode,
    )
    options = []
    for option in sorted(comparison.options, key=lambda o: (o.rank, o.id)):
        by_id = {o.objective: o for o in option.objectives}
        options.append(
            OptionView(
                option=option,
                cells=tuple(
                    ScoreCell(by_id[o], objective_state(by_id[o])) if o in by_id else None
                    for o in OBJECTIVES
                ),
                reaching=tuple(law for law in option.laws if law.mitigation != "mitigated"),
                findings_total=sum(option.findings_by_severity.values()),
            )
        )
    objective_names = {
        o.objective: o.name for option in comparison.options for o in option.objectives
    }
    return {
        "c": comparison,
        "report": meta,
        "options": options,
        "objective_names": objective_names,
        "severity_order": tuple(s.value for s in SEVERITY_ORDER),
    }
