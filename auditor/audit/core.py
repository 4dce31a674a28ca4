"""The audit itself: load, check, build the graph, compute exposure, match rules, score."""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from auditor import __version__
from auditor.audit.baseline import Known, fingerprints_since, read_baseline
from auditor.audit.routes import forward_through_gateways
from auditor.audit.waivers import apply_waivers
from auditor.errors import Diagnostic, InputError, UsageError
from auditor.exposure import ExposureEngine, register_rows
from auditor.exposure.drift import drift_rows
from auditor.exposure.rows import DriftRow
from auditor.graph import ResidencyGraph, build_graph
from auditor.graph.build import system_svg
from auditor.kb import KnowledgeIndex, load_knowledge_base
from auditor.kb.index import Fact
from auditor.kb.resolve import check_inventory, check_policy
from auditor.kb.wording import Unsourced, UnsourcedLine, heading, unsourced_wording
from auditor.loader.iac import Resolution, ScannedRoute
from auditor.loader.iac import scan as scan_infrastructure
from auditor.loader.inventory import load_inventory, load_policy, load_waivers
from auditor.loader.yamlsrc import DEFAULT_LIMITS, Limits, paused_gc
from auditor.model.common import Classification, Confidence
from auditor.model.findings import (
    AuditResult,
    Exposure,
    Finding,
    InputFile,
    JurisdictionRef,
    KbInfo,
    LawRef,
    MitigationState,
    PolicyInfo,
    RuleInfo,
    Summary,
    SystemGraph,
    TransferConclusion,
)
from auditor.model.inventory import DataAsset, Inventory, InventoryFragment
from auditor.model.policy import SEVERITY_RANK, Policy, Severity
from auditor.model.words import ADEQUACY_SCOPE_WORDS, words
from auditor.rules.engine import Formers, RowBuilder, evaluate, legacy_fingerprints
from auditor.rules.load import load_rules
from auditor.rules.schema import RuleSpec
from auditor.rules.scores import Scorer

# Loading and the audit run with Python's cyclic garbage collector paused
# (``paused_gc``, used as a decorator below): an audit allocates hundreds of
# thousands of long-lived objects (values, models, graph nodes, evidence hops)
# and no reference cycles worth reclaiming, yet every full collection walks all
# of them again. At 3,000 systems collections took more than half of the audit
# (7.0 s with, 2.9 s without). The YAML floor the benchmarks compare against is
# measured the same way.


@paused_gc()
def load_checked_inventory(
    paths: Sequence[Path],
    rule_dirs: Sequence[Path] = (),
    *,
    extra: Sequence[InventoryFragment] = (),
    extra_files: Sequence[str] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Inventory, KnowledgeIndex]:
    """Load the knowledge base and the inventory, and check every reference between them."""
    kb = load_knowledge_base(rule_dirs)
    inventory = load_inventory(paths, limits, extra=extra, extra_files=extra_files)
    inventory = _with_organisation_policy(inventory)
    problems = check_inventory(inventory, kb)
    if problems:
        raise InputError(f"the inventory has {len(set(problems))} problem(s)", problems)
    return inventory, kb


def _with_organisation_policy(inventory: Inventory) -> Inventory:
    """Apply the policy file that ``organisation.policy`` names, relative to the file that says so.

    The file must lie in that file's folder or below it: an inventory from elsewhere
    must not make the auditor read (and quote in diagnostics) files outside its tree.
    """
    organisation = inventory.organisation
    if organisation.policy is None:
        return inventory
    span = organisation.span_of("policy")
    where = Diagnostic(span.path, span.line, span.column, "") if span else None
    if inventory.policy is not None:
        raise InputError(
            "the inventory has both an inline policy and organisation.policy",
            [where._replace_message("remove one of them")] if where else [],
        )
    folder = Path(span.path).resolve().parent if span else Path.cwd()
    target = (folder / organisation.policy).resolve()
    if not target.is_relative_to(folder):
        raise InputError(
            f"organisation.policy {organisation.policy!r} points outside {folder}",
            [where._replace_message("keep the policy file beside the inventory, or use --policy")]
            if where
            else [],
        )
    return inventory.model_copy(update={"policy": load_policy(target)})


