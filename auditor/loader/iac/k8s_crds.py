"""Model servers declared through operators: KServe, KubeRay and catalogue custom resources.

* A KServe ``InferenceService`` is a model server (its predictor). The runtime is the
  ``ServingRuntime`` it names, else the catalogue entry of its ``modelFormat``; the
  model is in the predictor's arguments (``--model_id``) or its ``storageUri``
  (``hf://org/model`` names a Hugging Face repository; another URI names only where
  the files are). A ``ServingRuntime`` alone serves nothing: it is a template that
  an InferenceService uses, so it never becomes a component by itself.
* A KubeRay ``RayService`` serves models when an application of its
  ``serveConfigV2`` is a catalogue Ray Serve application; each ``llm_configs`` entry
  is one model server.
* Catalogue ``custom_resources`` (the production-stack ``VLLMRuntime``) are model
  servers with the model at fixed paths.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml

from auditor.loader.iac.catalogue import CustomResource, ImageRule
from auditor.loader.iac.detect import Decided, Part, Placed, slug
from auditor.loader.iac.hcl import Val, step, unknown
from auditor.loader.iac.result import How
from auditor.loader.iac.serving import clean_model, command_line, model_in_args
from auditor.model.common import SourceSpan
from auditor.model.inventory import ComponentKind

if TYPE_CHECKING:
    from auditor.loader.iac.kubernetes import KubernetesScanner, Manifest, Workload

# Where KServe's storage initializer puts the files of storageUri, and where its runtimes
# read the model from (kserve/kserve config/runtimes/kserve-vllmserver.yaml: --model=/mnt/models).
KSERVE_MOUNT = "/mnt/models"
_MAX_SERVE_CONFIG = 200_000  # characters of serveConfigV2 read


def group_of(manifest: Manifest) -> str:
    """The API group of an object (``serving.kserve.io`` of ``serving.kserve.io/v1beta1``)."""
    api = str(manifest.data.get("apiVersion", ""))
    return api.split("/", 1)[0] if "/" in api else ""


def _dig(data: Any, dotted: str) -> Any:
    current = data
    for part in dotted.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


# --- KServe ----------------------------------------------------------------------------------------


def _runtime_rule(
    scanner: KubernetesScanner, runtime: Manifest
) -> tuple[ImageRule, str, str] | None:
    """The catalogue server a ServingRuntime's first recognised container runs (and its image)."""
    for index, container in enumerate(runtime.sequence("spec", "containers")):
        if not isinstance(container, dict):
            continue
        image = str(container.get("image") or "")
        parts = [
            (str(a), runtime.span("spec", "containers", index, key, i))
            for key in ("command", "args")
            for i, a in enumerate(container.get(key) or [])
            if isinstance(a, str | int | float)
        ]
        line = command_line(parts, {})
        for rule in scanner.k8s.images:
            if rule.pattern is not None and re.search(rule.pattern, image, re.IGNORECASE):
                return rule, f"image {image} of {runtime.address}", image
        for rule in scanner.k8s.images:
            if any(re.search(p, line.text) for p in rule.commands):
                return rule, f"command line of {runtime.address}", image
    return None


