"""The report's words for people: display names before ids, codes as words, top root causes.

Issue 18: a compliance officer reads "AML alert assistant, Azure OpenAI in Microsoft Foundry",
not ``aml-alert-assistant/llm``; "not mitigated", not ``none``; and the top exposures are the
distinct root causes (one system, component and foreign jurisdiction each) ranked by the harm
they do, not the first rows of a list sorted by data asset.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.model.findings import (
    AuditResult,
    Exposure,
    Finding,
    MitigationState,
    RegisterRow,
    TransferConclusion,
)
from auditor.model.policy import SEVERITY_RANK, Severity
from auditor.model.words import (
    MAY_HANDLE_WORDS,
    RAW_CODES,
    code_tokens,
    country_in_sentence,
    generic,
    generic_title,
    join_words,
    plain,
    trigger_words_of,
    words,
)
from auditor.report.report_views import RemediationItem

__all__ = [
    "RAW_CODES",
    "Names",
    "RootCause",
    "code_tokens",
    "country_in_sentence",
    "decision_key",
    "decision_subject",
    "decision_text",
    "generic",
    "generic_title",
    "join_words",
    "key_actions",
    "plain",
    "top_root_causes",
    "words",
]


def component_label(row: RegisterRow, organisation: str) -> str:
    """A component as a person names it: the third party's product and model, else its kind.

    "Azure OpenAI in Microsoft Foundry (gpt-4.1)"; "database (tm-system)" for the
    organisation's own.
    """
    if row.supplier and row.supplier != organisation:
        return f"{row.supplier} ({row.model})" if row.model else row.supplier
    if row.model:
        return f"{row.model} ({words(row.kind)})"
    return f"{words(row.kind)} ({row.component})"


def _told_apart(names: dict[str, str]) -> dict[str, str]:
    """Display names by id, a name that several ids share followed by the id: two systems
    both called "Care guidelines assistant" are two decisions in the plan, not one name
    twice (issue 18)."""
    seen = Counter(names.values())
    return {
        ident: f"{name} ({ident})" if seen[name] > 1 and name != ident else name
        for ident, name in names.items()
    }


def _fact_names(result: AuditResult) -> dict[str, str]:
    """Knowledge-base fact subjects by display name: the laws the audit relied on, and every
    subject a finding names ("entity microsoft-ireland-operations" -> "entity Microsoft
    Ireland Operations Limited")."""
    facts = {f"law {law.id}": f"law {law.short_name}" for law in result.laws}
    for finding in result.findings:
        fact, name = finding.subject.get("fact"), finding.subject_names.get("fact")
        if fact and name and fact not in facts and len(fact.split()) == 2:
            facts[fact] = name.removeprefix("the ")
    return facts


@dataclass(frozen=True)
class Names:
    """Display names of systems and components, from the inventory register."""

    systems: dict[str, str]
    components: dict[tuple[str, str], str]
    third_party: frozenset[tuple[str, str]]
    # Scored subjects by id: systems and catalogue vendors ("Azure OpenAI in Microsoft
    # Foundry" for ``azure-openai``), for the SEAL findings, their owners and the plan.
    subjects: dict[str, str] = dataclasses.field(default_factory=dict)
    # Knowledge-base facts by subject ("law us-cloud-act" -> "law US CLOUD Act"), for the
    # plan's decisions to have facts checked again.
    facts: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, result: AuditResult) -> Names:
        organisation = result.organisation.get("name", "")
        labels = {
            (r.system, r.component): component_label(r, organisation)
            for r in result.inventory_register
        }
        # Two components of one system with the same product and model (a fine-tuning job
        # and the endpoint serving its result) are told apart by their kind, then their id.
        kinds = {(r.system, r.component): r.kind for r in result.inventory_register}
        for suffix in (lambda key: words(kinds[key]), lambda key: key[1]):
            seen = Counter((key[0], label) for key, label in labels.items())
            for key, label in list(labels.items()):
                if seen[key[0], label] > 1:
                    labels[key] = f"{label}, {suffix(key)}"
        systems = _told_apart(
            {r.system: r.system_name or r.system for r in result.inventory_register}
        )
        return cls(
            systems=systems,
            components=labels,
            third_party=frozenset(
                (r.system, r.component)
                for r in result.inventory_register
                if r.supplier and r.supplier != organisation
            ),
            subjects=_told_apart(
                {card.subject: card.name for card in result.scores if card.name} | systems
            ),
            facts=_fact_names(result),
        )

    def system(self, system: str) -> str:
        return self.systems.get(system, system)

    def subject(self, subject: str) -> str:
        """A system's or a scored provider's display name, else the id."""
        return self.systems.get(subject) or self.subjects.get(subject, subject)

    def component(self, system: str, component: str) -> str:
        return self.components.get((system, component), component)

    def is_third_party(self, system: str, component: str) -> bool:
        """Whether a supplier other than the organisation provides the component."""
        return (system, component) in self.third_party


