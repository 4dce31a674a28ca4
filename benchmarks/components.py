"""Components of a generated system: placement, parties, controls, and the model choices."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from benchmarks.providers import (
    CONTRACTORS,
    ENDPOINTS,
    GROUP,
    MINORITY_PARTNERS,
    OFFERS,
    PLATFORMS,
    RISKY_OFFERS,
    WEIGHTS,
    Model,
    Offer,
    Platform,
)
from benchmarks.vocabulary import Unit, UseCase, Vocabulary
from benchmarks.yamlout import Node

T = TypeVar("T")

COUNTRY_OF_ENTITY = {p.id: p.country for p in (*GROUP, *CONTRACTORS, *MINORITY_PARTNERS)}
OFFER_LABELS = {
    "azure-openai": "Azure OpenAI deployment",
    "aws-bedrock": "Amazon Bedrock",
    "google-vertex-ai": "Vertex AI",
    "mistral-ai": "Mistral AI API",
    "openai": "OpenAI API",
    "anthropic": "Anthropic API (first party)",
    "cohere": "Cohere API",
    "aleph-alpha": "Aleph Alpha PhariaAI",
    "ovhcloud": "OVHcloud AI Endpoints",
    "scaleway": "Scaleway Generative APIs",
    "ionos": "IONOS AI Model Hub",
    "deepseek": "DeepSeek API (api.deepseek.com)",
    "moonshot-ai": "Moonshot AI API",
    "zhipu-ai": "Zhipu AI open platform (international)",
    "alibaba-model-studio": "Alibaba Cloud Model Studio",
    "baidu-qianfan": "Baidu Qianfan",
    "together-ai": "Together AI serverless API",
    "groq": "GroqCloud API",
    "xai": "xAI API",
    "hugging-face": "Hugging Face Inference Endpoint",
    "nvidia-api-catalog": "NVIDIA API Catalog (hosted NIM endpoints)",
}
SUPPORTERS = (  # contractor, where its support staff sit (None: its own country)
    ("baltic-managed-services-uab", None),
    ("bds-europe-gmbh", "IN"),
    ("helix-support-ltd", None),
    ("numeris-infogerance-sas", None),
)


@dataclass
class SystemContext:
    """What the builder knows while it writes one system."""

    id: str
    unit: Unit
    case: UseCase
    market: str
    entity: str
    country: str
    site: str
    home: str
    region: str | None
    inputs: list[str]
    output: str
    logs: str
    prompts: str


class Components:
    """Draws components from one random generator; the estate builder extends it."""

    def __init__(self, rng: random.Random, vocabulary: Vocabulary) -> None:
        self.rng = rng
        self.vocab = vocabulary

    # -- helpers ------------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]

    def skewed(self, items: Sequence[T]) -> T:
        """Most-used first: the first item is the most likely, the last the least."""
        return items[min(len(items) - 1, int(len(items) * self.rng.random() ** 2))]

    def weighted(self, pairs: Sequence[tuple[T, int]]) -> T:
        total = sum(w for _, w in pairs)
        point = self.rng.randrange(total)
        for item, weight in pairs:
            point -= weight
            if point < 0:
                return item
        raise AssertionError("unreachable")

    def date(self, first: int = 2024, last: int = 2026) -> str:
        return f"{self.rng.randint(first, last)}-{self.rng.randint(1, 12):02d}"

    def person(self) -> str:
        return f"{self.pick(self.vocab.first_names)} {self.pick(self.vocab.last_names)}"

    # -- components ---------------------------------------------------------------------------

    def flow(
        self, source: str, target: str, data: list[str], purpose: str, *, external: bool = False
    ) -> Node:
        node: Node = {"from": source, "to": target, "data": data, "purpose": purpose}
        if external and self.chance(0.4):
            node["in_transit"] = "tls"
        elif not external and self.chance(0.03):
            node["in_transit"] = "none"
        return node

    def placed(
        self,
        ctx: SystemContext,
        cid: str,
        kind: str,
        name: str,
        *,
        self_run: bool = False,
        home: str | None = None,
    ) -> Node:
        """A storage or application component on the system's home platform (or on premises)."""
        where = home or ctx.home
        platform = PLATFORMS.get(where)
        if platform is None or kind not in platform.kinds:
            return self.on_prem(ctx, cid, kind, name)
        node: Node = {"#": (), "id": cid, "name": f"{name} ({platform.names[kind]})", "kind": kind}
        node["vendor"] = platform.vendor
        if self_run:
            node |= {"operator": ctx.entity, "hosting": platform.entity}
        node["region"] = (
            ctx.region if where == ctx.home and ctx.region else self.skewed(platform.regions)
        )
        locations: Node = {}
        controls = self.storage_controls(ctx, platform, locations) if kind != "application" else {}
        if kind in ("database", "object_storage", "vector_store") and self.chance(0.3):
            locations["backup"] = self.skewed(platform.regions)
        if kind == "logging":
            controls["retention"] = {
                "prompts_retained": self.chance(0.1),
                "days": self.pick((30, 90, 90, 180, 365)),
                "location": node["region"],
                "purpose": self.pick(("operations", "security monitoring")),
            }
        node["locations"] = locations or None
        node["controls"] = controls or None
        return node

    def storage_controls(self, ctx: SystemContext, platform: Platform, locations: Node) -> Node:
        roll = self.rng.random()
        controls: Node = {}
        if roll < 0.4:
            controls["keys"] = "provider_managed"
        elif roll < 0.8:
            controls["keys"] = "customer_managed_in_provider_kms"
        else:
            controls["keys"] = "customer_held_external"
            controls["key_holder"] = ctx.entity
            locations["key_custody"] = ctx.country
        if platform.us_parent and self.chance(0.9):
            controls["transfer_tools"] = ["sccs", "dpf"] if self.chance(0.75) else ["sccs"]
            controls["tia_done"] = self.chance(0.8)
        return controls

    def on_prem(self, ctx: SystemContext, cid: str, kind: str, name: str) -> Node:
        node: Node = {"#": (), "id": cid, "name": name, "kind": kind, "operator": ctx.entity}
        if self.chance(0.35):
            supporter, place = self.pick(SUPPORTERS)
            if supporter == "numeris-infogerance-sas" and ctx.country not in ("FR", "BE", "LU"):
                supporter, place = SUPPORTERS[0]
            node["support"] = supporter
            if place:
                node["locations"] = {"support": place}
                node["#"] = [f"Second-level support by {supporter} is delivered from {place}."]
        node["on_prem"] = {"country": ctx.country, "site": ctx.site}
        return node

    def logging(self, ctx: SystemContext, cid: str = "audit-log") -> Node:
        return self.placed(ctx, cid, "logging", "Audit and usage log")

    def model(
        self, ctx: SystemContext, cid: str, *, mode: str | None = None, embeddings: bool = False
    ) -> tuple[Node, list[str]]:
        """The model component; returns it and a note for the system's comment."""
        if mode is None:
            bias = {"azure": "azure-openai", "aws": "aws-bedrock", "gcp": "google-vertex-ai"}.get(
                ctx.home
            )
            bias = bias or {"ovhcloud": "ovhcloud", "scaleway": "scaleway", "ionos": "ionos"}.get(
                ctx.home
            )
            choices: list[tuple[object, int]] = [
                (offer, weight * (5 if offer.vendor == bias else 1)) for offer, weight in OFFERS
            ]
            choices += [("weights", 36 if ctx.home == "on_prem" else 8), ("endpoint", 5)]
            choice = self.weighted(choices)
        else:
            choice = mode
        if choice == "weights":
            return self.weights(ctx, cid)
        if choice == "endpoint":
            return self.endpoint(ctx, cid)
        if choice == "risky":
            return self.risky(ctx, cid)
        assert isinstance(choice, Offer)
        return self.hosted(ctx, cid, choice, embeddings=embeddings)

    def hosted(
        self, ctx: SystemContext, cid: str, offer: Offer, *, embeddings: bool = False
    ) -> tuple[Node, list[str]]:
        model = offer.embeddings if embeddings and offer.embeddings else self.pick(offer.models)
        deployment = self.skewed(offer.deployments)
        region = None
        if offer.regions:
            region = ctx.region if ctx.region in offer.regions else self.skewed(offer.regions)
        label = OFFER_LABELS.get(offer.vendor, offer.vendor)
        name = f"{label}, {model.name}"
        if offer.vendor == "azure-openai":
            short = re.sub(r"[^a-z0-9]+", "", model.name.split(" ")[0].lower())
            name = f'{label} "{ctx.case.slug[:12]}-{short}"'
        elif deployment in ("eu", "us", "global") and offer.vendor == "aws-bedrock":
            name += f' ("{deployment}." inference profile)'
        elif deployment:
            name += f" ({deployment})"
        node: Node = {"#": (), "id": cid, "name": name, "kind": "model_api", "vendor": offer.vendor}
        node["region"] = region
        node["deployment"] = deployment
        node["model"] = model_node(model)
        notes: list[str] = []
        if deployment in ("GlobalStandard", "global") and offer.vendor in (
            "azure-openai",
            "aws-bedrock",
            "google-vertex-ai",
        ):
            node["#"] = [
                f"KNOWN DEVIATION: '{deployment}' may process requests outside the EU; chosen at",
                f"go-live for quota reasons. Change request CR-{self.rng.randint(1000, 9999)} moves it to an EU option.",
            ]
            notes.append("Open point: the model deployment may process outside the EU (see below).")
        elif deployment == "DataZoneStandard":
            node["#"] = [
                "Data Zone deployment: processing stays in the EU data zone (EU resource region)."
            ]
        elif offer.vendor == "mistral-ai" and deployment == "eu":
            node["#"] = ["EU endpoint only; the global endpoint is blocked at the egress proxy."]
            if self.chance(0.5):
                node["locations"] = {"telemetry": "global"}
        if offer.parent == "US":
            notes.append(
                "The model provider has a US parent: region choice alone does not remove US law."
            )
        node["controls"] = self.model_controls(offer)
        return node, notes

    def model_controls(self, offer: Offer, *, pilot: bool = False) -> Node:
        controls: Node = {}
        roll = self.rng.random()
        if pilot:
            controls |= {"processes_in_clear": True, "pseudonymised_before": False}
            controls["training_use"] = True if self.chance(0.3) else None
            controls |= {"transfer_tools": [], "tia_done": False}
            return controls
        if roll < 0.55:
            controls["keys"] = "provider_managed"
        elif roll < 0.8:
            controls["keys"] = "customer_managed_in_provider_kms"
        controls["processes_in_clear"] = True
        if self.chance(0.2):
            controls["pseudonymised_before"] = True
        if offer.vendor in ("azure-openai", "google-vertex-ai") and self.chance(0.03):
            controls["confidential_computing"] = True
        roll = self.rng.random()
        if roll < 0.35:
            controls["retention"] = {"prompts_retained": False}
        elif roll < 0.5:
            controls["retention"] = {
                "prompts_retained": True,
                "days": 30,
                "purpose": "abuse monitoring",
            }
        if offer.vendor in ("openai", "anthropic", "mistral-ai") and self.chance(0.25):
            controls["zero_data_retention"] = True
        roll = self.rng.random()
        controls["training_use"] = False if roll < 0.8 else (True if roll > 0.95 else None)
        if offer.parent == "US" and self.chance(0.9):
            controls["transfer_tools"] = ["sccs", "dpf"] if self.chance(0.65) else ["sccs"]
            controls["tia_done"] = self.chance(0.75)
            controls["notification_commitment"] = True if self.chance(0.4) else None
        elif offer.parent == "other":
            controls["transfer_tools"] = ["adequacy"]
        return controls

    def weights(self, ctx: SystemContext, cid: str) -> tuple[Node, list[str]]:
        model = self.pick(WEIGHTS)
        platform = PLATFORMS.get(ctx.home)
        node: Node
        if platform is None or not self.chance(0.6):
            node = self.on_prem(
                ctx, cid, "model_weights", f"{model.name} on vLLM (GPU cluster, {ctx.site})"
            )
            where = "on our own GPUs"
        else:
            node = {
                "#": (),
                "id": cid,
                "name": f"{model.name} on vLLM ({platform.names['application']})",
                "kind": "model_weights",
                "vendor": platform.vendor,
                "operator": ctx.entity,
                "hosting": platform.entity,
                "region": ctx.region,
            }
            where = f"on GPU VMs we run at {platform.vendor}"
        node["#"] = [
            "Weights from the publisher's repository, hash checked, in our artefact registry."
        ]
        node["model"] = model_node(model)
        node["controls"] = {"processes_in_clear": True, "retention": {"prompts_retained": False}}
        return node, [f"The open-weights model runs {where}; no model provider sees the data."]

    def endpoint(self, ctx: SystemContext, cid: str) -> tuple[Node, list[str]]:
        vendor, regions, deployment = self.skewed(ENDPOINTS)
        model = self.pick(WEIGHTS)
        node: Node = {
            "#": (),
            "id": cid,
            "name": f"{OFFER_LABELS.get(vendor, PLATFORMS_BY_VENDOR.get(vendor, vendor))}, {model.name}",
            "kind": "inference_endpoint",
            "vendor": vendor,
            "region": self.skewed(regions) if regions else None,
            "deployment": deployment,
            "model": model_node(model),
            "controls": {
                "processes_in_clear": True,
                "keys": "provider_managed",
                "retention": {"prompts_retained": False} if self.chance(0.5) else None,
                "training_use": False,
            },
        }
        return node, [f"Managed inference of an open-weights model at {vendor}."]

    def risky(self, ctx: SystemContext, cid: str) -> tuple[Node, list[str]]:
        roll = self.rng.random()
        if roll < 0.15:
            node: Node = {
                "#": ["Translation API of a Swiss company; no DPA signed yet."],
                "id": cid,
                "name": "Alpenlogik translation API",
                "kind": "model_api",
                "operator": "alpenlogik-ag",
                "country": "CH",
                "model": {"name": "Alpenlogik NMT v7", "open_weights": False},
                "controls": {"processes_in_clear": True, "training_use": None},
            }
            return node, ["Pilot with a Swiss translation API (adequacy decision for CH)."]
        if roll < 0.3:
            node = {
                "#": ["Hosted in Shenzhen per the provider's terms."],
                "id": cid,
                "name": "Lingyun translation API",
                "kind": "model_api",
                "operator": "lingyun-technology",
                "locations": {"storage": "CN", "processing": "CN"},
                "model": {"name": "Lingyun MT", "open_weights": False},
                "controls": {
                    "processes_in_clear": True,
                    "transfer_tools": [],
                    "tia_done": False,
                },
            }
        else:
            offer = self.pick(RISKY_OFFERS)
            node, _ = self.hosted(ctx, cid, offer)
            node["controls"] = self.model_controls(offer, pilot=True)
        incident = f"PRIV-{self.date(2025)[:4]}-{self.rng.randint(1, 120):03d}"
        node["#"] = [
            f"Found in the API-egress review of {self.date(2025)}; never notified to the DPO.",
            f"Suspension requested (incident {incident}); recorded as it actually ran.",
        ]
        return node, ["Shadow-IT pilot: the hosted API was chosen by the team, not procured."]


PLATFORMS_BY_VENDOR = {p.vendor: name for name, p in PLATFORMS.items()}


def model_node(model: Model) -> Node:
    return {
        "name": model.name,
        "open_weights": model.open_weights,
        "licence": model.licence,
        "vendor": model.vendor,
    }
