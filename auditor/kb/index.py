"""Look-ups over a validated knowledge base (the only way later layers read it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from auditor.model.common import Classification, Provenance
from auditor.model.findings import Sensitivity
from auditor.model.inventory import DataAsset
from auditor.model.kb import (
    AdequacyScope,
    CatalogueEntity,
    Jurisdiction,
    KnowledgeBase,
    Law,
    Region,
    RegionCatalogue,
    Vendor,
    Zone,
)
from auditor.model.words import country_in_sentence, region_words

EEA_BLOC = "EEA"
ADEQUATE_BLOC = "adequate"


@dataclass(frozen=True)
class Fact:
    """One dated, sourced fact of the knowledge base, for staleness and confidence checks."""

    subject: str  # e.g. "law us-cloud-act", "vendor azure-openai deployment DataZoneStandard"
    provenance: Provenance
    where: str  # file:line
    # The fact in words, by display names: "the law US CLOUD Act", "the deployment option
    # DataZoneStandard of Azure OpenAI in Microsoft Foundry" (the subject when empty).
    words: str = ""

    @property
    def shown(self) -> str:
        """What a person reads for the fact."""
        return self.words or self.subject


@dataclass(frozen=True)
class Taxonomy:
    """Known data-category keys and how sensitive each is."""

    categories: frozenset[str]
    special: tuple[str, ...]
    personal: tuple[str, ...]
    confidential: tuple[str, ...]

    @staticmethod
    def _under(key: str, prefixes: tuple[str, ...]) -> bool:
        return any(key == p or key.startswith(p + ".") for p in prefixes)

    def sensitivity_of_category(self, key: str) -> Sensitivity:
        """Sensitivity of one category key."""
        if self._under(key, self.special):
            return Sensitivity.SPECIAL_CATEGORY
        if self._under(key, self.confidential):
            return Sensitivity.CONFIDENTIAL
        if self._under(key, self.personal):
            return Sensitivity.PERSONAL
        return Sensitivity.INTERNAL

    def is_personal(self, asset: DataAsset) -> bool:
        """The asset holds personal data (GDPR Art. 4(1))."""
        return any(
            self._under(c, self.personal) or self._under(c, self.special) for c in asset.categories
        )

    def sensitivity(self, asset: DataAsset) -> Sensitivity:
        """The highest sensitivity among the asset's categories and its classification."""
        levels = [self.sensitivity_of_category(c) for c in asset.categories]
        if asset.classification in (Classification.CONFIDENTIAL, Classification.SECRET):
            levels.append(Sensitivity.CONFIDENTIAL)
        elif asset.classification is Classification.PUBLIC and not levels:
            levels.append(Sensitivity.PUBLIC)
        return max(levels, key=lambda s: s.rank) if levels else Sensitivity.INTERNAL