def kserve_parts(
    scanner: KubernetesScanner,
    workload: Workload,
    runtimes: dict[tuple[str, str], Manifest],
    place: Placed,
    ident: str,
) -> list[Part]:
    """The InferenceService's predictor as one model server."""
    manifest = workload.manifest
    for path, container in workload.containers:
        if path[-1] == "model":
            continue
        found = scanner.server_of(workload, path, container)
        if found is not None:  # a custom predictor container running a known server
            rule, line, how = found
            found_model = scanner.model_of(workload, path, container, rule, line)
            return [
                scanner.server_part(workload, path, container, rule, how, found_model, place, ident)
            ]
    spec_model = manifest.mapping("spec", "predictor", "model")
    predictor = manifest.mapping("spec", "predictor")
    model_key = "model"
    if not spec_model:
        # v1beta1 framework predictors (spec.predictor.sklearn, .pytorch, ...): same shape.
        legacy = next(
            (k for k, v in predictor.items() if isinstance(v, dict) and "storageUri" in v), None
        )
        if legacy is not None:
            model_key, spec_model = str(legacy), predictor[legacy]
    fmt = str(_dig(spec_model, "modelFormat.name") or "")
    if not fmt and model_key != "model":
        fmt = model_key
    runtime_name = str(spec_model.get("runtime") or "")
    runtime = runtimes.get((manifest.namespace, runtime_name)) or runtimes.get(("", runtime_name))
    images = [str(c.get("image")) for _p, c in workload.containers if c.get("image")]
    server = (
        f"KServe {fmt} runtime"
        if fmt
        else f"KServe custom predictor ({images[0]})"
        if images
        else "KServe predictor"
    )
    args: list[str] = []
    how = f"kind InferenceService ({f'model format {fmt}' if fmt else 'predictor'})"
    chosen = _runtime_rule(scanner, runtime) if runtime is not None else None
    from_image: Decided | None = None
    vendor: str | None = None
    deployment: Decided | None = None
    if chosen is not None and runtime is not None:
        rule, how, image = chosen
        server, args = f"{rule.server} (KServe runtime {runtime_name})", rule.model_args
        vendor = rule.vendor
        if rule.deployment is not None:
            written = step(How.MANIFEST, runtime.span(), f"{runtime.address}: image {image}")
            deployment = Decided(rule.deployment, Val(rule.deployment, (written,)))
        match = re.search(rule.model_from_image, image) if rule.model_from_image else None
        if match and match.groupdict().get("model"):
            value = match.group("model")
            first = step(How.MANIFEST, runtime.span(), f"{runtime.address}: image {image}")
            from_image = Decided(value, Val(value, (first,)))
    else:
        known = next((f for f in scanner.k8s.kserve_formats if f.name.lower() == fmt.lower()), None)
        if known is not None:
            server, args = known.server, known.model_args
    path = ("spec", "predictor", model_key)
    parts = [
        (str(a), manifest.span(*path, "args", i))
        for i, a in enumerate(spec_model.get("args") or [])
        if isinstance(a, str | int | float)
    ]
    line = command_line(parts, workload.env.get(path, {}))
    hit = model_in_args(line, args, [])
    decided: Decided
    if hit is not None and clean_model(hit[0].text) != KSERVE_MOUNT:
        decided = scanner.word_model(manifest.address, hit[0], hit[1])
    elif from_image is not None:
        decided = from_image
    else:
        decided = _storage_model(manifest, spec_model, path)
    vendor_of_model = scanner.catalogue.model_vendor(decided.value) if decided.value else None
    return [
        Part(
            address=manifest.address,
            span=manifest.span(),
            kind=ComponentKind.INFERENCE_ENDPOINT,
            label=f"{server} model server (InferenceService):",
            vendor=vendor,
            placed=place,
            deployment=deployment,
            model=decided,
            model_vendor=vendor_of_model,
            open_weights=True if vendor_of_model is not None else None,
            notes=[f"Recognised by its {how}."],
            ident=ident,
        )
    ]


def _storage_model(manifest: Manifest, model: dict[Any, Any], where: tuple[str, ...]) -> Decided:
    uri = model.get("storageUri")
    path = (*where, "storageUri")
    if not isinstance(uri, str) or not uri:
        return Decided(
            None,
            unknown(
                "the InferenceService names neither a model argument nor a storageUri",
                (step(How.UNKNOWN, manifest.span("spec", "predictor"), manifest.address),),
            ),
        )
    first = step(How.MANIFEST, manifest.span(*path), f"{manifest.address}: storageUri {uri}")
    return uri_model(uri, first)


def uri_model(uri: str, first: Any) -> Decided:
    """The model an ``hf://org/model[:revision]`` URI names; any other URI names only a place."""
    if uri.lower().startswith("hf://"):
        value = clean_model(uri).split(":", 1)[0]
        return Decided(value, Val(value, (first,)))
    return Decided(
        None,
        unknown(
            f"the model files come from {uri}; the URI says where they are stored, not which "
            "model they are",
            (first,),
        ),
    )


# --- KubeRay ---------------------------------------------------------------------------------------


