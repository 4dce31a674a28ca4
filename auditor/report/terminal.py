"""The terminal summary: severity counts, top exposures, the worst systems one line each."""

from __future__ import annotations

import re

from auditor.model.findings import AuditResult, Exposure, MitigationState
from auditor.model.words import words

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ORDER = ["critical", "high", "medium", "low", "info"]
NAME_WIDTH = 48  # system names longer than this are shortened in the middle


def clean(text: str) -> str:
    """Strip control characters (ANSI escapes included) from text taken from the input."""
    return _CONTROL.sub("?", text)


def render_summary(
    result: AuditResult, *, top: int = 10, show_waived: bool = False, systems_shown: int = 20
) -> str:
    """Plain-text summary for people at a terminal: the worst ``systems_shown`` systems."""
    counts = result.summary.findings_by_severity
    lines = [
        f"residency-auditor {result.tool['version']} · knowledge base {result.kb.version} "
        f"(oldest fact {result.kb.oldest_fact})",
        f"organisation: {clean(result.organisation['name'])} ({result.organisation['country']})",
        "findings: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in ORDER),
        f"exposures: {result.summary.exposures} ({result.summary.exposures_unmitigated} not mitigated); "
        f"transfers outside the EEA: {result.summary.transfers} "
        f"({result.summary.transfer_conclusions()})",
        "",
    ]
    for notice in result.notices:
        lines.insert(-1, f"notice: {clean(notice)}")
    if result.summary.waived:
        lines.insert(
            -1,
            f"waived: {result.summary.waived} finding(s)"
            + ("" if show_waived else " (not counted above; --show-waived lists them)"),
        )
    if show_waived:
        for finding in result.findings:
            if finding.waived and finding.waiver is not None:
                lines.insert(
                    -1,
                    f"  waived: {clean(finding.title)} until {finding.waiver.expires} "
                    f"({clean(finding.waiver.approved_by)})",
                )
    unmitigated = [e for e in result.exposures if e.mitigation is not MitigationState.MITIGATED]
    seen: set[tuple[str, str, str]] = set()
    shown = []
    for exposure in sorted(unmitigated, key=lambda e: (-e.sensitivity.rank, e.data_asset, e.law)):
        key = (exposure.data_asset, exposure.component, exposure.law)
        if key in seen:
            continue
        seen.add(key)
        shown.append(exposure)
    if shown:
        lines.append("top exposures:")
        for exposure in shown[:top]:
            lines.append(
                f"  {clean(_data_words(exposure))} -> {clean(_component_words(exposure))} -> "
                f"{clean(exposure.party_name)} -> {exposure.law_name} [{words(exposure.mitigation.value)}]"
            )
        if len(shown) > top:
            lines.append(f"  ... {len(shown) - top} more")
        lines.append("")
    lines.extend(_system_table(result, systems_shown))
    return "\n".join(lines) + "\n"


def _data_words(exposure: Exposure) -> str:
    """The data asset's display name (its step in the path), else its id."""
    return next((h.node for h in exposure.path if h.kind == "data"), exposure.data_asset)


def _component_words(exposure: Exposure) -> str:
    """ "the <component name> of <system name>" from the path's component step, else the ids."""
    key = f"{exposure.system}/{exposure.component}"
    for step in exposure.path:
        if step.kind == "component" and step.label and step.node.startswith(key + " "):
            detail = step.node[len(key) :]
            if step.label.endswith(detail):
                return step.label[: -len(detail)]
    return key


def _system_table(result: AuditResult, limit: int) -> list[str]:
    """The worst ``limit`` systems, one line each, under names no two of which look alike.

    Issue 18: 3,000 systems listed alphabetically, cut to 32 characters, buried the worst
    ones and made different systems look identical.
    """
    systems = {c.subject for c in result.scores if c.kind == "system"}
    other = "(providers, knowledge base)"
    per_system: dict[str, list[int]] = {s: [0] * len(ORDER) for s in systems}
    for finding in result.findings:
        system = finding.subject.get("system") or finding.subject.get("subject", "")
        bucket = system if system in systems else other
        per_system.setdefault(bucket, [0] * len(ORDER))[ORDER.index(finding.severity.value)] += 1
    scores = {c.subject: c.score for c in result.scores if c.kind == "system"}
    names = {row.system: row.system_name for row in result.inventory_register}
    ranked = sorted(
        systems,
        key=lambda s: (
            [-n for n in per_system[s]],
            _score_order(scores.get(s)),
            (names.get(s) or s).lower(),
            s,
        ),
    )
    chosen = ranked[:limit]
    labels = unique_labels({s: clean(names.get(s) or s) for s in chosen}, NAME_WIDTH)
    if other in per_system:
        chosen.append(other)
        labels[other] = other
    width = max([len("system"), *(len(label) for label in labels.values())])
    lines = [
        f"{'system':<{width}} {'critical':>8} {'high':>6} {'medium':>6} {'low':>5} {'SOV score':>9}"
    ]
    for system in chosen:
        row = per_system[system]
        score = scores.get(system)
        score_text = f"{score:.0f}" if score is not None else "n/a"
        lines.append(
            f"{labels[system]:<{width}} {row[0]:>8} {row[1]:>6} {row[2]:>6} {row[3]:>5} "
            f"{score_text:>9}"
        )
    if len(ranked) > limit:
        more = len(ranked) - limit
        lines.insert(
            len(lines) - (other in labels),
            f"... and {more} more system{'s' if more != 1 else ''} with fewer or less severe "
            "findings (the HTML, JSON and CSV reports list every system)",
        )
    return lines


def _score_order(score: float | None) -> float:
    """Lower scores first; a system without a score after every scored one."""
    return 101.0 if score is None else score


def shorten_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, the middle replaced by an ellipsis."""
    if len(text) <= width:
        return text
    head = width // 2
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


def unique_labels(names: dict[str, str], width: int) -> dict[str, str]:
    """A label per id that no other id shares, in at most ``width`` characters where it can.

    The name alone where it is unique; where two systems share a name, the name with the id
    after it, the name shortened at its end so the id stays whole. A long unique name is
    shortened in the middle. A label that shortening would make alike another stays whole.
    """
    count: dict[str, int] = {}
    for name in names.values():
        count[name.lower()] = count.get(name.lower(), 0) + 1
    full: dict[str, str] = {}
    short: dict[str, str] = {}
    for key, name in names.items():
        if count[name.lower()] > 1 and name != key:
            suffix = f" ({clean(key)})"
            full[key] = name + suffix
            room = max(width - len(suffix), 12)
            short[key] = (name if len(name) <= room else name[: room - 1] + "…") + suffix
        else:
            full[key] = name
            short[key] = shorten_middle(name, width)
    seen: dict[str, int] = {}
    for label in short.values():
        seen[label] = seen.get(label, 0) + 1
    return {key: (label if seen[label] == 1 else full[key]) for key, label in short.items()}
