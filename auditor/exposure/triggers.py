"""Which trigger of a law reaches a party: incorporation, control, territory or presence.

Only the territorial trigger depends on the component (where its operator
acts); the others depend on the entity alone and are worked out once per
(entity, law) however many components the entity serves.
"""

from __future__ import annotations

from typing import NamedTuple

from auditor.exposure.control import Control, entity_label
from auditor.exposure.evidence import hop
from auditor.graph.resolve import Party, PlaceKind, ResolvedComponent, ResolvedEntity, weakest
from auditor.model.common import Confidence, SourceSpan
from auditor.model.findings import Hop
from auditor.model.kb import Law, LocationRole, TriggerKind
from auditor.model.words import country_in_sentence

# A trigger that fired: its index in the law, its kind, the hops it adds, its confidence,
# and for a contested reach (presence) why, in words.
Fired = tuple[int, TriggerKind, tuple[Hop, ...], Confidence, str]


class FiredTrigger(NamedTuple):
    """The strongest trigger of a law that fires for a party, with the fact it rests on."""

    kind: TriggerKind
    hops: list[Hop]
    confidence: Confidence
    fact: str  # the knowledge-base fact the trigger rests on
    note: str  # why a contested (presence) reach is contested; empty when strong
    reach_confidence: Confidence  # the trigger's own confidence: does the law reach this way?


