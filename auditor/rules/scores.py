"""EU Cloud Sovereignty Framework (v1.2.1) scorecards: SOV-1..SOV-8 on SEAL levels 0-4.

Only the objectives the inventory can support are scored (SOV-2 legal, SOV-3
data, SOV-4 operational, SOV-6 technology); the others are "not assessed",
never zero. An objective's level is its weakest component's (the framework's
weakest-link rule); one component that cannot be assessed makes the objective
not assessed rather than optimistic.
"""

from __future__ import annotations

from collections.abc import Callable

from auditor.exposure import ExposureEngine
from auditor.graph.resolve import PlaceKind, ResolvedComponent
from auditor.model.findings import (
    ObjectiveScore,
    Scorecard,
    make_objective_score,
    make_scorecard,
)
from auditor.model.inventory import ComponentKind, KeyCustody
from auditor.model.kb import LocationRole
from auditor.model.policy import Policy

OBJECTIVES: list[tuple[str, str, float]] = [
    ("SOV-1", "Strategic", 15.0),
    ("SOV-2", "Legal and jurisdictional", 10.0),
    ("SOV-3", "Data and AI", 10.0),
    ("SOV-4", "Operational", 15.0),
    ("SOV-5", "Supply chain", 20.0),
    ("SOV-6", "Technology", 15.0),
    ("SOV-7", "Security and compliance", 10.0),
    ("SOV-8", "Environmental", 5.0),
]
NOT_DESCRIBED = {
    "SOV-1": "the inventory does not describe decision-making bodies, financing or change-of-control assurances",
    "SOV-5": "the inventory does not describe hardware, firmware or software supply chains",
    "SOV-7": "certifications and security operations are not assessed from the inventory",
    "SOV-8": "environmental data is not part of the inventory",
}

NOT_DESCRIBED_REASONS = {code: [why] for code, why in NOT_DESCRIBED.items()}

Level = tuple[int | None, str]


# A reason shared by more components than this is written once, with a count.
NAMED_PER_REASON = 10


def _reasons(items: list[tuple[str, str, str]]) -> tuple[list[str], list[str]]:
    """``component: reason`` lines in component order, by id and by display name (``items`` are
    ``(key, label, reason)``); a reason that many components share is one line naming the
    first few and counting the rest.

    A provider's card covers every component of the estate that uses it; at
    100,000 systems it would otherwise list tens of thousands of identical lines.
    """
    shared_by: dict[str, list[tuple[str, str]]] = {}
    for key, label, why in items:
        shared_by.setdefault(why, []).append((key, label))
    lines: list[str] = []
    named: list[str] = []
    for key, label, why in items:
        shared = shared_by[why]
        if len(shared) <= NAMED_PER_REASON:
            lines.append(f"{key}: {why}")
            named.append(f"{label}: {why}")
        elif shared[0][0] == key:
            first = shared[:NAMED_PER_REASON]
            lines.append(
                f"{len(shared):,} components ({', '.join(k for k, _ in first)} and others): {why}"
            )
            named.append(
                f"{len(shared):,} components ({'; '.join(n for _, n in first)} and others): {why}"
            )
    return lines, named


