"""The comparison for the terminal and as JSON."""

from __future__ import annotations

import json

from auditor.model.compare import Comparison, WhatIfResult
from auditor.report.terminal import clean


def render_comparison_json(comparison: Comparison) -> str:
    """Canonical JSON (each option's full audit is left to ``auditor audit``)."""
    data = comparison.model_dump(mode="json", exclude={"results"})
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_comparison_text(comparison: Comparison) -> str:
    """One block per option, best first, then the ranking rule."""
    lines = [
        f"{clean(comparison.use_case)}: {len(comparison.options)} options for "
        f"{clean(comparison.organisation['name'])} ({comparison.organisation['country']}), "
        f"data: {', '.join(comparison.data_assets)} · knowledge base {comparison.kb_version} · {comparison.audit_date}",
        "",
        f"{'#':>2}  {'option':<40} {'policy':<6} {'foreign laws':<26} {'transfers':<9} {'SOV':>4}  {'open w.':<7} gaps",
    ]
    for option in comparison.options:
        reaching = [law.law for law in option.laws if law.mitigation != "mitigated"]
        laws = ", ".join(reaching) if reaching else "none"
        score = "n/a" if option.score is None else f"{option.score:.0f}"
        lines.append(
            f"{option.rank:>2}  {clean(option.name)[:40]:<40} {'pass' if option.policy_pass else 'FAIL':<6} "
            f"{laws[:26]:<26} {'ok' if option.transfers_valid else 'INVALID':<9} {score:>4}  "
            f"{option.open_weights[:7]:<7} {len(option.gaps)}"
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
