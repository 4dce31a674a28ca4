"""The estate's vocabulary (benchmarks/vocabulary.yaml), read into typed records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

VOCABULARY = Path(__file__).resolve().parent / "vocabulary.yaml"


@dataclass(frozen=True)
class Asset:
    """A data-asset template; one asset is generated per market variant."""

    slug: str
    name: str
    description: str
    categories: tuple[str, ...]
    subjects: tuple[str, ...]
    classification: str
    residency: str | None
    residency_allowed: tuple[str, ...]
    volume: str | None


@dataclass(frozen=True)
class UseCase:
    """An AI use case of a business unit; every system is an instance of one."""

    slug: str
    name: str
    purpose: str
    archetype: str
    inputs: tuple[str, ...]
    output: str
    criticality: tuple[str, ...]
    ai_act_risk: str


@dataclass(frozen=True)
class Unit:
    """A business unit with its operating entity, markets, data, use cases and teams."""

    id: str
    name: str
    entity: str
    weight: int
    markets: tuple[str, ...]
    source: str
    teams: tuple[str, ...]
    assets: tuple[Asset, ...]
    outputs: tuple[Asset, ...]
    use_cases: tuple[UseCase, ...]


@dataclass(frozen=True)
class Vocabulary:
    """benchmarks/vocabulary.yaml, typed."""

    units: tuple[Unit, ...]
    countries: dict[str, str]
    sites: dict[str, tuple[str, ...]]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


def _asset(raw: dict[str, object]) -> Asset:
    return Asset(
        slug=str(raw["slug"]),
        name=str(raw["name"]),
        description=str(raw["description"]),
        categories=tuple(_strings(raw["categories"])),
        subjects=tuple(_strings(raw.get("subjects", []))),
        classification=str(raw["classification"]),
        residency=str(raw["residency"]) if "residency" in raw else None,
        residency_allowed=tuple(_strings(raw.get("residency_allowed", ["EEA"]))),
        volume=str(raw["volume"]) if "volume" in raw else None,
    )


def _strings(value: object) -> list[str]:
    assert isinstance(value, list), value
    return [str(v) for v in value]


def load_vocabulary(path: Path = VOCABULARY) -> Vocabulary:
    """Read and type the vocabulary file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    profiles = {k: tuple(v) for k, v in raw["criticality"].items()}
    units = []
    for u in raw["units"]:
        cases = tuple(
            UseCase(
                slug=c["slug"],
                name=c["name"],
                purpose=c["purpose"],
                archetype=c["archetype"],
                inputs=tuple(c["inputs"]),
                output=c["output"],
                criticality=profiles[c["criticality"]]
                if isinstance(c["criticality"], str)
                else tuple(c["criticality"]),
                ai_act_risk=c["ai_act_risk"],
            )
            for c in u["use_cases"]
        )
        units.append(
            Unit(
                id=u["id"],
                name=u["name"],
                entity=u["entity"],
                weight=u["weight"],
                markets=tuple(u["markets"]),
                source=u["source"],
                teams=tuple(u["teams"]),
                assets=tuple(_asset(a) for a in u["assets"]),
                outputs=tuple(_asset(a) for a in u["outputs"]),
                use_cases=cases,
            )
        )
    return Vocabulary(
        units=tuple(units),
        countries=dict(raw["countries"]),
        sites={k: tuple(v) for k, v in raw["sites"].items()},
        first_names=tuple(raw["first_names"]),
        last_names=tuple(raw["last_names"]),
    )