def inventory_json_schema(kind: str = "inventory") -> dict[str, Any]:
    """JSON Schema of one file of ``kind`` (an inventory file is a fragment: sections optional)."""
    from auditor.audit.config import Config
    from auditor.model.compare import OptionsFile
    from auditor.model.policy import PolicyFile
    from auditor.model.waivers import WaiverFile

    models: dict[str, type[BaseModel]] = {
        "inventory": InventoryFragment,
        "options": OptionsFile,
        "policy": PolicyFile,
        "waivers": WaiverFile,
        "config": Config,
    }
    schema = models[kind].model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"residency-auditor {kind} file"
    return schema


@dataclass(frozen=True)
class KnowledgeReport:
    """What ``auditor kb check`` prints."""

    kb: KnowledgeIndex
    unconfirmed: list[Fact]
    stale: list[Fact]
    max_age_days: int | None
    today: dt.date
    # lines that say a fact comes from memory, is general knowledge or is in the research
    # notes: they fail the check
    unsourced: list[UnsourcedLine]
    unbased: list[Fact]  # controlling parent links that record nothing control rests on

    def render(self) -> str:
        """Plain-text report."""
        meta = self.kb.kb.meta
        counts = (
            f"{len(self.kb.laws)} laws, {len(self.kb.jurisdictions)} jurisdictions, "
            f"{len(self.kb.entities)} entities, {len(self.kb.vendors)} vendors, "
            f"{len(self.kb.regions)} regions of {len(self.kb.region_catalogues)} providers"
        )
        dora = self.kb.kb.dora
        if dora is not None:
            counts += f", {len(dora.templates)} DORA register templates"
        leis = sum(1 for entity in self.kb.kb.entities if entity.lei)
        if leis:
            counts += f", {leis} LEIs"
        lines = [
            f"knowledge base {meta.version} (as of {meta.as_of}): "
            + ("valid" if not self.unsourced else "not acceptable: facts without a source"),
            counts,
            f"oldest fact: {self.kb.oldest_fact()}",
            f"not confirmed in all: {len(self.unconfirmed) + len(self.unbased)} "
            f"({len(self.unconfirmed)} unconfirmed facts and {len(self.unbased)} parent links "
            "whose basis of control is not stated)",
            "",
            f"unconfirmed facts ({len(self.unconfirmed)}): reports mark findings built on them",
        ]
        lines += [
            f"  {f.where}: {f.subject}" + (f" ({f.provenance.note})" if f.provenance.note else "")
            for f in self.unconfirmed
        ]
        lines += [
            "",
            f"control links without a stated basis ({len(self.unbased)}): the sources say "
            "the parent controls but not through which share, votes, veto, board right, "
            "stated majority, subsidiary listing or the group's own statement",
        ]
        lines += [f"  {f.where}: {f.subject}" for f in self.unbased]
        if self.max_age_days is not None:
            lines += [
                "",
                f"facts older than {self.max_age_days} days on {self.today} ({len(self.stale)}):",
            ]
            lines += [f"  {f.where}: {f.subject} (as of {f.provenance.as_of})" for f in self.stale]
        if self.unsourced:
            lines.append("")
            for kind in Unsourced:
                places = [u.diagnostic for u in self.unsourced if u.kind is kind]
                if places:
                    lines.append(heading(kind, len(places)))
        return "\n".join(lines)


def knowledge_report(
    rule_dirs: Sequence[Path] = (), *, max_age_days: int | None, today: dt.date
) -> KnowledgeReport:
    """Validate the knowledge base and list unconfirmed and stale facts."""
    kb = load_knowledge_base(rule_dirs)
    facts = sorted(kb.facts(), key=lambda f: (f.subject, f.where))
    unconfirmed = [f for f in facts if f.provenance.confidence is Confidence.UNCONFIRMED]
    stale: list[Fact] = []
    if max_age_days is not None:
        # A limit before the first representable date (--max-age 10**12, or --today
        # 0001-01-01) would overflow date arithmetic: no fact can be that old.
        days_since_min = (today - dt.date.min).days
        if max_age_days <= days_since_min:
            limit = today - dt.timedelta(days=max_age_days)
            stale = [f for f in facts if f.provenance.as_of < limit]
    unbased = sorted(kb.unbased_control_links(), key=lambda f: (f.subject, f.where))
    return KnowledgeReport(
        kb, unconfirmed, stale, max_age_days, today, unsourced_wording(rule_dirs), unbased
    )