class Scorer:
    """Scores components, then systems and providers by weakest link."""

    def __init__(self, engine: ExposureEngine, policy: Policy | None) -> None:
        self.engine = engine
        self.graph = engine.graph
        self.policy = policy
        self.eea = self.graph.eea
        # A component is scored for its system's card and again for its vendor's.
        self._levels: dict[tuple[str, str], Level] = {}

    def _parties(self, rc: ResolvedComponent) -> list[str]:
        return [p.entity for p in rc.parties]

    def sov2(self, rc: ResolvedComponent) -> Level:
        """Legal: who can be compelled (party seats and controllers)."""
        worst: Level = (4, "every party and its controllers are in the EEA")
        for ident in self._parties(rc):
            entity = self.graph.entities.get(ident)
            if entity is None or entity.country is None:
                return None, f"country of {ident} unknown"
            if not entity.seats <= self.eea:
                return (
                    0,
                    f"{entity.name} is itself under non-EU law ({', '.join(sorted(entity.seats))})",
                )
            chains, unknown = self.engine.control.chains(ident)
            if unknown:
                return None, f"ownership of {', '.join(unknown)} unknown"
            foreign = sorted(self.engine.control.controller_seats(ident) - self.eea)
            if foreign:
                if worst[0] is not None and worst[0] > 1:
                    worst = (1, f"{entity.name} is controlled from {', '.join(foreign)}")
                continue
            minority = self._non_eu_holders(ident)
            if minority and worst[0] is not None and worst[0] > 2:
                worst = (2, f"{entity.name} has non-EU shareholders ({', '.join(minority)})")
            del chains
        return worst

    def _non_eu_holders(self, ident: str) -> list[str]:
        entity = self.graph.entities.get(ident)
        found: list[str] = []
        for ownership in (entity.parents or ()) if entity else ():
            parent = self.graph.entities.get(ownership.entity)
            if parent is not None and not parent.seats <= self.eea:
                found.append(parent.name)
        return sorted(found)

    def sov3(self, rc: ResolvedComponent) -> Level:
        """Data: storage and processing strictly in the EU, and who holds the keys."""
        for role in (LocationRole.STORAGE, LocationRole.PROCESSING):
            place = rc.places[role]
            if place.kind is PlaceKind.UNKNOWN:
                return None, f"{role.value} location unknown"
            if place.kind is PlaceKind.GLOBAL or not place.countries <= self.eea:
                return 0, f"{role.value} outside the EEA ({place.label})"
        operators = [p.entity for p in rc.parties if p.role == "operator"]
        own = bool(operators) and all(o == self.engine.org.entity for o in operators)
        if own or (rc.keys is KeyCustody.CUSTOMER_HELD_EXTERNAL and not rc.processes_in_clear):
            return 4, "in the EEA; only the organisation has cryptographic control"
        if any(self.engine.control.controller_seats(p.entity) - self.eea for p in rc.parties):
            return (
                1,
                "in the EEA, but a non-EU-controlled party can access the data in clear or holds the keys",
            )
        return 3, "in the EEA with EU-controlled parties; the provider holds the keys"

    def sov4(self, rc: ResolvedComponent) -> Level:
        """Operational: support and administration delivered from the EU."""
        operators = [p.entity for p in rc.parties if p.role == "operator"]
        if operators and all(o == self.engine.org.entity for o in operators):
            return 4, "operated by the organisation itself"
        for role in (LocationRole.SUPPORT, LocationRole.ADMIN):
            place = rc.places[role]
            if place.kind is PlaceKind.UNKNOWN:
                return None, f"{role.value} location unknown"
            if place.kind is PlaceKind.GLOBAL or not place.countries <= self.eea:
                return 1, f"{role.value} from outside the EEA ({place.label})"
        if any(self.engine.control.controller_seats(o) - self.eea for o in operators):
            return 2, "support from the EEA, but the operator is non-EU controlled"
        return 3, "support and administration from the EEA by an EU operator"

    def sov6(self, rc: ResolvedComponent) -> Level:
        """Technology: open weights versus a closed model API."""
        if rc.kind not in (
            ComponentKind.MODEL_API,
            ComponentKind.MODEL_WEIGHTS,
            ComponentKind.INFERENCE_ENDPOINT,
            ComponentKind.FINE_TUNING,
        ):
            return None, "not a model component"
        if rc.open_weights:
            return 4, "open-weights model"
        if rc.api_only:
            foreign = any(
                self.engine.control.controller_seats(p.entity) - self.eea
                for p in rc.parties
                if p.role in ("operator", "model_provider")
            )
            return (
                (1, "closed model behind a non-EU-controlled API")
                if foreign
                else (2, "closed model behind an EU provider's API")
            )
        return None, "whether the model's weights are open is not declared"

    def _level(
        self, code: str, rc: ResolvedComponent, scorer: Callable[[ResolvedComponent], Level]
    ) -> Level:
        key = (code, rc.key)
        level = self._levels.get(key)
        if level is None:
            level = self._levels[key] = scorer(rc)
        return level

    def card(
        self, subject: str, kind: str, components: list[ResolvedComponent], display_name: str = ""
    ) -> Scorecard:
        """Scorecard of a set of components (weakest link per objective); ``display_name`` is the
        subject's display name (the system's or the catalogue vendor's)."""
        scorers: dict[str, Callable[[ResolvedComponent], Level]] = {
            "SOV-2": self.sov2,
            "SOV-3": self.sov3,
            "SOV-4": self.sov4,
            "SOV-6": self.sov6,
        }
        minimums = self.policy.minimum_seal if self.policy else {}
        objectives: list[ObjectiveScore] = []
        for code, name, weight in OBJECTIVES:
            minimum = minimums.get(code)
            if code in NOT_DESCRIBED:
                objectives.append(
                    make_objective_score(
                        objective=code,
                        name=name,
                        weight=weight,
                        seal=None,
                        minimum=minimum,
                        reasons=NOT_DESCRIBED_REASONS[code],  # shared: cards are frozen
                    )
                )
                continue
            levels = [
                (rc.key, rc.words, *self._level(code, rc, scorers[code])) for rc in components
            ]
            if code == "SOV-6":
                levels = [lv for lv in levels if lv[3] != "not a model component"]
            if not levels:
                objectives.append(
                    make_objective_score(
                        objective=code,
                        name=name,
                        weight=weight,
                        seal=None,
                        minimum=minimum,
                        reasons=["no component to assess"],
                    )
                )
                continue
            unknown, unknown_named = _reasons(
                [(key, label, why) for key, label, level, why in levels if level is None]
            )
            if unknown:
                objectives.append(
                    make_objective_score(
                        objective=code,
                        name=name,
                        weight=weight,
                        seal=None,
                        minimum=minimum,
                        reasons=unknown,
                        reasons_named=unknown_named,
                    )
                )
                continue
            lowest = min(level for _, _, level, _ in levels if level is not None)
            reasons, named = _reasons(
                [(key, label, why) for key, label, level, why in levels if level == lowest]
            )
            objectives.append(
                make_objective_score(
                    objective=code,
                    name=name,
                    weight=weight,
                    seal=lowest,
                    minimum=minimum,
                    reasons=reasons,
                    reasons_named=named,
                )
            )
        assessed = [o for o in objectives if o.seal is not None]
        assessed_weight = sum((o.weight for o in assessed), 0.0)  # a float, also when empty
        score = (
            round(sum(o.weight * (o.seal or 0) / 4 for o in assessed) / assessed_weight * 100, 1)
            if assessed_weight
            else None
        )
        return make_scorecard(
            subject=subject,
            kind=kind,
            name=display_name or subject,
            objectives=objectives,
            score=score,
            assessed_weight=assessed_weight,
        )

    def all_cards(self) -> list[Scorecard]:
        """One card per system, then one per catalogue vendor used."""
        by_system: dict[str, list[ResolvedComponent]] = {}
        by_vendor: dict[str, list[ResolvedComponent]] = {}
        for key in sorted(self.graph.components):
            rc = self.graph.components[key]
            by_system.setdefault(rc.system.id, []).append(rc)
            if rc.service is not None:  # a model family is not a provider
                by_vendor.setdefault(rc.service.id, []).append(rc)
        cards = [
            self.card(s, "system", comps, comps[0].system.name or s)
            for s, comps in sorted(by_system.items())
        ]
        cards += [
            self.card(v, "provider", comps, comps[0].service.name if comps[0].service else v)
            for v, comps in sorted(by_vendor.items())
        ]
        return cards
