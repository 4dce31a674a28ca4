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
import difflib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from auditor import __version__
from auditor.audit.core import AuditOptions, audit_inventory, load_checked_inventory
from auditor.audit.tia_steps import (
    join_words,
    keys_unknown,
    measures_step,
    procedural_steps,
    re_evaluation_triggers,
    signer_decisions,
    worksheet_for,
)
from auditor.errors import Diagnostic, UsageError
from auditor.exposure.transfers import SCC_MODULE_3
from auditor.graph import ResidencyGraph, build_graph
from auditor.graph.resolve import PlaceKind, ResolvedComponent, party_reason_words
from auditor.kb import KnowledgeIndex
from auditor.model.findings import (
    AuditResult,
    Exposure,
    Finding,
    MitigationState,
    Sensitivity,
    Transfer,
    TransferConclusion,
)
from auditor.model.inventory import DataAsset, Inventory
from auditor.model.kb import Law, LocationRole, TransferFramework
from auditor.model.policy import SEVERITY_RANK
from auditor.model.tia import (
    EDPB_RECOMMENDATIONS,
    EDPB_RECOMMENDATIONS_URL,
    DestinationStep,
    FindingRef,
    FrameworkStatus,
    KnowYourTransfer,
    LawStep,
    OnwardTransfer,
    Party,
    Place,
    Reach,
    TransferAssessment,
    TransferAssessments,
    TransferToolStep,
    transfer_ids,
)
from auditor.model.words import (
    category_words,
    country_in_sentence,
    plain,
    transfer_tools_words,
    trigger_words_of,
    words,
)

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
    audit_date = options.today or dt.date.today()
    options = replace(options, today=audit_date)
    if tia.re_evaluation is not None and tia.re_evaluation <= audit_date:
        raise UsageError(
            f"--re-evaluate {tia.re_evaluation.isoformat()} is not after the audit date "
            f"{audit_date.isoformat()}: give a later date (default: one year after the audit)"
        )
    inventory, kb = load_checked_inventory(paths, options.rule_dirs, limits=options.limits)
    result = audit_inventory(inventory, kb, options)
    graph = build_graph(inventory, kb)
    ids = transfer_ids(result.transfers)
    if tia.transfer_id is not None and tia.transfer_id not in ids:
        raise UsageError(
            f"no transfer with the id {tia.transfer_id!r}",
            [Diagnostic("--transfer", None, None, "unknown id", _ids_hint(tia.transfer_id, ids))],
        )
    re_evaluation = tia.re_evaluation or _one_year_after(audit_date)
    builder = _Builder(inventory, kb, result, graph, re_evaluation, tia.worksheet)
    assessments = [
        builder.assessment(transfer, ident)
        for transfer, ident in sorted(zip(result.transfers, ids, strict=True), key=lambda p: p[1])
        if tia.transfer_id is None or ident == tia.transfer_id
    ]
    return TransferAssessments(assessments=assessments)


# Above this many transfers, an unknown id's hint names the closest ids, not every one.
_IDS_LISTED = 10


def _ids_hint(wanted: str, ids: list[str]) -> str:
    known = sorted(set(ids))
    if not known:
        return "this inventory has no transfer outside the EEA"
    if len(known) <= _IDS_LISTED:
        return "use one of: " + ", ".join(known)
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.6)
    listing = f"auditor tia without --transfer lists all {len(known)} ids"
    return (f"did you mean {' or '.join(close)}? " if close else "") + listing


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def snapshot_of(result: AuditResult) -> str:
    """SHA-256 over the sorted SHA-256 of the input files (as the audit report prints it)."""
    joined = "\n".join(sorted(i.sha256 for i in result.inputs))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()


