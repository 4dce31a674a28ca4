"""Fill the DORA register of information from an inventory, as far as it can be filled.

DORA (Regulation (EU) 2022/2554) Art. 28(3) makes a financial entity keep a register of
its contractual arrangements for ICT services; Implementing Regulation (EU) 2024/2956
gives the templates. An inventory of AI systems knows the ICT third-party providers
behind each component (operator, hosting, model provider, sub-processors, support),
their legal names, seats, ownership and LEIs (knowledge base or inventory), and where
each service stores and processes data. It does not know contracts, costs, functions,
the service type the entity chose, or the entity's own assessments: those cells stay
empty and each is listed with the reason, never guessed.

Supply chains (template B_05.02, Art. 1 and 2 of the Implementing Regulation): the
provider that runs a component for the organisation is its direct provider (rank 1);
the parties that provider brings in (the hyperscaler under an LLM API, its model
provider, sub-processors, support) are its subcontractors (rank 2), each a recipient of
nothing but the direct provider's service. When the organisation runs a component
itself, the third parties it engaged for it (hosting, support) are direct providers.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.audit.core import load_checked_inventory
from auditor.errors import KnowledgeBaseError
from auditor.graph.resolve import (
    STORES_DATA,
    PlaceKind,
    ResolvedComponent,
    ResolvedEntity,
    Resolver,
    resolve_entities,
)
from auditor.kb import KnowledgeIndex
from auditor.model.dora import (
    CriticalProvider,
    DoraCatalogue,
    DoraRegister,
    DoraTable,
    DoraTemplate,
    UnfilledField,
)
from auditor.model.inventory import Inventory
from auditor.model.kb import LocationRole, Vendor
from auditor.model.words import words

# The closed-list members the auditor writes (recorded in rules/dora/templates.yaml;
# :func:`_code` checks each against the recorded list, so a changed layout fails loudly).
_LEI = ("identification_code_type", "eba_qCO:qx2000")
_LEGAL_PERSON = ("type_of_person", "eba_CT:x212")
_YES = ("yes_no", "eba_BT:x28")
_NO = ("yes_no", "eba_BT:x29")

# Roles whose entity can be a subcontractor of the direct provider, in the order shown.
_CHAIN_ROLES = ("hosting", "model_provider", "subprocessor", "support")


@dataclass(frozen=True)
class _Service:
    """One ICT service behind an AI system: a component and its direct provider."""

    component: ResolvedComponent
    provider: ResolvedEntity
    role: str  # the provider's role on the component
    subcontractors: tuple[tuple[ResolvedEntity, str], ...]  # (entity, role), rank 2

    @property
    def provider_label(self) -> str:
        """The provider's name, with its role when it does not run the component."""
        if self.role == "operator":
            return self.provider.name
        return f"{self.provider.name} ({self.role.replace('_', ' ')})"

    @property
    def where(self) -> str:
        """The system and component, in words (display names first)."""
        system = self.component.system
        comp = self.component.component
        return f"{system.name or system.id} / {comp.name or comp.id}"


def dora_register(
    paths: Sequence[Path],
    rule_dirs: Sequence[Path] = (),
    *,
    reference_date: dt.date | None = None,
) -> DoraRegister:
    """Load and check the inventory, then fill what it can of the register of information."""
    inventory, kb = load_checked_inventory(paths, rule_dirs)
    return build_register(inventory, kb, reference_date=reference_date)


