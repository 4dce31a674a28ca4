"""Who controls an entity: control chains and the countries of the controllers, once per entity."""

from __future__ import annotations

from auditor.graph import ControlLink, ResidencyGraph, controllers
from auditor.graph.control import undecided_control
from auditor.graph.resolve import ResolvedEntity
from auditor.model.policy import ControlTest


def entity_label(entity: ResolvedEntity | None, ident: str) -> str:
    """An entity as the evidence names it: its name and country, or its bare id."""
    if entity is None:
        return ident
    return f"{entity.name} ({entity.country or 'country unknown'})"


class Control:
    """Control chains above the graph's entities under one control test (cached)."""

    def __init__(self, graph: ResidencyGraph, test: ControlTest) -> None:
        self.graph = graph
        self.test = test
        self._chains: dict[str, tuple[list[list[ControlLink]], list[str]]] = {}
        self._seats: dict[str, frozenset[str]] = {}

    def chains(self, entity_id: str) -> tuple[list[list[ControlLink]], list[str]]:
        """Control chains above an entity, and the owners whose ownership is unknown (cached)."""
        if entity_id not in self._chains:
            self._chains[entity_id] = controllers(
                entity_id, self.graph.entities, self.test, self.graph.eu
            )
        return self._chains[entity_id]

    def undecided(self, entity: ResolvedEntity) -> str | None:
        """Why the stakes in ``entity`` cannot decide who controls it, or None when they can."""
        return undecided_control(entity, self.graph.entities, self.test, self.graph.eu)

    def controller_seats(self, entity_id: str) -> frozenset[str]:
        """Countries of the entity and of everyone who controls it (cached)."""
        seats = self._seats.get(entity_id)
        if seats is None:
            entity = self.graph.entities.get(entity_id)
            found = set(entity.seats) if entity else set()
            for chain in self.chains(entity_id)[0]:
                parent = self.graph.entities.get(chain[-1].parent)
                if parent:
                    found |= parent.seats
            seats = self._seats[entity_id] = frozenset(found)
        return seats