@dataclass(frozen=True)
class AuditOptions:
    """What an audit run needs besides the inventory paths; the clock is passed in."""

    rule_dirs: tuple[Path, ...] = ()
    policy_file: Path | None = None
    today: dt.date | None = None
    progress: Callable[[str], None] | None = None  # told the name of each stage as it starts
    waivers_file: Path | None = None
    use_waivers: bool = True  # False: an audit mode that ignores every waiver
    baseline_file: Path | None = None  # report only findings not in this baseline
    since: str | None = None  # report only findings introduced since this git ref
    extra_fragments: tuple[InventoryFragment, ...] = ()  # fragments already built in memory
    extra_files: tuple[str, ...] = ()  # the files those fragments were read from
    scan_root: Path | None = None  # scan Terraform / plan JSON / Kubernetes under this folder
    var_files: tuple[Path, ...] = ()  # Terraform --var-file
    country: str | None = None  # the organisation's country when no inventory declares one
    limits: Limits = DEFAULT_LIMITS  # caps on reading each input file


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _display_input(path_text: str) -> str:
    path = Path(path_text)
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


@paused_gc()
def run_audit(paths: Sequence[Path], options: AuditOptions = AuditOptions()) -> AuditResult:
    """Load, check, build the graph, compute exposure, match the rules, score: the whole audit."""
    # Read the clock once, so a --since audit of the old tree uses the same date.
    options = replace(options, today=options.today or dt.date.today())

    def stage(name: str) -> None:
        if options.progress is not None:
            options.progress(name)

    extra, extra_files, notices = list(options.extra_fragments), list(options.extra_files), []
    scanned_keys: set[str] = set()
    resolutions: list[Resolution] = []
    routes: list[ScannedRoute] = []
    if options.scan_root is not None:
        stage(f"scanning {options.scan_root}")
        scanned = scan_infrastructure(
            options.scan_root, var_files=options.var_files, limits=options.limits
        )
        if scanned.diagnostics:
            raise InputError(
                f"{len(scanned.diagnostics)} file(s) under {options.scan_root} cannot be read",
                scanned.diagnostics,
            )
        extra.append(scanned.fragment)
        extra_files += scanned.files
        notices += scanned.notes
        scanned_keys = {f"{s.id}/{c.id}" for s in scanned.fragment.systems for c in s.components}
        resolutions = scanned.resolutions
        routes = scanned.routes
        if not paths:
            extra.append(_scan_organisation(options.country))
    stage("loading the inventory and the knowledge base")
    inventory, kb = load_checked_inventory(
        paths, options.rule_dirs, extra=extra, extra_files=extra_files, limits=options.limits
    )
    # Drift needs a declaration to drift from: a scan together with an inventory.
    drift = (
        drift_rows(inventory, kb, scanned_keys, resolutions)
        if options.scan_root is not None and paths
        else []
    )
    inventory, forwarded = forward_through_gateways(inventory, routes)
    if forwarded:
        notices.append(
            f"{forwarded} flow(s) added from scanned gateways to the backends they route to, "
            "carrying the data declared to reach each gateway."
        )
    if scanned_keys:
        inventory, assumed = assume_undeclared_data(inventory, scanned_keys)
        if assumed:
            notices.append(
                f"{assumed} scanned component(s) receive no declared data; the audit assumes they "
                "hold personal data (asset 'undeclared-data'). Declare data assets and flows in an "
                "inventory (--inventory) to replace this assumption."
            )
    since_paths = [*paths, options.scan_root] if options.scan_root is not None else list(paths)
    result = audit_inventory(inventory, kb, options, since_paths=since_paths, drift=drift)
    if notices:
        result = result.model_copy(update={"notices": sorted({*result.notices, *notices})})
    return result


def _scan_organisation(country: str | None) -> InventoryFragment:
    if country is None:
        raise UsageError(
            "a scan without --inventory needs the organisation's country: --country DE "
            "(or give an inventory that declares the organisation)"
        )
    return InventoryFragment.model_validate(
        {"organisation": {"name": "organisation of the scanned repository", "country": country}}
    )


