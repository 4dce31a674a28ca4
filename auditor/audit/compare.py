"""Compare candidate deployments for one use case, each audited by the same engine as ``audit``.

Ranking (also printed in every comparison, so a reader can check it):
1. options that pass the organisation's policy come first;
2. then fewer foreign laws that can reach the data without full mitigation;
3. then fewer GDPR transfers without a valid tool;
4. then fewer critical, then high findings;
5. then the higher EU Cloud Sovereignty score (not assessed counts as lowest);
6. then fewer evidence gaps; ties keep the options file's order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from auditor.audit.core import AuditOptions, audit_inventory
from auditor.errors import InputError
from auditor.kb import load_knowledge_base
from auditor.kb.index import KnowledgeIndex
from auditor.kb.resolve import check_inventory
from auditor.loader.options import check_option, dump_inventory, load_options, option_inventory
from auditor.model.compare import Comparison, OptionColumn, OptionLaw, OptionSpec
from auditor.model.findings import AuditResult, Exposure, TransferConclusion
from auditor.model.inventory import ComponentKind, Inventory
from auditor.model.kb import Vendor
from auditor.model.words import words

RANKING_RULE = [
    "Options that pass the organisation's policy rank first.",
    "Then fewer foreign laws that can reach the data without full mitigation.",
    "Then fewer GDPR Chapter V transfers without a valid transfer tool.",
    "Then fewer critical, then fewer high findings.",
    "Then the higher EU Cloud Sovereignty Framework score (not assessed counts as lowest).",
    "Then fewer evidence gaps; remaining ties keep the order of the options file.",
]
POLICY_RULES = ("policy-", "sovereignty-")
GAP_RULES = ("evidence-gap-",)
STATE_ORDER = {"none": 0, "partial": 1, "mitigated": 2}


def _chain(exposure: Exposure) -> str:
    """The party and its parents, in words: "the hosting provider Microsoft Corporation (US)
    → parent ..." (the option names the catalogue entry already: the party step does not
    repeat it)."""
    steps = [h.shown for h in exposure.path if h.kind in ("entity", "parent")]
    role = exposure.party_role
    if steps and steps[0].startswith(role + " "):  # a step without words (older results)
        steps[0] = f"the {words(role)} {steps[0][len(role) + 1 :]}"
    text = " → ".join(steps)
    text = _CATALOGUE_ENTRY.sub("", text)
    return text.replace(" (declared in the inventory)", "")


_CATALOGUE_ENTRY = re.compile(
    r" \((?:named by the catalogue entry for|catalogue vendor) [^()]*(?:\([^()]*\)[^()]*)*\)"
)


def _laws(result: AuditResult, home: frozenset[str]) -> list[OptionLaw]:
    by_law: dict[str, list[Exposure]] = {}
    for exposure in result.exposures:
        if exposure.jurisdiction not in home:
            by_law.setdefault(exposure.law, []).append(exposure)
    laws = []
    for law_id, items in sorted(by_law.items()):
        worst = min((e.mitigation.value for e in items), key=lambda s: STATE_ORDER[s])
        citation = next((r.citation for r in result.laws if r.id == law_id), "")
        laws.append(
            OptionLaw(
                law=law_id,
                law_name=items[0].law_name,
                citation=citation,
                jurisdiction=items[0].jurisdiction,
                chains=sorted({_chain(e) for e in items}),
                mitigation=worst,
                data_assets=sorted({e.data_asset for e in items}),
            )
        )
    return laws


# Components whose provider sees prompts and outputs: its retention and training matter.
_PROMPT_KINDS = frozenset(
    {ComponentKind.MODEL_API, ComponentKind.INFERENCE_ENDPOINT, ComponentKind.FINE_TUNING}
)


def _ask(vendor: Vendor, words: tuple[str, ...], fallback: str) -> str:
    """The catalogue's due-diligence question on a topic, else a plain one."""
    return next((q for q in vendor.questions if any(w in q.lower() for w in words)), fallback)


