"""Transfer impact assessments, pre-filled from the audit (issue 21, ``auditor tia``).

One assessment per GDPR Chapter V transfer the engine found, in the six steps of the EDPB's
Recommendations 01/2020 (version 2.0, 18 June 2021): (1) know your transfer, (2) the
transfer tool, (3) the destination's law (and practice), (4) supplementary measures,
(5) procedural steps, (6) re-evaluation. The facts come from the inventory, the knowledge
base and the engine's exposures; what only people can judge is listed for the signer and
left empty. Unknown stays unknown: "not stated in the inventory - ask ...", never clean.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from auditor import __version__
from auditor.audit.core import AuditOptions, audit_inventory, load_checked_inventory
from auditor.errors import Diagnostic, UsageError
from auditor.graph import ResidencyGraph, build_graph
from auditor.graph.resolve import PlaceKind, ResolvedComponent
from auditor.kb import KnowledgeIndex
from auditor.model.findings import (
    AuditResult,
    Exposure,
    MitigationState,
    Sensitivity,
    Transfer,
    TransferConclusion,
)
from auditor.model.inventory import DataAsset, Inventory, KeyCustody
from auditor.model.kb import Law, LawStatus, LocationRole, TransferFramework
from auditor.model.tia import (
    EDPB_RECOMMENDATIONS,
    EDPB_RECOMMENDATIONS_URL,
    DestinationStep,
    FrameworkStatus,
    KnowYourTransfer,
    LawStep,
    MeasuresStep,
    MeasureStep,
    OnwardTransfer,
    Party,
    Place,
    Reach,
    TransferAssessment,
    TransferAssessments,
    TransferToolStep,
    Worksheet,
    transfer_ids,
)
from auditor.model.words import plain, words

# The roles in the order a reader follows them: where the data lies, where it is worked on,
# who administers and supports it, and where its keys are.
_PLACE_ROLES = (
    LocationRole.STORAGE,
    LocationRole.PROCESSING,
    LocationRole.BACKUP,
    LocationRole.ADMIN,
    LocationRole.SUPPORT,
    LocationRole.TELEMETRY,
    LocationRole.KEY_CUSTODY,
)
_PARTY_ROLE_WORDS = {
    "operator": "operator of the component (processor)",
    "hosting": "hosting provider under the component",
    "model_provider": "provider of the model",
    "subprocessor": "sub-processor",
    "support": "support provider with access to the data",
}
# Conclusions for which steps 3 and 4 are the point of the assessment (EDPB step 3 is for
# transfers on an Art. 46 tool; without a valid tool the same facts show what one must cover).
_NEEDS_ASSESSMENT = (
    TransferConclusion.SAFEGUARDS,
    TransferConclusion.SAFEGUARDS_INCOMPLETE,
    TransferConclusion.NO_VALID_TOOL,
    TransferConclusion.UNKNOWN,
)
WORKSHEET_PERIODS = ("year 1", "year 2", "year 3", "year 4", "year 5")
WORKSHEET_FACTORS = (
    "a. the authorities open a case for which they want this data",
    "b. they use this law against this party to get it (rather than other means)",
    "c. the party must hand the data over in clear and cannot prevent it",
)


@dataclass(frozen=True)
class TiaOptions:
    """What ``auditor tia`` asks besides the audit options."""

    transfer_id: str | None = None
    re_evaluation: dt.date | None = None  # default: one year after the audit date
    worksheet: bool = False


def transfer_assessments(
    paths: Sequence[Path], options: AuditOptions | None = None, tia: TiaOptions | None = None
) -> TransferAssessments:
    """Audit the inventory and pre-fill one assessment per transfer (or the one named).

    An unknown ``tia.transfer_id`` is a usage error that lists the ids there are.
    """
    options = options or AuditOptions()
    tia = tia or TiaOptions()
    options = replace(options, today=options.today or dt.date.today())
    inventory, kb = load_checked_inventory(paths, options.rule_dirs, limits=options.limits)
    result = audit_inventory(inventory, kb, options)
    graph = build_graph(inventory, kb)
    ids = transfer_ids(result.transfers)
    if tia.transfer_id is not None and tia.transfer_id not in ids:
        known = sorted(set(ids))
        hint = (
            "use one of: " + ", ".join(known)
            if known
            else "this inventory has no transfer outside the EEA"
        )
        raise UsageError(
            f"no transfer with the id {tia.transfer_id!r}",
            [Diagnostic("--transfer", None, None, f"unknown transfer {tia.transfer_id!r}", hint)],
        )
    assert options.today is not None
    audit_date = options.today
    re_evaluation = tia.re_evaluation or _one_year_after(audit_date)
    builder = _Builder(inventory, kb, result, graph, re_evaluation, tia.worksheet)
    assessments = [
        builder.assessment(transfer, ident)
        for transfer, ident in sorted(zip(result.transfers, ids, strict=True), key=lambda p: p[1])
        if tia.transfer_id is None or ident == tia.transfer_id
    ]
    return TransferAssessments(assessments=assessments)


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def snapshot_of(result: AuditResult) -> str:
    """SHA-256 over the sorted SHA-256 of the input files (as the audit report prints it)."""
    joined = "\n".join(sorted(i.sha256 for i in result.inputs))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()


def step1_keys_unknown(transfer: Transfer) -> str:
    """What to say when the inventory does not say who holds the keys to data at rest."""
    return (
        f"not stated in the inventory - ask {transfer.importer_name} who holds the keys to "
        "data at rest"
    )


def _category_words(key: str) -> str:
    """``user.health_and_medical`` -> "health and medical (user.health_and_medical)"."""
    return f"{key.rsplit('.', 1)[-1].replace('_', ' ')} ({key})"


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class _Builder:
    """Builds assessments from one audit; look-ups are shared across transfers."""

    def __init__(
        self,
        inventory: Inventory,
        kb: KnowledgeIndex,
        result: AuditResult,
        graph: ResidencyGraph,
        re_evaluation: dt.date,
        worksheet: bool,
    ) -> None:
        self.inventory = inventory
        self.kb = kb
        self.result = result
        self.graph = graph
        self.re_evaluation = re_evaluation
        self.worksheet = worksheet
        self.assets: dict[str, DataAsset] = {a.id: a for a in inventory.data}
        self.snapshot = snapshot_of(result)
        self.frameworks: dict[str, TransferFramework] = {f.id: f for f in kb.kb.transfer_frameworks}

    # ------------------------------------------------------------------ helpers

    def entity_name(self, ident: str) -> str:
        entity = self.graph.entities.get(ident)
        return entity.name if entity else ident

    def entity_country(self, ident: str) -> str | None:
        entity = self.graph.entities.get(ident)
        return entity.country if entity else None

    def country_words(self, code: str | None, ask: str) -> str:
        if code is None:
            return f"not stated in the inventory - ask {ask}"
        if code == "global":
            return "anywhere (global)"
        if code == "unknown":
            return "an unknown location"
        return f"{self.kb.country_name(code)} ({code})"

    def organisation(self) -> tuple[str, str]:
        org = self.inventory.organisation
        return org.name, org.country

    # ------------------------------------------------------------------ the document

    def assessment(self, transfer: Transfer, ident: str) -> TransferAssessment:
        rc = self.graph.components[f"{transfer.system}/{transfer.component}"]
        exposures = sorted(
            (
                e
                for e in self.result.exposures
                if e.system == transfer.system
                and e.component == transfer.component
                and e.data_asset == transfer.data_asset
                # A law that reaches through another country's territory belongs to the
                # transfer to that country; a law that reaches the parties through their
                # seat or owners belongs to every transfer of theirs.
                and (
                    transfer.country in ("global", "unknown")
                    or e.jurisdiction == transfer.country
                    or e.trigger != "territorial"
                )
            ),
            key=lambda e: (e.jurisdiction != transfer.country, e.law, e.party, e.trigger),
        )
        step1 = self.step1(transfer, rc)
        step2 = self.step2(transfer)
        step3 = self.step3(transfer, exposures)
        step4 = self.step4(transfer, rc, exposures, step2.assessment_needed)
        name, country = self.organisation()
        unknowns = self.unknowns(transfer, rc, step1, step3, exposures)
        worksheet = self.make_worksheet(step3) if self.worksheet else None
        return TransferAssessment(
            id=ident,
            title=(
                f"{step1.data_asset_name} to {transfer.importer_name} in {transfer.country_name}"
            ),
            organisation=name,
            organisation_country=country,
            audit_date=self.result.audit_date,
            re_evaluation_date=self.re_evaluation.isoformat(),
            tool=self.result.tool.get("name", "residency-auditor"),
            tool_version=self.result.tool.get("version", __version__),
            kb_version=self.result.kb.version,
            kb_as_of=self.result.kb.as_of,
            snapshot=self.snapshot,
            audit_report_id="RA-" + self.snapshot[:10],
            method=EDPB_RECOMMENDATIONS,
            method_url=EDPB_RECOMMENDATIONS_URL,
            step1=step1,
            step2=step2,
            step3=step3,
            step4=step4,
            step5=self.step5(transfer),
            step6=self.step6(transfer, step3),
            unknowns=unknowns,
            decisions=self.decisions(transfer, step2, unknowns, worksheet is not None),
            worksheet=worksheet,
        )

    def step1(self, transfer: Transfer, rc: ResolvedComponent) -> KnowYourTransfer:
        asset = self.assets[transfer.data_asset]
        system, component = rc.system, rc.component
        owner = system.owner or "the owner of the system"
        sensitivity = self.kb.taxonomy.sensitivity(asset)
        flow_purposes = sorted(
            {
                flow.purpose
                for flow in system.flows
                if flow.purpose
                and transfer.data_asset in flow.data
                and flow.target in (component.id, f"{system.id}/{component.id}")
            }
        )
        org_name, org_country = self.organisation()
        exporter_is_org = transfer.exporter in (self.inventory.organisation.entity, org_name)
        exporter_country = (
            org_country if exporter_is_org else self.entity_country(transfer.exporter)
        )
        exporter = Party(
            id=transfer.exporter,
            name=transfer.exporter_name or transfer.exporter,
            country=self.country_words(exporter_country, f"{transfer.exporter_name}"),
            role="controller (the organisation)"
            if exporter_is_org
            else "processor of the organisation, which engaged the importer",
        )
        importer_roles = sorted(
            {
                _PARTY_ROLE_WORDS.get(p.role, words(p.role))
                for p in rc.parties
                if p.entity == transfer.importer
            }
        )
        importer = Party(
            id=transfer.importer,
            name=transfer.importer_name,
            country=self.country_words(
                self.entity_country(transfer.importer) if transfer.importer != "unknown" else None,
                f"the supplier of {component.name or component.id}",
            ),
            role=_join(importer_roles)
            or "not stated in the inventory - ask the system owner who runs the component",
        )
        places = []
        for role in _PLACE_ROLES:
            place = rc.places[role]
            if place.kind is PlaceKind.UNKNOWN and role not in (
                LocationRole.STORAGE,
                LocationRole.PROCESSING,
            ):
                continue  # only where data is kept or handled is an unknown place a gap
            if place.kind is PlaceKind.UNKNOWN:
                outside = "not known"
            elif place.kind is PlaceKind.GLOBAL:
                outside = "possibly (anywhere)"
            else:
                abroad = sorted(c for c in place.countries if not self.kb.is_eea(c))
                if not abroad:
                    outside = "no"
                elif len(abroad) == len(place.countries):
                    outside = "yes"
                else:  # a zone reaching beyond the EEA: the data may or may not leave it
                    names = _join([self.kb.country_name(c) for c in abroad])
                    outside = f"possibly: the place includes {names}"
            label = place.label
            if place.kind is PlaceKind.COUNTRY and place.country is not None:
                label = self.country_words(place.country, owner)
                if place.label not in (place.country, ""):
                    label += f": {place.label}"
            if place.kind is PlaceKind.UNKNOWN:
                label = f"not stated in the inventory - ask {owner} or the supplier"
            places.append(Place(role=_ROLE_WORDS[role], place=label, outside_eea=outside))
        onward = self.onward(transfer, rc)
        return KnowYourTransfer(
            data_asset=asset.id,
            data_asset_name=asset.name or asset.id,
            description=asset.description or "",
            categories=[_category_words(c) for c in asset.categories],
            special_categories=sensitivity is Sensitivity.SPECIAL_CATEGORY,
            sensitivity=words(sensitivity.value),
            classification=asset.classification.value,
            subjects=", ".join(asset.subjects)
            if asset.subjects
            else f"not stated in the inventory - ask {owner} whose data {asset.name or asset.id} holds",
            volume=asset.volume or f"not stated in the inventory - ask {owner} for the volume",
            system=system.id,
            system_name=system.name or system.id,
            purpose=system.purpose,
            component=component.id,
            component_name=component.name or component.id,
            component_kind=words(rc.kind.value),
            flow_purposes=flow_purposes,
            exporter=exporter,
            importer=importer,
            destination=transfer.country_name,
            places=places,
            onward=onward,
            onward_note=(
                f"Only what the inventory and the knowledge base record. Ask "
                f"{transfer.importer_name} for its current list of sub-processors, where each "
                "of them handles the data, and which of them can reach it in clear."
            ),
        )

    def onward(self, transfer: Transfer, rc: ResolvedComponent) -> list[OnwardTransfer]:
        """The other parties at the importer's component, and other components abroad that
        the same data reaches in the same system."""
        org = self.inventory.organisation.entity
        rows: list[OnwardTransfer] = []
        seen: set[tuple[str, str]] = set()
        for party in sorted(rc.parties, key=lambda p: (p.role, p.entity)):
            if party.entity in (transfer.importer, org) or (party.entity, party.role) in seen:
                continue
            seen.add((party.entity, party.role))
            country = self.entity_country(party.entity)
            rows.append(
                OnwardTransfer(
                    party=self.entity_name(party.entity),
                    party_id=party.entity,
                    role=_PARTY_ROLE_WORDS.get(party.role, words(party.role)),
                    country=self.country_words(
                        country, f"{transfer.importer_name} where it is seated"
                    )
                    + " (seat)",
                    note=plain(party.reason),
                )
            )
        for other in self.result.transfers:
            if (
                other.system == transfer.system
                and other.data_asset == transfer.data_asset
                and other.component != transfer.component
            ):
                key = (other.importer, other.component)
                if key in seen:
                    continue
                seen.add(key)
                rows.append(
                    OnwardTransfer(
                        party=other.importer_name,
                        party_id=other.importer,
                        role=f"importer at the component {other.component} of the same system",
                        country=other.country_name + f" ({other.role})",
                        note="a transfer of its own, with its own assessment",
                    )
                )
        return rows

    def step2(self, transfer: Transfer) -> TransferToolStep:
        frameworks = []
        wanted = []
        if "sccs" in transfer.tools or transfer.conclusion in (
            TransferConclusion.NO_VALID_TOOL,
            TransferConclusion.SAFEGUARDS_INCOMPLETE,
        ):
            wanted.append("eu-sccs-2021")
        if transfer.country == "US" or "dpf" in transfer.tools:
            wanted.append("eu-us-dpf")
        for ident in wanted:
            framework = self.frameworks.get(ident)
            if framework is None:
                continue
            frameworks.append(
                FrameworkStatus(
                    name=framework.name,
                    status=framework.status,
                    challenges=list(framework.challenges),
                    as_of=framework.provenance.as_of.isoformat(),
                    confidence=framework.provenance.confidence.value,
                    sources=list(framework.provenance.source),
                )
            )
        needed = transfer.conclusion in _NEEDS_ASSESSMENT
        if transfer.conclusion is TransferConclusion.ADEQUACY:
            note = (
                "The transfer rests on an adequacy decision (GDPR Art. 45): the EDPB's steps 3 "
                "and 4 are not required for it. They are filled in below for information, and "
                "become necessary if the decision lapses or does not cover the importer."
            )
        elif transfer.conclusion is TransferConclusion.DEROGATION:
            note = (
                "The transfer relies on an Art. 49 derogation: only for occasional, "
                "non-repetitive transfers. Record which derogation applies and why."
            )
        elif transfer.conclusion is TransferConclusion.UNKNOWN:
            note = (
                "Where the data goes is not known, so no transfer tool can be checked against it. "
                "Steps 3 and 4 show what is known of the parties; find the destination first."
            )
        elif transfer.conclusion is TransferConclusion.NO_VALID_TOOL:
            note = (
                "No valid transfer tool is recorded. Steps 3 and 4 show what a tool "
                "(for example the standard contractual clauses) would have to withstand."
            )
        else:
            note = (
                "The transfer relies on an Art. 46 tool: steps 3 and 4 assess whether the "
                "destination's law lets the tool work in practice for this transfer."
            )
        return TransferToolStep(
            conclusion=words(transfer.conclusion.value),
            conclusion_code=transfer.conclusion.value,
            explanation=plain(transfer.explanation),
            adequacy=transfer.adequacy or "none",
            tools=[words(t) for t in transfer.tools]
            or ["none recorded in the inventory (controls.transfer_tools)"],
            scc_module=transfer.scc_module or "none: no second party is known",
            frameworks=frameworks,
            assessment_needed=needed,
            assessment_note=note,
        )

    def step3(self, transfer: Transfer, exposures: list[Exposure]) -> DestinationStep:
        jurisdiction = self.kb.jurisdictions.get(transfer.country)
        by_law: dict[str, list[Exposure]] = {}
        for exposure in exposures:
            by_law.setdefault(exposure.law, []).append(exposure)
        laws = [self.law_step(self.kb.laws[law_id], items) for law_id, items in by_law.items()]
        if jurisdiction is not None:
            adequacy = jurisdiction.adequacy
            provenance = adequacy.provenance if adequacy else jurisdiction.provenance
            adequacy_text = (
                f"{adequacy.decision} of {adequacy.date} ({words(adequacy.scope.value)})"
                + (f": {adequacy.scope_note}" if adequacy.scope_note else "")
                if adequacy
                else "no adequacy decision"
            )
            country = f"{jurisdiction.name} ({jurisdiction.code})"
            notes = jurisdiction.notes or ""
            as_of, confidence = provenance.as_of.isoformat(), provenance.confidence.value
            sources = list(provenance.source)
        else:
            country = transfer.country_name
            adequacy_text = "cannot be known: the destination is not known"
            notes, as_of, confidence, sources = "", "", "unconfirmed", []
        no_law = ""
        if not laws:
            no_law = (
                "The knowledge base records no law that reaches this importer for this data. "
                "That is not a finding that the destination's law is harmless: the knowledge "
                "base holds only the laws it lists, and the signer must assess the rest."
            )
        return DestinationStep(
            country=country,
            adequacy=adequacy_text,
            notes=notes,
            as_of=as_of,
            confidence=confidence,
            sources=sources,
            laws=laws,
            no_law_note=no_law,
            practice_note=(
                "The knowledge base records statutes, their status and who they reach; not how "
                "the authorities apply them in practice. The EDPB asks for both: the practice "
                "(published requests, transparency reports, case law, the importer's experience "
                "of requests) is for the signer to assess, with sources."
            ),
        )

    def law_step(self, law: Law, exposures: list[Exposure]) -> LawStep:
        # One row per party and reason: a party in two roles (operator and model provider)
        # is one party for the law; its roles are joined and the shortest chain is shown.
        grouped: dict[tuple[str, str], list[Exposure]] = {}
        for exposure in exposures:
            grouped.setdefault((exposure.party, exposure.trigger), []).append(exposure)
        reach = []
        for items in grouped.values():
            first = min(items, key=lambda e: (len(e.path), e.party_role))
            roles = sorted({words(e.party_role) for e in items})
            states = {e.mitigation for e in items}
            worst = min(states, key=lambda m: list(MitigationState).index(m))
            reasons = sorted({r for e in items for r in e.mitigation_reasons})
            reach.append(
                Reach(
                    party=first.party_name,
                    party_role=_join(roles),
                    trigger=_TRIGGER_WORDS.get(first.trigger, words(first.trigger)),
                    strength=first.strength,
                    strength_note=plain(first.strength_note),
                    access=sorted({words(a.value) for e in items for a in e.access}),
                    mitigation=words(worst.value),
                    mitigation_reasons=[plain(r) for r in reasons],
                    chain=[hop.node for hop in first.path],
                )
            )
        return LawStep(
            id=law.id,
            name=law.name,
            short_name=law.short_name,
            jurisdiction=f"{self.kb.country_name(law.jurisdiction)} ({law.jurisdiction})",
            citation=law.citation,
            summary=law.summary,
            status=law.status.words,
            status_note=law.status_note or "",
            reaches=[words(a.value) for a in law.reaches],
            secrecy=law.secrecy,
            mitigated_by=[words(m.value) for m in law.mitigated_by],
            not_mitigated_by=[words(m.value) for m in law.not_mitigated_by],
            mitigation_notes=law.mitigation_notes or "",
            as_of=law.provenance.as_of.isoformat(),
            confidence=law.provenance.confidence.value,
            sources=list(law.provenance.source),
            reach=reach,
        )

    def step4(
        self,
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
            keys = step1_keys_unknown(transfer)
        else:
            keys = words(rc.keys.value)
            if rc.key_holder:
                keys += f", held by {self.entity_name(rc.key_holder)}"
            if custody.kind is not PlaceKind.UNKNOWN:
                keys += f" ({custody.label})"
        secrecy = sorted(
            {self.kb.laws[e.law].short_name for e in exposures if self.kb.laws[e.law].secrecy}
        )
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
                    f"{self.entity_name(rc.key_holder) if rc.key_holder else 'the exporter'}"
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
                        f"; {_join(secrecy)} can forbid telling the exporter (gag orders)"
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
            engine = "No law in the knowledge base reaches this importer, so the engine rates no mitigation."
        else:
            engine = (
                "The engine rates the laws' reach as "
                + _join([words(s.value) for s in states])
                + "."
            )
        effective = any(m.effective == "effective" for m in measures)
        if not needed:
            conclusion = "Not required for this transfer (see step 2). " + engine
        elif effective and all(e.mitigation is MitigationState.MITIGATED for e in exposures):
            conclusion = (
                "A declared measure is effective against compelled access for this processing. "
                + engine
                + " The signer confirms it is implemented as declared."
            )
        else:
            conclusion = (
                "No declared measure makes compelled access ineffective for this processing. "
                + engine
                + " Without an effective measure the EDPB expects the transfer not to start, or "
                "to be suspended or ended, unless the signer finds the law does not impinge on "
                "the tool in practice (step 3)."
            )
        return MeasuresStep(
            processes_in_clear=clear_text, keys=keys, measures=measures, conclusion=conclusion
        )

    def step5(self, transfer: Transfer) -> list[str]:
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
            if "dpf" in transfer.tools or transfer.country == "US":
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

    def step6(self, transfer: Transfer, step3: DestinationStep) -> list[str]:
        triggers = [
            f"{transfer.importer_name} changes its sub-processors, its ownership, or where it "
            "stores, processes or supports the data.",
            "The inventory changes this component's place, keys, controls or transfer tools "
            "(run auditor tia again and compare).",
        ]
        flux = [law.short_name for law in step3.laws if law.status != LawStatus.IN_FORCE.words]
        if flux:
            triggers.append(
                f"The status of {_join(flux)} changes (not simply in force on the knowledge "
                "base's date)."
            )
        for framework in self.frameworks.values():
            if framework.challenges and (
                transfer.country == framework.jurisdiction or "dpf" in transfer.tools
            ):
                triggers.append(
                    f"A court or the Commission decides on the pending challenges to the "
                    f"{framework.name} (step 2)."
                )
        triggers.append(
            "A law of the destination, or the practice of its authorities, changes; or the "
            "knowledge base's facts used here become older than the organisation's policy allows."
        )
        return triggers

    def unknowns(
        self,
        transfer: Transfer,
        rc: ResolvedComponent,
        step1: KnowYourTransfer,
        step3: DestinationStep,
        exposures: list[Exposure],
    ) -> list[str]:
        found: list[str] = []
        controls = rc.component.controls
        if controls.processes_in_clear is None and rc.in_clear_reason.startswith("not declared"):
            found.append(
                f"whether {transfer.importer_name} can read the data: not stated in the "
                f"inventory (assumed yes) - ask {transfer.importer_name}, then declare "
                "controls.processes_in_clear"
            )
        if rc.keys is None:
            found.append(f"keys to data at rest: {step1_keys_unknown(transfer)}")
        for label, text in (
            ("data subjects", step1.subjects),
            ("volume", step1.volume),
            ("seat of the importer", step1.importer.country),
            ("role of the importer", step1.importer.role),
        ):
            if text.startswith("not stated"):
                found.append(f"{label}: {text}")
        for place in step1.places:
            if place.place.startswith("not stated"):
                found.append(f"{place.role}: {place.place}")
        for row in step1.onward:
            if "not stated" in row.country:
                found.append(f"seat of {row.party}: {row.country}")
        if transfer.conclusion is TransferConclusion.UNKNOWN:
            found.append(f"where the data goes: {transfer.explanation}")
        for law in step3.laws:
            if law.confidence == "unconfirmed":
                found.append(
                    f"{law.short_name}: the knowledge base marks this law's facts unconfirmed "
                    f"(as of {law.as_of}); check the sources before relying on them"
                )
        for exposure in exposures:
            if exposure.confidence == "unconfirmed" and exposure.law not in {
                law.id for law in step3.laws if law.confidence == "unconfirmed"
            }:
                found.append(
                    f"{exposure.law_name} via {exposure.party_name}: the chain rests on an "
                    "unconfirmed fact of the knowledge base"
                )
        return sorted(set(found), key=found.index)

    def decisions(
        self,
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
        if step2.assessment_needed:
            items.append(
                f"Whether the law and practice of {country} impinge on the effectiveness of the "
                "transfer tool for this transfer (step 3). This tool lists the laws; it does not "
                "judge how the authorities apply them."
            )
            items.append(
                "Whether the supplementary measures are sufficient, and which to add if not "
                "(step 4)."
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
            f"The re-evaluation date (pre-filled as {self.re_evaluation.isoformat()}, one year "
            "after the audit unless set) and who re-evaluates."
        )
        return items

    def make_worksheet(self, step3: DestinationStep) -> Worksheet:
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


_ROLE_WORDS = {
    LocationRole.STORAGE: "storage",
    LocationRole.PROCESSING: "processing",
    LocationRole.BACKUP: "backup",
    LocationRole.ADMIN: "administration",
    LocationRole.SUPPORT: "support",
    LocationRole.TELEMETRY: "telemetry",
    LocationRole.KEY_CUSTODY: "key custody",
}
_TRIGGER_WORDS = {
    "incorporated": "the party is incorporated in the country",
    "control": "a company controlling the party is incorporated there",
    "presence": "the party does business there (contested reach)",
    "territorial": "the data is stored, processed, administered or supported there",
}
