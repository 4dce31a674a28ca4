"""Control chains (who controls an entity) and the SecNumCloud 19.6.b ownership test.

DESIGN.md 3.3: a parent controls a child when it holds more than 50 % of the
votes, holds a veto, or appoints the board majority; that is what lets a law
reach through ``control``, whatever test the organisation's policy applies.
SecNumCloud 3.2 requirement 19.6.b (a single non-EU holder above 24 %, or all
non-EU holders together above 39 %, directly or indirectly, or a non-EU veto or
board majority) is a policy test: :func:`secnumcloud_failures` says which holders
fail it, and a 30 % minority investor is never treated as able to produce the data.

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
# SecNumCloud 3.2 (ANSSI, 8 March 2022), requirement 19.6.b (the referential numbers its
# requirements this way: "exigence 19.6.c" in 19.6.d): capital and votes not held,
# directly or indirectly, above these by entities seated outside the EU.
SECNUMCLOUD_SINGLE = 24.0
SECNUMCLOUD_TOGETHER = 39.0


def _at(value: float, threshold: float) -> bool:
    return math.isclose(value, threshold, rel_tol=_NOISE, abs_tol=_NOISE)


def undecided_control(
    entity: ResolvedEntity,
    entities: dict[str, ResolvedEntity],
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
        if ownership.stated_control:  # the sources state control (majority, subsidiary)
            continue
        if _at(pct, MAJORITY):
            return (
                f"{ownership.entity} holds {pct:g} %, at the 50 % control threshold "
                "(a tie or joint control)"
            )
    return None


def direct_controllers(
    entity: ResolvedEntity,
    entities: dict[str, ResolvedEntity],
) -> list[ControlLink]:
    """Parents that control ``entity`` directly."""

    def name(ident: str) -> str:
        known = entities.get(ident)
        return known.name if known is not None else ident

    links: list[ControlLink] = []
    for ownership in entity.parents or ():
        reason = ownership.control_reason(name)
        if reason is not None:
            links.append(ControlLink(entity.id, ownership.entity, ownership, reason))
    return sorted(links, key=lambda link: link.parent)


Step = tuple[list[ControlLink], frozenset[str]]  # a chain so far, and the entities on it


def controllers(
    entity_id: str,
    entities: dict[str, ResolvedEntity],
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
        elif undecided_control(entity, entities) is not None:
            unknown.append(current)  # the stakes cannot decide control: not independence
        return [
            ([*trail, link], seen | {link.parent})
            for link in direct_controllers(entity, entities)
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


def _stake(ownership: Ownership) -> float | None:
    """The larger of the capital and the votes held (19.6.b caps both), or None."""
    values = [v for v in (ownership.share_pct, ownership.voting_pct) if v is not None]
    return max(values) if values else None


def secnumcloud_failures(
    entity_id: str, entities: dict[str, ResolvedEntity], eu: frozenset[str]
) -> list[str]:
    """Why ``entity_id`` fails SecNumCloud 3.2 requirement 19.6.b, one sentence per cause
    naming the holder and its share (empty when it passes or nothing is known).

    Holdings are looked through: a holder's indirect share is the product of the shares
    along each ownership path, summed over paths. For "together" each path counts once, at
    the first non-EU holder on it, so a non-EU parent of a non-EU holder is not added twice.
    A non-EU holder with a veto or the right to appoint the board majority fails too, and
    so does a direct non-EU parent the sources call the majority holder without a figure.
    """
    individual: dict[str, float] = {}
    first_foreign: dict[str, float] = {}
    rights: set[str] = set()
    majorities: set[str] = set()

    def non_eu(parent: ResolvedEntity) -> bool:
        return not (parent.seats and parent.seats <= eu)

    # Depth first over ownership paths, with the fraction of the entity each path carries.
    stack: list[tuple[str, float, bool, frozenset[str]]] = [
        (entity_id, 1.0, False, frozenset({entity_id}))
    ]
    while stack:
        current, fraction, counted, seen = stack.pop()
        entity = entities.get(current)
        for ownership in (entity.parents or ()) if entity else ():
            parent = entities.get(ownership.entity)
            if parent is None or parent.id in seen:
                continue  # unknown holder (an evidence gap elsewhere) or an ownership cycle
            stake = _stake(ownership)
            direct = current == entity_id
            foreign = non_eu(parent)
            if foreign and direct and (ownership.veto or ownership.appoints_board_majority):
                rights.add(parent.id)
            if foreign and direct and stake is None and ownership.majority:
                majorities.add(parent.id)  # more than half, so above 24 %, figure unknown
            if stake is None:
                continue
            share = fraction * stake / 100.0
            if foreign:
                individual[parent.id] = individual.get(parent.id, 0.0) + share
                if not counted:
                    first_foreign[parent.id] = first_foreign.get(parent.id, 0.0) + share
            stack.append((parent.id, share, counted or foreign, seen | {parent.id}))

    def name(ident: str) -> str:
        holder = entities[ident]
        return f"{holder.name} ({holder.country or 'country unknown'})"

    target = entities[entity_id].name if entity_id in entities else entity_id
    reasons = []
    for ident, share in sorted(individual.items()):
        pct = share * 100.0
        if pct > SECNUMCLOUD_SINGLE and not _at(pct, SECNUMCLOUD_SINGLE):
            reasons.append(
                f"{name(ident)} holds {pct:g} % of {target}, directly or indirectly "
                "(more than 24 %)"
            )
    together = math.fsum(first_foreign.values()) * 100.0
    # One holder alone is judged by the 24 % cap above; "together" needs two or more.
    if (
        len(first_foreign) > 1
        and together > SECNUMCLOUD_TOGETHER
        and not _at(together, SECNUMCLOUD_TOGETHER)
    ):
        holders = ", ".join(name(i) for i in sorted(first_foreign))
        reasons.append(
            f"holders seated outside the EU ({holders}) together hold {together:g} % "
            f"of {target} (more than 39 %)"
        )
    for ident in sorted(majorities):
        reasons.append(
            f"{name(ident)} holds the majority of {target} (no figure stated in the source; "
            "more than 24 %)"
        )
    for ident in sorted(rights):
        reasons.append(f"{name(ident)} holds a veto or appoints the board majority of {target}")
    # Control the sources state without a figure (a listed subsidiary, "controlling"): a
    # controller holds more than half of the votes, a veto or the board majority, each of
    # which 19.6.b forbids a holder seated outside the EU. Followed up the control chain.
    named = {i for i, share in individual.items() if share * 100.0 > SECNUMCLOUD_SINGLE}
    named |= majorities | rights
    for chain in controllers(entity_id, entities)[0]:
        for depth, link in enumerate(chain):
            parent = entities.get(link.parent)
            if parent is None or not non_eu(parent):
                continue
            if parent.id not in named:
                named.add(parent.id)
                through = ", ".join(entities[step.child].name for step in chain[1 : depth + 1])
                basis = link.reason.removeprefix("controls it").strip()
                reasons.append(
                    f"{name(parent.id)} controls {target}"
                    + (f" through {through}" if through else "")
                    + (f" {basis}" if basis.startswith("(") else f" ({basis})" if basis else "")
                    + "; a controller holds more than half of the votes, a veto or the board "
                    "majority"
                )
            break  # the first holder outside the EU on a chain answers for those above it
    return reasons