def _unstated(inventory: Inventory, kb: KnowledgeIndex) -> tuple[list[str], list[str]]:
    """Retention and training facts neither the option nor the catalogue states (issue 18:
    unknown is never shown as clean): each as "not stated - ask the vendor" with the
    catalogue's question."""
    retention: list[str] = []
    training: list[str] = []
    for system in inventory.systems:
        for comp in system.components:
            vendor = kb.vendors.get(comp.vendor) if comp.vendor else None
            if vendor is None or comp.kind not in _PROMPT_KINDS:
                continue
            defaults = vendor.defaults
            controls = comp.controls
            if (
                controls.retention is None
                and not controls.zero_data_retention
                and (defaults is None or defaults.retention is None)
            ):
                question = _ask(
                    vendor,
                    ("retain", "retention"),
                    "How long are prompts and outputs retained, where, and for what purpose?",
                )
                retention.append(f"{vendor.name}: not stated - ask the vendor: {question}")
            if controls.training_use is None and (
                defaults is None or defaults.training_use is None
            ):
                question = _ask(
                    vendor, ("train",), "Are prompts, outputs or files used to train models?"
                )
                training.append(f"{vendor.name}: not stated - ask the vendor: {question}")
    return retention, training


def _column(
    option: OptionSpec,
    result: AuditResult,
    home: frozenset[str],
    unstated: tuple[list[str], list[str]] = ([], []),
) -> OptionColumn:
    laws = _laws(result, home)
    transfers = sorted(
        {
            f"{t.data_asset} → {t.country_name} ({t.importer_name}): {words(t.conclusion.value)}"
            for t in result.transfers
        }
    )
    transfers_valid = all(
        t.conclusion not in (TransferConclusion.NO_VALID_TOOL, TransferConclusion.UNKNOWN)
        for t in result.transfers
    )
    policy = [f for f in result.findings if f.rule_id.startswith(POLICY_RULES) and not f.waived]
    gaps = sorted({f.condition for f in result.findings if f.rule_id.startswith(GAP_RULES)})
    card = next(c for c in result.scores if c.kind == "system" and c.subject == option.id)
    rows = [r for r in result.inventory_register if r.component != "app"]
    open_weights = [r for r in rows if "(open weights)" in r.model]
    models = [
        r
        for r in rows
        if r.kind in ("model_api", "model_weights", "inference_endpoint", "fine_tuning")
    ]
    retention, training = list(unstated[0]), list(unstated[1])
    # What is not stated is an evidence gap to close with the vendor, as in an audit.
    gaps += [
        f"{text.split(': not stated')[0]} does not state its {topic}"
        for topic, texts in (
            ("retention of prompts and outputs", unstated[0]),
            ("use of the data for training", unstated[1]),
        )
        for text in texts
    ]
    for finding in result.findings:
        if finding.rule_id == "prompt-retention-abroad":
            retention.append(finding.condition)
        if finding.rule_id == "provider-training-use":
            training.append(finding.condition)
    return OptionColumn(
        id=option.id,
        name=option.name,
        description=option.description or "",
        notes=option.notes or "",
        rank=0,
        laws=laws,
        transfers=transfers,
        transfers_valid=transfers_valid,
        policy_pass=not policy,
        policy_breaches=sorted({f.title for f in policy}),
        objectives=card.objectives,
        score=card.score,
        assessed_weight=card.assessed_weight,
        retention=sorted(set(retention)) or ["no retention abroad found"],
        training=sorted(set(training)) or ["no training use found"],
        open_weights=(
            "yes"
            if models and len(open_weights) == len(models)
            else "partly"
            if open_weights
            else "no"
        )
        if models
        else "no model component",
        gaps=gaps,
        findings_by_severity=result.summary.findings_by_severity,
        reasons=[],
    )


def _key(column: OptionColumn, order: int) -> tuple[object, ...]:
    unmitigated = sum(1 for law in column.laws if law.mitigation != "mitigated")
    return (
        not column.policy_pass,
        unmitigated,
        0 if column.transfers_valid else len(column.transfers),
        column.findings_by_severity.get("critical", 0),
        column.findings_by_severity.get("high", 0),
        -(column.score if column.score is not None else -1.0),
        len(column.gaps),
        order,
    )


# How the transfers without a valid tool end (the conclusion in words).
_INVALID_TRANSFER = tuple(
    ": " + words(c.value) for c in (TransferConclusion.NO_VALID_TOOL, TransferConclusion.UNKNOWN)
)

# What is in place against a law, as the end of a reason ("...; nothing in place stops it.").
_MITIGATION_WORDS = {
    "none": "nothing in place stops it",
    "partial": "what is in place only partly stops it",
}


