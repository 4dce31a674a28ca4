"""Plain-text renderings the CLI prints: vendor sheets and explanations of rules and findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from auditor.audit.core import AuditOptions, list_rules, run_audit
from auditor.errors import InputError
from auditor.graph import build_graph
from auditor.kb import load_knowledge_base
from auditor.model.findings import AuditResult, Finding
from auditor.model.inventory import Inventory
from auditor.rules.schema import RuleSpec


def vendor_rows(rule_dirs: Sequence[Path] = ()) -> list[tuple[str, str, str, str]]:
    """(id, kind, operator name, operator country) for every catalogue vendor."""
    kb = load_knowledge_base(rule_dirs)
    rows = []
    for vendor in kb.kb.vendors:
        entity = kb.entities.get(vendor.operator or "")
        rows.append(
            (
                vendor.id,
                vendor.kind.value,
                entity.name if entity else "-",
                entity.country or "?" if entity else "-",
            )
        )
    return rows


def vendor_sheet(ident: str, rule_dirs: Sequence[Path] = ()) -> str:
    """A plain-text due-diligence sheet, computed with the audit engine itself.

    The vendor is placed in a one-component inventory of an EU organisation and
    audited, so the laws listed are exactly those the audit would report.
    """
    from auditor.errors import UsageError
    from auditor.exposure import ExposureEngine as Engine
    from auditor.loader.validate import suggest
    from auditor.model.inventory import Component, DataAsset, Organisation, System

    kb = load_knowledge_base(rule_dirs)
    vendor = kb.vendors.get(ident)
    if vendor is None:
        raise UsageError(
            f"no vendor {ident!r}"
            + (f"; {suggest(ident, kb.vendors)}" if suggest(ident, kb.vendors) else "")
        )
    kind = vendor.component_kinds[0] if vendor.component_kinds else "model_api"
    probe = Inventory(
        organisation=Organisation(name="probe", country="DE"),
        data=(DataAsset(id="personal-data", categories=["user.name"]),),
        systems=(
            System(
                id="probe",
                purpose="vendor assessment",
                components=[
                    Component.model_validate(
                        {
                            "id": "service",
                            "kind": kind,
                            "vendor": vendor.id,
                            "holds": ["personal-data"],
                        }
                    )
                ],
            ),
        ),
    )
    graph = build_graph(probe, kb)
    engine = Engine(graph, None)
    exposure = engine.run()
    lines = [f"{vendor.name} ({vendor.id}) · {vendor.kind.value}", ""]
    lines.append("Legal-entity chain:")
    for party in graph.components["probe/service"].parties:
        entity = graph.entities.get(party.entity)
        lines.append(
            f"  {party.role}: {entity.name if entity else party.entity} ({entity.country if entity else '?'})"
        )
        for chain in engine.chains(party.entity)[0]:
            for link in chain:
                parent = graph.entities.get(link.parent)
                lines.append(
                    f"    controlled by {parent.name if parent else link.parent} ({parent.country if parent else '?'}): {link.reason}"
                )
        for unknown in engine.chains(party.entity)[1]:
            lines.append(f"    ownership of {unknown} unknown (evidence gap)")
    lines += ["", "Laws that can reach data at this vendor (for an EU customer):"]
    seen = set()
    for exp in exposure.exposures:
        key = (exp.law, exp.party, exp.trigger)
        if key in seen:
            continue
        seen.add(key)
        lines.append(
            f"  {exp.law_name} ({exp.law}): {exp.trigger} via {exp.party_role} {exp.party_name} [confidence {exp.confidence}]"
        )
    if not seen:
        lines.append("  none found in the knowledge base")
    lines += ["", "Residency options:"] + [f"  - {o}" for o in vendor.residency_options]
    if vendor.deployment_options:
        lines += ["", "Deployment options:"]
        for option in vendor.deployment_options:
            lines.append(
                f"  {option.id}: processing {option.processing.value}{' ' + option.location if option.location else ''} [{option.provenance.confidence.value}, {option.provenance.as_of}]"
            )
    if vendor.certifications:
        lines += ["", "Certifications:"] + [
            f"  {c.scheme}{' (' + c.scope + ')' if c.scope else ''} [{c.provenance.confidence.value}, {c.provenance.as_of}]"
            for c in vendor.certifications
        ]
    lines += [
        "",
        f"Open weights: {'yes' if vendor.open_weights else 'no'}; API only: {'yes' if vendor.api_only else 'no'}",
    ]
    if vendor.open_weights_alternatives:
        lines.append("Open-weights alternatives: " + "; ".join(vendor.open_weights_alternatives))
    lines += [
        "",
        f"Sources ({vendor.provenance.confidence.value}, as of {vendor.provenance.as_of}):",
    ] + [f"  {s}" for s in vendor.provenance.source]
    if vendor.questions:
        lines += ["", "Questions to ask the vendor:"] + [f"  - {q}" for q in vendor.questions]
    return "\n".join(lines)


def _rule_text(rule: RuleSpec) -> list[str]:
    lines = [
        f"{rule.id} ({rule.severity.value}): {rule.title}",
        "",
        rule.description.strip(),
        "",
        "Legal basis: " + rule.rationale.strip(),
        "",
        "Remediation: " + rule.remediation.strip(),
    ]
    if rule.frameworks:
        lines += [
            "",
            "Frameworks: " + "; ".join(f"{f.framework} {f.reference}" for f in rule.frameworks),
        ]
    if rule.references:
        lines += ["", "References:"] + [f"  {r}" for r in rule.references]
    return lines


def _finding_text(finding: Finding) -> list[str]:
    lines = [
        f"{finding.title}",
        f"{finding.severity.value} · rule {finding.rule_id} · fingerprint {finding.fingerprint}"
        + (" · waived" if finding.waived else ""),
        "",
        "Condition: " + finding.condition,
        "Cause: " + finding.cause,
        "Effect: " + finding.effect,
    ]
    if finding.law:
        lines.append(f"Law: {finding.law} ({finding.citation})")
    lines += ["", "Evidence:"]
    for step in finding.evidence:
        where = f"  [{step.file}:{step.line}]" if step.file else ""
        lines.append(f"  {step.kind:<12} {step.node}{where}")
    lines += ["", "Remediation: " + finding.remediation, f"Facts' confidence: {finding.confidence}"]
    return lines


def explain_text(
    ident: str,
    sources: Sequence[Path] = (),
    rule_dirs: Sequence[Path] = (),
    today: dt.date | None = None,
) -> str:
    """A rule, or a finding found by fingerprint (or a unique prefix of 8+ characters), in words."""
    from auditor.errors import UsageError
    from auditor.loader.validate import suggest

    rules = {r.id: r for r in list_rules(rule_dirs)}
    if ident in rules:
        return "\n".join(_rule_text(rules[ident]))
    if not sources:
        hint = suggest(ident, rules)
        raise UsageError(
            f"no rule {ident!r}"
            + (
                f"; {hint}"
                if hint
                else "; to explain a finding, give its inventory or JSON result: "
                "auditor explain FINGERPRINT inventory/"
            )
        )
    if len(sources) == 1 and sources[0].suffix == ".json":
        try:
            result = AuditResult.model_validate_json(sources[0].read_bytes())
        except (OSError, ValueError) as exc:
            raise InputError(
                f"{sources[0]} is not a residency-auditor JSON result: {exc}"
            ) from None
    else:
        result = run_audit(sources, AuditOptions(rule_dirs=tuple(rule_dirs), today=today))
    matches = [
        f
        for f in result.findings
        if f.fingerprint == ident or (len(ident) >= 8 and f.fingerprint.startswith(ident))
    ]
    if len(matches) != 1:
        found = "no finding" if not matches else f"{len(matches)} findings"
        raise UsageError(f"{found} with fingerprint {ident!r} in these sources")
    return "\n".join(_finding_text(matches[0]))
