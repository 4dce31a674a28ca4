"""Model servers declared through operators: KServe, KubeRay and catalogue custom resources.

* A KServe ``InferenceService`` is a model server (its predictor). The runtime is the
  ``ServingRuntime`` it names, else the catalogue entry of its ``modelFormat``; the
  model is in the predictor's arguments (``--model_id``) or its ``storageUri``
  (``hf://org/model`` names a Hugging Face repository; another URI names only where
  the files are). A ``ServingRuntime`` alone serves nothing: it is a template that
  an InferenceService uses, so it never becomes a component by itself.
* A KubeRay ``RayService`` serves models when an application of its
  ``serveConfigV2`` is a catalogue Ray Serve application; each ``llm_configs`` entry
  is one model server. Another application (its code fetched at run time) is a model
  server, model unknown, when the manifest shows it runs a catalogue model library:
  its ``runtime_env.pip`` installs one, or its ``import_path`` names a module of the
  scanned tree that imports one (:mod:`auditor.loader.iac.ray_code`, read with ``ast``).
  A module of the tree that imports none makes the application not a server; with no
  evidence either way, a notice asks for it in the inventory (naming a Ray image that
  suggests a model, which is never enough by itself).
* Catalogue ``custom_resources`` (the production-stack ``VLLMRuntime``) are model
  servers with the model at fixed paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from auditor.loader.iac.catalogue import CustomResource, ImageRule, ModelLibrary, normalise_package
from auditor.loader.iac.detect import Decided, Part, Placed, slug
from auditor.loader.iac.hcl import Val, step, unknown
from auditor.loader.iac.ray_code import ModuleRead, find_module
from auditor.loader.iac.result import How, ResolutionStep
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
    """One model server per llm_configs entry of a catalogue Ray Serve application, and one
    per other application whose manifest shows a model library."""
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
    by_app: list[tuple[Part, str]] = []  # servers found from evidence, with the application name
    unknown_apps: list[str] = []
    problems: list[str] = []
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
            found = _evidence(scanner, manifest, app, import_path, lines, base)
            if found.libraries:
                part = _evidence_part(scanner, manifest, app, import_path, found, place, ident)
                parts.append(part)
                by_app.append((part, str(app.get("name") or import_path)))
            elif found.clean is not None:
                scanner.notes.append(
                    f"{base.path}:{base.line}: RayService {manifest.name}: application "
                    f"{app.get('name')!r} ({import_path}) runs {found.clean} from the scanned "
                    "tree, which imports none of the libraries that run models ("
                    + ", ".join(lib.module for lib in scanner.k8s.model_libraries)
                    + "); not a model server"
                )
            else:
                unknown_apps.append(import_path or "(no import_path)")
                problems.extend(found.problems)
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
                model = Decided(
                    value,
                    Val(
                        value,
                        (
                            step(
                                How.MANIFEST,
                                _line_of(lines, source, base),
                                f"{manifest.address}: model_source {source}",
                            ),
                        ),
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
    if len(parts) > 1:  # several servers in one RayService: each evidence one by its app
        for part, name in by_app:
            part.address += f"/{name}"
            part.ident = f"{part.ident}.{slug(name)}"
    if unknown_apps:
        hint = _image_hint(scanner, workload)
        scanner.notes.append(
            f"{base.path}:{base.line}: RayService {manifest.name} runs Ray Serve application(s) "
            f"{', '.join(unknown_apps)} that the catalogue does not know; if they serve a model, "
            "declare it in the inventory"
            + "".join(f" ({p})" for p in problems)
            + (f". It runs on {hint}: that suggests, but does not show, a model" if hint else "")
        )
    return parts


@dataclass
class _Evidence:
    """What the manifest shows about an application the catalogue does not know."""

    libraries: list[ModelLibrary] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # sentences for the component's notes
    steps: list[ResolutionStep] = field(default_factory=list)
    clean: str | None = None  # the module of the tree, read, importing no model library
    problems: list[str] = field(default_factory=list)  # a module found but not read


_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _pip_specs(app: dict[Any, Any]) -> list[str]:
    """The requirement lines of ``runtime_env.pip`` (a list, or a mapping with ``packages``)."""
    env = app.get("runtime_env")
    pip = env.get("pip") if isinstance(env, dict) else None
    if isinstance(pip, dict):
        pip = pip.get("packages")
    if not isinstance(pip, list):
        return []  # absent, or a requirements file fetched with the code
    return [str(item).strip() for item in pip if isinstance(item, str)]


def _line_of(lines: list[str], text: str, base: SourceSpan) -> SourceSpan:
    """Where ``text`` stands in the serveConfigV2 block (its first line if not found)."""
    row = next((i for i, line in enumerate(lines) if text in line), -1)
    return SourceSpan(path=base.path, line=base.line + 1 + row, column=1)


def _evidence(
    scanner: KubernetesScanner,
    manifest: Manifest,
    app: dict[Any, Any],
    import_path: str,
    lines: list[str],
    base: SourceSpan,
) -> _Evidence:
    found = _Evidence()
    libraries = scanner.k8s.model_libraries
    by_package = {lib.package: lib for lib in libraries}
    installed: list[str] = []
    for spec in _pip_specs(app):
        match = _REQUIREMENT.match(spec)
        if spec.startswith("-") or match is None:
            continue  # a pip option (-f URL, --extra-index-url)
        lib = by_package.get(normalise_package(match.group(1)))
        if lib is None:
            continue
        installed.append(spec)
        if lib not in found.libraries:
            found.libraries.append(lib)
        found.steps.append(
            step(
                How.MANIFEST,
                _line_of(lines, spec, base),
                f"{manifest.address}: runtime_env.pip {spec}",
            )
        )
    if installed:
        names = ", ".join(lib.library for lib in found.libraries)
        found.reasons.append(
            f"Its runtime_env.pip installs {', '.join(installed)}: "
            f"{'libraries' if len(found.libraries) > 1 else 'a library'} that "
            f"{'run' if len(found.libraries) > 1 else 'runs'} models ({names})."
        )
    module = find_module(import_path, manifest.display, scanner.root)
    if module is not None:
        _module_evidence(scanner, manifest, module, libraries, found)
    return found


def _module_evidence(
    scanner: KubernetesScanner,
    manifest: Manifest,
    module: ModuleRead,
    libraries: list[ModelLibrary],
    found: _Evidence,
) -> None:
    shown = module.display
    if module.problem is not None:
        found.problems.append(f"{shown}: {module.problem}")
        return
    root = scanner.root
    path = str(root / shown) if root is not None else shown
    hits = [(lib, module.imports[lib.module]) for lib in libraries if lib.module in module.imports]
    if not hits:
        found.clean = shown
        return
    assert module.path is not None
    scanner.ray_modules[str(module.path)] = manifest.address
    for lib, line in hits:
        if lib not in found.libraries:
            found.libraries.append(lib)
        found.steps.append(
            step(
                How.CODE_LITERAL, SourceSpan(path=path, line=line, column=1), f"import {lib.module}"
            )
        )
    imports = ", ".join(f"{lib.module} (line {line})" for lib, line in hits)
    several = len(hits) > 1
    found.reasons.append(
        f"Its import_path names {shown} in the scanned tree, which imports {imports}: "
        f"{'libraries' if several else 'a library'} that {'run' if several else 'runs'} models ("
        + ", ".join(lib.library for lib, _ in hits)
        + "). The RayService fetches its code at run time (runtime_env.working_dir); the scan "
        "takes the tree's copy of the module to be that code."
    )


def _image_hint(scanner: KubernetesScanner, workload: Workload) -> str | None:
    """The first container image that a catalogue hint describes, in words."""
    for _path, container in workload.containers:
        image = str(container.get("image") or "")
        for hint in scanner.k8s.ray_image_hints:
            if image and re.search(hint.pattern, image):
                return f"{image}, {hint.label}"
    return None


def _evidence_part(
    scanner: KubernetesScanner,
    manifest: Manifest,
    app: dict[Any, Any],
    import_path: str,
    found: _Evidence,
    place: Placed,
    ident: str,
) -> Part:
    """A model server recognised from the libraries its application installs or imports."""
    name = app.get("name")
    env = app.get("runtime_env")
    env = env if isinstance(env, dict) else {}
    working_dir = env.get("working_dir")
    reason = (
        "the application code decides at run time which model it loads"
        + (f" (fetched from {working_dir})" if isinstance(working_dir, str) and working_dir else "")
        + "; the manifest names none"
    )
    variables = env.get("env_vars")
    for key, value in variables.items() if isinstance(variables, dict) else []:
        if re.fullmatch(r"(?i)(HF_)?MODEL(_ID|_NAME)?", str(key)):
            placeholder = str(value).startswith(("$", "<"))
            reason += f"; runtime_env.env_vars sets {key} to {str(value)!r}" + (
                ", a placeholder to fill in" if placeholder else ", which the code may read"
            )
    model = Decided(None, unknown(reason, tuple(found.steps)))
    server = found.libraries[0].library
    return Part(
        address=manifest.address,
        span=manifest.span(),
        kind=ComponentKind.INFERENCE_ENDPOINT,
        label=f"Ray Serve ({server}) model server (RayService):",
        vendor=None,
        placed=place,
        model=model,
        notes=[
            f"Recognised as a model server by serveConfigV2 application {name!r} "
            f"(import_path {import_path}), whose code is not in the manifest.",
            *found.reasons,
        ],
        ident=ident,
    )


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
