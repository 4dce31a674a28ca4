"""The comparison for the terminal and as JSON."""

from __future__ import annotations

import itertools
import json
import textwrap

from auditor.model.compare import Comparison, WhatIfResult
from auditor.report.terminal import clean


def render_comparison_json(comparison: Comparison) -> str:
    """Canonical JSON (each option's full audit is left to ``auditor audit``)."""
    data = comparison.model_dump(mode="json", exclude={"results"})
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# The table's columns: (heading, width, right-aligned). Option names and law names wrap
# within their column (issue 18: a law cut to "uk-investigatory-powers-ac" says nothing).
_COLUMNS = (
    ("#", 2, True),
    ("option", 30, False),
    ("policy", 6, False),
    ("foreign laws that can reach the data", 36, False),
    ("transfers", 9, False),
    ("SOV", 4, True),
    ("open weights", 12, False),
    ("gaps", 4, True),
)


def _table_row(cells: tuple[str, ...]) -> list[str]:
    """One row of the table, each cell wrapped to its column, on as many lines as it needs."""
    wrapped = [
        textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
        for text, (_, width, _) in zip(cells, _COLUMNS, strict=True)
    ]
    lines = []
    for parts in itertools.zip_longest(*wrapped, fillvalue=""):
        line = " ".join(
            part.rjust(width) if right else part.ljust(width)
            for part, (_, width, right) in zip(parts, _COLUMNS, strict=True)
        )
        lines.append(line.rstrip())
    return lines


def render_comparison_text(comparison: Comparison) -> str:
    """One block per option, best first, then the ranking rule."""
    lines = [
        f"{clean(comparison.use_case)}: {len(comparison.options)} options for "
        f"{clean(comparison.organisation['name'])} ({comparison.organisation['country']}), "
        f"data: {', '.join(comparison.data_assets)} · knowledge base {comparison.kb_version} · {comparison.audit_date}",
        "",
        *_table_row(tuple(heading for heading, _, _ in _COLUMNS)),
    ]
    for option in comparison.options:
        reaching = list(
            dict.fromkeys(
                clean(law.law_name or law.law)
                for law in option.laws
                if law.mitigation != "mitigated"
            )
        )
        score = "n/a" if option.score is None else f"{option.score:.0f}"
        lines += _table_row(
            (
                str(option.rank),
                clean(option.name),
                "pass" if option.policy_pass else "FAIL",
                ", ".join(reaching) if reaching else "none",
                "ok" if option.transfers_valid else "INVALID",
                score,
                option.open_weights,
                str(len(option.gaps)),
            )
        )
    lines += ["", "Recommendation: " + clean(comparison.recommendation), ""]
    for option in comparison.options:
        lines.append(f"{option.rank}. {clean(option.name)}")
        lines += [f"   - {clean(reason)}" for reason in option.reasons]
        seals = ", ".join(
            f"{o.objective} {'n/a' if o.seal is None else o.seal}"
            for o in option.objectives
            if o.seal is not None
        )
        if seals:
            lines.append(f"   - SEAL: {seals} (other objectives not assessed)")
        if option.notes:
            lines.append(f"   - note: {clean(option.notes)}")
    lines += ["", "Ranking rule:"] + [
        f"  {i}. {rule}" for i, rule in enumerate(comparison.ranking_rule, 1)
    ]
    return "\n".join(lines) + "\n"


def render_what_if(result: WhatIfResult) -> str:
    """What disappears and appears, and which scores move."""
    lines = ["what-if: " + "; ".join(clean(c) for c in result.changes), ""]
    lines.append(f"disappear ({len(result.disappear)}):")
    lines += [f"  - [{f.severity}] {clean(f.title)}  ({f.rule_id})" for f in result.disappear] or [
        "  none"
    ]
    lines.append(f"appear ({len(result.appear)}):")
    lines += [f"  + [{f.severity}] {clean(f.title)}  ({f.rule_id})" for f in result.appear] or [
        "  none"
    ]
    lines.append(f"unchanged: {result.unchanged}")
    if result.scores:
        lines += ["", "scores:"]
        for change in result.scores:

            def fmt(value: float | None) -> str:
                return "n/a" if value is None else f"{value:.0f}"

            moved = ", ".join(
                f"{k} {fmt(v[0])}→{fmt(v[1])}" for k, v in change.objectives.items() if v[0] != v[1]
            )
            lines.append(
                f"  {change.kind} {clean(change.subject)}: {fmt(change.before)} → {fmt(change.after)}"
                + (f" ({moved})" if moved else "")
            )
    return "\n".join(lines) + "\n"