def build_register(
    inventory: Inventory, kb: KnowledgeIndex, *, reference_date: dt.date | None = None
) -> DoraRegister:
    """The register templates of the ICT third-party services behind the inventory's systems."""
    catalogue = kb.kb.dora
    if catalogue is None:
        raise KnowledgeBaseError(
            "the knowledge base has no DORA templates (rules/dora/templates.yaml)", []
        )
    builder = _Builder(inventory, kb, catalogue)
    services = builder.services()
    tables = (
        builder.b_02_02(services),
        builder.b_05_01(services),
        builder.b_05_02(services),
        builder.b_07_01(services),
    )
    parameters = builder.parameters(reference_date)
    unfilled = tuple(
        sorted(
            set(builder.unfilled),
            key=lambda u: (u.template, u.line or 0, u.column, u.row, u.reason),
        )
    )
    return DoraRegister(
        organisation=inventory.organisation.name,
        financial_entity=inventory.organisation.is_financial_entity,
        reference_date=reference_date.isoformat() if reference_date else None,
        tables=tables,
        parameters=parameters,
        unfilled=unfilled,
        package=catalogue.package,
        sources=tuple(
            dict.fromkeys(source for t in catalogue.templates for source in t.provenance.source)
        ),
        critical_providers=tuple(builder.critical),
    )


def register_gaps(inventory: Inventory, kb: KnowledgeIndex) -> tuple[UnfilledField, ...]:
    """What the register leaves to people, for a financial entity's audit report (else none)."""
    if not inventory.organisation.is_financial_entity or kb.kb.dora is None:
        return ()
    return build_register(inventory, kb).unfilled


def is_latin(text: str) -> bool:
    """Whether every letter of ``text`` is a Latin letter (B_05.01 c0060 asks for such a name)."""
    return all(
        "LATIN" in unicodedata.name(char, "")
        for char in text
        if unicodedata.category(char)[0] == "L"
    )


