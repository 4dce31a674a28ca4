"""Generate a synthetic, seeded estate of N systems for benchmarks (python benchmarks/generate.py N DIR)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

VENDORS = [
    ("azure-openai", "azure:swedencentral", "DataZoneStandard", "model_api"),
    ("aws-bedrock", "aws:eu-central-1", None, "model_api"),
    ("mistral-ai", None, "eu", "model_api"),
    ("deepseek", None, None, "model_api"),
    ("ovhcloud", "ovh:GRA", None, "database"),
    ("aws", "aws:eu-west-1", None, "vector_store"),
    ("scaleway", "scaleway:fr-par", None, "object_storage"),
]


def generate(count: int, out: Path, seed: int = 7) -> None:
    """Write an organisation file and one file per 100 systems."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "organisation.yaml").write_text(
        "organisation: {name: Bench Org, country: DE, entity: bench-org}\n"
        "entities:\n  - {id: bench-org, name: Bench Org GmbH, country: DE, parents: []}\n"
        "data:\n"
        + "".join(
            f"  - {{id: data-{i}, categories: [{rng.choice(['user.name', 'user.health_and_medical', 'system.operations', 'user.contact.email'])}], classification: confidential}}\n"
            for i in range(200)
        )
    )
    for chunk in range(0, count, 100):
        lines = ["systems:"]
        for n in range(chunk, min(count, chunk + 100)):
            vendor, region, deployment, kind = rng.choice(VENDORS)
            data = f"data-{rng.randrange(200)}"
            comp = f"{{id: svc, kind: {kind}, vendor: {vendor}"
            comp += f", region: {region}" if region else ""
            comp += f", deployment: {deployment}" if deployment else ""
            comp += "}"
            lines += [
                f"  - id: sys-{n}",
                f"    purpose: synthetic system {n}",
                f"    criticality: {rng.choice(['low', 'medium', 'high'])}",
                "    components:",
                "      - {id: app, kind: application, on_prem: {country: DE}, operator: bench-org}",
                f"      - {comp}",
                f"    flows: [{{from: app, to: svc, data: [{data}]}}]",
            ]
        (out / f"systems-{chunk // 100:05d}.yaml").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