@paused_gc()
def audit_inventory(
    inventory: Inventory,
    kb: KnowledgeIndex,
    options: AuditOptions = AuditOptions(),
    *,
    since_paths: Sequence[Path] = (),
    drift: Sequence[DriftRow] = (),
) -> AuditResult:
    """Audit an inventory already loaded and checked (what ``run_audit`` does after loading).

    ``drift`` holds the differences between the inventory and a scan of code or IaC
    (``auditor.exposure.drift``), which the drift checks match over.

    ``compare`` and what-if analyses use this, so every option is audited by the
    same code as ``auditor audit``. Input hashes come from ``inventory.files``.
    """
    today = options.today or dt.date.today()

    def stage(name: str) -> None:
        if options.progress is not None:
            options.progress(name)

    policy = inventory.policy
    if options.policy_file is not None:
        policy = load_policy(options.policy_file)
        problems = check_policy(policy, kb)
        if problems:
            raise InputError("the policy file has problems", problems)
    rules = load_rules(options.rule_dirs)
    stage(f"building the graph of {len(inventory.systems)} systems")
    graph = build_graph(inventory, kb)
    stage("computing exposures and transfers")
    engine = ExposureEngine(graph, policy)
    exposure = engine.run()
    exposure.drift = list(drift)
    stage("scoring")
    scores = Scorer(engine, policy).all_cards()
    stage(f"matching {len(rules)} checks")
    builder = RowBuilder(exposure, kb, scores, policy, today, inventory)
    formers: Formers = {}
    findings = evaluate(rules, builder, kb, policy, formers)
    unconfirmed_used = sum(
        1 for row in builder.fact_rows() if row.confidence == Confidence.UNCONFIRMED.value
    )
    del builder  # its rows (one per exposure and transfer) are not needed any more
    notices: list[str] = []
    by_id = {rule.id: rule for rule in rules}

    def legacy_of(finding: Finding) -> dict[str, frozenset[str]]:
        return legacy_fingerprints(by_id[finding.rule_id], finding, formers)

    if options.use_waivers:
        waivers = list(inventory.waivers)
        if options.waivers_file is not None:
            waivers += load_waivers(options.waivers_file)
        findings, notices = apply_waivers(findings, waivers, today, legacy_of)
    else:
        notices.append("waivers were ignored for this run (--no-waivers)")
    known = Known()
    if options.baseline_file is not None:
        known.update(read_baseline(options.baseline_file))
    if options.since is not None:
        stage(f"auditing the inventory as it was at {options.since}")
        plain = replace(options, since=None, baseline_file=None, progress=None, use_waivers=False)

        def audit_old(old: list[Path]) -> AuditResult:
            # the scan root, when there is one, was passed last: re-scan it as it was
            if options.scan_root is not None:
                return run_audit(old[:-1], replace(plain, scan_root=old[-1]))
            return run_audit(old, plain)

        known.update(fingerprints_since(options.since, list(since_paths), audit_old))
    in_baseline = 0
    if known:
        source = " and ".join(
            x
            for x in (
                f"baseline {options.baseline_file}" if options.baseline_file else "",
                f"git ref {options.since}" if options.since else "",
            )
            if x
        )
        reported: list[Finding] = []
        for finding in findings:
            new = known.new_assets(finding, legacy_of(finding))
            if new == []:
                in_baseline += 1
                continue
            if new:
                notices.append(
                    f"{finding.rule_id} ({', '.join(finding.subject.values())}; fingerprint "
                    f"{finding.fingerprint[:12]}) is known to the {source}, but affects data "
                    f"it did not record: {', '.join(new)}; it is reported as changed"
                )
            reported.append(finding)
        findings = reported
        notices.append(
            f"only new findings are reported: {in_baseline} finding(s) known to the {source} are left out"
        )
    counts = {s.value: 0 for s in Severity}
    for finding in findings:
        if not finding.waived:
            counts[finding.severity.value] += 1
    stage("assembling the result")
    oldest = kb.oldest_fact()
    inputs = [
        InputFile(path=_display_input(f), sha256=_hash(Path(f)))
        for f in inventory.files
        if Path(f).is_file()
    ]
    if options.policy_file is not None:
        inputs.append(
            InputFile(
                path=_display_input(str(options.policy_file)), sha256=_hash(options.policy_file)
            )
        )
    from auditor.audit.dora import register_gaps  # it builds on this module's loader

    return AuditResult(
        dora_gaps=list(register_gaps(inventory, kb)),
        tool={"name": "residency-auditor", "version": __version__},
        organisation={
            "name": inventory.organisation.name,
            "country": inventory.organisation.country,
        },
        inputs=sorted(inputs, key=lambda i: i.path),
        kb=KbInfo(
            version=kb.version,
            as_of=kb.kb.meta.as_of.isoformat(),
            oldest_fact=oldest.isoformat() if oldest else None,
            unconfirmed_facts_used=unconfirmed_used,
        ),
        exposures=exposure.exposures,
        transfers=exposure.transfers,
        findings=findings,
        scores=scores,
        rules=[
            RuleInfo(
                id=r.id,
                title=r.title,
                severity=r.severity.value,
                description=r.description,
                rationale=r.rationale,
                remediation=r.remediation,
                references=r.references,
                frameworks=r.frameworks,
            )
            for r in rules
        ],
        summary=Summary(
            findings_by_severity=counts,
            exposures=len(exposure.exposures),
            exposures_unmitigated=sum(
                1 for e in exposure.exposures if e.mitigation is not MitigationState.MITIGATED
            ),
            transfers=len(exposure.transfers),
            transfers_without_valid_tool=sum(
                1 for t in exposure.transfers if t.conclusion is TransferConclusion.NO_VALID_TOOL
            ),
            transfers_unassessable=sum(
                1 for t in exposure.transfers if t.conclusion is TransferConclusion.UNKNOWN
            ),
            systems=len(inventory.systems),
            data_assets=len(inventory.data),
            waived=sum(1 for f in findings if f.waived),
            in_baseline=in_baseline,
        ),
        notices=notices,
        audit_date=today.isoformat(),
        policy=_policy_info(policy),
        inventory_register=register_rows(engine.context, exposure.arrivals),
        laws=_law_refs(kb, exposure.facts_used | {f"law {g}" for g in exposure.safeguards_cited}),
        jurisdictions=_jurisdiction_refs(kb, graph),
        graphs=_graphs(graph, inventory, findings, exposure.exposures),
    )