class Triggers:
    """The triggers of the knowledge base's laws over one graph's entities (cached)."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self.entities = control.graph.entities
        self.laws = control.graph.kb.laws
        self._entity_triggers: dict[tuple[str, str], tuple[Fired | None, Fired | None]] = {}
        self._reach: dict[str, frozenset[str]] = {}
        self._children: dict[str, list[ResolvedEntity]] | None = None
        self._territorial: dict[
            tuple[str, str | None], list[tuple[int, Confidence, tuple[LocationRole, ...]]]
        ] = {}

    def fired(self, rc: ResolvedComponent, party: Party, law: Law) -> FiredTrigger | None:
        """The strongest trigger of ``law`` that fires for ``party``, with the fact it rests on.

        Incorporation or control first, then (for the operator) territory, then presence.
        """
        entity = self.entities.get(party.entity)
        corporate, presence = self._entity_level(entity, law)
        fired = corporate
        if fired is None and party.role == "operator":
            fired = self._territorial_trigger(rc, entity, law)
        if fired is None:
            fired = presence
        if fired is None:
            return None
        index, kind, hops, confidence, note = fired
        trigger = law.triggers[index]
        own = trigger.provenance.confidence if trigger.provenance else law.provenance.confidence
        return FiredTrigger(
            kind, list(hops), confidence, f"law {law.id} trigger {index + 1}", note, own
        )

    def entity_reach(self, entity: ResolvedEntity | None) -> frozenset[str]:
        """Ids of the laws whose incorporation, control or presence triggers reach the entity."""
        if entity is None:
            return frozenset()
        cached = self._reach.get(entity.id)
        if cached is not None:
            return cached
        found = self._reach[entity.id] = frozenset(
            law.id for law in self.laws.values() if self._entity_level(entity, law) != (None, None)
        )
        return found

    def _entity_level(
        self, entity: ResolvedEntity | None, law: Law
    ) -> tuple[Fired | None, Fired | None]:
        """:meth:`_entity_level_triggers`, computed once per (entity, law)."""
        if entity is None:
            return None, None
        key = (entity.id, law.id)
        held = self._entity_triggers.get(key)
        if held is None:
            held = self._entity_triggers[key] = self._entity_level_triggers(entity, law)
        return held

    @staticmethod
    def _applicable(
        law: Law, kind: TriggerKind, entity: ResolvedEntity | None
    ) -> list[tuple[int, Confidence]]:
        """Triggers of one kind that apply to the entity's provider categories, with confidence."""
        found = []
        for index, trigger in enumerate(law.triggers):
            if trigger.kind is not kind:
                continue
            if (
                trigger.provider_categories
                and entity
                and entity.provider_categories
                and not set(trigger.provider_categories) & set(entity.provider_categories)
            ):
                continue
            # A trigger with its own provenance is as sure as its own sources say.
            found.append(
                (
                    index,
                    trigger.provenance.confidence
                    if trigger.provenance
                    else law.provenance.confidence,
                )
            )
        return found

    def _entity_level_triggers(
        self, entity: ResolvedEntity, law: Law
    ) -> tuple[Fired | None, Fired | None]:
        """The first incorporation-or-control trigger, and the first presence trigger."""
        jurisdiction = law.jurisdiction
        seats = entity.seats
        for index, conf in self._applicable(law, TriggerKind.INCORPORATED, entity):
            if jurisdiction in seats:
                return (
                    (index, TriggerKind.INCORPORATED, (), weakest(conf, entity.confidence), ""),
                    None,
                )
        for index, conf in self._applicable(law, TriggerKind.CONTROL, entity):
            for chain in self.control.chains(entity.id)[0]:
                top = self.entities.get(chain[-1].parent)
                if top is not None and jurisdiction in top.seats:
                    hops = []
                    confs = [conf, entity.confidence]
                    for link in chain:
                        parent = self.entities.get(link.parent)
                        confs.append(parent.confidence if parent else Confidence.UNCONFIRMED)
                        hops.append(
                            hop(
                                f"parent {entity_label(parent, link.parent)}: {link.reason}",
                                "parent",
                                link.ownership.span,
                            )
                        )
                    return (index, TriggerKind.CONTROL, tuple(hops), weakest(*confs), ""), None
        applicable = self._applicable(law, TriggerKind.PRESENCE, entity)
        if applicable:
            found = self._presence(entity, jurisdiction)
            if found is not None:
                index, conf = applicable[0]
                note, span, fact_conf = found
                return None, (
                    index,
                    TriggerKind.PRESENCE,
                    (hop(note, "presence", span),),
                    weakest(conf, fact_conf),
                    note,
                )
        return None, None

    def _presence(
        self, entity: ResolvedEntity, country: str
    ) -> tuple[str, SourceSpan | None, Confidence] | None:
        """How the entity, or the group that controls it, does business in ``country``: its
        own presence, a controller's, or a subsidiary a group member controls there.

        A presence of the group counts for each entity it controls: a foreign court that can
        reach the parent through its presence may order it to produce what it controls
        (DESIGN.md 3.2). Returns the fact in words, where it is declared, and its confidence.
        """
        name = country_in_sentence(self.control.graph.kb.country_name(country))
        group: list[ResolvedEntity] = [entity]
        for chain in self.control.chains(entity.id)[0]:
            parent = self.entities.get(chain[-1].parent)
            if parent is not None and all(m.id != parent.id for m in group):
                group.append(parent)
        for member in group:
            label = entity_label(member, member.id)
            whose = "" if member is entity else f", which controls {entity.name},"
            if country in member.presence:
                through = next((v for v in member.presence_via if v[0] == country), None)
                via = f" through {through[1]}" if through and through[1] else ""
                confidence = weakest(
                    member.confidence, through[2] if through else member.confidence
                )
                return f"{label}{whose} does business in {name}{via}", member.span, confidence
            for child in self._subsidiaries(member.id):
                if country in child.seats and child.id != entity.id:
                    return (
                        f"{label}{whose} has a subsidiary in {name}: "
                        f"{entity_label(child, child.id)}",
                        child.span,
                        weakest(member.confidence, child.confidence),
                    )
        return None

    def _subsidiaries(self, parent_id: str) -> list[ResolvedEntity]:
        """Entities ``parent_id`` controls directly (standard control test), by id."""
        if self._children is None:
            children: dict[str, list[ResolvedEntity]] = {}
            for child in sorted(self.entities.values(), key=lambda e: e.id):
                for chain in self.control.chains(child.id)[0]:
                    if len(chain) == 1:
                        children.setdefault(chain[0].parent, []).append(child)
            self._children = children
        return self._children.get(parent_id, [])

    def _territorial_trigger(
        self, rc: ResolvedComponent, entity: ResolvedEntity | None, law: Law
    ) -> Fired | None:
        """The law's territorial trigger, when the operator acts inside its country."""
        key = (law.id, entity.id if entity else None)
        territorial = self._territorial.get(key)
        if territorial is None:
            territorial = self._territorial[key] = [
                (index, conf, tuple(law.triggers[index].roles or LocationRole))
                for index, conf in self._applicable(law, TriggerKind.TERRITORIAL, entity)
            ]
        # A residency zone counts with each of its countries: an 'eu.' profile that may route
        # to London is processing that may take place in the United Kingdom (issue 19); so does
        # a country a worldwide option names ("including mainland China").
        for index, conf, roles in territorial:
            for role in roles:
                place = rc.places.get(role)
                if place is None or law.jurisdiction not in place.countries:
                    continue
                if place.kind is PlaceKind.COUNTRY:
                    text = f"{role.value} {place.in_words}: {place.reason}"
                elif place.kind in (PlaceKind.ZONE, PlaceKind.GLOBAL):
                    country = self.control.graph.kb.country_name(law.jurisdiction)
                    part = (
                        f"part of the {place.label} zone"
                        if place.kind is PlaceKind.ZONE
                        else "named by the vendor among the places of its worldwide handling"
                    )
                    text = (
                        f"{_MAY_BE.get(role, f'{role.value} may take place')} in "
                        f"{country_in_sentence(country)} ({part}): {place.reason}"
                    )
                else:
                    continue
                location = hop(text, "location", place.span)
                return index, TriggerKind.TERRITORIAL, (location,), conf, ""
        return None


# What a role does at a place, in words, for a place that is one of several of a zone.
_MAY_BE: dict[LocationRole, str] = {
    LocationRole.STORAGE: "may be stored",
    LocationRole.PROCESSING: "may be processed",
    LocationRole.BACKUP: "may be backed up",
    LocationRole.TELEMETRY: "telemetry may be sent",
    LocationRole.ADMIN: "administrative access may take place",
    LocationRole.SUPPORT: "support access may take place",
    LocationRole.KEY_CUSTODY: "keys may be held",
}
