"""Who controls an entity: control chains and the countries of the controllers, once per entity."""

from __future__ import annotations

from auditor.graph import ControlLink, ResidencyGraph, controllers
from auditor.graph.control import secnumcloud_failures, undecided_control
from auditor.graph.resolve import ResolvedEntity


def entity_label(entity: ResolvedEntity | None, ident: str) -> str:
    """An entity as the evidence names it: its name and country, or its bare id."""
    if entity is None:
        return ident
    return f"{entity.name} ({entity.country or 'country unknown'})"


class Control:
    """Control chains above the graph's entities (cached), and the SecNumCloud ownership test.

    Law reach always uses the standard control test (DESIGN.md 3.3); the policy's
    ``control_test`` only decides whether :meth:`secnumcloud` is reported.
    """

    def __init__(self, graph: ResidencyGraph) -> None:
        self.graph = graph
        self._secnumcloud: dict[str, list[str]] = {}
        self._chains: dict[str, tuple[list[list[ControlLink]], list[str]]] = {}
        self._seats: dict[str, frozenset[str]] = {}

    def chains(self, entity_id: str) -> tuple[list[list[ControlLink]], list[str]]:
        """Control chains above an entity, and the owners whose ownership is unknown (cached)."""
        if entity_id not in self._chains:
            self._chains[entity_id] = controllers(entity_id, self.graph.entities)
        return self._chains[entity_id]

    def undecided(self, entity: ResolvedEntity) -> str | None:
        """Why the stakes in ``entity`` cannot decide who controls it, or None when they can."""
        return undecided_control(entity, self.graph.entities)

    def secnumcloud(self, entity_id: str) -> list[str]:
        """Why the entity fails SecNumCloud 3.2 requirement 19.6.b (cached; empty: passes)."""
        found = self._secnumcloud.get(entity_id)
        if found is None:
            found = self._secnumcloud[entity_id] = secnumcloud_failures(
                entity_id, self.graph.entities, self.graph.eu
            )
        return found

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
