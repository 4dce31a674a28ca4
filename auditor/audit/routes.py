"""Data a scanned gateway receives flows on to each backend it routes to (issue 19).

An API Management gateway in one region that sends prompts to Azure OpenAI
accounts in three others is, for residency, four places: the inventory says
which data reaches the gateway, the Terraform says where the gateway sends it.
This module turns each scanned route into a flow from the gateway to its
target carrying the data declared to reach the gateway (through chains of
gateways too), with the backend resource's file and line as its evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.loader.iac import ScannedRoute
from auditor.model.inventory import Flow, Inventory, System


def _key(system: System, ref: str) -> str:
    return ref if "/" in ref else f"{system.id}/{ref}"


def forward_through_gateways(
    inventory: Inventory, routes: Sequence[ScannedRoute]
) -> tuple[Inventory, int]:
    """The inventory with a flow gateway -> target for each route whose gateway receives
    declared data, and the number of flows added."""
    if not routes:
        return inventory, 0
    incoming: dict[str, set[str]] = {}
    for system in inventory.systems:
        for flow in system.flows:
            incoming.setdefault(_key(system, flow.target), set()).update(flow.data)
    carried: dict[tuple[str, str], set[str]] = {}
    changed = True
    while changed:  # a gateway behind a gateway gets what the first one forwards
        changed = False
        for route in routes:
            data = incoming.get(route.gateway, set())
            done = carried.setdefault((route.gateway, route.target), set())
            if data - done:
                done |= data
                incoming.setdefault(route.target, set()).update(data)
                changed = True
    by_system: dict[str, list[Flow]] = {}
    via = {(r.gateway, r.target): r for r in routes}
    for (gateway, target), data in sorted(carried.items()):
        if not data:
            continue
        route = via[(gateway, target)]
        flow = Flow.model_validate(
            {
                "from": gateway,
                "to": target,
                "data": sorted(data),
                "purpose": (f"requests the gateway forwards (scanned route through {route.via})"),
            }
        )
        flow.attach_spans(route.span, {})
        by_system.setdefault(gateway.split("/", 1)[0], []).append(flow)
    if not by_system:
        return inventory, 0
    systems = tuple(
        system.model_copy(update={"flows": [*system.flows, *by_system[system.id]]})
        if system.id in by_system
        else system
        for system in inventory.systems
    )
    added = sum(len(flows) for flows in by_system.values())
    return inventory.model_copy(update={"systems": systems}), added