def _category_words(key: str) -> str:
    """``user.health_and_medical`` -> "health and medical (user.health_and_medical)"."""
    return f"{category_words(key)} ({key})"


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
        # Look-ups by component and by data asset, built once: an estate has thousands of
        # transfers, exposures and findings, and scanning them all per transfer is quadratic.
        self.exposures: dict[tuple[str, str, str], list[Exposure]] = {}
        for exposure in result.exposures:
            key = (exposure.system, exposure.component, exposure.data_asset)
            self.exposures.setdefault(key, []).append(exposure)
        self.findings_at: dict[tuple[str, str], list[Finding]] = {}
        for finding in result.findings:
            at = (finding.subject.get("system", ""), finding.subject.get("component", ""))
            self.findings_at.setdefault(at, []).append(finding)
        self.transfers_of: dict[tuple[str, str], list[Transfer]] = {}
        for other in result.transfers:
            self.transfers_of.setdefault((other.system, other.data_asset), []).append(other)

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
            return "anywhere"
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
                for e in self.exposures.get(
                    (transfer.system, transfer.component, transfer.data_asset), []
                )
                # A law that reaches through another country's territory belongs to the
                # transfer to that country; a law that reaches the parties through their
                # seat or owners belongs to every transfer of theirs.
                if (
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
        step4 = measures_step(
            self.kb, self.entity_name, transfer, rc, exposures, step2.assessment_needed
        )
        name, country = self.organisation()
        unknowns = self.unknowns(transfer, rc, step1, step3, exposures)
        worksheet = worksheet_for(step3) if self.worksheet else None
        return TransferAssessment(
            id=ident,
            title=_title(step1.data_asset_name, transfer),
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
            step5=procedural_steps(transfer),
            step6=re_evaluation_triggers(transfer, step3, list(self.frameworks.values())),
            findings=self.findings(transfer),
            unknowns=unknowns,
            decisions=signer_decisions(
                self.re_evaluation, transfer, step2, unknowns, worksheet is not None
            ),
            worksheet=worksheet,
        )

    def findings(self, transfer: Transfer) -> list[FindingRef]:
        """The audit's findings on this component that concern this data (or no data)."""
        found = [
            f
            for f in self.findings_at.get((transfer.system, transfer.component), [])
            if not f.data_assets or any(a.id == transfer.data_asset for a in f.data_assets)
        ]
        found.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.rule_id, f.fingerprint))
        return [
            FindingRef(
                severity=f.severity.value,
                title=f.title,
                law=self.kb.laws[f.law].short_name if f.law in self.kb.laws else "",
                rule_id=f.rule_id,
                fingerprint=f.fingerprint,
                waived=f.waived,
            )
            for f in found
        ]

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
        # A processor seated in the EEA that handles the data outside it exports it onward.
        onward_by_itself = not exporter_is_org and transfer.exporter == transfer.importer
        exporter_country = (
            org_country if exporter_is_org else self.entity_country(transfer.exporter)
        )
        exporter = Party(
            id=transfer.exporter,
            name=transfer.exporter_name or transfer.exporter,
            country=self.country_words(exporter_country, f"{transfer.exporter_name}"),
            role="controller (the organisation)"
            if exporter_is_org
            else (
                "processor of the organisation, seated in the EEA, which handles the data in "
                f"{country_in_sentence(transfer.country_name)} itself or through a sub-processor"
                if onward_by_itself
                else "processor of the organisation, which engaged the importer"
            ),
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
            name=(
                f"a facility or sub-processor of {transfer.importer_name} in "
                f"{country_in_sentence(transfer.country_name)}"
                if onward_by_itself
                else transfer.importer_name
            ),
            country=self.country_words(
                transfer.country
                if onward_by_itself
                else self.entity_country(transfer.importer)
                if transfer.importer != "unknown"
                else None,
                f"the supplier of {component.name or component.id}",
            ),
            role=join_words(importer_roles)
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
                    names = join_words([self.kb.country_name(c) for c in abroad])
                    outside = f"possibly: the place includes {names}"
            label = place.label
            # A region's label names its country already ("Dublin, Ireland (...)").
            if (
                place.kind is PlaceKind.COUNTRY
                and place.country is not None
                and place.label in (self.kb.country_name(place.country), "")
            ):
                label = self.country_words(place.country, owner)
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
            subjects=", ".join(words(s) for s in asset.subjects)
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
                    note=plain(party_reason_words(rc, party)),
                )
            )
        for other in self.transfers_of.get((transfer.system, transfer.data_asset), []):
            if other.component != transfer.component:
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
            tools=transfer_tools_words(
                transfer.tools, transfer.exporter, transfer.importer, transfer.exporter_name
            )
            or ["none recorded in the inventory (controls.transfer_tools)"],
            scc_module=transfer.scc_module
            or (
                f"{SCC_MODULE_3} if a sub-processor of {transfer.exporter_name} handles the "
                f"data in {country_in_sentence(transfer.country_name)}; none if its own "
                "facility does"
                if transfer.exporter == transfer.importer
                and transfer.exporter != self.inventory.organisation.entity
                else "none: no second party is known"
            ),
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
                    party_role=join_words(roles),
                    trigger=trigger_words_of(first.trigger).reason,
                    strength=first.strength,
                    strength_note=plain(first.strength_note),
                    access=sorted({words(a.value) for e in items for a in e.access}),
                    mitigation=words(worst.value),
                    mitigation_reasons=[plain(r) for r in reasons],
                    chain=[hop.shown for hop in first.path],
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
            found.append(f"keys to data at rest: {keys_unknown(transfer)}")
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
        # A support party or sub-processor under a third-party operator: who engaged it decides
        # who exports and which module applies (GDPR Art. 28(4); SCC Module 2 or 3).
        operators = [p.entity for p in rc.parties if p.role == "operator"]
        org = self.inventory.organisation.entity
        if (
            rc.component.engaged_by is None
            and operators
            and transfer.importer not in operators
            and operators[0] != org
            and any(p.entity == transfer.importer for p in rc.parties if p.role != "hosting")
        ):
            operator = self.entity_name(operators[0])
            found.append(
                f"who engaged {transfer.importer_name}: if {operator} did, as its "
                f"sub-processor, {operator} is the exporter and the clauses are Module 3 "
                "(processor to processor) - declare engaged_by on the component; this "
                "assessment assumes the organisation engaged it (Module 2)"
            )
        for finding in self.findings_at.get((transfer.system, transfer.component), []):
            # The audit's evidence gaps at this component: each a fact nobody has stated.
            if finding.rule_id.startswith("evidence-gap"):
                condition = plain(finding.condition).split("; data reaching it")[0]
                found.append(
                    f"{condition}: ask {transfer.importer_name} or the owner of the system"
                )
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


_ROLE_WORDS = {
    LocationRole.STORAGE: "storage",
    LocationRole.PROCESSING: "processing",
    LocationRole.BACKUP: "backup",
    LocationRole.ADMIN: "administration",
    LocationRole.SUPPORT: "support",
    LocationRole.TELEMETRY: "telemetry",
    LocationRole.KEY_CUSTODY: "key custody",
}


def _title(data_name: str, transfer: Transfer) -> str:
    """The assessment's title: what goes to whom, and where."""
    if transfer.country == "global":
        return f"{data_name} to {transfer.importer_name}, which may handle it anywhere"
    if transfer.country == "unknown":
        return f"{data_name} to {transfer.importer_name}, at a place not known"
    return f"{data_name} to {transfer.importer_name} in {transfer.country_name}"