def ray_parts(
    scanner: KubernetesScanner, workload: Workload, place: Placed, ident: str
) -> list[Part]:
    """One model server per llm_configs entry of a catalogue Ray Serve application."""
    manifest = workload.manifest
    raw = manifest.get("spec", "serveConfigV2")
    if not isinstance(raw, str) or len(raw) > _MAX_SERVE_CONFIG:
        return []
    try:
        config = yaml.safe_load(raw)
    except yaml.YAMLError:
        span = manifest.span("spec", "serveConfigV2")
        scanner.notes.append(
            f"{span.path}:{span.line}: RayService {manifest.name}: serveConfigV2 is not valid "
            "YAML; its applications are not read"
        )
        return []
    base = manifest.span("spec", "serveConfigV2")
    lines = raw.splitlines()
    parts: list[Part] = []
    unknown_apps: list[str] = []
    apps = config.get("applications") if isinstance(config, dict) else None
    for app in apps if isinstance(apps, list) else []:
        if not isinstance(app, dict):
            continue
        import_path = str(app.get("import_path") or "")
        rule = next(
            (r for r in scanner.k8s.ray_serve_apps if re.fullmatch(r.import_path, import_path)),
            None,
        )
        if rule is None:
            unknown_apps.append(import_path or "(no import_path)")
            continue
        configs = _dig(app, "args.llm_configs")
        entries = [c for c in configs if isinstance(c, dict)] if isinstance(configs, list) else []
        for entry in entries or [{}]:
            loading = entry.get("model_loading_config")
            loading = loading if isinstance(loading, dict) else {}
            source = loading.get("model_source") or loading.get("model_id")
            name = str(loading.get("model_id") or source or "")
            if isinstance(source, str) and source:
                value = clean_model(source)
                row = next((i for i, text in enumerate(lines) if source in text), 0)
                span = SourceSpan(path=base.path, line=base.line + 1 + row, column=1)
                model = Decided(
                    value,
                    Val(
                        value,
                        (step(How.MANIFEST, span, f"{manifest.address}: model_source {source}"),),
                    ),
                )
            else:
                model = Decided(
                    None,
                    unknown(
                        f"application {app.get('name')!r} names no model_loading_config",
                        (step(How.UNKNOWN, base, manifest.address),),
                    ),
                )
            vendor_of_model = scanner.catalogue.model_vendor(model.value) if model.value else None
            suffix = f".{slug(name)}" if len(entries) > 1 and name else ""
            parts.append(
                Part(
                    address=manifest.address + (f"/{name}" if suffix else ""),
                    span=manifest.span(),
                    kind=ComponentKind.INFERENCE_ENDPOINT,
                    label=f"{rule.server} model server (RayService):",
                    vendor=None,
                    placed=place,
                    model=model,
                    model_vendor=vendor_of_model,
                    open_weights=True if vendor_of_model is not None else None,
                    notes=[f"Recognised by serveConfigV2 application import_path {import_path}."]
                    + ([rule.note] if rule.note else []),
                    ident=ident + suffix,
                )
            )
    if unknown_apps and not parts:
        scanner.notes.append(
            f"{base.path}:{base.line}: RayService {manifest.name} runs Ray Serve application(s) "
            f"{', '.join(unknown_apps)} that the catalogue does not know; if they serve a model, "
            "declare it in the inventory"
        )
    return parts


# --- catalogue custom resources --------------------------------------------------------------------


def custom_part(
    scanner: KubernetesScanner, manifest: Manifest, rule: CustomResource, place: Placed
) -> Part:
    """A custom resource that is a model server (an operator creates its pods)."""
    decided: Decided | None = None
    for dotted in rule.model_paths:
        value = _dig(manifest.data, dotted)
        if isinstance(value, str) and value:
            span = manifest.span(*dotted.split("."))
            first = step(How.MANIFEST, span, f"{manifest.address}: {dotted} {value}")
            if "://" in value:
                decided = uri_model(value, first)
            else:
                model = clean_model(value)
                decided = Decided(model, Val(model, (first,)))
            break
    if decided is None:
        decided = Decided(
            None,
            unknown(
                f"none of {', '.join(rule.model_paths)} is written",
                (step(How.UNKNOWN, manifest.span("spec"), manifest.address),),
            ),
        )
    image = next((str(v) for v in (_dig(manifest.data, f) for f in rule.image_fields) if v), None)
    vendor_of_model = scanner.catalogue.model_vendor(decided.value) if decided.value else None
    return Part(
        address=manifest.address,
        span=manifest.span(),
        kind=ComponentKind.INFERENCE_ENDPOINT,
        label=f"{rule.server} model server ({manifest.kind}):",
        vendor=None,
        placed=place,
        model=decided,
        model_vendor=vendor_of_model,
        open_weights=True if vendor_of_model is not None else None,
        notes=[f"Recognised by its kind {manifest.kind} ({rule.api_group})."]
        + ([f"Image {image}."] if image else [])
        + ([rule.note] if rule.note else []),
        ident=slug(f"{manifest.kind}-{manifest.name}"),
    )
