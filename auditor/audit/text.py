"""Plain-text renderings the CLI prints: vendor sheets and explanations of rules and findings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from auditor import __version__
from auditor.audit.core import AuditOptions, list_rules, run_audit
from auditor.errors import InputError
from auditor.graph import build_graph
from auditor.graph.control import ControlLink
from auditor.graph.resolve import ResolvedEntity
from auditor.kb import load_knowledge_base
from auditor.kb.index import KnowledgeIndex
from auditor.loader.files import JSON_READ_LIMIT, read_regular_file
from auditor.model.document import result_from_document
from auditor.model.findings import Exposure, Finding
from auditor.model.inventory import Inventory
from auditor.model.kb import CatalogueEntity, DeploymentOption, LawStatus, ProcessingScope
from auditor.model.vendor import ChainRow, FactRow, VendorAssessment, VendorLaw
from auditor.model.words import (
    MAY_HANDLE_WORDS,
    country_in_sentence,
    generic,
    generic_title,
    join_words,
    plain,
    scope_words,
    words,
)
from auditor.rules.engine import legacy_fingerprints
from auditor.rules.schema import RuleSpec


def vendor_rows(rule_dirs: Sequence[Path] = ()) -> list[tuple[str, str, str, str]]:
    """(id, kind, operator name, operator country) for every catalogue vendor."""
    kb = load_knowledge_base(rule_dirs)
    rows = []
    for vendor in kb.kb.vendors:
        # A model family has a publisher (provenance), a service an operator.
        entity = kb.entities.get(vendor.operator or vendor.publisher or "")
        rows.append(
            (
                vendor.id,
                vendor.kind.value,
                (entity.name + ("" if vendor.kind.is_service else " (publisher)"))
                if entity
                else "-",
                entity.country or "?" if entity else "-",
            )
        )
    return rows


# How a law reaches a party, before the country's name.
_REACH_WORDS = {
    "incorporated": "is incorporated in {}",
    "control": "is controlled from {}",
    "presence": "does business in {} (a contested reach)",
    "territorial": "handles the data on the territory of {}",
}


def _reach_words(exp: Exposure, entity: CatalogueEntity | None, kb: KnowledgeIndex) -> str:
    """How a law reaches a party, ending in the country. The incorporation trigger fires on
    either seat, so a party incorporated elsewhere is said to have its head office there:
    "has its head office in China (incorporated in the Cayman Islands)"; a place that is one
    of several (a zone, or one a worldwide option names) is one where the party may handle
    the data."""
    trigger, jurisdiction = exp.trigger, exp.jurisdiction
    where = country_in_sentence(kb.country_name(jurisdiction))
    if (
        trigger == "incorporated"
        and entity is not None
        and entity.country not in (None, jurisdiction)
        and entity.headquarters == jurisdiction
    ):
        seat = country_in_sentence(kb.country_name(entity.country or ""))
        return f"has its head office in {where} (incorporated in {seat})"
    if exp.possibly_there:
        return f"{MAY_HANDLE_WORDS} {where}"
    return _REACH_WORDS.get(trigger, words(trigger) + " ({})").format(where)


def _status_words(status: str) -> str:
    """A law's status, short enough for one line of the due-diligence sheet."""
    if status == LawStatus.LAPSED_OPERATIVE:
        return "lapsed, but orders issued under it still operate"
    known = {s.value: s for s in LawStatus}
    return known[status].words if status in known else words(status)


def _option_scope(scope: ProcessingScope, option: DeploymentOption, kb: KnowledgeIndex) -> str:
    """Where a deployment option handles data, in words: "in the region", "anywhere in the
    vendor's data zone (the EU)", "in the United States" for a fixed place; a zone of the
    catalogue by its name."""
    zones = [kb.zones[z].name for z in option.zones if z in kb.zones]
    if zones and scope in (ProcessingScope.DATA_ZONE, ProcessingScope.FIXED):
        return "anywhere in " + " or ".join(zones)
    if option.location and scope is ProcessingScope.FIXED:
        return f"in {kb.location_words(option.location)}"
    if option.location and scope is ProcessingScope.DATA_ZONE:
        return f"{scope_words(scope)} ({kb.location_words(option.location)})"
    return scope_words(scope)


