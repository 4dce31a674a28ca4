"""Control chains: who controls an entity, under the standard or the SecNumCloud test.

DESIGN.md 3.3: a parent controls a child when it holds more than 50 % of the
votes, holds a veto, or appoints the board majority. SecNumCloud 3.2
requirement 19.6.b is stricter: a single non-EU holder above 24 %, or all
non-EU holders together above 39 %, is treated as control.

Stakes at a threshold (a 50/50 joint venture), within floating-point noise of it
(``share_pct: 50.000000000000001`` reads as 50.0), or adding up to more than 100 %
do not decide control either way: :func:`undecided_control` says why, and the
walk reports such an entity with those whose ownership is unknown, so the audit
shows an evidence gap instead of concluding "not controlled".
"""

from __future__ import annotations

import math
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


# Two stakes closer than this are the same stake: YAML floats carry about 15 digits.
_NOISE = 1e-9
MAJORITY = 50.0
SECNUMCLOUD_SINGLE = 24.0
SECNUMCLOUD_TOGETHER = 39.0


def _at(value: float, threshold: float) -> bool:
    return math.isclose(value, threshold, rel_tol=_NOISE, abs_tol=_NOISE)


def undecided_control(
    entity: ResolvedEntity,
    entities: dict[str, ResolvedEntity],
    test: ControlTest,
    eu: frozenset[str],
) -> str | None:
    """Why the stakes in ``entity`` cannot decide who controls it, or None when they can."""
    parents = entity.parents or ()
    for kind in ("share_pct", "voting_pct"):
        total = math.fsum(getattr(o, kind) or 0.0 for o in parents)
        if total > 100 and not _at(total, 100):
            label = "capital" if kind == "share_pct" else "votes"
            return f"its parents' stakes add up to {total:g} % of the {label} (over 100 %)"
    for ownership in parents:
        pct = ownership.percentage
        if pct is None or ownership.veto or ownership.appoints_board_majority:
            continue  # no stake, or a control right that decides whatever the percentage
        if ownership.controlling:  # the sources state control
            continue
        if _at(pct, MAJORITY):
            return (
                f"{ownership.entity} holds {pct:g} %, at the 50 % control threshold "
                "(a tie or joint control)"
            )
    if test is ControlTest.SECNUMCLOUD:
        foreign = [
            o
            for o in parents
            if (parent := entities.get(o.entity)) is not None
            and not (parent.seats and parent.seats <= eu)
        ]
        for ownership in foreign:
            pct = ownership.percentage
            if pct is not None and _at(pct, SECNUMCLOUD_SINGLE):
                return (
                    f"non-EU holder {ownership.entity} holds {pct:g} %, at the 24 % threshold "
                    "of SecNumCloud 19.6.b"
                )
        together = math.fsum(o.percentage or 0.0 for o in foreign)
        if foreign and _at(together, SECNUMCLOUD_TOGETHER):
            return (
                f"non-EU holders together hold {together:g} %, at the 39 % threshold "
                "of SecNumCloud 19.6.b"
            )
    return None


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


Step = tuple[list[ControlLink], frozenset[str]]  # a chain so far, and the entities on it


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

    def expand(current: str, trail: list[ControlLink], seen: frozenset[str]) -> list[Step]:
        """Note whether ``current``'s ownership is known; the steps one level up from it."""
        entity = entities.get(current)
        if entity is None:
            return []
        if entity.parents is None:
            unknown.append(current)
        elif any(o.stake_unknown for o in entity.parents):
            # A listed parent whose stake and rights are not stated may control the
            # entity: that is unknown ownership, not independence.
            unknown.append(current)
        elif undecided_control(entity, entities, test, eu) is not None:
            unknown.append(current)  # the stakes cannot decide control: not independence
        return [
            ([*trail, link], seen | {link.parent})
            for link in direct_controllers(entity, entities, test, eu)
            # an ownership cycle: the catalogue check reports it; never loop
            if link.parent not in seen
        ]

    # Depth first with an explicit stack, not recursion: a chain of a thousand owners
    # must not hit Python's recursion limit. Steps are pushed in reverse so chains come
    # out in the same order as a recursive pre-order walk.
    stack = expand(entity_id, [], frozenset({entity_id}))[::-1]
    while stack:
        chain, seen = stack.pop()
        chains.append(chain)
        stack.extend(expand(chain[-1].parent, chain, seen)[::-1])
    return chains, sorted(set(unknown))