def _reasons(column: OptionColumn, data: str) -> list[str]:
    reasons: list[str] = []
    reaching = [law for law in column.laws if law.mitigation != "mitigated"]
    if not reaching:
        if column.laws:
            reasons.append(
                f"Foreign laws reach only ciphertext of {data}: keys are held outside their reach."
            )
        else:
            reasons.append(
                f"No law of a jurisdiction outside the organisation's area can reach {data} under this option."
            )
    for law in reaching:
        reasons.append(
            f"{law.law_name} ({law.citation}) can reach {', '.join(law.data_assets)} through "
            f"{'; '.join(law.chains)}; {_MITIGATION_WORDS.get(law.mitigation, words(law.mitigation))}."
        )
    if not column.transfers_valid:
        reasons.append(
            "GDPR Chapter V: "
            + "; ".join(t for t in column.transfers if t.endswith(_INVALID_TRANSFER))
            + "."
        )
    if column.policy_pass:
        reasons.append("Passes the organisation's policy.")
    else:
        reasons.append(
            "Fails the organisation's policy: " + "; ".join(column.policy_breaches[:3]) + "."
        )
    if column.open_weights == "yes":
        reasons.append(
            "Open-weights model: no model vendor receives the data, and the weights can be moved."
        )
    score = "not assessed" if column.score is None else f"{column.score:.0f}/100"
    reasons.append(
        f"EU Cloud Sovereignty score {score} over the {column.assessed_weight:.0f} % of weights the inventory supports."
    )
    if column.gaps:
        reasons.append(f"{len(column.gaps)} evidence gap(s) remain to be closed with the vendor.")
    return reasons


def compare(path: Path, rule_dirs: Sequence[Path] = (), today: dt.date | None = None) -> Comparison:
    """Audit every option of an options file and rank them."""
    spec = load_options(path)
    kb = load_knowledge_base(rule_dirs)
    options = AuditOptions(rule_dirs=tuple(rule_dirs), today=today or dt.date.today())
    problems = []
    inventories = []
    for option in spec.options:
        inventory = option_inventory(spec.use_case, option, str(path))
        problems += check_option(inventory) + check_inventory(inventory, kb)
        inventories.append(inventory)
    if problems:
        raise InputError(f"the options file has {len(set(problems))} problem(s)", problems)
    country = spec.use_case.organisation.country
    home = (
        frozenset(c for c in kb.jurisdictions if kb.is_eea(c))
        if kb.is_eea(country)
        else frozenset({country})
    )
    data = ", ".join(d.id for d in spec.use_case.data)
    results: dict[str, AuditResult] = {}
    columns = []
    for option, inventory in zip(spec.options, inventories, strict=True):
        result = audit_inventory(inventory, kb, options)
        results[option.id] = result
        columns.append(_column(option, result, home, _unstated(inventory, kb)))
    order = {c.id: i for i, c in enumerate(columns)}
    ranked = sorted(columns, key=lambda c: _key(c, order[c.id]))
    ranked = [
        c.model_copy(update={"rank": i + 1, "reasons": _reasons(c, data)})
        for i, c in enumerate(ranked)
    ]
    best = ranked[0]
    recommendation = f"{best.name} ranks first: " + " ".join(best.reasons[:2])
    if not best.policy_pass:
        recommendation = "No option passes the organisation's policy. " + recommendation
    first = next(iter(results.values()))
    return Comparison(
        use_case=spec.use_case.name,
        description=spec.use_case.description,
        organisation={"name": spec.use_case.organisation.name, "country": country},
        audit_date=first.audit_date,
        kb_version=first.kb.version,
        data_assets=[d.id for d in spec.use_case.data],
        ranking_rule=RANKING_RULE,
        recommendation=recommendation,
        options=ranked,
        results=results,
    )


def export_inventories(path: Path) -> list[tuple[str, str]]:
    """Each option's inventory as (``<option id>/inventory.yaml``, YAML text) for ``auditor audit``.

    Auditing that folder gives the same findings and scores as the comparison
    shows for the option.
    """
    spec = load_options(path)
    exported = []
    for option in spec.options:
        inventory = option_inventory(spec.use_case, option, str(path))
        header = f"# Option {option.id} of {path}, as `auditor compare` audits it.\n"
        exported.append((f"{option.id}/inventory.yaml", header + dump_inventory(inventory)))
    return exported
