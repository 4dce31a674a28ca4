"""What every part of the exposure computation reads: the graph, the policy, the organisation."""

from __future__ import annotations

from auditor.exposure.control import Control
from auditor.graph import ResidencyGraph
from auditor.graph.resolve import Place, PlaceKind, ResolvedComponent
from auditor.model.findings import Sensitivity
from auditor.model.inventory import DataAsset
from auditor.model.policy import ControlTest, Policy
from auditor.model.words import country_in_sentence


class Context:
    """One graph under one policy, with the lookups the exposure modules share."""

    def __init__(self, graph: ResidencyGraph, policy: Policy | None) -> None:
        self.graph = graph
        self.kb = graph.kb
        self.policy = policy
        self.org = graph.inventory.organisation
        self.control = Control(graph)
        self.control_test = policy.control_test if policy else ControlTest.STANDARD
        # "Abroad" means outside the EEA for an organisation seated in it, else outside its country.
        self.home: frozenset[str] = (
            graph.eea if self.kb.is_eea(self.org.country) else frozenset({self.org.country})
        )
        self.assets: dict[str, DataAsset] = {a.id: a for a in graph.inventory.data}
        self.sensitivity: dict[str, Sensitivity] = {
            a.id: self.kb.taxonomy.sensitivity(a) for a in graph.inventory.data
        }

    def max_sensitivity(self, assets: list[str]) -> Sensitivity:
        """The most sensitive of the data assets (at least one)."""
        return max((self.sensitivity[a] for a in assets), key=lambda s: s.rank)

    def third_party(self, rc: ResolvedComponent) -> bool:
        """Someone other than the organisation (operator, host, support, ...) can reach it."""
        return any(p.entity != self.org.entity for p in rc.parties)

    def country_words(self, code: str) -> str:
        """A country code as it reads in a sentence: "the United States", "China"."""
        return country_in_sentence(self.kb.country_name(code))

    def place_words(self, place: Place) -> str:
        """A place as it reads in a finding's sentence: a country by its name ("delivered from
        the United States", not "from US"); a region, zone or unknown place by its label."""
        if (
            place.kind is PlaceKind.COUNTRY
            and place.country is not None
            and place.label == self.kb.country_name(place.country)
        ):
            return self.country_words(place.country)
        return place.label