class KnowledgeIndex:
    """A validated knowledge base with the look-ups the engine needs."""

    def __init__(self, kb: KnowledgeBase, taxonomy: Taxonomy, files: dict[str, str]) -> None:
        self.kb = kb
        self.taxonomy = taxonomy
        self.files = files  # path -> sha256, for the report's control block
        self._blocs: dict[str, frozenset[str]] = {}  # asked for on every residency check
        self._areas: dict[tuple[str, ...], Callable[[str], bool]] = {}
        self.laws: dict[str, Law] = {law.id: law for law in kb.laws}
        self.jurisdictions: dict[str, Jurisdiction] = {j.code: j for j in kb.jurisdictions}
        self.entities: dict[str, CatalogueEntity] = {e.id: e for e in kb.entities}
        self.vendors: dict[str, Vendor] = {v.id: v for v in kb.vendors}
        self.region_catalogues: dict[str, RegionCatalogue] = {r.provider: r for r in kb.regions}
        self.regions: dict[tuple[str, str], Region] = {
            (cat.provider, region.code): region for cat in kb.regions for region in cat.regions
        }
        self.zones: dict[str, Zone] = {z.id: z for z in kb.zones}
        self.laws_by_jurisdiction: dict[str, list[Law]] = {}
        for law in sorted(kb.laws, key=lambda item: item.id):
            self.laws_by_jurisdiction.setdefault(law.jurisdiction, []).append(law)

    @property
    def version(self) -> str:
        """The knowledge-base version every report prints."""
        return self.kb.meta.version

    def blocs_of(self, code: str) -> frozenset[str]:
        """Blocs a jurisdiction belongs to, with ``adequate`` computed from EEA and adequacy.

        A country whose adequacy covers only certified importers (the United States:
        DPF-certified organisations) is not in ``adequate`` as a whole; whether it is
        adequate for one importer is :meth:`adequate_for_certified_only` plus that
        importer's certification, decided where the importer is known.
        """
        cached = self._blocs.get(code)
        if cached is not None:
            return cached
        jurisdiction = self.jurisdictions.get(code)
        blocs = set(jurisdiction.blocs) if jurisdiction is not None else set()
        if jurisdiction is not None and (
            EEA_BLOC in blocs
            or (
                jurisdiction.adequacy is not None
                and jurisdiction.adequacy.scope is not AdequacyScope.DPF_CERTIFIED
            )
        ):
            blocs.add(ADEQUATE_BLOC)
        found = self._blocs[code] = frozenset(blocs)
        return found

    def area(self, allowed: list[str] | tuple[str, ...]) -> Callable[[str], bool]:
        """Whether a country is inside any of ``allowed`` (country codes or blocs), as a
        function of the country that remembers its answers (a residency requirement is
        tested against every place its data reaches)."""
        key = tuple(allowed)
        known = self._areas.get(key)
        if known is not None:
            return known
        wanted = frozenset(allowed)
        answers: dict[str, bool] = {}

        def inside(code: str) -> bool:
            answer = answers.get(code)
            if answer is None:
                answer = answers[code] = code in wanted or bool(self.blocs_of(code) & wanted)
            return answer

        self._areas[key] = inside
        return inside

    def adequate_for_certified_only(self, code: str) -> bool:
        """The country's adequacy decision covers only certified importers (US: the DPF)."""
        jurisdiction = self.jurisdictions.get(code)
        adequacy = jurisdiction.adequacy if jurisdiction else None
        return adequacy is not None and adequacy.scope is AdequacyScope.DPF_CERTIFIED

    def zone_countries(self, zone: Zone) -> frozenset[str]:
        """The countries a zone's members lie in (blocs expanded, regions resolved)."""
        found: set[str] = set()
        for member in zone.members:
            if ":" in member:
                region = self.resolve_region(*member.split(":", 1))
                if region is not None:  # the loader rejects unknown regions
                    found.add(region.country)
            elif member in (EEA_BLOC, "EU"):
                found |= {c for c in self.jurisdictions if member in self.blocs_of(c)}
            else:
                found.add(member)
        return frozenset(found)

    def zone_members_text(self, zone: Zone) -> str:
        """The zone's members in words: 'London, United Kingdom (eu-west-2); ...' (a
        semicolon between members when a member's words have a comma of their own)."""
        parts: list[str] = []
        for member in zone.members:
            if ":" in member:
                provider, code = member.split(":", 1)
                region = self.resolve_region(provider, code)
                if region is None:
                    parts.append(member)
                    continue
                parts.append(self.region_label(provider, code, with_provider=False))
            elif member in (EEA_BLOC, "EU"):
                parts.append(f"any {member} member state")
            else:
                parts.append(self.country_name(member))
        return ("; " if any(", " in part for part in parts) else ", ").join(parts)

    def is_eea(self, code: str) -> bool:
        """The country is in the European Economic Area."""
        return EEA_BLOC in self.blocs_of(code)

    def country_name(self, code: str) -> str:
        """Display name of a country code (the code itself if unknown)."""
        jurisdiction = self.jurisdictions.get(code)
        return jurisdiction.name if jurisdiction else code

    def resolve_region(self, provider: str, code: str) -> Region | None:
        """The region a ``provider:code`` reference names, or None (never guessed)."""
        return self.regions.get((provider, code))

    def location_words(self, ref: str) -> str:
        """A location reference (``provider:code``, a country code, EU, EEA, global) in words:
        "Dublin, Ireland (Amazon Web Services eu-west-1)", "the United States", "the EU",
        "anywhere"."""
        provider, colon, code = ref.partition(":")
        if colon:
            return self.region_label(provider, code)
        if ref in ("EU", "EEA"):
            return f"the {ref}"
        return "anywhere" if ref == "global" else country_in_sentence(self.country_name(ref))

    def region_label(self, provider: str, code: str, with_provider: bool = True) -> str:
        """A ``provider:code`` region in words, the code after: "Dublin, Ireland (Amazon Web
        Services eu-west-1)"; "country unknown (...)" for a code the catalogue does not have.
        ``with_provider=False`` leaves the provider out where the sentence names it already."""
        catalogue = self.region_catalogues.get(provider)
        name = catalogue.name if catalogue else provider
        region = self.resolve_region(provider, code)
        country = self.country_name(region.country) if region else None
        return region_words(
            code, name if with_provider else None, region.city if region else None, country
        )

    def facts(self) -> Iterator[Fact]:
        """Every provenance record of the knowledge base."""

        def where(obj: object) -> str:
            span = getattr(obj, "span", None)
            return str(span) if span else "rules/"

        for law in self.kb.laws:
            yield Fact(f"law {law.id}", law.provenance, where(law), f"the law {law.short_name}")
            for index, trigger in enumerate(law.triggers):
                if trigger.provenance:
                    yield Fact(
                        f"law {law.id} trigger {index + 1}",
                        trigger.provenance,
                        where(law),
                        f"the reach of the law {law.short_name} (trigger {index + 1})",
                    )
        for jurisdiction in self.kb.jurisdictions:
            yield Fact(
                f"jurisdiction {jurisdiction.code}",
                jurisdiction.provenance,
                where(jurisdiction),
                f"the jurisdiction {jurisdiction.name}",
            )
            if jurisdiction.adequacy:
                yield Fact(
                    f"adequacy {jurisdiction.code}",
                    jurisdiction.adequacy.provenance,
                    where(jurisdiction),
                    f"the adequacy decision for {country_in_sentence(jurisdiction.name)}",
                )
        for framework in self.kb.transfer_frameworks:
            yield Fact(
                f"transfer framework {framework.id}",
                framework.provenance,
                where(framework),
                f"the transfer framework {framework.name}",
            )
        for entity in self.kb.entities:
            yield Fact(
                f"entity {entity.id}", entity.provenance, where(entity), f"the entity {entity.name}"
            )
            if entity.lei_provenance is not None:
                yield Fact(
                    f"entity {entity.id} LEI",
                    entity.lei_provenance,
                    where(entity),
                    f"the LEI of {entity.name}",
                )
            if entity.dora_designation is not None:
                yield Fact(
                    f"entity {entity.id} DORA designation",
                    entity.dora_designation.provenance,
                    where(entity),
                    f"the designation of {entity.name} as a critical ICT third-party "
                    "service provider under DORA",
                )
            for presence in entity.presence:
                if not isinstance(presence, str):
                    yield Fact(
                        f"entity {entity.id} presence {presence.country}",
                        presence.provenance,
                        where(entity),
                        f"the presence of {entity.name} in "
                        f"{country_in_sentence(self.country_name(presence.country))}",
                    )
            for parent in entity.parents or ():
                if parent.provenance:
                    yield Fact(
                        f"entity {entity.id} parent {parent.entity}",
                        parent.provenance,
                        where(parent),
                        self._parent_words(entity, parent.entity),
                    )
        for vendor in self.kb.vendors:
            yield Fact(
                f"vendor {vendor.id}", vendor.provenance, where(vendor), f"the vendor {vendor.name}"
            )
            for option in vendor.deployment_options:
                yield Fact(
                    f"vendor {vendor.id} deployment {option.id}",
                    option.provenance,
                    where(vendor),
                    f"the deployment option {option.id} of {vendor.name}",
                )
            for cert in vendor.certifications:
                yield Fact(
                    f"vendor {vendor.id} certification {cert.scheme}",
                    cert.provenance,
                    where(vendor),
                    f"the {cert.scheme} certification of {vendor.name}",
                )
            if vendor.defaults:
                yield Fact(
                    f"vendor {vendor.id} defaults",
                    vendor.defaults.provenance,
                    where(vendor),
                    f"the retention and training defaults of {vendor.name}",
                )
        for zone in self.kb.zones:
            yield Fact(f"zone {zone.id}", zone.provenance, where(zone), f"the zone {zone.name}")
        if self.kb.dora is not None:
            dora = self.kb.dora
            yield Fact("DORA report package", dora.package.provenance, where(dora.package))
            for values in dora.value_lists:
                yield Fact(f"DORA value list {values.id}", values.provenance, where(values))
            for template in dora.templates:
                yield Fact(f"DORA template {template.code}", template.provenance, where(template))
        for catalogue in self.kb.regions:
            yield Fact(
                f"regions {catalogue.provider}",
                catalogue.provenance,
                where(catalogue),
                f"the region list of {catalogue.name}",
            )
            for region in catalogue.regions:
                if region.provenance:
                    yield Fact(
                        f"region {catalogue.provider}:{region.code}",
                        region.provenance,
                        where(catalogue),
                        f"the region {region.code} of {catalogue.name}",
                    )

    def _parent_words(self, entity: CatalogueEntity, parent: str) -> str:
        """An ownership link in words: "the ownership of A by B"."""
        owner = self.entities.get(parent)
        return f"the ownership of {entity.name} by {owner.name if owner else parent}"

    def unbased_control_links(self) -> Iterator[Fact]:
        """Parent links that say ``controlling: true`` without what control rests on (a
        share, votes, veto, board right, stated majority, subsidiary listing or group
        statement), each with the provenance that covers it."""
        for entity in self.kb.entities:
            for parent in entity.parents or ():
                if parent.control_basis_missing:
                    yield Fact(
                        f"entity {entity.id} parent {parent.entity}",
                        parent.provenance or entity.provenance,
                        str(parent.span) if parent.span else "rules/",
                        self._parent_words(entity, parent.entity),
                    )

    def oldest_fact(self) -> dt.date | None:
        """Date of the oldest fact in the knowledge base."""
        dates = [fact.provenance.as_of for fact in self.facts()]
        return min(dates) if dates else None
