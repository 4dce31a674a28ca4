"""GDPR Chapter V: personal data going outside the EEA, and on what legal basis (DESIGN.md 3.5)."""

from __future__ import annotations

from auditor.exposure.context import Context
from auditor.exposure.evidence import hop
from auditor.graph.build import Arrival
from auditor.graph.resolve import PlaceKind, ResolvedComponent
from auditor.model.findings import Transfer, TransferConclusion, make_transfer
from auditor.model.inventory import KeyCustody, TransferTool
from auditor.model.kb import LocationRole
from auditor.model.words import ADEQUACY_SCOPE_WORDS, country_in_sentence

# The roles in which data (or access to it) can leave the EEA.
TRANSFER_ROLES = (
    LocationRole.STORAGE,
    LocationRole.PROCESSING,
    LocationRole.BACKUP,
    LocationRole.ADMIN,
    LocationRole.SUPPORT,
)
# Where data is kept or handled: an unknown or unbounded place here is a transfer that
# cannot be assessed (README: conclusion ``unknown``), not only an evidence gap.
_HANDLING_ROLES = (LocationRole.STORAGE, LocationRole.PROCESSING)
UNKNOWN_COUNTRY = "unknown"
GLOBAL_COUNTRY = "global"

# Commission Implementing Decision (EU) 2021/914, Annex: the module follows who exports
# to whom (rules/jurisdictions/transfer-frameworks.yaml, eu-sccs-2021).
SCC_MODULE_2 = "Module 2 (controller to processor)"
SCC_MODULE_3 = "Module 3 (processor to processor)"


def component_transfers(
    context: Context, rc: ResolvedComponent, reached: list[tuple[str, Arrival]]
) -> list[Transfer]:
    """The GDPR Chapter V transfers of the personal data that reaches a component."""
    personal = [a for a, _ in reached if context.kb.taxonomy.is_personal(context.assets[a])]
    if not personal or not context.kb.is_eea(context.org.country):
        return []
    places: dict[tuple[str, str], list[LocationRole]] = {}
    for role in TRANSFER_ROLES:
        place = rc.places[role]
        importer = importer_of(rc, role)
        if place.kind in (PlaceKind.COUNTRY, PlaceKind.ZONE):
            # Every country the place may be in: a zone that reaches London or Zurich
            # transfers to the United Kingdom and Switzerland (under their adequacy).
            for country in sorted(place.countries):
                if not context.kb.is_eea(country):
                    places.setdefault((country, importer), []).append(role)
        elif place.kind is PlaceKind.GLOBAL and role in _HANDLING_ROLES:
            places.setdefault((GLOBAL_COUNTRY, importer), []).append(role)
        elif place.kind is PlaceKind.UNKNOWN and role in _HANDLING_ROLES:
            places.setdefault((UNKNOWN_COUNTRY, importer), []).append(role)
    transfers: list[Transfer] = []
    for (country, importer), roles in sorted(places.items()):
        for asset_id in sorted(set(personal)):
            transfers.append(_transfer(context, rc, asset_id, country, importer, roles))
    return transfers


def importer_of(rc: ResolvedComponent, role: LocationRole) -> str:
    """Who receives the data in that role: the support party, else the operator."""
    wanted = "support" if role is LocationRole.SUPPORT else "operator"
    for party in rc.parties:
        if party.role == wanted:
            return party.entity
    for party in rc.parties:
        if party.role == "operator":
            return party.entity
    return "unknown"


def dpf_certified(context: Context, rc: ResolvedComponent, importer: str) -> bool:
    """The importer is certified under the EU-US Data Privacy Framework: its entity says
    so, or the component's contract records the DPF as its transfer tool."""
    entity = context.graph.entities.get(importer)
    return (entity is not None and entity.dpf_certified is True) or (
        TransferTool.DPF in rc.component.controls.transfer_tools
    )