@dataclass(frozen=True)
class RootCause:
    """One top exposure: a foreign jurisdiction reaching a system's component, in words."""

    system: str
    system_name: str
    component: str
    component_name: str
    severity: str  # of the most severe open finding on it; "" when no check reports it
    data_text: str  # "Customer complaint texts and ... (personal data)"
    laws_text: str
    party_text: str  # "the model provider Hangzhou DeepSeek ... is incorporated in or ..."
    jurisdiction_name: str
    mitigation_text: str
    aggravations: tuple[str, ...]
    confidence: str


def _jurisdiction_name(exposure: Exposure) -> str:
    hop = next((h.node for h in exposure.path if h.kind == "jurisdiction"), None)
    return hop or exposure.jurisdiction


def _data_name(exposure: Exposure) -> str:
    return next((h.node for h in exposure.path if h.kind == "data"), exposure.data_asset)


def top_root_causes(result: AuditResult, names: Names, limit: int) -> tuple[RootCause, ...]:
    """The ``limit`` worst distinct root causes among the open exposures.

    A root cause is one (system, component, jurisdiction): the laws of one country reaching
    one component are one cause, however many laws and data assets. Ranked by harm: the
    most severe open finding on that cause (its laws' exposure checks and any transfer of
    the component's data to that country), then how many harms add up (data transferred
    there without a valid tool, data located there, no mitigation at all), then the most
    sensitive data, then ids for a stable order.
    """
    causes: dict[tuple[str, str, str], list[Exposure]] = {}
    for e in result.exposures:
        if e.mitigation is not MitigationState.MITIGATED:
            causes.setdefault((e.system, e.component, e.jurisdiction), []).append(e)
    if not causes:
        return ()
    worst: dict[tuple[str, str, str], Severity] = {}
    law_country = {e.law: e.jurisdiction for e in result.exposures}
    for f in result.findings:
        if f.waived:
            continue
        system, component = f.subject.get("system"), f.subject.get("component")
        country = law_country.get(f.law or "") or f.subject.get("country")
        if system and component and country:
            key = (system, component, country)
            if key in causes and (
                key not in worst or SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst[key]]
            ):
                worst[key] = f.severity
    unlawful = {
        (t.system, t.component, t.country)
        for t in result.transfers
        if t.conclusion is TransferConclusion.NO_VALID_TOOL
    }
    located = {(t.system, t.component, t.country) for t in result.transfers} | {
        (e.system, e.component, e.jurisdiction)
        for e in result.exposures
        if e.trigger == "territorial"
    }

    def harm(key: tuple[str, str, str]) -> tuple[int, int, int, tuple[str, str, str]]:
        members = causes[key]
        severity = SEVERITY_RANK.get(worst.get(key, Severity.INFO), 0)
        harms = (
            (key in unlawful)
            + (key in located)
            + any(e.mitigation is MitigationState.NONE for e in members)
        )
        return -severity, -harms, -max(e.sensitivity.rank for e in members), key

    chosen = sorted(causes, key=harm)[:limit]
    return tuple(
        _root_cause(key, causes[key], worst.get(key), key in unlawful, key in located, names)
        for key in chosen
    )


def _root_cause(
    key: tuple[str, str, str],
    members: Sequence[Exposure],
    severity: Severity | None,
    unlawful: bool,
    located: bool,
    names: Names,
) -> RootCause:
    system, component, _ = key
    first = max(members, key=lambda e: (e.sensitivity.rank, e.mitigation is MitigationState.NONE))
    country = _jurisdiction_name(first)
    by_sensitivity: dict[str, list[str]] = {}
    for e in sorted(members, key=lambda e: (-e.sensitivity.rank, e.data_asset)):
        data = by_sensitivity.setdefault(words(e.sensitivity.value), [])
        if _data_name(e) not in data:
            data.append(_data_name(e))
    data_text = "; ".join(f"{join_words(d)} ({s} data)" for s, d in by_sensitivity.items())
    laws = list(dict.fromkeys(e.law_name for e in sorted(members, key=lambda e: e.law)))
    reason = first.mitigation_reasons[0] if first.mitigation_reasons else ""
    mitigation = words(first.mitigation.value)
    aggravations = []
    if unlawful:
        aggravations.append(
            f"the data is transferred to {country_in_sentence(country)} without a valid "
            "transfer tool"
        )
    elif located:
        territorial = [e for e in members if e.trigger == "territorial"]
        maybe = bool(territorial) and all(e.possibly_there for e in territorial)
        aggravations.append(
            f"the data {'may be' if maybe else 'is'} stored or processed in "
            f"{country_in_sentence(country)}"
        )
    return RootCause(
        system=system,
        system_name=names.system(system),
        component=component,
        component_name=names.component(system, component),
        severity=severity.value if severity else "",
        data_text=data_text,
        laws_text=join_words(laws),
        party_text=(
            f"the {words(first.party_role)} {first.party_name} "
            + (MAY_HANDLE_WORDS if first.possibly_there else trigger_words_of(first.trigger).party)
            + f" {country_in_sentence(country)}"
        ),
        jurisdiction_name=country,
        mitigation_text=f"{mitigation} ({reason})" if reason else mitigation,
        aggravations=tuple(aggravations),
        confidence=min((e.confidence for e in members), key=_confidence_rank),
    )


