"""Kubernetes manifests (plain or rendered Helm output): model servers and model-API clients.

A workload whose image serves models (vLLM, TGI, Ollama, NVIDIA NIM, ...)
becomes an ``inference_endpoint`` with the model read from its arguments or
environment. Environment variables and ConfigMaps whose values point at a
hosted model API (OpenAI, Azure OpenAI, Anthropic, Mistral, DeepSeek, Bedrock,
...) become ``model_api`` components next to an ``application`` component for
the workload. The cluster location comes only from what the manifests declare
(a region node label with a provider's node label, or the
``residency-auditor.io/region`` annotation) or, for objects written as Terraform
resources, from the cluster their provider points at (the ``cluster`` hook);
otherwise it stays unknown.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import Diagnostic
from auditor.loader.iac.catalogue import Catalogue, EndpointRule
from auditor.loader.iac.detect import Decided, Part, Placed, slug
from auditor.loader.iac.hcl import Val, step, unknown
from auditor.loader.iac.k8s_crds import custom_part, group_of, kserve_parts, ray_parts
from auditor.loader.iac.k8s_servers import ServerReader
from auditor.loader.iac.origins import Applies
from auditor.loader.iac.result import How
from auditor.loader.iac.serving import (
    Var,
    expand,
)
from auditor.loader.yamlsrc import (
    DataPath,
    Limits,
    ValueBuilder,
    YamlProblem,
    decode,
)
from auditor.model.common import SourceSpan
from auditor.model.inventory import ComponentKind

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_POD_SPEC: dict[str, DataPath] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
    # Operators' kinds whose pod template the scan reads (auditor.loader.iac.k8s_crds).
    "InferenceService": ("spec", "predictor"),
    "RayService": ("spec", "rayClusterConfig", "headGroupSpec", "template", "spec"),
}
_GROUPS = {"InferenceService": "serving.kserve.io", "RayService": "ray.io"}
_URL = re.compile(r"(?i)\b(?:https?|wss?)://([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::\d+)?")
_HOST = re.compile(r"(?i)^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
_MODEL_ENV = re.compile(r"(?i)(^|_)MODEL(_NAME|_ID)?$")
_CLUSTER_HOST = re.compile(r"(?i)^([a-z0-9-]+)(?:\.([a-z0-9-]+))?(?:\.svc(?:\.cluster\.local)?)?$")


def _map(value: Any) -> dict[Any, Any]:
    """``value`` if it is a mapping, else an empty one (a wrong shape reads as absent)."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one (a wrong shape reads as absent)."""
    return value if isinstance(value, list) else []


def _family(name: str) -> str:
    """``OPENAI`` for OPENAI_BASE_URL / OPENAI_MODEL: which client a variable configures."""
    return name.split("_", 1)[0].upper()


@dataclass
class Manifest:
    """One Kubernetes object with the positions of its values."""

    display: str
    data: dict[str, Any]
    positions: dict[DataPath, tuple[int, int]]
    base: DataPath

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def name(self) -> str:
        return str(self.mapping("metadata").get("name", ""))

    @property
    def namespace(self) -> str:
        return str(self.mapping("metadata").get("namespace") or "default")

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"

    def span(self, *path: str | int) -> SourceSpan:
        """Where the value at ``path`` (or the nearest enclosing one) stands."""
        probe: DataPath = (*self.base, *path)
        while True:
            if probe in self.positions:
                line, column = self.positions[probe]
                return SourceSpan(path=self.display, line=line, column=column)
            if not probe:
                return SourceSpan(path=self.display, line=1, column=1)
            probe = probe[:-1]

    def mapping(self, *path: str | int) -> dict[Any, Any]:
        """The mapping at ``path``, or an empty one when there is none or something else."""
        value = self.get(*path)
        return value if isinstance(value, dict) else {}

    def sequence(self, *path: str | int) -> list[Any]:
        """The list at ``path``, or an empty one when there is none or something else."""
        value = self.get(*path)
        return value if isinstance(value, list) else []

    def get(self, *path: str | int) -> Any:
        """The value at ``path`` or None."""
        current: Any = self.data
        for part in path:
            if isinstance(part, int) and isinstance(current, list) and part < len(current):
                current = current[part]
            elif isinstance(part, str) and isinstance(current, dict):
                current = current.get(part)
            else:
                return None
        return current


