"""The later steps of a transfer impact assessment: measures, procedure, re-evaluation, the
signer's decisions and the empty probability worksheet (EDPB Recommendations 01/2020, steps 4
to 6). Split from :mod:`auditor.audit.tia`, which builds steps 1 to 3 and the document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from auditor.graph.resolve import PlaceKind, ResolvedComponent
from auditor.kb import KnowledgeIndex
from auditor.model.findings import Exposure, MitigationState, Transfer, TransferConclusion
from auditor.model.inventory import KeyCustody
from auditor.model.kb import LawStatus, LocationRole, TransferFramework
from auditor.model.tia import (
    DestinationStep,
    MeasuresStep,
    MeasureStep,
    TransferToolStep,
    Worksheet,
)
from auditor.model.words import country_in_sentence, plain, words

WORKSHEET_PERIODS = ("year 1", "year 2", "year 3", "year 4", "year 5")
WORKSHEET_FACTORS = (
    "a. the authorities open a case for which they want this data",
    "b. they use this law against this party to get it (rather than other means)",
    "c. the party must hand the data over in clear and cannot prevent it",
)


def join_words(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def keys_unknown(transfer: Transfer) -> str:
    """What to say when the inventory does not say who holds the keys to data at rest."""
    return (
        f"not stated in the inventory - ask {transfer.importer_name} who holds the keys to "
        "data at rest"
    )


def measures_step(
    kb: KnowledgeIndex,
    entity_name: Callable[[str], str],
    transfer: Transfer,
    rc: ResolvedComponent,
    exposures: list[Exposure],
    needed: bool,
) -> MeasuresStep:
    controls = rc.component.controls
    in_clear = rc.processes_in_clear
    clear_text = plain(
        (f"yes: {rc.in_clear_reason}" if in_clear else f"no: {rc.in_clear_reason}").rstrip(": ")
    )
    custody = rc.places[LocationRole.KEY_CUSTODY]
    if rc.keys is None:
        keys = keys_unknown(transfer)
    else:
        keys = words(rc.keys.value)
        if rc.key_holder:
            keys += f", held by {entity_name(rc.key_holder)}"
        if custody.kind is not PlaceKind.UNKNOWN:
            keys += f" ({custody.label})"
    secrecy = sorted({kb.laws[e.law].short_name for e in exposures if kb.laws[e.law].secrecy})
    measures: list[MeasureStep] = []
    clear_why = (
        f"{transfer.importer_name} processes the data in clear ({plain(rc.in_clear_reason)}): "
        "what it can read, it can be compelled to hand over, so encryption does not stop "
        "compelled access here (EDPB Recommendations 01/2020, use case 6)"
    )
    if rc.keys is KeyCustody.CUSTOMER_HELD_EXTERNAL:
        measures.append(
            MeasureStep(
                measure="encryption at rest with keys held outside the provider",
                declared=True,
                effective="not effective" if in_clear else "effective",
                why=clear_why
                if in_clear
                else "the importer holds only ciphertext and the keys stay with "
                f"{entity_name(rc.key_holder) if rc.key_holder else 'the exporter'}"
                f" ({custody.label})",
            )
        )
    elif rc.keys in (KeyCustody.PROVIDER_MANAGED, KeyCustody.CUSTOMER_MANAGED_IN_PROVIDER_KMS):
        measures.append(
            MeasureStep(
                measure=f"encryption at rest, {words(rc.keys.value)}",
                declared=True,
                effective="not effective",
                why="the provider can use the keys, so it can be compelled to decrypt",
            )
        )
    if controls.pseudonymised_before:
        measures.append(
            MeasureStep(
                measure="pseudonymisation before transfer",
                declared=True,
                effective="reduces only",
                why="reduces what the importer can attribute to a person, if the additional "
                "information stays with the exporter; whether the data cannot be attributed "
                "without it is for the signer to confirm",
            )
        )
    if controls.confidential_computing:
        measures.append(
            MeasureStep(
                measure="confidential computing (attested trusted execution environment)",
                declared=True,
                effective="reduces only",
                why="reduces the operator's ability to read data in processing; it does not "
                "remove the operator's duty to assist",
            )
        )
    if controls.notification_commitment:
        measures.append(
            MeasureStep(
                measure="contractual commitment to notify and challenge orders",
                declared=True,
                effective="reduces only",
                why="a contract does not bind the authorities"
                + (
                    f"; {join_words(secrecy)} can forbid telling the exporter (gag orders)"
                    if secrecy
                    else ""
                ),
            )
        )
    if controls.zero_data_retention:
        measures.append(
            MeasureStep(
                measure="zero data retention",
                declared=True,
                effective="reduces only",
                why="less stored data to hand over; data in processing stays reachable",
            )
        )
    if in_clear and not measures:
        measures.append(
            MeasureStep(
                measure="none declared",
                declared=False,
                effective="not effective",
                why=clear_why,
            )
        )
    elif not measures:
        measures.append(
            MeasureStep(
                measure="none declared",
                declared=False,
                effective="unknown",
                why="the inventory records no supplementary measure for this component",
            )
        )
    states = sorted({e.mitigation for e in exposures}, key=lambda s: s.value)
    if not exposures:
        engine = (
            "No law in the knowledge base reaches this importer, so the engine rates no mitigation."
        )
    else:
        engine = (
            "The engine rates the laws' reach as "
            + join_words([words(s.value) for s in states])
            + "."
        )
    effective = any(m.effective == "effective" for m in measures)
    tool = transfer.conclusion
    if not needed:
        basis = (
            "it rests on an adequacy decision"
            if tool is TransferConclusion.ADEQUACY
            else "it relies on an Art. 49 derogation"
        )
        conclusion = (
            f"Supplementary measures are not required for this transfer: {basis} (step 2). "
            + engine
        )
    elif effective and all(e.mitigation is MitigationState.MITIGATED for e in exposures):
        conclusion = (
            "A declared measure is effective against compelled access for this processing. "
            + engine
            + " The signer confirms it is implemented as declared."
        )
    else:
        conclusion = (
            "No declared measure makes compelled access ineffective for this processing. " + engine
        )
        if tool in (TransferConclusion.SAFEGUARDS, TransferConclusion.SAFEGUARDS_INCOMPLETE):
            conclusion += (
                " Without an effective measure the EDPB expects the transfer not to start, or "
                "to be suspended or ended, unless the signer finds the law does not impinge on "
                "the tool in practice (step 3)."
            )
    # Measures supplement a transfer tool; they never stand in for one (GDPR Art. 44, 46).
    if tool is TransferConclusion.NO_VALID_TOOL:
        conclusion += (
            " No transfer tool is in place (step 2): under GDPR Art. 44 the transfer may not "
            "take place until one is (Art. 46) or an Art. 49 derogation applies; measures "
            "supplement a tool and cannot replace it."
        )
    elif tool is TransferConclusion.UNKNOWN:
        conclusion += (
            " Where the data goes is not known (step 2): find the destinations first; until "
            "then the transfer cannot be shown to meet GDPR Chapter V."
        )
    return MeasuresStep(
        processes_in_clear=clear_text, keys=keys, measures=measures, conclusion=conclusion
    )


def procedural_steps(transfer: Transfer) -> list[str]:
    steps: list[str] = []
    conclusion = transfer.conclusion
    module = transfer.scc_module or "the module the parties' roles call for"
    if conclusion is TransferConclusion.UNKNOWN:
        steps.append(
            "Find out where the data is stored and processed (ask the supplier for the "
            "region or deployment option) and run the assessment again."
        )
    if "sccs" in transfer.tools:
        steps.append(
            f"Keep the standard contractual clauses (Decision (EU) 2021/914, {module}) signed "
            f"with {transfer.importer_name}, with the supplementary measures in their annexes; "
            "check that no added clause contradicts them (if one does, consult the "
            "supervisory authority)."
        )
    elif conclusion in (
        TransferConclusion.NO_VALID_TOOL,
        TransferConclusion.SAFEGUARDS_INCOMPLETE,
    ):
        steps.append(
            f"Put a transfer tool in place before the transfer continues: the standard "
            f"contractual clauses (Decision (EU) 2021/914, {module}) with "
            f"{transfer.importer_name}, or stop the transfer."
        )
    if "bcrs" in transfer.tools:
        steps.append(
            "Check the importer's binding corporate rules are approved and cover this data "
            "and this destination."
        )
    if conclusion is TransferConclusion.ADEQUACY:
        steps.append(
            f"Check that {transfer.importer_name} is covered by the adequacy decision relied "
            f"on ({transfer.adequacy or 'see step 2'}) and keep the evidence."
        )
        # The Data Privacy Framework certifies US organisations, for transfers to the US only.
        if transfer.country == "US":
            steps.append(
                f"Check {transfer.importer_name}'s certification on the Data Privacy "
                "Framework list and keep a dated copy."
            )
    if conclusion is TransferConclusion.DEROGATION:
        steps.append(
            "Record which Art. 49 derogation applies, why the transfer is occasional, and "
            "inform the data subjects as that derogation requires."
        )
    steps.append(
        "Record this assessment, its sign-off and its re-evaluation date in the transfer "
        "register (auditor audit --transfers-csv) and with the records of processing."
    )
    return steps


def re_evaluation_triggers(
    transfer: Transfer, step3: DestinationStep, frameworks: Sequence[TransferFramework]
) -> list[str]:
    triggers = [
        f"{transfer.importer_name} changes its sub-processors, its ownership, or where it "
        "stores, processes or supports the data.",
        "The inventory changes this component's place, keys, controls or transfer tools "
        "(run auditor tia again and compare).",
    ]
    flux = [law.short_name for law in step3.laws if law.status != LawStatus.IN_FORCE.words]
    if flux:
        triggers.append(
            f"The status of {join_words(flux)} changes (not simply in force on the knowledge "
            "base's date)."
        )
    if transfer.conclusion is TransferConclusion.ADEQUACY:
        triggers.append(
            f"The adequacy decision for {country_in_sentence(transfer.country_name)} is amended, suspended or "
            "repealed, or reaches the end of its validity (step 2)."
        )
    for framework in frameworks:
        if framework.challenges and transfer.country == framework.jurisdiction:
            triggers.append(
                f"A court or the Commission decides on the pending challenges to the "
                f"{framework.name} (step 2)."
            )
    triggers.append(
        "A law of the destination, or the practice of its authorities, changes; or the "
        "knowledge base's facts used here become older than the organisation's policy allows."
    )
    return triggers


def signer_decisions(
    re_evaluation: dt.date,
    transfer: Transfer,
    step2: TransferToolStep,
    unknowns: list[str],
    worksheet: bool,
) -> list[str]:
    country = transfer.country_name
    items = []
    if unknowns:
        items.append(
            "The answers to the open questions listed above: until they are answered the "
            "assessment is incomplete."
        )
    if transfer.conclusion is TransferConclusion.NO_VALID_TOOL:
        items.append(
            "Which transfer tool to put in place before the transfer continues (step 5), or "
            f"whether to stop it; and, for that tool, whether the law and practice of {country} "
            "would impinge on its effectiveness (step 3). This tool lists the laws; it does not "
            "judge how the authorities apply them."
        )
    elif transfer.conclusion is TransferConclusion.UNKNOWN:
        items.append(
            "Where the data goes (step 1); then, for each destination outside the EEA, "
            "whether the law and practice there impinge on the effectiveness of the transfer "
            "tool (step 3). This tool lists the laws; it does not judge how the authorities "
            "apply them."
        )
    elif step2.assessment_needed:
        items.append(
            f"Whether the law and practice of {country} impinge on the effectiveness of the "
            "transfer tool for this transfer (step 3). This tool lists the laws; it does not "
            "judge how the authorities apply them."
        )
    elif transfer.conclusion is TransferConclusion.ADEQUACY:
        items.append(
            "Whether the adequacy decision relied on covers this importer and this data "
            "(step 2), and whether to assess steps 3 and 4 all the same."
        )
    else:
        items.append(
            "Whether the Art. 49 derogation relied on applies: which one, and why the "
            "transfer is occasional and not repetitive (step 2)."
        )
    if step2.assessment_needed:
        items.append(
            "Whether the supplementary measures are sufficient, and which to add if not (step 4)."
        )
    if worksheet:
        items.append(
            "The estimates in the probability worksheet, and the level of residual "
            "probability the organisation accepts."
        )
    items.append(
        "The decision: start or continue the transfer, continue it with further measures, "
        "or suspend or end it."
    )
    items.append(
        f"The re-evaluation date (pre-filled as {re_evaluation.isoformat()}, one year "
        "after the audit unless set) and who re-evaluates."
    )
    return items


def worksheet_for(step3: DestinationStep) -> Worksheet:
    scenarios = []
    for law in step3.laws:
        for reach in law.reach:
            scenarios.append(
                f"{law.short_name} ({law.citation}): an order to {reach.party} "
                f"({reach.party_role}; {reach.trigger})"
            )
    scenarios.append("an access the knowledge base does not record (enter it, or leave empty)")
    rows = len(scenarios) * len(WORKSHEET_FACTORS)
    return Worksheet(
        method=(
            "In the style of David Rosenthal's published Transfer Impact Assessment method "
            "(an Excel workbook): for each scenario of foreign lawful access and each period, "
            "the signer estimates the probability of each factor. This tool enters no number: "
            "every field below is empty for the signer to fill in, with the reasoning for each."
        ),
        formula=[
            "p(scenario, period) = a x b x c (each factor a probability between 0 and 1, "
            "for the period).",
            "p(period) = 1 - the product over the scenarios of (1 - p(scenario, period)): "
            "the probability that at least one scenario happens in the period.",
            "p(assessment period) = 1 - the product over the periods of (1 - p(period)).",
            "The organisation sets beforehand which residual probability it accepts; the "
            "result supports the decision in step 4, it does not replace it.",
        ],
        periods=list(WORKSHEET_PERIODS),
        scenarios=scenarios,
        factors=list(WORKSHEET_FACTORS),
        cells=[[None] * len(WORKSHEET_PERIODS) for _ in range(rows)],
    )
