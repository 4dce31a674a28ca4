"""Control chains: who controls an entity, under the standard or the SecNumCloud test.

DESIGN.md 3.3: a parent controls a child when it holds more than 50 % of the
votes, holds a veto, or appoints the board majority. SecNumCloud 3.2
requirement 19.6.b is stricter: a single non-EU holder above 24 %, or all
non-EU holders together above 39 %, is treated as control.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.graph.resolve import ResolvedEntity
from auditor.model.inventory import Ownership
from auditor.model.policy import ControlTest


@dataclass(frozen=True)
class ControlLink:
    """One step up a control chain."""

    child: str
    parent: str
    ownership: Ownership
    reason: str  # why this parent controls the child


def direct_controllers(
    entity: ResolvedEntity,
    entities: dict[str, ResolvedEntity],
    test: ControlTest,
    eu: frozenset[str],
) -> list[ControlLink]:
    """Parents that control ``entity`` directly."""
    links: list[ControlLink] = []
    parents = entity.parents or ()
    non_eu_total = 0.0
    non_eu: list[Ownership] = []
    for ownership in parents:
        reason = ownership.control_reason()
        parent = entities.get(ownership.entity)
        foreign = parent is not None and not (parent.seats and parent.seats <= eu)
        if foreign:
            non_eu_total += ownership.percentage or 0.0
            non_eu.append(ownership)
        if reason is None and test is ControlTest.SECNUMCLOUD and foreign:
            pct = ownership.percentage
            if pct is not None and pct > 24:
                reason = f"non-EU holder of {pct:g} % (> 24 %, SecNumCloud 19.6.b)"
        if reason is not None:
            links.append(ControlLink(entity.id, ownership.entity, ownership, reason))
    if test is ControlTest.SECNUMCLOUD and non_eu_total > 39:
        named = {link.parent for link in links}
        for ownership in non_eu:
            if ownership.entity not in named:
                links.append(
                    ControlLink(
                        entity.id,
                        ownership.entity,
                        ownership,
                        f"non-EU holders together hold {non_eu_total:g} % (> 39 %, SecNumCloud 19.6.b)",
                    )
                )
    return sorted(links, key=lambda link: link.parent)


def controllers(
    entity_id: str,
    entities: dict[str, ResolvedEntity],
    test: ControlTest,
    eu: frozenset[str],
) -> tuple[list[list[ControlLink]], list[str]]:
    """Every control chain upward from ``entity_id`` (cycle-safe), and entities whose ownership is unknown.

    Each chain is the list of links from the entity to one controller; a chain
    stops at an entity with no controlling parent.
    """
    chains: list[list[ControlLink]] = []
    unknown: list[str] = []

    def walk(current: str, trail: list[ControlLink], seen: frozenset[str]) -> None:
        entity = entities.get(current)
        if entity is None:
            return
        if entity.parents is None:
            unknown.append(current)
        elif any(o.stake_unknown for o in entity.parents):
            # A listed parent whose stake and rights are not stated may control the
            # entity: that is unknown ownership, not independence.
            unknown.append(current)
        for link in direct_controllers(entity, entities, test, eu):
            if link.parent in seen:
                continue  # ownership cycle: the catalogue check reports it; never loop
            chain = [*trail, link]
            chains.append(chain)
            walk(link.parent, chain, seen | {link.parent})

    walk(entity_id, [], frozenset({entity_id}))
    return chains, sorted(set(unknown))