def _confidence_rank(confidence: str) -> int:
    return {"unconfirmed": 0, "secondary": 1, "confirmed": 2}.get(confidence, 0)


# ---------------------------------------------------------------- remediation as decisions


def decision_key(finding: Finding) -> tuple[str, ...]:
    """What one management decision is about: a system's component, a system, a vendor's or
    entity's knowledge-base facts, a scored provider; else the rule's own remediation.

    Every finding on one component is closed by one decision about that component, whatever
    rule found it (issue 18: the plan must not split one action by rule).
    """
    subject = finding.subject
    system, component = subject.get("system"), subject.get("component")
    if system and component:
        return ("component", system, component)
    if system:
        return ("system", system)
    if "fact" in subject:
        return ("fact", " ".join(subject["fact"].split()[:2]))
    if "subject" in subject:
        return ("subject", subject["subject"])
    return ("rule", finding.remediation)


def _sentence(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def decision_text(
    key: tuple[str, ...], findings: Sequence[Finding], names: Names
) -> tuple[str, str]:
    """The decision in words, naming the system and component, and how (from the check).

    ``findings`` are the open findings it closes, most severe first.
    """
    worst = findings[0]
    if key[0] == "component":
        system, component = key[1], key[2]
        system_name, component_name = names.system(system), names.component(system, component)
        reached = [f for f in findings if f.law]
        located = [f for f in findings if "country" in f.subject or "role" in f.subject]
        if reached:
            lead = (
                f"Replace {component_name} in the {system_name}"
                if names.is_third_party(system, component)
                else f"Move the {system_name} {component_name} out of foreign reach"
            )
            how = reached[0].remediation
        elif located:
            lead = f"Keep the data of the {system_name} {component_name} where it is allowed to be"
            how = located[0].remediation
        elif all("kind" in f.subject for f in findings):
            lead = f"Establish where the {system_name} {component_name} runs and who controls it"
            how = worst.remediation
        else:
            lead = f"Change the terms or set-up of the {system_name} {component_name}"
            how = worst.remediation
        return lead, _sentence(how)
    how = _sentence(worst.remediation)
    if key[0] == "system":
        return f"Change the {names.system(key[1])}", how
    if key[0] == "fact":
        return (
            f"Have the knowledge base's facts on {fact_subject(key[1], names)} checked again",
            how,
        )
    if key[0] == "subject":
        return f"Raise the sovereignty level of {names.subject(key[1])}", how
    return worst.remediation.rstrip("."), ""


def fact_subject(fact: str, names: Names) -> str:
    """A knowledge-base fact's subject ("vendor azure-openai") by display name ("vendor Azure
    OpenAI in Microsoft Foundry", "law US CLOUD Act"); a subject without one as it is."""
    kind, _, ident = fact.partition(" ")
    if kind == "vendor" and ident in names.subjects:
        return f"{kind} {names.subjects[ident]}"
    return names.facts.get(fact, fact)


def decision_subject(key: tuple[str, ...], names: Names) -> str:
    """The system (or vendor, fact, provider) a decision is about, for the plan's table."""
    if key[0] in ("component", "system", "subject"):
        return names.subject(key[1])
    if key[0] == "fact":
        return fact_subject(key[1], names)
    return key[1] if key[0] != "rule" else ""


def key_actions(plan: Sequence[RemediationItem]) -> list[RemediationItem]:
    """The top of the plan for page 1: its critical and high decisions, three to five of them
    (fewer only when the plan is shorter)."""
    urgent = [item for item in plan if item.severity in ("critical", "high")]
    return list(plan[: max(3, min(5, len(urgent)))])
