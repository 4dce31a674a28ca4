"""The exposure engine: runs each concern over every component of a graph, in a fixed order.

Who can reach what (``exposures``, through ``triggers``, ``control`` and
``mitigation``), GDPR Chapter V ``transfers``, evidence ``gaps``, ``residency``
breaches and the ``components``' own facts (DESIGN.md 3.4, 3.5). The result is
what the checks match over, sorted for deterministic output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.exposure.components import component_row
from auditor.exposure.context import Context
from auditor.exposure.control import Control
from auditor.exposure.exposures import (
    catalogue_facts_used,
    exposure_of,
    foreign_access_laws,
    party_exposures,
    path_head,
)
from auditor.exposure.gaps import component_gaps
from auditor.exposure.mitigation import narrows
from auditor.exposure.residency import residency_rows
from auditor.exposure.rows import ComponentRow, DriftRow, GapRow, ResidencyRow
from auditor.exposure.transfers import component_transfers
from auditor.exposure.triggers import Triggers
from auditor.graph import ResidencyGraph
from auditor.graph.build import Arrival
from auditor.model.findings import Exposure, Transfer
from auditor.model.policy import Policy


@dataclass
class ExposureResult:
    """Everything the rules match over."""

    exposures: list[Exposure] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    gaps: list[GapRow] = field(default_factory=list)
    components: list[ComponentRow] = field(default_factory=list)
    residency: list[ResidencyRow] = field(default_factory=list)
    # Knowledge-base facts the conclusions rest on, as KnowledgeIndex.facts() names them.
    facts_used: set[str] = field(default_factory=set)
    # Safeguard laws cited in mitigation reasons; those that change no verdict (effect none)
    # are cited, not relied on, so they are not among the facts used.
    safeguards_cited: set[str] = field(default_factory=set)
    arrivals: dict[str, list[Arrival]] = field(default_factory=dict)
    # Inventory against scanned code / IaC: computed by the audit when a scan and an
    # inventory come together (auditor.exposure.drift), else empty.
    drift: list[DriftRow] = field(default_factory=list)


class ExposureEngine:
    """Computes exposures, transfers, gaps, residency breaches and component facts for one graph."""

    def __init__(self, graph: ResidencyGraph, policy: Policy | None) -> None:
        self.context = Context(graph, policy)
        self.graph = graph
        self.org = self.context.org
        self.control: Control = self.context.control
        self.triggers = Triggers(self.control)

    def run(self) -> ExposureResult:
        """Compute everything, sorted for deterministic output."""
        context = self.context
        result = ExposureResult()
        arrivals = self.graph.arrivals()
        result.arrivals = arrivals
        by_component: dict[str, list[tuple[str, Arrival]]] = {}
        for asset_id, items in arrivals.items():
            for arrival in items:
                by_component.setdefault(arrival.component, []).append((asset_id, arrival))
        laws = foreign_access_laws(context)
        for key in sorted(self.graph.components):
            rc = self.graph.components[key]
            reached = by_component.get(key, [])
            assets = [a for a, _ in reached]
            personal = {a: context.kb.taxonomy.is_personal(context.assets[a]) for a in assets}
            found = party_exposures(
                context,
                self.triggers,
                rc,
                laws,
                [a for _, a in reached],
                any_personal=any(personal.values()),
            )
            if reached:
                result.facts_used |= catalogue_facts_used(context, rc)
                for pe in found:
                    result.facts_used |= {f"law {pe.law.id}", pe.trigger_fact}
            for asset_id, arrival in reached:
                head = path_head(context, asset_id, arrival, rc) if found else []
                for shared in found:
                    # A safeguard for non-personal data only is not cited for personal data.
                    pe = shared.for_asset(personal[asset_id])
                    result.safeguards_cited |= set(pe.safeguards)
                    result.facts_used |= {
                        f"law {guard}" for guard in pe.safeguards if narrows(context.kb.laws[guard])
                    }
                    result.exposures.append(exposure_of(context, asset_id, head, rc, pe))
            result.gaps.extend(component_gaps(context, rc, assets))
            transfers = component_transfers(context, rc, reached)
            result.facts_used |= {f"adequacy {t.country}" for t in transfers if t.adequacy}
            result.transfers.extend(transfers)
            result.components.append(component_row(context, rc, assets, found))
        result.residency = residency_rows(context, result.exposures, arrivals)
        result.exposures.sort(
            key=lambda e: (e.data_asset, e.system, e.component, e.law, e.party_role, e.party)
        )
        result.transfers.sort(
            key=lambda t: (t.data_asset, t.system, t.component, t.country, t.importer)
        )
        result.gaps.sort(key=lambda g: (g.kind, g.system, g.component, g.entity, g.detail))
        return result