def vendor_assessment(ident: str, rule_dirs: Sequence[Path] = ()) -> VendorAssessment:
    """A due-diligence sheet for a catalogue vendor, computed with the audit engine itself.

    The vendor is placed in a one-component inventory of an EU organisation and
    its exposure computed, so the laws listed are exactly those an audit reports.
    """
    from auditor.errors import UsageError
    from auditor.exposure import ExposureEngine
    from auditor.loader.validate import suggest
    from auditor.model.inventory import Component, DataAsset, Organisation, System

    kb = load_knowledge_base(rule_dirs)
    vendor = kb.vendors.get(ident)
    if vendor is None:
        hint = suggest(ident, kb.vendors)
        raise UsageError(
            f"no vendor {ident!r}" + (f"; {hint}" if hint else "; see 'auditor vendor list'")
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
    engine = ExposureEngine(graph, None)
    exposure = engine.run()
    chain = []
    for party in graph.components["probe/service"].parties:
        entity = graph.entities.get(party.entity)
        chains, unknown = engine.control.chains(party.entity)
        controllers = [
            _controller(graph.entities.get(links[-1].parent), links[-1]) for links in chains
        ]
        chain.append(
            ChainRow(
                role=party.role,
                entity=party.entity,
                name=entity.name if entity else party.entity,
                country=(entity.country or "unknown") if entity else "unknown",
                controllers=controllers,
                unknown_ownership=unknown,
            )
        )
    family = not vendor.kind.is_service
    publisher = kb.entities.get(vendor.publisher or "") if family else None
    if family and vendor.publisher:
        chains, unknown = engine.control.chains(vendor.publisher)
        chain.append(
            ChainRow(
                role="publisher (provenance and licence, not an operator)",
                entity=vendor.publisher,
                name=publisher.name if publisher else vendor.publisher,
                country=(publisher.country or "unknown") if publisher else "unknown",
                controllers=[
                    _controller(graph.entities.get(links[-1].parent), links[-1]) for links in chains
                ],
                unknown_ownership=unknown,
            )
        )
    hosted = kb.vendors.get(vendor.hosted_api or "")
    nature = (
        f"Model family: weights or containers that "
        f"{publisher.name if publisher else 'the publisher'} publishes and the organisation runs "
        "itself. The publisher is provenance and licensor, not an operator: no law reaches data "
        "through it. Whoever runs the hardware (the organisation, or the hosting it declares) "
        "operates it, and the laws reaching that party are those to assess."
        + (
            f" The publisher's own hosted API is the separate service {hosted.name} ({hosted.id})."
            if hosted
            else ""
        )
        if family
        else "Service: run for the organisation by its operator, so the laws reaching the "
        "operator and the other parties below can reach the data it handles."
    )
    laws: dict[tuple[str, str, str], VendorLaw] = {}
    for exp in exposure.exposures:
        law = kb.laws[exp.law]
        laws.setdefault(
            (exp.law, exp.party, exp.trigger),
            VendorLaw(
                law=exp.law,
                law_name=exp.law_name,
                citation=law.citation,
                status=law.status.value,
                status_text=_status_words(law.status.value),
                trigger=exp.trigger,
                via=f"{exp.party_role} {exp.party_name}",
                reach=f"the {words(exp.party_role)} {exp.party_name} "
                + _reach_words(exp, kb.entities.get(exp.party), kb),
                confidence=exp.confidence,
            ),
        )
    facts = []
    for fact in kb.facts():
        own = fact.subject == f"vendor {vendor.id}" or fact.subject.startswith(
            f"vendor {vendor.id} "
        )
        about_party = any(fact.subject == f"entity {row.entity}" for row in chain)
        if own or about_party:
            facts.append(
                FactRow(
                    subject=fact.subject,
                    # The sheet is about the vendor: its own facts need not name it again.
                    name=fact.shown.removesuffix(f" of {vendor.name}"),
                    sources=list(fact.provenance.source),
                    as_of=fact.provenance.as_of.isoformat(),
                    confidence=fact.provenance.confidence.value,
                    note=fact.provenance.note or "",
                )
            )
    defaults = []
    if vendor.defaults is not None:
        d = vendor.defaults
        if d.retention is not None:
            defaults.append(
                f"prompts retained: {'yes' if d.retention.prompts_retained else 'no'}"
                + (f", {d.retention.days} days" if d.retention.days is not None else "")
                + (f", for {d.retention.purpose}" if d.retention.purpose else "")
                + (
                    f", at {kb.location_words(d.retention.location)}"
                    if d.retention.location
                    else ""
                )
            )
        if d.training_use is not None:
            defaults.append(f"training on customer data: {'yes' if d.training_use else 'no'}")
        if d.support_location:
            defaults.append(f"support from: {kb.location_words(d.support_location)}")
    return VendorAssessment(
        id=vendor.id,
        name=vendor.name,
        kind=vendor.kind.value,
        model_family=family,
        nature=nature,
        kb_version=kb.version,
        kb_as_of=kb.kb.meta.as_of.isoformat(),
        tool_version=__version__,
        open_weights=vendor.open_weights,
        api_only=vendor.api_only,
        chain=chain,
        laws=sorted(laws.values(), key=lambda x: (x.law, x.via, x.trigger)),
        residency_options=list(vendor.residency_options),
        deployment_options=[
            f"{o.id}: processing {_option_scope(o.processing, o, kb)}, storage "
            f"{_option_scope(o.storage, o, kb)} "
            f"({o.provenance.confidence.value}, as of {o.provenance.as_of})"
            for o in vendor.deployment_options
        ],
        certifications=[
            f"{c.scheme}{' (' + c.scope + ')' if c.scope else ''}{', ' + c.date.isoformat() if c.date else ''}"
            f" ({c.provenance.confidence.value}, as of {c.provenance.as_of})"
            for c in vendor.certifications
        ],
        defaults=defaults
        or ["the sources state no retention or training defaults: ask the vendor"],
        open_weights_alternatives=list(vendor.open_weights_alternatives),
        notes=vendor.notes or "",
        facts=_shared_rows(facts),
        questions=list(vendor.questions),
        gaps=sorted({g.detail for g in exposure.gaps}),
        default_deployment=vendor.default_deployment or "",
    )


def _controller(parent: ResolvedEntity | None, link: ControlLink) -> str:
    """A controlling parent in words, with the reason it controls."""
    name = parent.name if parent else link.parent
    return f"{name} ({parent.country if parent else '?'}): {link.reason}"


def vendor_sheet(ident: str, rule_dirs: Sequence[Path] = ()) -> str:
    """The due-diligence sheet as plain text."""
    a = vendor_assessment(ident, rule_dirs)
    lines = [
        f"{a.name} ({a.id}) · {words(a.kind)} · knowledge base {a.kb_version}",
        "",
        a.nature,
        "",
        "Legal-entity chain:",
    ]
    for row in a.chain:
        lines.append(f"  {words(row.role)}: {row.name} ({row.country})")
        lines += [f"    controlled by {c}" for c in row.controllers]
        lines += [f"    ownership of {u} unknown (evidence gap)" for u in row.unknown_ownership]
    lines += ["", "Laws that can reach data at this vendor (for an EU customer):"]
    lines += [
        f"  {x.law_name} ({x.status_text or x.status}): {x.reach or x.via} "
        f"[confidence {x.confidence}]"
        for x in a.laws
    ] or [
        "  none: a self-hosted model family reaches no data through its publisher"
        if a.model_family
        else "  none found in the knowledge base"
    ]
    if a.gaps:
        where = (
            f" with the default deployment ({a.default_deployment})" if a.default_deployment else ""
        )
        lines += ["", f"What cannot be determined{where}:"] + [f"  - {g}" for g in a.gaps]
    lines += ["", "Residency options:"] + [f"  - {o}" for o in a.residency_options]
    if a.deployment_options:
        lines += ["", "Deployment options:"] + [f"  {o}" for o in a.deployment_options]
    if a.certifications:
        lines += ["", "Certifications:"] + [f"  {c}" for c in a.certifications]
    lines += ["", "Retention and training defaults:"] + [f"  {d}" for d in a.defaults]
    lines += [
        "",
        f"Open weights: {'yes' if a.open_weights else 'no'}; API only: {'yes' if a.api_only else 'no'}",
    ]
    if a.open_weights_alternatives:
        lines.append("Open-weights alternatives: " + "; ".join(a.open_weights_alternatives))
    lines += ["", "Facts and their sources:"]
    for fact in a.facts:
        lines.append(
            f"  {fact.name or fact.subject} ({fact.confidence}, as of {fact.as_of}): "
            f"{'; '.join(fact.sources)}"
        )
    if a.questions:
        lines += ["", "Questions to ask the vendor:"] + [f"  - {q}" for q in a.questions]
    return "\n".join(lines)


def _rule_text(rule: RuleSpec) -> list[str]:
    """A check in words: its texts with their placeholders written for any subject."""
    lines = [
        f"{rule.id} ({rule.severity.value}): {generic_title(rule.title)}",
        "",
        generic(rule.description.strip()),
        "",
        "Legal basis: " + generic(rule.rationale.strip()),
        "",
        "Remediation: " + generic(rule.remediation.strip()),
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
        plain(finding.title),
        f"{finding.severity.value} · rule {finding.rule_id} · fingerprint {finding.fingerprint}"
        + (" · waived" if finding.waived else ""),
        "",
        "Condition: " + plain(finding.condition),
        "Cause: " + plain(finding.cause),
        "Effect: " + plain(finding.effect),
    ]
    if finding.law:
        lines.append(f"Law: {finding.law} ({finding.citation})")
    if finding.data_assets:
        lines += ["", "Data affected:"]
        lines += [
            f"  {a.id} ({a.name}; {words(a.sensitivity.value)}; {a.severity.value})"
            for a in finding.data_assets
        ]
    lines += ["", "Evidence:"]
    paths = finding.evidence_paths if len(finding.evidence_paths) > 1 else []
    if not paths:
        for step in finding.evidence:
            where = f"  [{step.file}:{step.line}]" if step.file else ""
            lines.append(f"  {step.kind:<12} {plain(step.node)}{where}")
    names = {a.id: a.name for a in finding.data_assets}
    for number, path in enumerate(paths, start=1):
        carried = ", ".join(names.get(d, d) for d in path.data_assets) or "no data asset"
        lines.append(f"  path {number} of {len(paths)}, carrying {carried}:")
        for step in path.path:
            where = f"  [{step.file}:{step.line}]" if step.file else ""
            lines.append(f"    {step.kind:<12} {plain(step.node)}{where}")
    lines += [
        "",
        "Remediation: " + plain(finding.remediation),
        f"Facts' confidence: {finding.confidence}",
    ]
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
        raw = read_regular_file(sources[0], JSON_READ_LIMIT, "JSON result")
        try:
            result = result_from_document(json.loads(raw))
        except (ValueError, RecursionError) as exc:
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
    note: list[str] = []
    if not matches and len(ident) >= 8:
        # A fingerprint from before findings were grouped by root cause (one per data asset).
        for f in result.findings:
            rule = rules.get(f.rule_id)
            old = legacy_fingerprints(rule, f) if rule else {}
            assets = sorted({a for fp, stood in old.items() if fp.startswith(ident) for a in stood})
            if assets:
                matches.append(f)
                note = [
                    "",
                    f"({ident} is the earlier fingerprint of this finding for {', '.join(assets)}, "
                    "from when findings were per data asset.)",
                ]
    if len(matches) != 1:
        found = "no finding" if not matches else f"{len(matches)} findings"
        raise UsageError(f"{found} with fingerprint {ident!r} in these sources")
    return "\n".join(_finding_text(matches[0]) + note)


def _shared_rows(facts: list[FactRow]) -> list[FactRow]:
    """One row per set of facts resting on the same sources, date, confidence and note, in
    subject order: a documentation page behind six deployment options is listed once."""
    groups: dict[tuple[tuple[str, ...], str, str, str], list[FactRow]] = {}
    for fact in sorted(facts, key=lambda f: f.subject):
        key = (tuple(fact.sources), fact.as_of, fact.confidence, fact.note)
        groups.setdefault(key, []).append(fact)
    rows = []
    for members in groups.values():
        first = members[0]
        names = [m.name or m.subject for m in members]
        rows.append(
            first.model_copy(
                update={
                    "name": _names_in_one(names),
                    "subjects": [m.subject for m in members],
                }
            )
        )
    return sorted(rows, key=lambda f: f.subject)


def _names_in_one(names: list[str]) -> str:
    """ "the deployment option A", "the deployment option B" -> "the deployment options A and B";
    names without a shared leading phrase are listed as they are."""
    if len(names) == 1:
        return names[0]
    split = [n.split(" ") for n in names]
    shared = 0
    while all(len(w) > shared + 1 and w[shared] == split[0][shared] for w in split):
        shared += 1
    if shared >= 2 and split[0][0] == "the":
        head = " ".join(split[0][:shared])
        return f"{head}s " + join_words([" ".join(w[shared:]) for w in split])
    return join_words(names)