MAX_GRAPHS = 30


def _graphs(
    graph: ResidencyGraph,
    inventory: Inventory,
    findings: list[Finding],
    exposures: Sequence[Exposure] = (),
) -> list[SystemGraph]:
    """Pictures of the systems with the most severe findings, at most MAX_GRAPHS of them.

    A report of thousands of systems stays readable and small; which systems are
    drawn is decided by severity, then id, so the choice is deterministic.
    """
    weight: dict[str, list[int]] = {s.id: [0] * 5 for s in inventory.systems}
    for finding in findings:
        system = finding.subject.get("system")
        if system in weight and not finding.waived:
            weight[system][4 - SEVERITY_RANK[finding.severity]] += 1
    # The first MAX_GRAPHS of the order, without sorting every system of the estate.
    chosen = heapq.nsmallest(MAX_GRAPHS, weight, key=lambda s: ([-n for n in weight[s]], s))
    near = graph.neighbourhood(chosen)  # not the whole estate's graph: only what is drawn
    reaches: dict[str, list[tuple[str, str, str, str, bool]]] = {s: [] for s in chosen}
    for e in exposures:
        if e.system in reaches:
            mitigated = e.mitigation is MitigationState.MITIGATED
            reaches[e.system].append((e.data_asset, e.component, e.party, e.law, mitigated))
    return [
        SystemGraph(system=s, svg=system_svg(graph, s, near, reaches[s])) for s in sorted(chosen)
    ]


def _policy_info(policy: Policy | None) -> PolicyInfo | None:
    if policy is None:
        return None
    residency = []
    for rule in policy.residency:
        scope = ", ".join(rule.categories) or ""
        if rule.classification is not None:
            scope += (
                " and " if scope else ""
            ) + f"classification {rule.classification.value} or higher"
        text = f"{scope}: data only in {', '.join(rule.allowed)}"
        text += f"; laws only of {', '.join(rule.reach_allowed or rule.allowed)}"
        residency.append(text)
    return PolicyInfo(
        name=policy.name or "organisation policy",
        control_test=policy.control_test.value,
        residency=residency,
        minimum_seal=dict(sorted(policy.minimum_seal.items())),
        max_fact_age_days=policy.max_fact_age_days,
    )


