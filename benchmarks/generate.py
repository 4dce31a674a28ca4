"""Generate a realistic, seeded estate of N AI systems (python benchmarks/generate.py N DIR [--seed S]).

The estate is the inventory repository of a fictional European group, Aurelia
Gruppe AG (business units, data and use cases in benchmarks/vocabulary.yaml;
clouds, model offers and entities in benchmarks/providers.py), written the way
the bundled examples are written: block-style YAML with comments, 3-6
components and several flows per system, 70-180 lines per system.

    organisation.yaml            the organisation and the group AI policy
    entities.yaml                group entities with ownership chains, contractors, SaaS vendors
    data/<unit>.yaml             data assets of one business unit (a few hundred in all)
    systems/<unit>/<team>.yaml   the AI systems of one team (20-80 per file)

The same seed and count give byte-identical files: one ``random.Random``, no
iteration over sets, UTF-8 with ``\\n`` line ends. The estate validates and
audits without errors (tests/test_benchmarks.py).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.archetypes import ARCHETYPES
from benchmarks.components import COUNTRY_OF_ENTITY, Components, SystemContext
from benchmarks.providers import (
    CONTRACTORS,
    GROUP,
    HOME_WEIGHTS,
    MINORITY_PARTNERS,
    PLATFORMS,
    Party,
)
from benchmarks.vocabulary import Asset, Unit, Vocabulary, load_vocabulary
from benchmarks.yamlout import Node, dump

# --- the estate -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EstateStats:
    """What was written: counts, and size per system for the benchmark table."""

    systems: int
    components: int
    flows: int
    entities: int
    data_assets: int
    files: int
    bytes: int
    lines: int
    system_bytes: int  # bytes of the systems/ files only
    system_lines: int

    def as_dict(self) -> dict[str, int]:
        """Plain numbers for JSON."""
        return dict(self.__dict__)


LEGAL_FORMS = {
    "DE": "GmbH",
    "AT": "GmbH",
    "FR": "SAS",
    "NL": "B.V.",
    "IT": "S.r.l.",
    "ES": "S.L.",
    "PL": "sp. z o.o.",
    "BE": "SRL",
    "LU": "S.à r.l.",
    "GB": "Ltd",
    "CH": "AG",
}


class _Builder(Components):
    """Draws the estate from one random generator, in a fixed order."""

    def __init__(self, count: int, seed: int, vocabulary: Vocabulary) -> None:
        super().__init__(random.Random(seed), vocabulary)
        self.count = count
        self.width = max(5, len(str(count)))
        self.operators: dict[tuple[str, str], str] = {}
        self.countries = dict(COUNTRY_OF_ENTITY)
        self.variants: dict[tuple[str, str], list[str]] = {}  # (slug, market) -> asset ids
        self.by_slug: dict[str, list[str]] = {}
        self.serial = 0
        self.components = 0
        self.flows = 0
        self.entity_count = 0
        self.asset_count = 0

    # -- entities -----------------------------------------------------------------------------

    def entities(self) -> Node:
        parties: list[Party] = [*GROUP, *CONTRACTORS, *MINORITY_PARTNERS]
        pairs = []  # (unit, market) beyond the home market, spread over units first
        for index in range(1, max(len(u.markets) for u in self.vocab.units)):
            pairs += [(u, u.markets[index]) for u in self.vocab.units if index < len(u.markets)]
        for unit, market in pairs[: min(len(pairs), 6 + self.count // 250)]:
            ident = f"aurelia-{unit.id}-{market.lower()}"
            name = f"Aurelia {unit.name} {self.vocab.countries[market]} {LEGAL_FORMS[market]}"
            roll = self.rng.random()
            parents: tuple[tuple[str, float, float, str], ...]
            if roll < 0.7:
                parents = (("aurelia-international-holding-bv", 100.0, 100.0, ""),)
                note = "Wholly owned through the international holding."
            elif roll < 0.9:
                partner = self.pick(MINORITY_PARTNERS[:2] + MINORITY_PARTNERS[3:])
                parents = (
                    ("aurelia-international-holding-bv", 74.9, 74.9, ""),
                    (partner.id, 25.1, 25.1, ""),
                )
                note = f"Joint venture; {partner.name} holds a blocking minority without a veto."
            else:
                parents = (
                    ("aurelia-international-holding-bv", 60.0, 60.0, ""),
                    ("redwood-growth-fund-lp", 40.0, 40.0, ""),
                )
                note = "A US growth fund holds 40 % (no veto, two of seven board seats)."
            parties.append(Party(ident, name, market, parents, (market,), note))
            self.operators[(unit.id, market)] = ident
            self.countries[ident] = market
        nodes: list[Node] = []
        for party in parties:
            node: Node = {"#": party.comment.splitlines() if party.comment else ()}
            node |= {"id": party.id, "name": party.name, "country": party.country}
            if party.parents is not None:
                node["parents"] = [
                    {
                        "entity": entity,
                        "share_pct": share,
                        "voting_pct": votes,
                        "veto": True if flag == "veto" else None,
                        "appoints_board_majority": True if flag == "board" else None,
                    }
                    for entity, share, votes, flag in party.parents
                ]
            node["presence"] = list(party.presence) or None
            for key, value in party.extra:
                node[key] = list(value) if isinstance(value, tuple) else value
            nodes.append(node)
        self.entity_count = len(nodes)
        return {
            "#": [
                "Legal entities the catalogue does not hold: the Aurelia group, its contractors and",
                "SaaS vendors. Cloud and AI vendors (Microsoft, AWS, Google, OVHcloud, Mistral AI, ...)",
                "come from rules/entities/ and are referenced by id.",
                "",
                "`parents: []` means independent; a missing `parents` means ownership is unknown",
                "(an evidence gap the audit reports).",
            ],
            "entities": nodes,
        }

    # -- data ---------------------------------------------------------------------------------

    def data(self) -> dict[str, Node]:
        units = self.vocab.units
        target = 120 + round(3 * math.sqrt(self.count))
        outputs_per_unit = 1 + min(3, self.count // 3000)
        fixed = sum(len(u.outputs) * min(len(u.markets), outputs_per_unit) for u in units)
        fixed += 2 * len(units) + 1
        total_weight = sum(u.weight for u in units)
        files: dict[str, Node] = {}
        for unit in units:
            share = max(len(unit.assets), round((target - fixed) * unit.weight / total_weight))
            variants = [(m, "") for m in unit.markets]
            variants += [(m, t) for t in ("archive", "partner", "legacy") for m in unit.markets]
            inputs: list[Node] = []
            for market, tag in variants:
                for template in unit.assets:
                    if len(inputs) < share:
                        inputs.append(self._asset(template, market, tag))
            outputs = [
                self._asset(template, market, "")
                for market in unit.markets[:outputs_per_unit]
                for template in unit.outputs
            ]
            operational: list[Node] = [
                {
                    "id": f"{unit.id}-ai-usage-logs",
                    "name": f"Usage logs of AI systems ({unit.name})",
                    "description": "Who used which AI function when, with request ids, token counts and "
                    "latency. Prompts and outputs are not written to these logs.",
                    "categories": [
                        "system.operations",
                        "user.account.username",
                        "user.device.ip_address",
                    ],
                    "subjects": ["employee"],
                    "classification": "internal",
                },
                {
                    "id": f"{unit.id}-staff-prompts",
                    "name": f"Questions staff type into assistants ({unit.name})",
                    "description": "Free-text prompts. Usage rules forbid entering customer data, but free "
                    "text can carry it by mistake, so the prompts are classified confidential.",
                    "categories": ["user.content.private", "user.account.username"],
                    "subjects": ["employee"],
                    "classification": "confidential",
                },
            ]
            for node in operational:
                self.by_slug[str(node["id"])] = [str(node["id"])]
            files[f"data/{unit.id}.yaml"] = {
                "#": [
                    f"Data assets of {unit.name} ({unit.entity}) that flow into AI systems.",
                    "Categories are fideslang keys; classification per the group standard IS-02.",
                    f"Owner: data governance office of {unit.name}.",
                ],
                "data": [*inputs, *outputs, *operational],
            }
            self.asset_count += len(inputs) + len(outputs) + len(operational)
        files["data/shared.yaml"] = {
            "#": ["Data assets shared by every business unit."],
            "data": [
                {
                    "id": "cloud-api-telemetry",
                    "name": "Cloud-side request metadata",
                    "description": "Diagnostic logs cloud providers write for our API resources: caller "
                    "identity, timestamps, token counts, status. No prompt or completion content.",
                    "categories": ["system.operations", "system.authentication"],
                    "classification": "internal",
                }
            ],
        }
        self.by_slug["cloud-api-telemetry"] = ["cloud-api-telemetry"]
        self.asset_count += 1
        return files

    def _asset(self, template: Asset, market: str, tag: str) -> Node:
        suffix = f"{market.lower()}-{tag}" if tag else market.lower()
        ident = f"{template.slug}-{suffix}"
        self.variants.setdefault((template.slug, market), []).append(ident)
        self.by_slug.setdefault(template.slug, []).append(ident)
        country = self.vocab.countries[market]
        description = template.description
        if tag == "archive":
            description += " Archive of closed cases, kept for the statutory retention period."
        elif tag == "partner":
            description += " Received from distribution partners under a data-sharing agreement."
        elif tag == "legacy":
            description += " From the legacy platform, until its decommissioning."
        node: Node = {
            "id": ident,
            "name": f"{template.name} ({country}{', ' + tag if tag else ''})",
            "description": description,
            "categories": list(template.categories),
            "subjects": list(template.subjects) or None,
            "classification": template.classification,
        }
        if template.residency and self.chance(0.8):
            node["residency"] = {
                "allowed": list(template.residency_allowed),
                "reason": template.residency,
            }
        if template.volume:
            node["volume"] = template.volume.format(n=self.rng.randint(2, 60))
        return node

    def variant(self, slug: str, market: str) -> str:
        return self.pick(self.variants.get((slug, market)) or self.by_slug[slug])

    # -- systems ------------------------------------------------------------------------------

    def systems(self) -> dict[str, Node]:
        units = self.vocab.units
        total = sum(u.weight for u in units)
        quotas = [self.count * u.weight // total for u in units]
        for index in range(self.count - sum(quotas)):
            quotas[index % len(units)] += 1
        files: dict[str, Node] = {}
        for unit, quota in zip(units, quotas, strict=True):
            done = 0
            while done < quota:
                index = len([k for k in files if k.startswith(f"systems/{unit.id}/")])
                team = unit.teams[index % len(unit.teams)]
                if index >= len(unit.teams):
                    team += f"-{index // len(unit.teams) + 1}"
                size = min(quota - done, self.rng.randint(20, 80))
                files[f"systems/{unit.id}/{team}.yaml"] = self._team(unit, team, size)
                done += size
        return files

    def _team(self, unit: Unit, team: str, size: int) -> Node:
        sources: list[tuple[str, str, list[str]]] = []
        systems = [self._system(unit, team, sources) for _ in range(size)]
        lead = self.person()
        return {
            "#": [
                f"{unit.name}, team {team}: register of AI systems.",
                "",
                f"Maintained by {lead} (team lead) with the data-protection coordinator of",
                f"{unit.name}. Every system has an entry in the risk register; reviewed by the",
                f"AI governance board before go-live and yearly. Last review: {self.date(2026)}-"
                f"{self.rng.randint(1, 28):02d}.",
            ],
            "systems": systems,
        }

    def _system(self, unit: Unit, team: str, sources: list[tuple[str, str, list[str]]]) -> Node:
        rng = self.rng
        case = self.pick(unit.use_cases)
        market = unit.markets[0] if self.chance(0.5) else self.pick(unit.markets)
        entity = self.operators.get((unit.id, market), unit.entity)
        country = self.countries.get(entity) or market
        self.serial += 1
        homes = (
            (("on_prem", 5), ("outscale", 3), ("ovhcloud", 2))
            if unit.id == "public"
            else HOME_WEIGHTS
        )
        home = self.weighted(homes)
        region = self.skewed(PLATFORMS[home].regions) if home != "on_prem" else None
        inputs = [self.variant(slug, market) for slug in case.inputs if self.chance(0.8)]
        inputs = inputs or [self.variant(case.inputs[0], market)]
        ctx = SystemContext(
            id=f"{case.slug}-{market.lower()}-{self.serial:0{self.width}d}",
            unit=unit,
            case=case,
            market=market,
            entity=entity,
            country=country,
            site=self.pick(self.vocab.sites.get(country, self.vocab.sites["DE"])),
            home=home,
            region=region,
            inputs=list(dict.fromkeys(inputs)),
            output=self.variant(case.output, market),
            logs=f"{unit.id}-ai-usage-logs",
            prompts=f"{unit.id}-staff-prompts",
        )
        components, flows, notes = ARCHETYPES[case.archetype](self, ctx)
        entry = next(c for c in components if c["kind"] in ("application",))
        if sources and self.chance(0.6 if case.archetype == "pilot" else 0.15):
            other, comp, held = self.pick(sources)
            flows.insert(
                0,
                self.flow(
                    f"{other}/{comp}",
                    str(entry["id"]),
                    [self.pick(held)],
                    "records read from the system of record of another team system",
                ),
            )
        holder = next((c for c in components if c.get("holds")), None)
        if holder is not None:
            holds = holder["holds"]
            assert isinstance(holds, list)
            sources.append((ctx.id, str(holder["id"]), [str(h) for h in holds]))
        self.components += len(components)
        self.flows += len(flows)
        status = self.pick(
            (
                f"In production since {self.date()} for about {rng.randint(5, 400)} users.",
                f"Pilot since {self.date(2025)} with {rng.randint(5, 60)} users.",
                f"Live in {rng.randint(2, 9)} of {rng.randint(10, 14)} sites since {self.date()}.",
            )
        )
        comments = [
            f"{case.name} ({self.vocab.countries[market]}), team {team}.",
            status,
            *notes,
        ]
        if self.chance(0.5):
            comments.append(
                f"Risk register R-{self.date()[:4]}-{rng.randint(1, 400):03d}; "
                f"DPIA {'done' if self.chance(0.7) else 'pending'}."
            )
        owner = (
            f"{self.person()}, {unit.name} (business owner); "
            f"{self.pick(('Group IT platform team', 'Data & AI Platform', 'IT-Architektur', 'AI Center of Excellence'))} "
            "(technical owner)"
        )
        return {
            "#": comments,
            "id": ctx.id,
            "name": f"{case.name} ({market}, {team})",
            "purpose": case.purpose,
            "owner": owner,
            "criticality": self.pick(case.criticality),
            "ai_act_risk": case.ai_act_risk,
            "components": components,
            "flows": flows,
        }


# --- organisation and entry point -----------------------------------------------------------


def _organisation() -> Node:
    return {
        "#": [
            "Aurelia Gruppe AG (fictional): group register of AI systems.",
            "",
            "Maintained by the group data-protection office with Group IT architecture; every",
            "business unit keeps its own folder under systems/ (one file per team). Reviewed by",
            "the AI governance board quarterly and before every go-live.",
            "",
            "  organisation.yaml   who we are and the group AI policy",
            "  entities.yaml       group entities, contractors and SaaS vendors",
            "  data/*.yaml         data assets per business unit",
            "  systems/*/*.yaml    AI systems per business unit and team",
        ],
        "organisation": {
            "name": "Aurelia Gruppe AG",
            "country": "DE",
            "entity": "aurelia-gruppe-ag",
            "sector": "insurance, banking and healthcare (diversified group)",
        },
        "policy": {
            "name": "Konzernrichtlinie KR-IT-12 Einsatz von KI-Systemen (v2.3)",
            "control_test": "standard",
            "residency": [
                {
                    "#": [
                        "3.1 Special-category data stays in the EEA, out of reach of non-EEA law."
                    ],
                    "categories": [
                        "user.health_and_medical",
                        "user.biometric",
                        "user.criminal_history",
                    ],
                    "allowed": ["EEA"],
                    "reach_allowed": ["EEA"],
                },
                {
                    "#": ["3.2 Classified information of public-sector clients stays in France."],
                    "categories": ["classified"],
                    "allowed": ["FR"],
                    "reach_allowed": ["EU"],
                },
                {
                    "#": ["3.3 Secret information (AML, litigation, management accounts)."],
                    "classification": "secret",
                    "allowed": ["EEA"],
                    "reach_allowed": ["EEA"],
                },
                {
                    "#": ["3.4 Other personal data: EEA or adequate countries."],
                    "categories": ["user"],
                    "allowed": ["EEA", "adequate"],
                },
                {
                    "#": ["3.5 Confidential business information stays in the EEA."],
                    "classification": "confidential",
                    "allowed": ["EEA"],
                },
            ],
            "minimum_seal": {"SOV-2": 2, "SOV-3": 2},
            "max_fact_age_days": 730,
        },
    }


def generate(count: int, out: Path, seed: int = 7) -> EstateStats:
    """Write an estate of ``count`` systems into the empty (or new) folder ``out``."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; generate into a new folder")
    builder = _Builder(count, seed, load_vocabulary())
    files: dict[str, Node] = {"organisation.yaml": _organisation()}
    files["entities.yaml"] = builder.entities()
    files |= builder.data()
    files |= builder.systems()
    total_bytes = total_lines = system_bytes = system_lines = 0
    for relative, node in files.items():
        text = dump(node)
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        lines = text.count("\n")
        total_bytes += len(data)
        total_lines += lines
        if relative.startswith("systems/"):
            system_bytes += len(data)
            system_lines += lines
    return EstateStats(
        systems=count,
        components=builder.components,
        flows=builder.flows,
        entities=builder.entity_count,
        data_assets=builder.asset_count,
        files=len(files),
        bytes=total_bytes,
        lines=total_lines,
        system_bytes=system_bytes,
        system_lines=system_lines,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: generate and print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of AI systems")
    parser.add_argument("out", type=Path, help="new or empty folder")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    stats = generate(args.count, args.out, args.seed)
    print(
        f"{stats.systems} systems, {stats.components} components, {stats.flows} flows, "
        f"{stats.data_assets} data assets, {stats.entities} entities in {stats.files} files; "
        f"{stats.bytes / 1e6:.1f} MB, {stats.lines} lines "
        f"({stats.system_lines / stats.systems:.0f} lines, "
        f"{stats.system_bytes / stats.systems / 1024:.1f} KiB per system)"
    )


if __name__ == "__main__":
    main()
