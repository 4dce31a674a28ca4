"""Terraform resources that run on a Kubernetes cluster: where that cluster is, and its workloads.

A ``helm_release`` or ``kubernetes_*`` resource runs on the cluster its provider
configuration (``helm`` or ``kubernetes``, ``provider = helm.gpu`` followed) points
at. When the provider's ``host`` refers to a cluster the same code creates or reads
(``azurerm_kubernetes_cluster.x.kube_config[0].host``,
``google_container_cluster.x.endpoint``, ``data.aws_eks_cluster.x.endpoint``,
``module.eks.cluster_endpoint`` of terraform-aws-modules/eks), the resource runs where
that cluster is (``rules/iac/kubernetes.yaml`` ``clusters``). A kubeconfig file, a
variable or another configuration's state leaves the place unknown, with one notice
per provider configuration saying why.

``kubernetes_deployment``, ``kubernetes_stateful_set``, ``kubernetes_pod``,
``kubernetes_job`` (and their ``_v1`` forms) are turned into the Kubernetes objects
they create (``container`` blocks become ``containers``, ``env`` blocks ``env``,
snake_case names camelCase) and ``kubernetes_manifest`` contributes its ``manifest``
object; both are read by :class:`~auditor.loader.iac.kubernetes.KubernetesScanner`,
the same detector as YAML manifests. A value the code does not fix stays unknown: in
a command line it is a variable without a value, so a model read from it is unknown,
never the words around it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lark import Token, Tree

from auditor.loader.iac.catalogue import Catalogue, ClusterAccess
from auditor.loader.iac.detect import Decided, Detector, Part, Placed, ResourceView
from auditor.loader.iac.hcl import (
    UNKNOWN,
    Attr,
    Block,
    Body,
    BoundScope,
    Evaluator,
    Node,
    PartialText,
    Scope,
    Val,
    decode_yaml,
    step,
    unknown,
    unwrap,
)
from auditor.loader.iac.kubectl import DOCUMENT_SOURCES, KUBECTL_MANIFEST
from auditor.loader.iac.kubernetes import (
    KubernetesScanner,
    Manifest,
    parse_manifests,
    workload_of,
)
from auditor.loader.iac.origins import Applied, Origin
from auditor.loader.iac.result import How, ResolutionStep
from auditor.loader.iac.terraform import (
    HclResource,
    ModuleCall,
    ModuleInstance,
    ProviderConfig,
    find_node,
    module_type,
)
from auditor.loader.yamlsrc import DataPath

# Terraform resource type -> (kind, apiVersion) of the object it creates.
_OBJECTS = {
    "deployment": ("Deployment", "apps/v1"),
    "stateful_set": ("StatefulSet", "apps/v1"),
    "daemon_set": ("DaemonSet", "apps/v1"),
    "pod": ("Pod", "v1"),
    "job": ("Job", "batch/v1"),
    "cron_job": ("CronJob", "batch/v1"),
    "config_map": ("ConfigMap", "v1"),
    "namespace": ("Namespace", "v1"),
    "service": ("Service", "v1"),
}
_KINDS: dict[str, tuple[str, str]] = {
    f"kubernetes_{name}{suffix}": kind for name, kind in _OBJECTS.items() for suffix in ("", "_v1")
}
_KINDS["kubernetes_daemonset"] = _OBJECTS["daemon_set"]  # the name without _v1 has no underscore
del _KINDS["kubernetes_daemon_set"]
MANIFEST = "kubernetes_manifest"
RESOURCE_TYPES = frozenset({*_KINDS, MANIFEST, KUBECTL_MANIFEST})
# Resources whose object is written whole: kubernetes_manifest's manifest, kubectl_manifest's
# yaml_body (providers gavinbunney/kubectl and alekc/kubectl: one YAML document).
_WHOLE = frozenset({MANIFEST, KUBECTL_MANIFEST})
_WORKLOADS = frozenset(
    k for k, (kind, _) in _KINDS.items() if kind not in ("ConfigMap", "Namespace", "Service")
)
# Resources that can run a model server: an unknown count/for_each of one is a notice (issue 19).
SERVER_TYPES = _WORKLOADS | _WHOLE

# Repeated blocks that are lists in the Kubernetes API (the others hold one object).
_LISTS = {
    "container": "containers",
    "init_container": "initContainers",
    "env": "env",
    "env_from": "envFrom",
    "port": "ports",
    "volume_mount": "volumeMounts",
    "volume": "volumes",
    "node_selector_term": "nodeSelectorTerms",
    "match_expressions": "matchExpressions",
    "toleration": "tolerations",
    "image_pull_secrets": "imagePullSecrets",
}
_TOP = ("metadata", "spec", "data")
_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_REFERENCE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+|\[[0-9]+\])*")


def relevant_types(catalogue: Catalogue) -> frozenset[str]:
    """Resource types this module reads (their files must be parsed, not skipped)."""
    clusters = {c.type for c in catalogue.kubernetes.clusters if c.mode != "module"}
    return frozenset(RESOURCE_TYPES | clusters | DOCUMENT_SOURCES)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class _Hole:
    """A value the code does not fix (its expression as written)."""

    text: str


@dataclass
class TerraformManifest(Manifest):
    """A Kubernetes object written as a Terraform resource: named by its Terraform address."""

    resource: str = ""

    @property
    def address(self) -> str:
        return self.resource


def _plain(value: Any, text: str) -> Any:
    """An evaluated value with unknown parts as holes (named by the expression written there)."""
    if value is UNKNOWN or isinstance(value, PartialText):
        return _Hole(text)
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{text}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        items = _items_of(text)
        if len(items) != len(value):
            items = [f"{text}[{i}]" for i in range(len(value))]
        return [_plain(v, t) for v, t in zip(value, items, strict=True)]
    return value


def _items_of(text: str) -> list[str]:
    """The item expressions of a list literal as written (``[a, "b", var.c]``), else none."""
    body = text.strip()
    if not (body.startswith("[") and body.endswith("]")):
        return []
    items: list[str] = []
    depth = 0
    quoted = False
    current = ""
    for index, char in enumerate(body[1:-1]):
        if quoted:
            quoted = not (char == '"' and body[index] != "\\")
        elif char == '"':
            quoted = True
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(current.strip())
            current = ""
            continue
        current += char
    if current.strip():
        items.append(current.strip())
    return items


def _settle(value: Any, counter: list[int]) -> Any:
    """Holes in a command line become ``$(NAME)`` with NAME a variable without a value (the model
    read from it is unknown); every other hole becomes None (absent)."""
    if isinstance(value, list):
        return [_settle(v, counter) for v in value]
    if not isinstance(value, dict):
        return None if isinstance(value, _Hole) else value
    out = {k: _settle(v, counter) for k, v in value.items() if k not in ("args", "command")}
    missing: list[str] = []
    for key in ("command", "args"):
        items = value.get(key)
        if not isinstance(items, list):
            if isinstance(items, _Hole):
                counter[0] += 1
                name = _hole_name(items, counter[0])
                missing.append(name)
                out[key] = [f"$({name})"]
            elif key in value:
                out[key] = items
            continue
        words: list[Any] = []
        for item in items:
            if isinstance(item, _Hole):
                counter[0] += 1
                name = _hole_name(item, counter[0])
                missing.append(name)
                words.append(f"$({name})")
            else:
                words.append(item)
        out[key] = words
    if missing:
        listed = out.get("env")
        env: list[Any] = listed if isinstance(listed, list) else []
        out["env"] = [*env, *({"name": n} for n in missing)]  # defined, no value: unknown
    return out


def _hole_name(hole: _Hole, index: int) -> str:
    """``var.model_id`` for a plain reference; a numbered name for any longer expression."""
    name = _NAME.sub("_", hole.text).strip("_.-")
    simple = _REFERENCE.fullmatch(hole.text.strip()) is not None
    return name if simple and name and name[0].isalpha() else f"terraform_value_{index}"


def _decoded_argument(expr: Node) -> Node | None:
    """``X`` of ``yamldecode(X)``; None for any other expression."""
    node = unwrap(expr)
    if not (isinstance(node, Tree) and node.data == "function_call"):
        return None
    parts = _parts(node)
    name = next((str(c) for c in parts[0].children if isinstance(c, Token)), "")
    args = _parts(parts[-1]) if len(parts) > 1 and parts[-1].data == "arguments" else []
    return args[0] if name == "yamldecode" and len(args) == 1 else None


def _parts(node: Node) -> list[Tree[Token]]:
    if not isinstance(node, Tree):
        return []
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _list_items(
    module: ModuleInstance,
    attr: Attr,
    scope: Mapping[str, Val],
    record: Callable[[Attr, Val], None],
) -> list[Any]:
    """A command line the code builds with ``compact([...])``, ``concat(...)`` or a list literal
    whose whole value is unknown, item by item: the known items are kept, each unknown one is a
    hole (``compact`` drops the known empty ones). Empty when the expression is something else."""
    evaluator = Evaluator(
        BoundScope(module, scope) if scope else module, module.depth, module.ws.budget
    )

    def items(node: Node) -> list[Any] | None:
        node = unwrap(node)
        if isinstance(node, Tree) and node.data == "tuple":
            out: list[Any] = []
            for item in _parts(node):
                val = evaluator.eval(item, attr.span)
                record(attr, val)
                out.append(_plain(val.value, attr.text))
            return out
        if isinstance(node, Tree) and node.data == "function_call":
            parts = _parts(node)
            name = str(next((c for c in parts[0].children if isinstance(c, Token)), ""))
            args = _parts(parts[-1]) if len(parts) > 1 and parts[-1].data == "arguments" else []
            if name == "compact" and len(args) == 1:
                inner = items(args[0])
                return None if inner is None else [x for x in inner if x not in ("", None)]
            if name == "concat" and args:
                joined: list[Any] = []
                for arg in args:
                    inner = items(arg)
                    if inner is None:
                        val = evaluator.eval(arg, attr.span)
                        if not isinstance(val.value, list):
                            return None
                        inner = _plain(val.value, attr.text)
                    joined.extend(inner)
                return joined
        return None

    return items(attr.expr) or []


class ClusterPlacer:
    """Where the cluster of a resource's helm or kubernetes provider runs (cached per config)."""

    def __init__(self, catalogue: Catalogue, detector: Detector) -> None:
        self.catalogue = catalogue
        self.detector = detector
        self.notes: list[str] = []
        self._cache: dict[tuple[str, int], Placed] = {}

    def passed_to(self, view: ResourceView, provider: str) -> Placed:
        """Where the Helm releases a registry module call installs run: the cluster of the
        ``provider`` configuration the call passes (its ``providers`` map, or the caller's
        default one of that name, as Terraform passes it)."""
        if not isinstance(view, HclResource):
            return Placed(unknown(f"{view.address} is not a module call of the code"), None)
        key, config, attr = view.module.provider_passed(view.block, provider)
        return self._placed(view, key, config, attr)

    def placed(self, view: HclResource) -> Placed:
        """Where ``view`` (a helm_release or kubernetes_* resource) runs, or why it is unknown."""
        key, config, attr = view.module.provider_of(view.block)
        return self._placed(view, key, config, attr)

    def _placed(
        self,
        view: HclResource,
        key: str,
        config: ProviderConfig | None,
        attr: Attr | None,
    ) -> Placed:
        module = view.module
        cache_key = (module.prefix + key, id(config) if config is not None else 0)
        placed = self._cache.get(cache_key)
        if placed is None:
            placed = self._from_config(module, key, config)
            self._cache[cache_key] = placed
        val = placed.val
        hop = step(
            How.PROVIDER_ALIAS if attr is not None else How.PROVIDER_BLOCK,
            attr.span if attr is not None else view.span,
            f"{view.address} runs on the cluster of provider {key}"
            + (f" (provider = {attr.text})" if attr is not None else ""),
        )
        return Placed(val.with_step(hop), placed.place, placed.code, placed.note)

    def _unknown(self, where: str, reason: str, steps: tuple[ResolutionStep, ...]) -> Placed:
        self.notes.append(
            f"{where}: {reason}; where the Helm releases and Kubernetes resources it deploys run "
            "is unknown: declare the cluster's region in the inventory"
        )
        return Placed(unknown(reason, steps), None)

    def _from_config(
        self, module: ModuleInstance, key: str, config: ProviderConfig | None
    ) -> Placed:
        name = config.name if config is not None else key.split(".", 1)[0]
        access = self.catalogue.kubernetes.access(name)
        outside = (
            ", ".join(access.environment) if access and access.environment else "the environment"
        )
        if config is None:
            where = f'{module.prefix}provider "{key}" (no such block in {module.files.rel})'
            return self._unknown(
                where,
                f'no provider "{key}" block configures the cluster, so {outside} or the '
                "in-cluster configuration decide at run time",
                (),
            )
        label = f'provider "{config.name}"' + (f' alias "{config.alias}"' if config.alias else "")
        span = config.block.span
        where = f"{label} ({span.path}:{span.line})"
        if access is None:
            return self._unknown(
                where, "the catalogue does not say how this provider names its cluster", ()
            )
        host = self._written(config.block, access.host)
        if host is not None:
            return self._from_host(config, access, where, label, *host)
        kubeconfig = self._written(config.block, access.kubeconfig)
        if kubeconfig is not None:
            path, attr = kubeconfig
            first = step(How.PROVIDER_BLOCK, attr.span, f"{label}: {path} = {attr.text}")
            return self._unknown(
                where,
                f"{label} reads the cluster from a kubeconfig ({path} = {attr.text}), which is "
                "not part of the code",
                (first,),
            )
        return self._unknown(
            where,
            f"{label} names no cluster (no host and no kubeconfig), so {outside} or the "
            "in-cluster configuration decide at run time",
            (step(How.UNKNOWN, span, label),),
        )

    @staticmethod
    def _written(block: Block, paths: list[str]) -> tuple[str, Any] | None:
        for path in paths:
            found = find_node(block, path.split("."))
            if found is not None:
                return path, found[0]
        return None

    def _from_host(
        self,
        config: ProviderConfig,
        access: ClusterAccess,
        where: str,
        label: str,
        path: str,
        attr: Any,
    ) -> Placed:
        module = config.module
        located = find_node(config.block, path.split("."))
        assert located is not None
        node = located[1]
        first = step(How.PROVIDER_BLOCK, attr.span, f"{label}: {path} = {attr.text}")
        found = module.target_of(node, attr.span)
        if found is not None:
            target, address, block, hops, key = found
            mode = "data" if block.type == "data" else "managed"
            rtype, rname = block.labels[0], block.labels[1]
            rule = self.catalogue.kubernetes.cluster_rule(mode, rtype)
            if mode == "data" and rtype == "terraform_remote_state":
                return self._unknown(
                    where,
                    f"{path} = {attr.text} is read from another configuration's state "
                    f"({address}), which the scan does not open; scan that configuration too",
                    (first, *hops),
                )
            if rule is None:
                return self._unknown(
                    where,
                    f"{path} = {attr.text} refers to {address}, which is not a cluster the "
                    "catalogue describes (rules/iac/kubernetes.yaml clusters)",
                    (first, *hops),
                )
            bound = target.binding(block, key) if key is not None else None
            cluster = HclResource(target, mode, rtype, rname, block, key=key, bound=bound)
            return self._at(cluster, rule, (first, *hops))
        remote = module.remote_output(node, attr.span)
        if remote is not None:
            owner, name, call, source, hops = remote
            rule = self.catalogue.kubernetes.cluster_rule("module", module_type(source))
            if rule is None:
                return self._unknown(
                    where,
                    f"{path} = {attr.text} is an output of module.{name} ({source}), a registry or "
                    "remote module the scan does not download and the catalogue does not describe",
                    (first, *hops),
                )
            made = owner.instances(call)
            unexpanded = made.keys is None
            cluster = ModuleCall(owner, name, call, source, unexpanded=unexpanded)
            return self._at(cluster, rule, (first, *hops))
        val = module.evaluate(attr)
        if val.known and isinstance(val.value, str):
            reason = f"{path} is the address {val.value}, which does not say where the cluster runs"
        else:
            reason = f"{path} = {attr.text} does not refer to a cluster in the scanned code" + (
                f" ({val.reason})" if val.reason else ""
            )
        return self._unknown(where, reason, (first, *val.steps))

    def _at(self, cluster: HclResource, rule: Any, steps: tuple[ResolutionStep, ...]) -> Placed:
        cat = self.catalogue.providers[rule.catalogue]
        placed = self.detector.locate(cluster, cat, rule)
        hop = step(
            How.PARENT_RESOURCE,
            cluster.span,
            f"{cluster.address} is the {rule.label}; the cluster runs where it is",
        )
        val = placed.val
        for extra in reversed((*steps, hop)):
            val = val.with_step(extra)
        if not placed.val.known:
            where = f"{cluster.address} ({cluster.span.path}:{cluster.span.line})"
            self.notes.append(
                f"{where}: where the cluster runs is unknown ({placed.val.reason}); the Helm "
                "releases and Kubernetes resources sent to it share that gap"
            )
        return Placed(val, placed.place, placed.code, placed.note)