def _law_refs(kb: KnowledgeIndex, facts_used: set[str]) -> list[LawRef]:
    refs = []
    for law_id in sorted(kb.laws):
        if f"law {law_id}" not in facts_used:
            continue
        law = kb.laws[law_id]
        refs.append(
            LawRef(
                id=law.id,
                name=law.name,
                short_name=law.short_name,
                jurisdiction=law.jurisdiction,
                citation=law.citation,
                status=law.status.value,
                status_note=law.status_note or "",
                as_of=law.provenance.as_of.isoformat(),
                confidence=law.provenance.confidence.value,
                sources=list(law.provenance.source),
                effect=law.effect.value,
            )
        )
    return refs


def _jurisdiction_refs(kb: KnowledgeIndex, graph: ResidencyGraph) -> list[JurisdictionRef]:
    codes = sorted(graph.countries())
    refs = []
    for code in codes:
        jurisdiction = kb.jurisdictions.get(code)
        if jurisdiction is None:
            continue
        adequacy = jurisdiction.adequacy
        provenance = adequacy.provenance if adequacy else jurisdiction.provenance
        refs.append(
            JurisdictionRef(
                code=code,
                name=jurisdiction.name,
                blocs=sorted(kb.blocs_of(code)),
                adequacy=(
                    f"{adequacy.decision} of {adequacy.date}, applying "
                    f"{ADEQUACY_SCOPE_WORDS.get(adequacy.scope.value, words(adequacy.scope))}"
                )
                if adequacy
                else None,
                as_of=provenance.as_of.isoformat(),
                confidence=provenance.confidence.value,
            )
        )
    return refs


def failing_findings(
    result: AuditResult,
    fail_on: str,
    hard_fail: Sequence[str] = (),
    soft_fail: Sequence[str] = (),
) -> list[Finding]:
    """Unwaived findings that fail the build: at or above ``fail_on`` (``never``: none), plus
    any finding of a hard-fail rule, minus those of soft-fail rules."""
    threshold = None if fail_on == "never" else SEVERITY_RANK[Severity(fail_on)]
    failing = []
    for finding in result.findings:
        if finding.waived or finding.rule_id in soft_fail:
            continue
        if finding.rule_id in hard_fail or (
            threshold is not None and SEVERITY_RANK[finding.severity] >= threshold
        ):
            failing.append(finding)
    return failing


def list_rules(rule_dirs: Sequence[Path] = ()) -> list[RuleSpec]:
    """Every check, validated."""
    load_knowledge_base(rule_dirs)
    return load_rules(rule_dirs)


def graph_of(paths: Sequence[Path], rule_dirs: Sequence[Path] = ()) -> ResidencyGraph:
    """The dependency graph of an inventory."""
    inventory, kb = load_checked_inventory(paths, rule_dirs)
    return build_graph(inventory, kb)


UNDECLARED = "undeclared-data"


def assume_undeclared_data(inventory: Inventory, scanned: set[str]) -> tuple[Inventory, int]:
    """Let scanned components that no declared data reaches hold an assumed personal-data asset.

    Infrastructure code says where services run, not what data they see; an audit
    that found "no exposure" because nobody declared the data would be silence,
    not assurance. The assumption is conservative (personal data) and visible
    (its own asset, and a notice in every output).
    """
    reached: set[str] = set()
    for system in inventory.systems:
        for flow in system.flows:
            for ref in (flow.source, flow.target):
                reached.add(ref if "/" in ref else f"{system.id}/{ref}")
        reached |= {f"{system.id}/{c.id}" for c in system.components if c.holds}
    missing = scanned - reached
    if not missing:
        return inventory, 0
    asset = DataAsset(
        id=UNDECLARED,
        name="Data not declared in any inventory (assumed personal)",
        categories=["user"],
        classification=Classification.CONFIDENTIAL,
    )
    systems = []
    for system in inventory.systems:
        components = [
            c.model_copy(update={"holds": [*c.holds, UNDECLARED]})
            if f"{system.id}/{c.id}" in missing
            else c
            for c in system.components
        ]
        systems.append(system.model_copy(update={"components": components}))
    data = (
        inventory.data
        if any(d.id == UNDECLARED for d in inventory.data)
        else (*inventory.data, asset)
    )
    return inventory.model_copy(update={"systems": tuple(systems), "data": data}), len(missing)
