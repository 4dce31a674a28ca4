"""Archetypes: the components and flows of one system, per kind of use case.

Each function gets the component factory and the system's context and returns
the components, the flows, and notes for the system's comment block.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.components import (
    COUNTRY_OF_ENTITY,
    OFFER_LABELS,
    SUPPORTERS,
    Components,
    SystemContext,
    model_node,
)
from benchmarks.providers import OFFERS, PLATFORMS, WEIGHTS
from benchmarks.yamlout import Node

Built = tuple[list[Node], list[Node], list[str]]  # components, flows, notes for the comment block


def _drafting(b: Components, s: SystemContext) -> Built:
    src = b.placed(s, "records", "database", f"{s.unit.source} database")
    src["holds"] = list(s.inputs)
    app = b.placed(s, "app", "application", f"{s.case.name} service", self_run=True)
    llm, notes = b.model(s, "llm")
    parts = [src, app, llm]
    flows = [
        b.flow("records", "app", s.inputs, "records loaded when the user starts the workflow"),
        b.flow("app", "llm", s.inputs, "drafting from the loaded records", external=True),
        b.flow("llm", "app", [s.output], "model output returned for review"),
        b.flow("app", "records", [s.output], "draft stored for review and sign-off"),
    ]
    if llm.get("vendor") in ("azure-openai", "aws-bedrock") and b.chance(0.4):
        diag = b.placed(
            s,
            "llm-diagnostics",
            "logging",
            "Diagnostics of the model resource",
            home=str(llm["vendor"]).split("-")[0],
        )
        parts.append(diag)
        flows.append(
            b.flow(
                "llm",
                "llm-diagnostics",
                ["cloud-api-telemetry"],
                "diagnostic settings (request metadata)",
            )
        )
    if b.chance(0.7):
        parts.append(b.logging(s))
        flows.append(b.flow("app", "audit-log", [s.logs], "audit trail of generated drafts"))
    return parts, flows, notes


def _rag(b: Components, s: SystemContext) -> Built:
    src = b.placed(s, "documents", "database", f"{s.unit.source} document store")
    src["holds"] = list(s.inputs)
    app = b.placed(s, "app", "application", f"{s.case.name} web app", self_run=True)
    llm, notes = b.model(s, "llm")
    parts = [src, app]
    vendor = str(llm.get("vendor", ""))
    offer = next((o for o, _ in OFFERS if o.vendor == vendor and o.embeddings), None)
    if b.chance(0.15):
        vector: Node = {
            "#": ["SaaS vector index; Vectorpoint's support staff sit in the US (DPA annex 3)."],
            "id": "vectors",
            "name": "Vectorpoint serverless index",
            "kind": "vector_store",
            "operator": "vectorpoint-inc",
            "hosting": "amazon-web-services-inc",
            "region": "aws:eu-west-1",
            "locations": {"support": "US"},
            "controls": {"keys": "provider_managed", "transfer_tools": ["sccs"], "tia_done": True},
        }
    else:
        kind = (
            "vector_store"
            if s.home in PLATFORMS and "vector_store" in PLATFORMS[s.home].kinds
            else "database"
        )
        vector = b.placed(s, "vectors", kind, "Chunk and vector index (pgvector)")
    parts.append(vector)
    flows = [
        b.flow("documents", "app", s.inputs, "nightly export of released documents"),
        b.flow("app", "vectors", s.inputs, "chunks and vectors stored"),
    ]
    if offer is not None:
        emb, _ = b.hosted(s, "embeddings", offer, embeddings=True)
        parts.append(emb)
        flows += [
            b.flow("app", "embeddings", s.inputs, "embedding of document chunks", external=True),
            b.flow("app", "embeddings", [s.prompts], "embedding of the question", external=True),
        ]
    parts.append(llm)
    flows += [
        b.flow("vectors", "app", s.inputs, "retrieved passages"),
        b.flow(
            "app",
            "llm",
            [s.prompts, *s.inputs],
            "answer generation from the question and passages",
            external=True,
        ),
        b.flow("llm", "app", [s.output], "answer returned with citations"),
    ]
    if len(parts) < 6 and b.chance(0.5):
        parts.append(b.logging(s))
        flows.append(b.flow("app", "audit-log", [s.logs], "usage audit trail"))
    return parts, flows, notes


def _classifier(b: Components, s: SystemContext) -> Built:
    src = b.placed(s, "records", "database", f"{s.unit.source} database")
    src["holds"] = list(s.inputs)
    pseudo = b.on_prem(
        s, "pseudonymiser", "application", "Pseudonymisation service and token vault"
    )
    app = b.placed(s, "router", "application", f"{s.case.name} service", self_run=True)
    tunable = [(o, w) for o, w in OFFERS if o.fine_tuning]
    if b.chance(0.7):
        offer = b.weighted(tunable)
        tune, notes = b.hosted(s, "fine-tune", offer)
        tune["kind"] = "fine_tuning"
        tune["name"] = f"{OFFER_LABELS[offer.vendor]} fine-tuning job"
        if offer.vendor == "azure-openai":
            tune["deployment"] = b.pick(("Standard", "Standard", "GlobalStandard"))
        model, _ = b.hosted(s, "classifier", offer)
        model["region"], model["deployment"] = tune["region"], tune["deployment"]
        model["model"] = tune["model"]
        for node in (tune, model):
            controls = node["controls"]
            assert isinstance(controls, dict)
            controls["pseudonymised_before"] = True
    else:
        tune = b.on_prem(s, "fine-tune", "fine_tuning", "LoRA fine-tuning on the GPU cluster")
        base = b.pick(WEIGHTS)
        tune["model"] = model_node(base)
        tune["controls"] = {"processes_in_clear": True}
        model, notes = b.weights(s, "classifier")
        model["model"] = model_node(base)
    flows = [
        b.flow(
            "records",
            "pseudonymiser",
            s.inputs,
            "export of closed cases for the yearly training set",
        ),
        b.flow(
            "pseudonymiser",
            "fine-tune",
            s.inputs,
            "upload of the pseudonymised training file",
            external=True,
        ),
        b.flow("records", "router", s.inputs, "new case picked up for classification"),
        b.flow("router", "pseudonymiser", s.inputs, "pseudonymisation before the model call"),
        b.flow(
            "pseudonymiser",
            "classifier",
            s.inputs,
            "classification of the pseudonymised case",
            external=True,
        ),
        b.flow("classifier", "router", [s.output], "class and urgency returned"),
        b.flow("router", "records", [s.output], "proposal written to the case for confirmation"),
    ]
    return [src, pseudo, tune, model, app], flows, notes


def _selfhosted(b: Components, s: SystemContext) -> Built:
    src = b.placed(s, "records", "database", f"{s.unit.source} database")
    src["holds"] = list(s.inputs)
    app = b.placed(s, "app", "application", f"{s.case.name} plug-in", self_run=True)
    llm, notes = b.model(s, "llm", mode="weights")
    flows = [
        b.flow("records", "app", s.inputs, "records loaded into the plug-in"),
        b.flow("app", "llm", s.inputs, "summarisation and classification"),
        b.flow("llm", "app", [s.output], "draft returned for review"),
        b.flow("app", "records", [s.output], "signed result stored with the case"),
        b.flow("app", "audit-log", [s.logs], "audit trail"),
    ]
    return [src, app, llm, b.logging(s)], flows, notes


def _transcription(b: Components, s: SystemContext) -> Built:
    rec = b.on_prem(s, "recorder", "application", "Call and meeting recording platform")
    rec["holds"] = list(s.inputs)
    archive = b.placed(s, "archive", "database", "Case file archive")
    roll = b.rng.random()
    if roll < 0.55:
        region = b.pick(("aws:eu-west-3", "aws:eu-central-1"))
        asr: Node = {
            "#": [
                "Contract with the Irish subsidiary; escalation engineers of the US parent have access."
            ],
            "id": "transcription",
            "name": "Verbatim transcription API",
            "kind": "model_api",
            "operator": "verbatim-europe-ltd",
            "hosting": "aws-emea-sarl",
            "support": "verbatim-inc",
            "subprocessors": ["verbatim-inc"],
            "region": region,
            "model": {"name": "Verbatim ASR v4 with diarisation", "open_weights": False},
            "locations": {"admin": "IE", "support": "US", "backup": "aws:eu-west-1"},
            "controls": {
                "keys": "provider_managed",
                "processes_in_clear": True,
                "retention": {
                    "prompts_retained": True,
                    "days": b.pick((7, 30, 90)),
                    "location": region,
                    "purpose": "reprocessing on customer request",
                },
                "training_use": False,
                "transfer_tools": ["sccs", "dpf"],
                "tia_done": b.chance(0.7),
                "notification_commitment": True,
            },
        }
        notes = ["Transcription SaaS of a US-parented vendor (Irish contracting entity)."]
    elif roll < 0.7 and s.unit.id == "people":
        asr = {
            "#": (),
            "id": "transcription",
            "name": "TalentFlow interview notes",
            "kind": "model_api",
            "operator": "talentflow-bv",
            "hosting": "google-cloud-emea-ltd",
            "region": "gcp:europe-west4",
            "model": {
                "name": "TalentFlow Notes (on Gemini 2.5 Flash)",
                "open_weights": False,
                "vendor": "google-vertex-ai",
            },
            "controls": {
                "processes_in_clear": True,
                "keys": "provider_managed",
                "training_use": False,
            },
        }
        notes = ["HR-tech SaaS from the Netherlands, hosted on Google Cloud."]
    else:
        asr = b.on_prem(s, "transcription", "model_weights", "Whisper large-v3 on the GPU cluster")
        asr["model"] = {
            "name": "Whisper large-v3",
            "open_weights": True,
            "licence": "MIT",
            "vendor": "openai",
        }
        asr["controls"] = {"processes_in_clear": True, "retention": {"prompts_retained": False}}
        notes = ["Speech recognition runs on premises (open weights)."]
    flows = [
        b.flow(
            "recorder",
            "transcription",
            s.inputs,
            "upload of the recording for transcription",
            external=True,
        ),
        b.flow("transcription", "recorder", [s.output], "transcript and draft note returned"),
        b.flow("recorder", "archive", [s.output], "approved note filed with the case"),
    ]
    return [rec, asr, archive], flows, notes


def _batch(b: Components, s: SystemContext) -> Built:
    bucket = b.placed(s, "inbox", "object_storage", "Batch input bucket")
    bucket["holds"] = list(s.inputs)
    job = b.placed(s, "job", "application", f"{s.case.name} job", self_run=True)
    llm, notes = b.model(s, "llm", mode="endpoint" if b.chance(0.7) else "weights")
    results = b.placed(s, "results", "database", "Results database")
    flows = [
        b.flow("inbox", "job", s.inputs, "nightly batch picked up"),
        b.flow("job", "llm", s.inputs, "batch inference", external=True),
        b.flow("llm", "job", [s.output], "scores and extractions returned"),
        b.flow("job", "results", [s.output], "results stored for the business team"),
    ]
    return [bucket, job, llm, results], flows, notes


def _pilot(b: Components, s: SystemContext) -> Built:
    notebook = b.on_prem(s, "notebook", "application", "Lab notebook VM")
    notebook.pop("support", None)
    notebook.pop("locations", None)
    notebook["#"] = ()
    scratch = b.placed(s, "scratch", "object_storage", "Lab scratch bucket")
    scratch["holds"] = list(s.inputs)
    llm, notes = b.model(s, "llm", mode="risky")
    flows = [
        b.flow("scratch", "notebook", s.inputs, "CSV export loaded into the notebook"),
        b.flow("notebook", "llm", s.inputs, "prompts with the exported records", external=True),
        b.flow("llm", "notebook", [s.output], "outputs compared with the current process"),
    ]
    return [notebook, scratch, llm], flows, notes


def _copilot(b: Components, s: SystemContext) -> Built:
    db = b.placed(s, "records", "database", f"{s.unit.source} database")
    db["holds"] = list(s.inputs)
    app = b.placed(s, "app", "application", f"{s.case.name} front end", self_run=True)
    llm, notes = b.model(s, "llm")
    platform = PLATFORMS.get(s.home)
    if platform is not None and "identity" in platform.kinds:
        idp = b.placed(s, "sso", "identity", "Single sign-on")
    else:
        idp = b.on_prem(s, "sso", "identity", "Keycloak single sign-on")
    supporter, place = b.pick(SUPPORTERS[:3])
    desk: Node = {
        "#": ["Service desk of the contractor sees escalated conversations."],
        "id": "service-desk",
        "name": "Second-level service desk",
        "kind": "support",
        "operator": supporter,
        "locations": {"support": place or COUNTRY_OF_ENTITY[supporter]},
    }
    flows = [
        b.flow("records", "app", s.inputs, "context loaded for the conversation"),
        b.flow("app", "llm", [s.prompts, *s.inputs], "answer suggestion", external=True),
        b.flow("llm", "app", [s.output], "suggestion shown to the user"),
        b.flow(
            "app", "service-desk", [s.output], "escalated conversations handed to the service desk"
        ),
    ]
    return [db, app, llm, idp, desk], flows, notes


ARCHETYPES: dict[str, Callable[[Components, SystemContext], Built]] = {
    "drafting": _drafting,
    "rag": _rag,
    "classifier": _classifier,
    "selfhosted": _selfhosted,
    "transcription": _transcription,
    "batch": _batch,
    "pilot": _pilot,
    "copilot": _copilot,
}