class TerraformWorkloads:
    """Model servers among the Kubernetes objects a root module's resources create."""

    def __init__(self, catalogue: Catalogue, placer: ClusterPlacer) -> None:
        self.catalogue = catalogue
        self.placer = placer
        self.notes: list[str] = []
        # Where a Terraform value written in an attribute came from (a variable, a local), by
        # (file, line, text): added to the trail of a model read from that attribute.
        self._trails: dict[tuple[str, int, str], tuple[ResolutionStep, ...]] = {}
        self._opaque: dict[str, str] = {}  # kubernetes_manifest address -> why it is not read
        self._gaps: dict[str, str] = {}  # address -> what its rendered manifest leaves unknown
        # Documents of the tree's YAML files these resources apply: the scan of those files
        # does not report them a second time (issue 19: one object, one component).
        self.applied: list[Applied] = []

    @property
    def unread(self) -> frozenset[str]:
        """Addresses the notice about unread manifests names (after :meth:`parts`)."""
        return frozenset(self._opaque)

    def applied_if_created(self, view: HclResource, why: str) -> list[Applied]:
        """The documents of the tree a resource Terraform creates no instance of (``count = 0``,
        an empty ``for_each``) would apply, evaluated as one instance would be: Terraform's
        input, which no ``kubectl apply`` runs (issue 19)."""
        before, said = len(self.applied), len(self.notes)
        self._manifest(view)
        found = self.applied[before:]
        del self.applied[before:]
        del self.notes[said:]
        return [Applied(a.origin, a.address, why) for a in found]

    def parts(self, views: list[HclResource]) -> list[Part]:
        """Components for the workloads among ``views`` (none when there are none)."""
        manifests: list[Manifest] = []
        by_address: dict[str, HclResource] = {}
        self._opaque = {}
        self._gaps = {}
        for view in views:
            if view.mode != "managed" or view.type not in RESOURCE_TYPES:
                continue
            manifest = self._manifest(view)
            if manifest is None:
                continue
            manifests.append(manifest)
            by_address[manifest.address] = view
        if self._opaque:
            listed = sorted(self._opaque.items())
            self.notes.append(
                f"{len(listed)} kubernetes_manifest or kubectl_manifest resource(s) build an object "
                "the code does not "
                "fix, so what they run is not read: "
                + "; ".join(f"{address} ({why})" for address, why in listed[:10])
                + (" and others" if len(listed) > 10 else "")
            )
        if not any(v.type in _WORKLOADS or v.type in _WHOLE for v in by_address.values()):
            return []

        def cluster(manifest: Manifest) -> Placed | None:
            view = by_address.get(manifest.address)
            return self.placer.placed(view) if view is not None else None

        scanner = KubernetesScanner(self.catalogue, cluster=cluster)
        found = scanner.scan(manifests)
        self.notes.extend(scanner.notes)
        parts = [part for namespace in sorted(found) for part in found[namespace]]
        for part in parts:
            part.ident = None  # the component id comes from the Terraform address
            part.model = self._traced(part.model)
            part.model = self._explained(part.address, part.model)
        self._unread_images(manifests, {part.address for part in parts})
        return parts

    def _unread_images(self, manifests: list[Manifest], read: set[str]) -> None:
        """A workload none of whose containers was recognised while the code leaves some image
        unknown: say so, since the scan cannot tell whether that image is a model server (the
        ai-on-gke JetStream module takes its image from a variable without a default)."""
        for manifest in manifests:
            workload = workload_of(manifest)
            if workload is None or manifest.address in read:
                continue
            blind = [
                str(container.get("name") or index)
                for index, (_path, container) in enumerate(workload.containers)
                if not container.get("image")
            ]
            if not blind:
                continue
            gap = self._gaps.get(manifest.address, "")
            shown = gap if len(gap) <= 400 else gap[:397] + "..."
            self.notes.append(
                f"{manifest.address}: the image of container(s) {', '.join(blind)} is not fixed "
                "by the code, so whether the workload runs a model server is not read"
                + (f" (the manifest leaves unknown: {shown})" if shown else "")
                + "; give the variable a value (--var-file) to read it"
            )

    def _record(self, attr: Attr, val: Val) -> None:
        """Remember where the text values of an attribute came from (when not written there)."""
        if not val.steps:
            return
        texts = val.value if isinstance(val.value, list) else [val.value]
        for text in texts:
            if isinstance(text, str):
                key = (attr.span.path, attr.span.line, text)
                self._trails.setdefault(key, val.steps)

    def _record_leaves(self, attr: Attr, val: Val) -> None:
        """A manifest built by a function (``yamldecode(templatefile(...))``): the texts in it
        came through the steps of the whole value (the file read, the variables passed)."""
        if not val.steps:
            return
        stack: list[Any] = [val.value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str):
                for word in item.split():
                    self._trails.setdefault((attr.span.path, attr.span.line, word), val.steps)

    def _explained(self, address: str, model: Decided | None) -> Decided | None:
        """An unknown model of a manifest built from a template: the reason names what the
        template left unknown (``${model_id}: variable "model_id" has no value ...``)."""
        gap = self._gaps.get(address)
        if gap is None or model is None or model.val is None or model.val.known:
            return model
        shown = gap if len(gap) <= 400 else gap[:397] + "..."
        reason = f"{model.val.reason}; the manifest's template leaves unknown: {shown}"
        return Decided(model.value, Val(model.val.value, model.val.steps, reason), model.note)

    def _traced(self, model: Decided | None) -> Decided | None:
        """A model read from an attribute, with the Terraform steps that gave the attribute its
        value (``var.model_id`` -> its default) after the manifest's own steps."""
        if model is None or model.val is None or not model.val.known or model.value is None:
            return model
        for hop in model.val.steps:
            if hop.span is None:
                continue
            extra = self._trails.get((hop.span.path, hop.span.line, model.value))
            if extra:
                val = Val(model.val.value, (*model.val.steps, *extra))
                return Decided(model.value, val, model.note)
        return model

    def _manifest(self, view: HclResource) -> Manifest | None:
        positions: dict[DataPath, tuple[int, int]] = {}
        if view.type in _WHOLE:
            kubectl = view.type == KUBECTL_MANIFEST
            attr = view.block.body.attrs.get("yaml_body" if kubectl else "manifest")
            if attr is None:
                return None
            decoded = self._decoded_file(view, attr)
            if decoded is not None:  # yamldecode(file(...)): positions in that file
                return self._overridden(view, decoded)
            val, origins = self._whole(view, attr, kubectl)
            if not isinstance(val.value, dict):
                attrs = view.block.body.attrs
                if view.bound is None and ("for_each" in attrs or "count" in attrs):
                    # unexpanded: the instances, and so each.value / count.index, are unknown
                    why = view.module.instances(view.block).reason
                    self._opaque[view.address] = f"its count/for_each is unknown: {why}"
                else:
                    self._opaque[view.address] = val.reason or "the manifest is not an object"
                return None
            self._record_leaves(attr, val)
            if val.reason:
                self._gaps[view.address] = val.reason
            data = _plain(val.value, attr.text)
            positions[()] = (attr.span.line, attr.span.column)
            if not isinstance(data.get("kind"), str):
                return None
            self.applied.extend(Applied(origin, view.address) for origin in origins)
        else:
            kind, api = _KINDS[view.type]
            data = {"apiVersion": api, "kind": kind}
            positions[()] = (view.span.line, view.span.column)
            body = view.block.body
            for name in _TOP:
                attr = body.attrs.get(name)
                if attr is not None:
                    val = view.module.evaluate(attr, view.bound)
                    self._record(attr, val)
                    data[name] = _plain(val.value, attr.text)
                    positions[(name,)] = (attr.span.line, attr.span.column)
                    continue
                blocks = [b for b in body.blocks if b.type == name]
                if blocks:
                    data[name] = self._body(view, blocks[0].body, (name,), positions, {})
                    positions[(name,)] = (blocks[0].span.line, blocks[0].span.column)
        settled = _settle(data, [0])
        metadata = settled.get("metadata")
        if not isinstance(metadata, dict):
            metadata = {}
            settled["metadata"] = metadata
        if not isinstance(metadata.get("name"), str):
            metadata["name"] = view.name
        if metadata.get("namespace") is not None and not isinstance(metadata["namespace"], str):
            metadata["namespace"] = None
        made = TerraformManifest(view.span.path, settled, positions, (), view.address)
        return self._overridden(view, made)

    def _overridden(self, view: HclResource, manifest: Manifest) -> Manifest:
        """kubectl_manifest's ``override_namespace`` replaces the object's namespace; one the
        code does not fix leaves the namespace unknown, not the written one."""
        attr = view.block.body.attrs.get("override_namespace")
        if view.type != KUBECTL_MANIFEST or attr is None:
            return manifest
        val = view.module.evaluate(attr, view.bound)
        metadata = manifest.data.get("metadata")
        if isinstance(metadata, dict):
            metadata["namespace"] = val.value if isinstance(val.value, str) else None
        return manifest

    def _whole(self, view: HclResource, attr: Attr, kubectl: bool) -> tuple[Val, list[Origin]]:
        """The object a ``manifest`` or ``yaml_body`` holds, and the documents of the tree's files
        its text was read from (``yamldecode(templatefile(...))``, ``each.value`` of the kubectl
        document data sources; none for an object written out in HCL)."""
        module = view.module
        node = attr.expr if kubectl else _decoded_argument(attr.expr)
        if node is None:  # an object written in HCL, or built another way
            return module.evaluate(attr, view.bound), []
        scope: Scope = BoundScope(module, view.bound) if view.bound else module
        text = Evaluator(scope, module.depth, module.ws.budget).eval(node, attr.span)
        if kubectl and isinstance(text.value, dict):  # yamlencode({...}): not a text of a file
            return text, []
        made = text.value if isinstance(text.value, str) else text.partial
        origins = module.ws.origins.of(made) if made is not None else []
        return decode_yaml(text, module.ws.budget, attr.span), origins

    def _decoded_file(self, view: HclResource, attr: Attr) -> Manifest | None:
        """``manifest = yamldecode(file(PATH))`` (``yaml_body = file(PATH)``): the object in that
        file of the tree."""
        node = unwrap(attr.expr)
        if not (isinstance(node, Tree) and node.data == "function_call"):
            return None
        if view.type == KUBECTL_MANIFEST:
            read = view.module.file_text(node, attr.span, view.bound)
        else:
            parts = _parts(node)
            name = next((str(c) for c in parts[0].children if isinstance(c, Token)), "")
            args = _parts(parts[-1]) if len(parts) > 1 and parts[-1].data == "arguments" else []
            if name != "yamldecode" or len(args) != 1:
                return None
            read = view.module.file_text(args[0], attr.span, view.bound)
        if read is None:
            return None
        text, display, path = read
        found, problems = parse_manifests(text, display, view.module.ws.limits)
        if problems or len(found) != 1:
            self.notes.append(
                f"{view.address}: {display} does not hold exactly one Kubernetes object; not read"
            )
            return None
        one = found[0]
        view.module.note_read(str(path.value), text, text)
        origins = view.module.ws.origins.of(text)
        self.applied.extend(Applied(origin, view.address) for origin in origins)
        return TerraformManifest(one.display, one.data, one.positions, one.base, view.address)

    def _body(
        self,
        view: HclResource,
        body: Body,
        path: DataPath,
        positions: dict[DataPath, tuple[int, int]],
        names: dict[str, Val],
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        module = view.module
        scope = {**(view.bound or {}), **names}
        for name, attr in body.attrs.items():
            key = _camel(name)
            val = module.evaluate(attr, scope)
            self._record(attr, val)
            value = _plain(val.value, attr.text)
            if isinstance(value, _Hole) and key in ("args", "command"):
                value = _list_items(module, attr, scope, self._record) or value
            out[key] = value
            here = (*path, key)
            positions[here] = (attr.span.line, attr.span.column)
            if isinstance(value, list):
                for index in range(len(value)):
                    positions[(*here, index)] = (attr.span.line, attr.span.column)
        for block, bound in self._blocks(view, body, names):
            listed = _LISTS.get(block.type)
            if listed is not None:
                items = out.setdefault(listed, [])
                if not isinstance(items, list):
                    continue
                here = (*path, listed, len(items))
                items.append(self._body(view, block.body, here, positions, bound))
                positions[here] = (block.span.line, block.span.column)
            elif _camel(block.type) not in out:
                here = (*path, _camel(block.type))
                out[_camel(block.type)] = self._body(view, block.body, here, positions, bound)
                positions[here] = (block.span.line, block.span.column)
        return out

    def _blocks(
        self, view: HclResource, body: Body, names: dict[str, Val]
    ) -> list[tuple[Block, dict[str, Val]]]:
        """Nested blocks in order, ``dynamic`` ones expanded over their ``for_each``."""
        out: list[tuple[Block, dict[str, Val]]] = []
        for block in body.blocks:
            if block.type != "dynamic":
                out.append((block, names))
                continue
            content = [b for b in block.body.blocks if b.type == "content"]
            for_each = block.body.attrs.get("for_each")
            if not block.labels or not content or for_each is None:
                continue
            items = view.module.evaluate(for_each, {**(view.bound or {}), **names})
            value = items.value
            pairs: list[tuple[Any, Any]]
            if isinstance(value, dict):
                pairs = sorted(value.items())
            elif isinstance(value, list):
                pairs = list(enumerate(value))
            else:
                self.notes.append(
                    f"{view.address} ({for_each.span.path}:{for_each.span.line}): the for_each of "
                    f"dynamic {block.labels[0]!r} is not known from the code; its blocks are not read"
                )
                continue
            iterator = block.labels[0]
            given = block.body.attrs.get("iterator")
            if given is not None and given.text.isidentifier():
                iterator = given.text
            for key, item in pairs:
                bound = {**names, iterator: Val({"key": key, "value": item}, items.steps)}
                out.append((Block(block.labels[0], (), content[0].body, content[0].span), bound))
        return out