@dataclass(frozen=True)
class ManifestFile:
    """What one YAML file (or one ``helm template`` output) holds for the scan.

    ``template_line`` is set when the text is an unrendered template: ``{{ ... }}``
    template syntax (Helm's, or another Go template's) makes it invalid YAML. A
    file that parses is never one, whatever its strings hold: a chart's
    ``values.yaml`` or a helm-unittest suite may quote ``{{ .Release.Name }}``
    and is still plain YAML with no Kubernetes object in it (issue 19).
    """

    manifests: list[Manifest]
    problems: list[Diagnostic]
    template_line: int | None = None  # the first ``{{`` of an unrendered template


def read_manifests(path: Path, display: str, limits: Limits) -> ManifestFile:
    """Every Kubernetes object in a (multi-document) YAML file; non-Kubernetes YAML yields none."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return ManifestFile(
                [],
                [Diagnostic(display, None, None, "not a regular file (a pipe, socket or device)")],
            )
        if info.st_size > limits.max_file_bytes:
            return ManifestFile(
                [], [Diagnostic(display, None, None, "the file is over the size limit")]
            )
        text = decode(path.read_bytes(), display)
    except YamlProblem as exc:
        return ManifestFile([], [exc.diagnostic])
    except OSError as exc:
        return ManifestFile(
            [], [Diagnostic(display, None, None, f"cannot read the file: {exc.strerror}")]
        )
    return parse_manifest_file(text, display, limits)


def parse_manifests(
    text: str, display: str, limits: Limits
) -> tuple[list[Manifest], list[Diagnostic]]:
    """Every Kubernetes object in YAML text (a file, or the output of ``helm template``)."""
    parsed = parse_manifest_file(text, display, limits)
    return parsed.manifests, parsed.problems


def _template(text: str) -> ManifestFile:
    """An unrendered template: no manifests, no YAML problems, the line of its first ``{{``."""
    return ManifestFile([], [], text[: text.index("{{")].count("\n") + 1)


def parse_manifest_file(text: str, display: str, limits: Limits) -> ManifestFile:
    """Every Kubernetes object in YAML text, or why there is none (an unrendered template)."""
    if len(text) > limits.max_file_bytes:
        return ManifestFile(
            [], [Diagnostic(display, None, None, "the text is over the size limit")]
        )
    if "apiVersion" not in text or "kind" not in text:
        return ManifestFile([], [])
    manifests: list[Manifest] = []
    problems: list[Diagnostic] = []
    built = 0  # values of the file so far: the limit holds per file, not per document
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            builder = ValueBuilder(display, limits)
            builder.values = built
            try:
                data = builder.build(node, (), 0)
            except YamlProblem as exc:
                problems.append(exc.diagnostic)
                if builder.values > limits.max_values:
                    break  # the file's budget is spent: later documents would fail the same way
                continue
            finally:
                built = builder.values
            if not (isinstance(data, dict) and "apiVersion" in data and "kind" in data):
                continue
            if data.get("kind") == "List" and isinstance(data.get("items"), list):
                for index, item in enumerate(data["items"]):
                    if isinstance(item, dict) and "kind" in item:
                        manifests.append(
                            Manifest(display, item, builder.value_pos, ("items", index))
                        )
                continue
            manifests.append(Manifest(display, data, builder.value_pos, ()))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        if "{{" in text:
            return _template(text)  # reported by the caller as a notice
        problems.append(Diagnostic(display, line, column, f"invalid YAML: {exc.problem or exc}"))
    except (yaml.YAMLError, RecursionError) as exc:
        problems.append(Diagnostic(display, None, None, f"invalid YAML: {exc}"))
    if problems and "{{" in text:
        return _template(text)  # reported by the caller as a notice
    return ManifestFile(manifests, problems)


@dataclass
class EnvEntry:
    """An environment variable of a container, with where its value is written."""

    name: str
    value: str | None
    span: SourceSpan
    origin: str  # e.g. "Deployment/shop/chat-app env OPENAI_BASE_URL"


@dataclass
class Workload:
    """A workload's pod template, flattened."""

    manifest: Manifest
    spec_path: DataPath
    containers: list[tuple[DataPath, dict[str, Any]]] = field(default_factory=list)
    env: dict[DataPath, dict[str, Var]] = field(default_factory=dict)  # per container


def _containers(manifest: Manifest) -> Workload | None:
    spec_path = _POD_SPEC.get(manifest.kind)
    if spec_path is None:
        return None
    if manifest.kind in _GROUPS and group_of(manifest) != _GROUPS[manifest.kind]:
        return None
    spec = manifest.get(*spec_path)
    if not isinstance(spec, dict):
        return None
    workload = Workload(manifest, spec_path)
    for key in ("initContainers", "containers"):
        for index, container in enumerate(manifest.sequence(*spec_path, key)):
            if isinstance(container, dict):
                workload.containers.append(((*spec_path, key, index), container))
    model = manifest.get(*spec_path, "model")
    if manifest.kind == "InferenceService" and isinstance(model, dict):
        # The predictor's model: a container the ServingRuntime fills in (args, env).
        workload.containers.append(((*spec_path, "model"), model))
    return workload


def workload_of(manifest: Manifest) -> Workload | None:
    """The pod spec and containers of a workload object (None for other kinds)."""
    return _containers(manifest)


class KubernetesScanner(ServerReader):
    """Turns the manifests of one scan into parts, grouped by namespace."""

    def __init__(
        self,
        catalogue: Catalogue,
        root: Path | None = None,
        cluster: Callable[[Manifest], Placed | None] | None = None,
        applied: Callable[[Manifest], list[tuple[str, Applies]]] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.k8s = catalogue.kubernetes
        self.root = root  # the scanned folder: where a Ray Serve import_path is looked up
        # Where the cluster runs when the manifests do not say (Terraform: the provider's cluster).
        self.cluster = cluster
        # The Terraform resources that apply a manifest's document (issue 19): their reading
        # reports the object, so this scan does not report it again.
        self.applied = applied
        self.notes: list[str] = []
        # Python modules of the tree that a RayService runs as a model server (resolved path
        # -> the RayService's address): the code scan does not count them a second time.
        self.ray_modules: dict[str, str] = {}
        # KServe runtimes by (namespace, name); ClusterServingRuntimes under namespace "".
        self.runtimes: dict[tuple[str, str], Manifest] = {}

    def scan(self, manifests: list[Manifest]) -> dict[str, list[Part]]:
        """Parts per namespace (in manifest order)."""
        config_maps: dict[tuple[str, str], Manifest] = {}
        namespaces: dict[str, Manifest] = {}
        manifests = [m for m in manifests if self._well_formed(m)]
        for manifest in manifests:
            if manifest.kind == "ConfigMap":
                config_maps.setdefault((manifest.namespace, manifest.name), manifest)
            elif manifest.kind == "Namespace":
                namespaces.setdefault(manifest.name, manifest)
            elif manifest.kind in ("ServingRuntime", "ClusterServingRuntime"):
                cluster = manifest.kind == "ClusterServingRuntime"
                key = ("" if cluster else manifest.namespace, manifest.name)
                self.runtimes.setdefault(key, manifest)
        used: set[tuple[str, str]] = set()
        parts: dict[str, list[Part]] = {}
        serving: dict[str, Part] = {}
        calls: list[tuple[Manifest, EnvEntry]] = []
        for manifest in manifests:
            custom = self._custom(manifest, namespaces)
            if custom is not None:
                if self._applied_elsewhere(manifest):
                    continue
                parts.setdefault(manifest.namespace, []).append(custom)
                serving[manifest.address] = custom
                continue
            workload = _containers(manifest)
            if workload is None:
                continue
            found = self._workload(workload, config_maps, namespaces, used, calls)
            if found and self._applied_elsewhere(manifest):
                continue
            if found:
                parts.setdefault(manifest.namespace, []).extend(found)
                if found[0].kind is not ComponentKind.APPLICATION:
                    serving[manifest.address] = found[0]
        self._links(manifests, serving, calls)
        self._unused_runtimes(manifests)
        for key, config_map in config_maps.items():
            if key in used:
                continue
            entries = [
                EnvEntry(
                    str(k), str(v), config_map.span("data", str(k)), f"{config_map.address} key {k}"
                )
                for k, v in config_map.mapping("data").items()
                if isinstance(v, str | int | float)
            ]
            api = self._apis(
                config_map, entries, None, config_map.address, slug(f"configmap-{config_map.name}")
            )
            if api and not self._applied_elsewhere(config_map):
                parts.setdefault(config_map.namespace, []).extend(api)
        return parts

    def _applied_elsewhere(self, manifest: Manifest) -> bool:
        """The object is applied by Terraform resources, which report it: say so, once. One that
        only a resource of unknown count may apply is reported here, once, with a notice."""
        found = self.applied(manifest) if self.applied is not None else []
        if not found:
            return False
        span = manifest.span()
        where_it_is = (
            f"{span.path}:{span.line}: {manifest.kind} {manifest.namespace}/{manifest.name}"
        )
        created = [text for text, how in found if how == "created"]
        maybe = [text for text, how in found if how == "maybe"]
        if not created and maybe:  # Terraform's side cannot read it: the file says what runs
            self.notes.append(
                f"{where_it_is} may be applied by {', '.join(maybe)}, whose count/for_each is "
                "not known from the code; reported once, from this file"
            )
            return False
        if not created:  # count = 0: Terraform's input only
            absent = [text for text, _how in found]
            self.notes.append(f"{where_it_is} is applied only by {', '.join(absent)}; not reported")
            return True
        many = len(created) > 1 or ", " in created[0]
        where = (
            "once per Terraform instance, at those addresses" if many else "once, at that address"
        )
        self.notes.append(f"{where_it_is} is applied by {', '.join(created)}; reported {where}")
        return True

    def _custom(self, manifest: Manifest, namespaces: dict[str, Manifest]) -> Part | None:
        """A catalogue custom resource that is a model server, as a component."""
        for rule in self.k8s.custom_resources:
            if manifest.kind == rule.kind and group_of(manifest) == rule.api_group:
                spec_path: DataPath = tuple(rule.pod_spec.split(".")) if rule.pod_spec else ()
                place = self._cluster(Workload(manifest, spec_path), namespaces)
                return custom_part(self, manifest, rule, place)
        return None

    def _unused_runtimes(self, manifests: list[Manifest]) -> None:
        """A KServe runtime serves only through an InferenceService: say so when none is here."""
        if not self.runtimes or any(m.kind == "InferenceService" for m in manifests):
            return
        for runtime in self.runtimes.values():
            span = runtime.span()
            self.notes.append(
                f"{span.path}:{span.line}: {runtime.kind} {runtime.name} is a KServe model-server "
                "template; it serves models only through an InferenceService, and none is in the "
                "scanned manifests (no component)"
            )

    def _well_formed(self, manifest: Manifest) -> bool:
        """False (with a note) for an object the scan cannot read: kubectl would refuse it too."""
        if "metadata" in manifest.data and not isinstance(manifest.data["metadata"], dict):
            self._ignored(manifest, ("metadata",), "a mapping", "the object is skipped")
            return False
        data = manifest.get("data")
        if manifest.kind == "ConfigMap" and data is not None and not isinstance(data, dict):
            self._ignored(manifest, ("data",), "a mapping")
        return True

    def _ignored(
        self, manifest: Manifest, path: DataPath, expected: str, what: str = "ignored"
    ) -> None:
        span = manifest.span(*path)
        shown = ".".join(str(p) for p in path)
        self.notes.append(
            f"{span.path}:{span.line}: {manifest.kind} {manifest.name or '(no name)'}: "
            f"{shown} is not {expected}; {what}"
        )

    def _links(
        self,
        manifests: list[Manifest],
        serving: dict[str, Part],
        calls: list[tuple[Manifest, EnvEntry]],
    ) -> None:
        """Note calls from one workload to a model server in the cluster (a flow to add)."""
        services = {(m.namespace, m.name): m for m in manifests if m.kind == "Service"}
        workloads = [m for m in manifests if m.address in serving]
        for caller, entry in calls:
            assert entry.value is not None
            for host in self._hosts(entry.value):
                match = _CLUSTER_HOST.match(host)
                if match is None:
                    continue
                namespace = match.group(2) or caller.namespace
                service = services.get((namespace, match.group(1)))
                if service is None:
                    continue
                selector = service.mapping("spec", "selector")
                for target in workloads:
                    spec_path = _POD_SPEC.get(target.kind)
                    if spec_path is None:  # a custom resource: its pods' labels are not written
                        continue
                    labels = target.mapping(*spec_path[:-1], "metadata", "labels")
                    if (
                        target.namespace == namespace
                        and isinstance(selector, dict)
                        and selector
                        and all(labels.get(k) == v for k, v in selector.items())
                    ):
                        self.notes.append(
                            f"{caller.address} calls {host} ({entry.origin}, "
                            f"{entry.span.path}:{entry.span.line}), served by "
                            f"{target.address}: add a flow between them in the inventory"
                        )

    # --- workloads ------------------------------------------------------------------------------

    def _env(
        self,
        workload: Workload,
        config_maps: dict[tuple[str, str], Manifest],
        used: set[tuple[str, str]],
    ) -> list[EnvEntry]:
        """Every container's variables (env, then envFrom), values expanded; per container in
        ``workload.env`` for the command line."""
        manifest = workload.manifest
        entries: list[EnvEntry] = []
        for path, container in workload.containers:
            own: list[EnvEntry] = []
            defined: dict[str, Var] = {}
            # envFrom is defined before env (an env entry with the same name wins).
            for index, source in enumerate(_list(container.get("envFrom"))):
                if not isinstance(source, dict):
                    self._ignored(manifest, (*path, "envFrom", index), "a mapping")
                    continue
                ref = _map(source.get("configMapRef"))
                if not ref:
                    continue
                cm = config_maps.get((manifest.namespace, str(ref.get("name"))))
                if cm is None:
                    self.notes.append(
                        f"{manifest.address}: envFrom ConfigMap {ref.get('name')!r} is not in the "
                        "scanned manifests"
                    )
                    continue
                used.add((cm.namespace, cm.name))
                prefix = str(source.get("prefix") or "")
                for key, value in cm.mapping("data").items():
                    entry = EnvEntry(
                        prefix + str(key),
                        None if value is None else str(value),
                        cm.span("data", str(key)),
                        f"{manifest.address} envFrom {cm.address} key {key}",
                    )
                    own.append(entry)
                    defined[entry.name] = Var(entry.value, entry.span, entry.origin)
            listed: list[EnvEntry] = []
            for index, env in enumerate(_list(container.get("env"))):
                if not isinstance(env, dict) or "name" not in env:
                    continue
                entry = self._env_entry(manifest, path, index, env, config_maps, used, defined)
                listed.append(entry)
                defined[entry.name] = Var(entry.value, entry.span, entry.origin)
            workload.env[path] = defined
            entries.extend(listed + own)
        return entries

    def _env_entry(
        self,
        manifest: Manifest,
        path: DataPath,
        index: int,
        env: dict[Any, Any],
        config_maps: dict[tuple[str, str], Manifest],
        used: set[tuple[str, str]],
        defined: dict[str, Var],
    ) -> EnvEntry:
        name = str(env["name"])
        if "value" in env and env["value"] is not None:
            done = expand(str(env["value"]), defined)
            return EnvEntry(
                name,
                done.text if done.known else None,
                manifest.span(*path, "env", index, "value"),
                f"{manifest.address} env {name}",
            )
        ref = _map(_map(env.get("valueFrom")).get("configMapKeyRef"))
        cm = config_maps.get((manifest.namespace, str(ref.get("name"))))
        if ref and cm is not None:
            used.add((cm.namespace, cm.name))
            value = cm.mapping("data").get(str(ref.get("key")))
            return EnvEntry(
                name,
                None if value is None else str(value),
                cm.span("data", str(ref.get("key"))),
                f"{manifest.address} env {name} from {cm.address}",
            )
        if ref:
            self.notes.append(
                f"{manifest.address}: env {name} reads ConfigMap {ref.get('name')!r}, "
                "which is not in the scanned manifests"
            )
        return EnvEntry(
            name, None, manifest.span(*path, "env", index), f"{manifest.address} env {name}"
        )

    def _workload(
        self,
        workload: Workload,
        config_maps: dict[tuple[str, str], Manifest],
        namespaces: dict[str, Manifest],
        used: set[tuple[str, str]],
        calls: list[tuple[Manifest, EnvEntry]],
    ) -> list[Part]:
        manifest = workload.manifest
        env = self._env(workload, config_maps, used)
        calls.extend((manifest, e) for e in env if e.value)
        place = self._cluster(workload, namespaces)
        ident = slug(f"{manifest.kind}-{manifest.name}")
        parts: list[Part] = []
        serving = self._serving(workload, env, place, ident)
        apis = self._apis(manifest, env, place, manifest.address, ident)
        if serving:
            parts.extend(serving)
        elif apis:
            parts.append(
                Part(
                    address=manifest.address,
                    span=manifest.span(),
                    kind=ComponentKind.APPLICATION,
                    label=f"{manifest.kind} calling a hosted model API:",
                    vendor=None,
                    placed=place,
                    notes=["The workload itself; its calls to model APIs are separate components."],
                    ident=ident,
                )
            )
        parts.extend(apis)
        return parts

    def _cluster(self, workload: Workload, namespaces: dict[str, Manifest]) -> Placed:
        manifest = workload.manifest
        annotation = self.k8s.region_annotation
        candidates: list[tuple[Manifest, DataPath]] = [
            (manifest, (*workload.spec_path[:-1], "metadata", "annotations")),
            (manifest, ("metadata", "annotations")),
        ]
        ns = namespaces.get(manifest.namespace)
        if ns is not None:
            candidates.append((ns, ("metadata", "annotations")))
        for owner, path in candidates:
            annotations = owner.get(*path)
            if isinstance(annotations, dict) and annotation in annotations:
                value = str(annotations[annotation])
                span = owner.span(*path, annotation)
                val = Val(
                    value, (step(How.MANIFEST, span, f"{owner.address}: {annotation}: {value}"),)
                )
                return self._place(val, value)
        spec = manifest.mapping(*workload.spec_path)
        selector = _map(spec.get("nodeSelector"))
        labels: dict[str, tuple[str, SourceSpan]] = {
            str(k): (str(v), manifest.span(*workload.spec_path, "nodeSelector", str(k)))
            for k, v in (selector or {}).items()
        }
        terms = _list(
            _map(
                _map(_map(spec.get("affinity")).get("nodeAffinity")).get(
                    "requiredDuringSchedulingIgnoredDuringExecution"
                )
            ).get("nodeSelectorTerms")
        )
        for t_index, term in enumerate(terms):
            for e_index, expr in enumerate(_list(_map(term).get("matchExpressions"))):
                expr = _map(expr)
                values = _list(expr.get("values"))
                if expr.get("operator") == "In" and len(values) == 1:
                    labels.setdefault(
                        str(expr.get("key")),
                        (
                            str(values[0]),
                            manifest.span(
                                *workload.spec_path,
                                "affinity",
                                "nodeAffinity",
                                "requiredDuringSchedulingIgnoredDuringExecution",
                                "nodeSelectorTerms",
                                t_index,
                                "matchExpressions",
                                e_index,
                            ),
                        ),
                    )
                elif expr.get("key") in self.k8s.region_labels:
                    labels.setdefault(str(expr.get("key")), ("", manifest.span()))
        region = next(((k, labels[k]) for k in self.k8s.region_labels if k in labels), None)
        outside = self.cluster(manifest) if region is None and self.cluster is not None else None
        if outside is not None:
            return outside
        if region is None:
            return Placed(
                unknown(
                    "the manifests do not say where the cluster runs (no region node label and no "
                    f"{annotation} annotation)",
                    (step(How.UNKNOWN, manifest.span(), manifest.address),),
                ),
                None,
            )
        key, (code, span) = region
        first = step(How.MANIFEST, span, f"{manifest.address}: node label {key}={code}")
        if not code:
            return Placed(
                unknown("the region node selector allows several regions", (first,)), None
            )
        providers = sorted(
            {
                rule.region_provider
                for rule in self.k8s.cluster_labels
                for label in labels
                if label.startswith(rule.prefix)
            }
        )
        if len(providers) != 1:
            candidates_text = [
                p for p, codes in self.catalogue.regions.codes.items() if code in codes
            ]
            return Placed(
                unknown(
                    f"region {code!r} is declared but not which cloud runs the nodes"
                    + (
                        f" (known for: {', '.join(sorted(candidates_text))})"
                        if candidates_text
                        else ""
                    )
                    + f"; add a provider node label or the {annotation} annotation",
                    (first,),
                ),
                None,
            )
        return self._place(Val(f"{providers[0]}:{code}", (first,)), f"{providers[0]}:{code}")

    def _place(self, val: Val, ref: str) -> Placed:
        provider, _, code = ref.partition(":")
        if code and self.catalogue.regions.knows(provider, code):
            return Placed(val, ref, code)
        return Placed(
            val,
            None,
            None,
            f"{ref!r} is not a known provider:region (rules/regions/); never guessed",
        )

    def _serving(
        self, workload: Workload, env: list[EnvEntry], place: Placed, ident: str
    ) -> list[Part]:
        if workload.manifest.kind == "InferenceService":
            return kserve_parts(self, workload, self.runtimes, place, ident)
        if workload.manifest.kind == "RayService":
            return ray_parts(self, workload, place, ident)
        for path, container in workload.containers:
            found = self.server_of(workload, path, container)
            if found is None:
                continue
            rule, line, how = found
            model = self.model_of(workload, path, container, rule, line)
            return [self.server_part(workload, path, container, rule, how, model, place, ident)]
        return []

    @staticmethod
    def _decided(value: str, span: SourceSpan, text: str) -> Decided:
        return Decided(value, Val(value, (step(How.MANIFEST, span, text),)))

    # --- model API clients ----------------------------------------------------------------------

    def _endpoint(self, host: str) -> tuple[EndpointRule, re.Match[str]] | None:
        for rule in self.k8s.endpoints:
            match = re.fullmatch(rule.host, host, re.IGNORECASE)
            if match:
                return rule, match
        return None

    def _hosts(self, value: str) -> Iterator[str]:
        seen = False
        for match in _URL.finditer(value):
            seen = True
            yield match.group(1).lower()
        if not seen and _HOST.match(value.strip()):
            yield value.strip().lower()

    def _apis(
        self,
        owner: Manifest,
        env: list[EnvEntry],
        place: Placed | None,
        address: str,
        ident: str,
    ) -> list[Part]:
        found: dict[tuple[str, str], Part] = {}
        families: set[str] = set()
        models = [e for e in env if _MODEL_ENV.search(e.name) and e.value]

        def model_for(name: str) -> EnvEntry | None:
            family = _family(name)
            same = [m for m in models if _family(m.name) == family and m.name != family]
            return same[0] if same else None

        for entry in env:
            if not entry.value:
                continue
            for host in self._hosts(entry.value):
                hit = self._endpoint(host)
                if hit is None:
                    continue
                rule, match = hit
                families.add(_family(entry.name))
                if (rule.vendor, host) in found:
                    continue
                found[(rule.vendor, host)] = self._api_part(
                    owner, rule, match, host, entry, address, ident, model_for(entry.name)
                )
        for entry in env:
            key_rule = next(
                (k for k in self.k8s.env_keys if re.fullmatch(k.name, entry.name)), None
            )
            if key_rule is None or _family(entry.name) in families:
                continue
            if any(vendor == key_rule.vendor for vendor, _ in found):
                continue
            host = key_rule.default_host or ""
            note = (
                f"{entry.name} is set but no base URL: the SDK's default host "
                f"{key_rule.default_host or '(not recorded)'} applies unless the code overrides it"
            )
            deployment = Decided(
                None,
                unknown(note, (step(How.MANIFEST, entry.span, entry.origin),)),
            )
            found[(key_rule.vendor, host)] = Part(
                address=f"{address}/{key_rule.vendor}",
                span=entry.span,
                kind=ComponentKind.MODEL_API,
                label=f"Hosted model API ({key_rule.vendor}) called by",
                vendor=key_rule.vendor,
                placed=Placed(
                    unknown(
                        "the manifest names no API host, so where the calls go is unknown",
                        (step(How.MANIFEST, entry.span, entry.origin),),
                    ),
                    None,
                ),
                deployment=deployment,
                model=self._api_model(model_for(entry.name)),
                notes=[note],
                ident=f"{ident}.{slug(key_rule.vendor)}",
            )
        parts = list(found.values())
        vendors = [vendor for vendor, _ in found]
        for (vendor, host), part in found.items():
            if vendors.count(vendor) > 1 and host:
                part.address = f"{part.address}/{host}"
                part.ident = slug(f"{part.ident}-{host}")
        return parts

    def _api_model(self, entry: EnvEntry | None) -> Decided | None:
        if entry is None or not entry.value:
            return None
        return self._decided(entry.value, entry.span, f"{entry.origin}={entry.value}")

    def _api_part(
        self,
        owner: Manifest,
        rule: EndpointRule,
        match: re.Match[str],
        host: str,
        entry: EnvEntry,
        address: str,
        ident: str,
        model_entry: EnvEntry | None,
    ) -> Part:
        first = step(How.MANIFEST, entry.span, f"{entry.origin}={entry.value}")
        written = Val(host, (first,))
        region = match.groupdict().get("region")
        if region and rule.region_provider:
            placed = self._place(written, f"{rule.region_provider}:{region.lower()}")
        elif rule.location is not None:
            placed = Placed(written, rule.location)
        else:
            placed = Placed(
                unknown(
                    f"the host {host} does not say where the service stores data"
                    + (
                        f"; deployment {rule.deployment} decides processing"
                        if rule.deployment
                        else ""
                    ),
                    (first,),
                ),
                None,
            )
        deployment = None
        if rule.deployment is not None:
            deployment = Decided(rule.deployment, written)
        elif self.catalogue.vendor_options.get(rule.vendor):
            deployment = Decided(
                None,
                unknown(f"the host {host} does not fix a deployment option", (first,)),
            )
        return Part(
            address=f"{address}/{rule.vendor}",
            span=entry.span,
            kind=ComponentKind.MODEL_API,
            label=f"Hosted model API ({rule.vendor}, {host}) called by",
            vendor=rule.vendor,
            placed=placed,
            deployment=deployment,
            model=self._api_model(model_entry),
            notes=[f"{entry.origin} points at {host}."] + ([rule.note] if rule.note else []),
            ident=f"{ident}.{slug(rule.vendor)}",
        )