def exporter_of(context: Context, rc: ResolvedComponent, importer: str) -> tuple[str, bool]:
    """Who exports to ``importer``, and whether that exporter is the organisation's processor.

    The organisation (the controller) by default. When the component says its support
    party and sub-processors were engaged by a processor (``engaged_by``), that processor
    exports what they receive (GDPR Art. 28(4), Art. 44: "controller or processor").
    An importer seated in the EEA is not one: handing data to it is no transfer (EDPB
    Guidelines 05/2021, criterion 3: the importer is in a third country). The data leaves
    the EEA when that processor handles it elsewhere, so the processor is the exporter.
    """
    engaged_by = rc.component.engaged_by
    org = context.org.entity or context.org.name
    if engaged_by is not None and engaged_by != org and importer != engaged_by:
        return engaged_by, True
    if importer not in (org, "unknown") and seated_in_eea(context, importer):
        return importer, True
    return org, False


def seated_in_eea(context: Context, entity_id: str) -> bool:
    """The entity's recorded seat is an EEA country."""
    entity = context.graph.entities.get(entity_id)
    seat = entity.country if entity is not None else None
    return seat is not None and context.kb.is_eea(seat)


def _transfer(
    context: Context,
    rc: ResolvedComponent,
    asset_id: str,
    country: str,
    importer: str,
    roles: list[LocationRole],
) -> Transfer:
    controls = rc.component.controls
    entity = context.graph.entities.get(importer)
    importer_name = entity.name if entity else importer
    exporter, by_processor = exporter_of(context, rc, importer)
    # The component's transfer_tools are the contracts of the party that exports to its
    # provider. A provider seated in the EEA that handles the data outside it exports onward
    # under its own tools (GDPR Art. 44, Art. 28(4)), which the inventory does not record: the
    # organisation's SCCs or DPF reliance with it cover none of that onward transfer.
    onward = by_processor and exporter == importer
    tools = [] if onward else sorted(t.value for t in controls.transfer_tools)
    exporter_entity = context.graph.entities.get(exporter)
    exporter_name = exporter_entity.name if exporter_entity else exporter
    if importer == exporter or importer == "unknown":
        module = None  # no second party, or none known: no contract between parties to name
    else:
        module = SCC_MODULE_3 if by_processor else SCC_MODULE_2
    measures: list[str] = []
    if rc.keys is KeyCustody.CUSTOMER_HELD_EXTERNAL and not rc.processes_in_clear:
        measures.append("encryption with keys held by the exporter")
    if controls.pseudonymised_before:
        measures.append("pseudonymisation before transfer")
    if controls.confidential_computing:
        measures.append("confidential computing")
    adequacy_text: str | None = None
    if country == GLOBAL_COUNTRY:
        conclusion = TransferConclusion.UNKNOWN
        explanation = "processing may happen in any country; the destination cannot be assessed"
        country_name = "any country"
    elif country == UNKNOWN_COUNTRY:
        conclusion = TransferConclusion.UNKNOWN
        place = rc.places[roles[0]]
        explanation = (
            f"where {rc.component.name or rc.component.id} keeps or handles the data is not known "
            f"({place.reason}), so whether it leaves the EEA, and on what basis, cannot be assessed"
        )
        country_name = "an unknown location"
    else:
        country_name = context.kb.country_name(country)
        jurisdiction = context.kb.jurisdictions.get(country)
        adequacy = jurisdiction.adequacy if jurisdiction else None
        dpf = (
            entity is not None and entity.dpf_certified is True
            if onward
            else dpf_certified(context, rc, importer)
        )
        if adequacy is not None and adequacy.scope.value != "dpf_certified":
            conclusion = TransferConclusion.ADEQUACY
            adequacy_text = (
                f"{adequacy.decision} of {adequacy.date}, applying "
                f"{ADEQUACY_SCOPE_WORDS.get(adequacy.scope.value, adequacy.scope.value)}"
            )
            explanation = (
                f"adequacy decision for {country_in_sentence(country_name)} (GDPR Art. 45)"
            )
            if adequacy.scope.value != "full":
                explanation += f"; scope limited: {adequacy.scope_note or adequacy.scope.value}: confirm the importer is covered"
        elif adequacy is not None and dpf:
            conclusion = TransferConclusion.ADEQUACY
            adequacy_text = f"{adequacy.decision} of {adequacy.date} (DPF-certified importers only)"
            explanation = "importer certified under the EU-US Data Privacy Framework (Art. 45); the framework's pending court challenge is a continuity risk"
        elif TransferTool.SCCS.value in tools or TransferTool.BCRS.value in tools:
            effective = bool(measures) and not rc.processes_in_clear
            if controls.tia_done and effective:
                conclusion = TransferConclusion.SAFEGUARDS
                explanation = "Art. 46 safeguards with a transfer impact assessment and effective supplementary measures"
            else:
                conclusion = TransferConclusion.SAFEGUARDS_INCOMPLETE
                missing = []
                if not controls.tia_done:
                    missing.append("no transfer impact assessment is recorded")
                if not effective:
                    missing.append(
                        "no effective supplementary measure: the importer processes data in clear (EDPB Recs 01/2020 use case 6)"
                    )
                explanation = "Art. 46 tool in place, but " + "; ".join(missing)
        elif TransferTool.DEROGATION.value in tools:
            conclusion = TransferConclusion.DEROGATION
            explanation = (
                "relies on an Art. 49 derogation: only for occasional, non-repetitive transfers"
            )
        else:
            conclusion = TransferConclusion.NO_VALID_TOOL
            if adequacy is not None:
                explanation = f"{country_name} is adequate only for DPF-certified organisations, and the importer is not shown as certified; no Art. 46 tool is recorded"
            else:
                explanation = f"no adequacy decision for {country_in_sentence(country_name)} and no Art. 46 tool or Art. 49 derogation is recorded"
        if by_processor and exporter == importer:
            seat = context.kb.country_name(context.graph.entities[importer].country or "")
            explanation += (
                f". {importer_name} is seated in {country_in_sentence(seat)}, in the EEA: "
                "handing it the data is no transfer; the data leaves the EEA when "
                f"{importer_name} handles it in {country_in_sentence(country_name)}, and "
                f"{importer_name} exports it onward (GDPR Art. 44): {SCC_MODULE_3} with a "
                "sub-processor there, no transfer if its own facility does the work (EDPB "
                f"Guidelines 05/2021), though the law of {country_in_sentence(country_name)} "
                "reaches the data either way"
            )
        elif by_processor:
            # Chapter V binds the processor that engaged the importer: its contract, not the
            # organisation's, must carry the tool (SCCs: Module 3).
            explanation += (
                f"; the exporter is {exporter_name}, the organisation's processor, which "
                f"engaged {importer_name}: its SCCs with {importer_name} are {SCC_MODULE_3}"
            )
    if by_processor and exporter == importer and country in (GLOBAL_COUNTRY, UNKNOWN_COUNTRY):
        explanation += (
            f"; {importer_name} is seated in the EEA, so if the data leaves it, {importer_name} "
            "exports it onward (GDPR Art. 44) and must name the place and the tool"
        )
    asset = context.assets[asset_id]
    place = rc.places[roles[0]]
    path = [
        hop(asset.name or asset.id, "data", asset.span),
        hop(
            f"{rc.key} ({', '.join(r.value for r in roles)} {place.in_words})",
            "component",
            place.span or rc.component.span,
            f"{rc.words} ({', '.join(r.value for r in roles)} {place.in_words})",
        ),
    ]
    if by_processor and exporter == importer:
        path.append(
            hop(
                f"exporter and importer {importer_name} (the organisation's processor, seated "
                "in the EEA, handling the data outside it)",
                "entity",
                entity.span if entity else None,
            )
        )
    else:
        if by_processor:
            path.append(
                hop(
                    f"exporter {exporter_name} (processor that engaged the importer)",
                    "entity",
                    rc.component.span_of("engaged_by"),
                )
            )
        path.append(
            hop(
                f"importer {importer_name}",
                "entity",
                entity.span if entity else None,
            )
        )
    return make_transfer(
        data_asset=asset_id,
        system=rc.system.id,
        component=rc.component.id,
        data_asset_name=asset.name or asset.id,
        categories=list(asset.categories),
        subjects=list(asset.subjects),
        sensitivity=context.sensitivity[asset_id],
        exporter=exporter,
        exporter_name=exporter_name,
        importer=importer,
        importer_name=importer_name,
        country=country,
        country_name=country_name,
        role=", ".join(r.value for r in roles),
        adequacy=adequacy_text,
        tools=tools,
        supplementary_measures=measures,
        conclusion=conclusion,
        explanation=explanation,
        scc_module=module,
        path=path,
    )