class _Builder:
    def __init__(self, inventory: Inventory, kb: KnowledgeIndex, catalogue: DoraCatalogue) -> None:
        self.inventory = inventory
        self.kb = kb
        self.catalogue = catalogue
        self.entities = resolve_entities(inventory, kb)
        self.resolver = Resolver(inventory, kb)
        self.org_entity = inventory.organisation.entity
        # Only the organisation's own entity is not a provider: a parent or sister company
        # that provides ICT services is an intra-group provider and belongs in the register.
        self.group = frozenset({self.org_entity} if self.org_entity else ())
        self.unfilled: list[UnfilledField] = []
        self.line: int | None = None  # CSV line of the row being filled
        self.critical: list[CriticalProvider] = []  # filled with B_05.01

    # -- who is who ---------------------------------------------------------------------

    def _third_party(self, ident: str) -> ResolvedEntity | None:
        if ident in self.group:
            return None
        return self.entities.get(ident)

    def ultimate_parent(self, entity: ResolvedEntity) -> ResolvedEntity | None:
        """The top of the entity's chain of controlling parents (None: it is its own top)."""
        seen = {entity.id}
        top: ResolvedEntity | None = None
        current = entity
        while True:
            parent = next((p.entity for p in current.parents or () if p.control_reason()), None)
            if parent is None or parent in seen or parent not in self.entities:
                return top
            seen.add(parent)
            current = self.entities[parent]
            top = current

    def services(self) -> list[_Service]:
        """Every component run or supported by a third party, with its direct provider."""
        found: list[_Service] = []
        for system in sorted(self.inventory.systems, key=lambda s: s.id):
            for comp in sorted(system.components, key=lambda c: c.id):
                resolved = self.resolver.resolve(system, comp, self.org_entity)
                by_role = [(p.role, p.entity) for p in resolved.parties]
                operator = next((e for r, e in by_role if r == "operator"), None)
                direct = self._third_party(operator) if operator else None
                if direct is not None:
                    subs = tuple(
                        (entity, role)
                        for role in _CHAIN_ROLES
                        for r, ident in by_role
                        if r == role
                        and ident != direct.id
                        and (entity := self._third_party(ident)) is not None
                    )
                    found.append(_Service(resolved, direct, "operator", _unique(subs)))
                    continue
                # Run by the organisation (or nobody named): each third party it engaged
                # for the component is a direct provider of its own service.
                for role in _CHAIN_ROLES:
                    for r, ident in by_role:
                        entity = self._third_party(ident) if r == role else None
                        if entity is not None:
                            found.append(_Service(resolved, entity, role, ()))
        return found

    # -- cells --------------------------------------------------------------------------

    def _code(self, member: tuple[str, str]) -> str:
        list_id, code = member
        values = self.catalogue.value_list(list_id)
        if code not in {v.code for v in values.values}:
            raise KnowledgeBaseError(
                f"rules/dora/templates.yaml: value list {list_id} has no member {code}", []
            )
        return code

    def _country(self, code: str | None) -> str:
        prefix = self.catalogue.value_list("country").prefix or ""
        return f"{prefix}{code}" if code else ""

    def _leave(self, template: DoraTemplate, column: str, row: str, reason: str) -> str:
        self.unfilled.append(
            UnfilledField(
                template=template.code,
                template_name=template.name,
                column=column,
                label=template.column(column).label,
                row=row,
                line=self.line,
                reason=reason,
            )
        )
        return ""

    def _provider_code(
        self, template: DoraTemplate, column: str, entity: ResolvedEntity, row: str
    ) -> tuple[str, str]:
        """(identification code, type of code) of a provider: its LEI, or both left empty."""
        if entity.lei:
            return entity.lei, self._code(_LEI)
        # Recital 9 of Implementing Regulation (EU) 2024/2956: a provider established in the
        # Union is identified by its LEI or EUID, one in a third country by its LEI only.
        in_union = entity.country is not None and "EU" in self.kb.blocs_of(entity.country)
        other = (
            "or enter its EUID in the register by hand"
            if in_union
            else "a provider outside the EU can only be identified by its LEI"
        )
        self._leave(
            template,
            column,
            row,
            f"no LEI is recorded for {entity.name}: look it up in GLEIF (search.gleif.org) and "
            f"add lei: to the entity {entity.id!r} ({other})",
        )
        return "", ""

    def _contract(self, template: DoraTemplate, row: str) -> str:
        return self._leave(
            template,
            "c0010",
            row,
            "the inventory records no contractual arrangement: take the reference number from "
            "the register of contracts (B_02.01)",
        )

    def _service_type(
        self, template: DoraTemplate, column: str, service: _Service, row: str
    ) -> str:
        kind = words(service.component.kind.value)
        return self._leave(
            template,
            column,
            row,
            f"the type of ICT service (Annex III, S01-S19) is the financial entity's "
            f"classification; the inventory only gives the component kind ({kind})",
        )

    def _place(self, service: _Service, role: LocationRole) -> tuple[str | None, str]:
        """The single country of a role's place, or None and why it is not one country."""
        place = service.component.places.get(role)
        if place is None or place.kind is PlaceKind.UNKNOWN:
            return None, f"the inventory does not say where the service's {role.value} happens"
        if place.kind is PlaceKind.COUNTRY and place.country:
            return place.country, ""
        if place.kind is PlaceKind.GLOBAL or not place.countries:
            return None, (
                f"the {role.value} may happen anywhere the provider operates ({place.label}): "
                "the register asks for one country; choose a deployment bound to a region"
            )
        return None, (
            f"the {role.value} place is {place.label} ({', '.join(sorted(place.countries))}), "
            "not one country: the register asks for one; ask the provider or pin the region"
        )

    # -- templates ----------------------------------------------------------------------

    def _org_lei(self, template: DoraTemplate, column: str, row: str) -> str:
        org = self.entities.get(self.org_entity) if self.org_entity else None
        if org is not None and org.lei:
            return org.lei
        if org is None:
            who = "the organisation's own entity (organisation.entity)"
        else:
            who = f"{org.name} (entity '{org.id}')"
        return self._leave(
            template, column, row, f"no LEI is declared for {who}: add lei: to that entity"
        )

    def b_02_02(self, services: list[_Service]) -> DoraTable:
        template = self.catalogue.template("B_02.02")
        rows: list[tuple[str, ...]] = []
        for service in services:
            self.line = len(rows) + 2
            row = f"{service.provider_label} for {service.where}"
            code, code_type = self._provider_code(template, "c0030", service.provider, row)
            stores = _stores(service.component)
            storage, why_storage = self._place(service, LocationRole.STORAGE)
            processing, why_processing = self._place(service, LocationRole.PROCESSING)
            cells = {
                "c0010": self._contract(template, row),
                "c0020": self._org_lei(template, "c0020", row),
                "c0030": code,
                "c0040": code_type,
                "c0050": self._leave(
                    template,
                    "c0050",
                    row,
                    "the function the service supports is the financial entity's own "
                    "identifier (B_06.01); the inventory names the AI system only",
                ),
                "c0060": self._service_type(template, "c0060", service, row),
                "c0130": self._leave(
                    template,
                    "c0130",
                    row,
                    "the country the service is provided from is set by the contract; the "
                    "inventory records where data is stored and processed (c0150, c0160)",
                ),
                "c0140": self._code(_YES if stores else _NO)
                if stores is not None
                else self._leave(
                    template,
                    "c0140",
                    row,
                    "whether the provider keeps the data is not declared: give the component's "
                    "controls.retention (prompts_retained) or ask the provider",
                ),
                "c0150": "",
                "c0160": self._country(processing)
                if processing
                else self._leave(template, "c0160", row, why_processing),
                "c0170": "",
            }
            if stores:  # location and sensitiveness of data at rest apply to stored data only
                cells["c0150"] = (
                    self._country(storage)
                    if storage
                    else self._leave(template, "c0150", row, why_storage)
                )
                cells["c0170"] = self._leave(
                    template,
                    "c0170",
                    row,
                    "sensitiveness (low/medium/high) is the financial entity's assessment; "
                    "the audit report lists the data assets that reach the component",
                )
            for column in ("c0070", "c0080", "c0100", "c0110", "c0120"):
                cells[column] = self._leave(
                    template,
                    column,
                    row,
                    "a term of the contract, which the inventory does not hold",
                )
            cells["c0180"] = self._leave(
                template,
                "c0180",
                row,
                "the level of reliance is the financial entity's assessment of the function",
            )
            rows.append(self._row(template, cells))
        return self._table(template, rows)

    def b_05_01(self, services: list[_Service]) -> DoraTable:
        template = self.catalogue.template("B_05.01")
        providers: dict[str, ResolvedEntity] = {}
        for service in services:
            providers.setdefault(service.provider.id, service.provider)
            for entity, _ in service.subcontractors:
                providers.setdefault(entity.id, entity)
        rows: list[tuple[str, ...]] = []
        for entity in sorted(providers.values(), key=lambda e: (e.name, e.id)):
            self.line = len(rows) + 2
            row = entity.name
            code, code_type = self._provider_code(template, "c0010", entity, row)
            seat = entity.headquarters or entity.country
            cells = {
                "c0010": code,
                "c0020": code_type,
                "c0050": entity.name,
                "c0060": entity.name
                if is_latin(entity.name)
                else self._leave(
                    template, "c0060", row, "the legal name is not in the Latin alphabet"
                ),
                "c0070": self._code(_LEGAL_PERSON),
                "c0080": self._country(seat)
                or self._leave(template, "c0080", row, "the entity's seat is not recorded"),
                "c0090": self._leave(
                    template,
                    "c0090",
                    row,
                    "the currency of the annual expense is not in the inventory",
                ),
                "c0100": self._leave(
                    template, "c0100", row, "the annual expense is not in the inventory"
                ),
            }
            cells["c0110"], cells["c0120"] = self._parent_code(template, entity, row)
            rows.append(self._row(template, cells))
            self._designation(entity, cells["c0010"])
        return self._table(template, rows)

    def _designation(self, entity: ResolvedEntity, code: str) -> None:
        """Note a provider on the ESAs' list of critical ICT third-party service providers
        (DORA Art. 31(1)(a)): the knowledge base's designation of that very entity, never
        of its group (the list names legal entities)."""
        known = self.kb.entities.get(entity.id) if entity.origin == "catalogue" else None
        designation = known.dora_designation if known else None
        if designation is None or self.line is None:
            return
        self.critical.append(
            CriticalProvider(
                code=code,
                name=entity.name,
                b_05_01_line=self.line,
                listed_as=designation.listed_as,
                designated_on=designation.designated_on.isoformat(),
                sources=tuple(designation.provenance.source),
                as_of=designation.provenance.as_of.isoformat(),
            )
        )

    def _parent_code(
        self, template: DoraTemplate, entity: ResolvedEntity, row: str
    ) -> tuple[str, str]:
        if entity.parents is None:
            self._leave(
                template,
                "c0110",
                row,
                f"the ownership of {entity.name} is not recorded, so its ultimate parent is unknown",
            )
            return "", ""
        top = self.ultimate_parent(entity)
        if top is None:
            # The EBA existence rule e23674_e wants c0110 filled on every row; the definitions
            # recorded in rules/dora/templates.yaml name the column and do not say which code
            # a provider at the top of its own chain reports. Listed, not invented.
            self._leave(
                template,
                "c0110",
                row,
                f"{entity.name} is its own ultimate parent as far as the recorded ownership "
                "goes (no controlling parent). The EBA validation rule e23674_e requires this "
                "column, and the template definitions recorded in rules/dora/templates.yaml "
                "do not say which code to report for a provider that is its own ultimate "
                "parent: enter it as the instruction for B_05.01.0110 in Annex I of "
                "Implementing Regulation (EU) 2024/2956 says",
            )
            return "", ""
        if top.lei:
            return top.lei, self._code(_LEI)
        if top.natural_person:
            self._leave(
                template,
                "c0110",
                row,
                f"the ultimate parent is a natural person or family, which has no LEI "
                f"({top.name} at the top of the recorded ownership chain)",
            )
            return "", ""
        self._leave(
            template,
            "c0110",
            row,
            f"the top of the recorded ownership chain is {top.name}, for which no LEI is "
            f"recorded: add lei: to the entity {top.id!r} from its GLEIF record (or, if it is a "
            "person or a family, natural_person: true)",
        )
        return "", ""

    def b_05_02(self, services: list[_Service]) -> DoraTable:
        template = self.catalogue.template("B_05.02")
        rows: list[tuple[str, ...]] = []
        for service in services:
            self.line = len(rows) + 2
            row = f"{service.provider.name} (rank 1) for {service.where}"
            code, code_type = self._provider_code(template, "c0030", service.provider, row)
            rows.append(
                self._row(
                    template,
                    {
                        "c0010": self._contract(template, row),
                        "c0020": self._service_type(template, "c0020", service, row),
                        "c0030": code,
                        "c0040": code_type,
                        "c0050": "1",
                    },
                )
            )
            for entity, role in service.subcontractors:
                self.line = len(rows) + 2
                sub_row = (
                    f"{entity.name} (rank 2, {role.replace('_', ' ')} of "
                    f"{service.provider.name}) for {service.where}"
                )
                sub_code, sub_type = self._provider_code(template, "c0030", entity, sub_row)
                recipient, recipient_type = self._provider_code(
                    template, "c0060", service.provider, sub_row
                )
                rows.append(
                    self._row(
                        template,
                        {
                            "c0010": self._contract(template, sub_row),
                            "c0020": self._service_type(template, "c0020", service, sub_row),
                            "c0030": sub_code,
                            "c0040": sub_type,
                            "c0050": "2",
                            "c0060": recipient,
                            "c0070": recipient_type,
                        },
                    )
                )
        return self._table(template, rows)

    def b_07_01(self, services: list[_Service]) -> DoraTable:
        template = self.catalogue.template("B_07.01")
        rows: list[tuple[str, ...]] = []
        for service in services:
            self.line = len(rows) + 2
            row = f"{service.provider_label} for {service.where}"
            code, code_type = self._provider_code(template, "c0020", service.provider, row)
            leads = _alternatives(service.component.service)
            cells = {
                "c0010": self._contract(template, row),
                "c0020": code,
                "c0030": code_type,
                "c0040": self._service_type(template, "c0040", service, row),
                "c0050": self._leave(
                    template,
                    "c0050",
                    row,
                    "substitutability is the financial entity's assessment" + leads,
                ),
                "c0070": self._leave(
                    template,
                    "c0070",
                    row,
                    "the date of the last audit of the provider is not in the inventory",
                ),
                "c0080": self._leave(
                    template, "c0080", row, "whether an exit plan exists is not in the inventory"
                ),
                "c0090": self._leave(
                    template,
                    "c0090",
                    row,
                    "the possibility of reintegration is the financial entity's assessment",
                ),
                "c0100": self._leave(
                    template,
                    "c0100",
                    row,
                    "the impact of discontinuing the service is the financial entity's assessment",
                ),
                "c0110": self._leave(
                    template,
                    "c0110",
                    row,
                    "whether alternative providers were identified is the financial entity's "
                    "finding" + leads,
                ),
            }
            rows.append(self._row(template, cells))
        return self._table(template, rows)

    def parameters(self, reference_date: dt.date | None) -> tuple[tuple[str, str], ...]:
        package = self.catalogue.package
        self.line = None
        org = self.entities.get(self.org_entity) if self.org_entity else None
        values: dict[str, str] = {"decimalsInteger": "0", "decimalsMonetary": "-3"}
        if org is not None and org.lei:
            values["entityID"] = f"rs:{org.lei}.IND"
        else:
            self._parameter("entityID", "the organisation's LEI is not declared (entity lei:)")
        if reference_date is not None:
            values["refPeriod"] = reference_date.isoformat()
        else:
            self._parameter("refPeriod", "give the reference date with --reference-date")
        self._parameter("baseCurrency", "the reporting currency is not in the inventory")
        return tuple((name, values.get(name, "")) for name in package.parameters)

    def _parameter(self, name: str, reason: str) -> None:
        self.unfilled.append(
            UnfilledField(
                template="parameters",
                template_name="Report package parameters",
                column=name,
                label=name,
                row="report package",
                reason=reason,
            )
        )

    @staticmethod
    def _row(template: DoraTemplate, cells: dict[str, str]) -> tuple[str, ...]:
        for code in cells:
            template.column(code)  # a cell outside the recorded layout is a bug: fail
        return tuple(cells.get(column.code, "") for column in template.columns)

    @staticmethod
    def _table(template: DoraTemplate, rows: list[tuple[str, ...]]) -> DoraTable:
        return DoraTable(
            template=template.code,
            name=template.name,
            columns=tuple(column.code for column in template.columns),
            rows=tuple(rows),  # one per service: rows alike in the CSV differ in unfilled.json
        )


def _stores(component: ResolvedComponent) -> bool | None:
    """Whether the service keeps data at rest: by its kind, else by its declared retention.

    A model or inference service whose retention neither the inventory nor the catalogue
    states is unknown (None), not "no": unknown stays unknown.
    """
    if component.kind in STORES_DATA:
        return True
    if component.retention is None:
        return None
    return component.retention.prompts_retained


def _unique(
    items: tuple[tuple[ResolvedEntity, str], ...],
) -> tuple[tuple[ResolvedEntity, str], ...]:
    seen: set[str] = set()
    kept = []
    for entity, role in items:
        if entity.id not in seen:
            seen.add(entity.id)
            kept.append((entity, role))
    return tuple(kept)


def _alternatives(vendor: Vendor | None) -> str:
    """The open-weights alternatives the knowledge base lists, as leads for the assessment."""
    if vendor is None or not vendor.open_weights_alternatives:
        return ""
    return "; the knowledge base lists open-weights alternatives to self-host: " + "; ".join(
        vendor.open_weights_alternatives
    )


__all__ = ["build_register", "dora_register", "is_latin", "register_gaps"]
