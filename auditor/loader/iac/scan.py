"""``scan(root)``: find Terraform root modules, plan/state JSON, Kubernetes manifests and application code.

Systems and ids (stable for hand-written inventories to reference):

* Terraform root module in ``<dir>`` -> system ``tf-<slug(dir)>`` (``tf-root`` for the
  folder itself); each detected resource -> component ``slug(address)``, e.g.
  ``azurerm_cognitive_deployment.gpt``, ``module.rag.aws_s3_bucket.docs``,
  ``data.aws_bedrock_inference_profile.claude``.
* Plan or state JSON ``<path>.json`` -> system ``tfplan-<slug(path without .json)>``;
  components ``slug(address)`` (instance keys become ``-0``, ``-a``).
* Kubernetes namespace ``<ns>`` -> system ``k8s-<slug(ns)>``; a workload ->
  ``slug(<kind>-<name>)`` (``deployment-chat-app``); a model API it calls ->
  ``<workload id>.<vendor>`` (``deployment-chat-app.openai``).

* Application code under top-level folder ``<dir>`` -> system ``code-<slug(dir)>``
  (``code-root`` for files in the folder itself); see :mod:`auditor.loader.code.scan`.

``slug`` lower-cases and turns every character outside ``[a-z0-9._-]`` into ``-``.
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import Diagnostic
from auditor.loader.iac.catalogue import Catalogue, load_catalogue
from auditor.loader.iac.detect import Built, Detector, Draft, Part, build_system, slug
from auditor.loader.iac.hcl import Block, LimitExceeded, Val
from auditor.loader.iac.helm import HelmReleases, render_chart
from auditor.loader.iac.k8s_terraform import RESOURCE_TYPES as K8S_RESOURCE_TYPES
from auditor.loader.iac.k8s_terraform import (
    SERVER_TYPES,
    ClusterPlacer,
    TerraformWorkloads,
    relevant_types,
)
from auditor.loader.iac.kubernetes import (
    KubernetesScanner,
    Manifest,
    parse_manifests,
    read_manifests,
)
from auditor.loader.iac.origins import Applied, Applies
from auditor.loader.iac.plan import plan_views, read_plan
from auditor.loader.iac.result import How, Resolution, ScannedRoute, ScanResult
from auditor.loader.iac.terraform import (
    HclResource,
    ModuleCall,
    ModuleInstance,
    Workspace,
    module_type,
    read_var_file,
)
from auditor.loader.iac.vm import VmServers
from auditor.loader.yamlsrc import DEFAULT_LIMITS, Limits
from auditor.model.common import SourceSpan
from auditor.model.inventory import ComponentKind, InventoryFragment, System

# Resources that apply a whole object, possibly a document of a file of the tree (issue 19).
_APPLIES = frozenset({"kubernetes_manifest", "kubectl_manifest"})

_SKIP_DIRS = frozenset({".terraform", "node_modules", "__pycache__"})
_BLOCK = re.compile(r'^[ \t]*(resource|data)[ \t]+"?([A-Za-z0-9_-]+)"?[ \t]', re.MULTILINE)
_SOURCE = re.compile(r'^[ \t]*source[ \t]*=[ \t]*"(\.\.?/[^"]*)"', re.MULTILINE)
_MODULE = re.compile(r'^[ \t]*module[ \t]+"', re.MULTILINE)


@dataclass
class _Found:
    tf: dict[Path, list[Path]] = field(default_factory=dict)
    tfvars: dict[Path, list[Path]] = field(default_factory=dict)
    other_tfvars: list[Path] = field(default_factory=list)
    json: list[Path] = field(default_factory=list)
    yaml: list[Path] = field(default_factory=list)
    charts: list[Path] = field(default_factory=list)  # folders with Chart.yaml and templates/
    notes: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _discover(root: Path) -> _Found:
    found = _Found()
    base = root.resolve()
    charts: set[Path] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(os.path.normpath(dirpath))
        keep = []
        chart = "Chart.yaml" in filenames  # a chart is identified by its Chart.yaml
        if chart:
            charts.add(here)
            if "templates" in dirnames:
                found.charts.append(here)
        for name in sorted(dirnames):
            if name.startswith(".") or name in _SKIP_DIRS:
                continue
            if chart and name in ("templates", "charts"):
                continue  # rendered with the chart (auditor.loader.iac.helm), never read as is
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = here / name
            if not name.endswith(_READ_SUFFIXES):
                continue
            if _chart_input(here, name, charts):
                continue
            problem = _not_readable(path, base, root)
            if problem is not None:
                found.diagnostics.append(Diagnostic(str(path), None, None, *problem))
                continue
            if name.endswith(".tf"):
                found.tf.setdefault(here, []).append(path)
            elif name.endswith(".tf.json"):
                found.notes.append(f"{path}: Terraform JSON configuration (*.tf.json) is not read")
            elif name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith(
                (".auto.tfvars", ".auto.tfvars.json")
            ):
                found.tfvars.setdefault(here, []).append(path)
            elif name.endswith((".tfvars", ".tfvars.json")):
                found.other_tfvars.append(path)
            elif name.endswith(".json"):
                found.json.append(path)
            elif name.endswith((".yaml", ".yml")):
                found.yaml.append(path)
    return found


_READ_SUFFIXES = (".tf", ".tfvars", ".json", ".yaml", ".yml")
_VALUES_FILE = re.compile(r"^values([-._][^/]*)?\.ya?ml$")


_TEMPLATES_NAMED = 10  # files a grouped "unrendered template" notice names


def _template_notices(templates: dict[Path, list[tuple[Path, int]]]) -> list[str]:
    """One notice per chart or folder for the YAML files that are unrendered Helm templates
    (kserve's charts hold a dozen ``files/*-patch.yaml``): one file keeps its own notice."""
    notes: list[str] = []
    for home, files in sorted(templates.items()):
        if len(files) == 1:
            path, line = files[0]
            notes.append(
                f"{path}:{line}: looks like an unrendered Helm template "
                "({{ ... }} makes it invalid YAML); not read: scan its rendered output instead"
            )
            continue
        named = [f"{p.relative_to(home).as_posix()}:{line}" for p, line in sorted(files)]
        more = len(named) - _TEMPLATES_NAMED
        listed = ", ".join(named[:_TEMPLATES_NAMED]) + (f" and {more} more" if more > 0 else "")
        notes.append(
            f"{home}: {len(files)} files look like unrendered Helm templates ({{{{ ... }}}} "
            f"makes them invalid YAML), not read: {listed}; scan their rendered output instead"
        )
    return notes


def _chart_input(folder: Path, name: str, charts: set[Path]) -> bool:
    """A chart's values file or helm-unittest suite: neither a manifest nor a template.

    Helm's chart layout puts the default values in ``values.yaml`` beside
    ``Chart.yaml`` (other values files, ``values-prod.yaml``, are passed with
    ``-f``); helm-unittest keeps its suites, pure YAML, "under the ``tests/``
    directory of the chart with suffix ``_test.yaml``" (helm-unittest README,
    commit 866069b, 2026-05-13). ``kubectl apply`` and ``helm install`` run
    neither, so the scan does not read them as manifests (issue 19). Suites kept
    elsewhere parse as YAML with no Kubernetes object and are silent all the same.
    """
    if folder in charts:
        return bool(_VALUES_FILE.match(name))
    return folder.name == "tests" and folder.parent in charts and name.endswith("_test.yaml")


def _not_readable(path: Path, base: Path, root: Path) -> tuple[str, str] | None:
    """Why a file the scan would read must not be opened (message, hint), or None.

    Checked before anything opens the file: opening a FIFO blocks forever, and a
    link may lead out of the tree or round in a loop.
    """
    try:
        if path.is_symlink() and not path.resolve(strict=True).is_relative_to(base):
            return (
                f"symbolic link leads outside {root}; not read",
                "scan the target folder itself, or copy the file into the tree",
            )
        info = path.stat()
    except (OSError, RuntimeError):  # RuntimeError: a link loop (Python < 3.13)
        return ("broken or looping symbolic link; not read", "fix or remove the link")
    if not stat.S_ISREG(info.st_mode):
        return ("not a regular file (a pipe, socket or device); not read", "remove it")
    return None


def _tfvars_order(paths: list[Path]) -> list[Path]:
    """terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json) by name (Terraform's order)."""
    first = [p for p in paths if p.name == "terraform.tfvars"]
    second = [p for p in paths if p.name == "terraform.tfvars.json"]
    auto = sorted((p for p in paths if p not in first and p not in second), key=lambda p: p.name)
    return first + second + auto


class _Scan:
    def __init__(
        self, root: Path, var_files: Sequence[Path], limits: Limits, catalogue: Catalogue
    ) -> None:
        self.root = root
        # The scanned folder (None for a single file): Ray Serve modules are read only inside it.
        self.tree: Path | None = root if root.is_dir() else None
        self.ray_modules: dict[str, str] = {}
        self.var_files = [Path(v) for v in var_files]
        self.limits = limits
        self.catalogue = catalogue
        self.ws = Workspace(root, catalogue, limits, relevant_types(catalogue))
        self.systems: list[System] = []
        self.resolutions: list[Resolution] = []
        self.routes: list[ScannedRoute] = []
        self.index: dict[str, str] = {}
        self.bare: Counter[str] = Counter()
        self.bare_target: dict[str, str] = {}
        self.notes: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self.files: list[str] = []
        self._texts: dict[Path, str] = {}
        self._resolved_dirs: set[Path] | None = None
        # Documents of the tree's YAML files that Terraform resources apply, with the system of
        # the root module: the Kubernetes file scan leaves them to that reading (issue 19).
        self.applied: list[tuple[Applied, str]] = []
        # kubernetes_manifest / kubectl_manifest resources with zero instances, and why
        self._absent: list[tuple[HclResource, str]] = []
        # Kubernetes objects with an unknown count/for_each: (address, notice), said after the
        # workloads are read unless their notice about unread manifests names them already.
        self._uncounted: list[tuple[str, str]] = []
        # Resources applying documents whose count/for_each is unknown (and the reason).
        self._maybe: list[tuple[HclResource, str]] = []

    # --- Terraform ------------------------------------------------------------------------------

    def _text(self, path: Path) -> str:
        if path not in self._texts:
            try:
                self._texts[path] = path.read_text(encoding="utf-8-sig", errors="replace")
            except OSError:
                self._texts[path] = ""
        return self._texts[path]

    def _local_calls(self, directory: Path, tf_dirs: dict[Path, list[Path]]) -> set[Path]:
        calls: set[Path] = set()
        for path in tf_dirs.get(directory, []):
            for match in _SOURCE.finditer(self._text(path)):
                target = Path(os.path.normpath(directory / match.group(1)))
                if target in tf_dirs:
                    calls.add(target)
        return calls

    def _interesting(
        self, directory: Path, tf_dirs: dict[Path, list[Path]], seen: set[Path]
    ) -> bool:
        """The module (or a local module it calls) has a resource type the catalogue knows."""
        if directory in seen:
            return False
        seen.add(directory)
        for path in tf_dirs.get(directory, []):
            for match in _BLOCK.finditer(self._text(path)):
                mode = "data" if match.group(1) == "data" else "managed"
                if self.catalogue.rules_for(mode, match.group(2)):
                    return True
                if mode == "managed" and match.group(2) == "helm_release":
                    return bool(self.catalogue.kubernetes.charts)
                if mode == "managed" and match.group(2) in K8S_RESOURCE_TYPES:
                    return True
        return any(
            self._interesting(child, tf_dirs, seen)
            for child in self._local_calls(directory, tf_dirs)
        )

    def terraform(self, found: _Found) -> None:
        tf_dirs = found.tf
        called: set[Path] = set()
        for directory in tf_dirs:
            called |= self._local_calls(directory, tf_dirs) - {directory}
        roots = [d for d in sorted(tf_dirs) if d not in called]
        skipped = 0
        spent = False
        for directory in roots:
            calls_modules = any(_MODULE.search(self._text(p)) for p in tf_dirs[directory])
            if not calls_modules and not self._interesting(directory, tf_dirs, set()):
                skipped += 1
                continue
            if spent:
                self.notes.append(
                    f"Terraform root module {self.ws.rel(directory)}: not evaluated, the scan's "
                    "evaluation limit is spent"
                )
                continue
            try:
                self._root(directory, tf_dirs[directory], found)
            except LimitExceeded as exc:
                # The root module yields no system: half an evaluation would hide services.
                self.diagnostics.append(exc.diagnostic)
                spent = True
        if self.ws.files_skipped:
            self.notes.append(
                f"{self.ws.files_skipped} .tf file(s) hold only resource types outside the "
                "detection catalogue and no variables, locals, providers, modules or outputs; "
                "they were read but not evaluated"
            )
        if skipped:
            self.notes.append(
                f"{skipped} Terraform root module(s) declare no resource type of the detection "
                "catalogue (rules/iac/) and were not evaluated"
            )
        for path in found.other_tfvars:
            if path.resolve() not in {v.resolve() for v in self.var_files}:
                self.notes.append(
                    f"{path}: not loaded automatically by Terraform; pass it with --var-file "
                    "if the deployment uses it"
                )

    def _root_values(self, directory: Path, found: _Found) -> dict[str, Val]:
        values: dict[str, Val] = {}
        for path in _tfvars_order(found.tfvars.get(directory, [])):
            values.update(
                read_var_file(
                    path, self.ws.display(path), How.TFVARS, self.limits, self.diagnostics
                )
            )
            self.files.append(self.ws.display(path))
        roots_with_files = self._tf_dirs_resolved(found)
        for path in self.var_files:
            parent = path.resolve().parent
            if parent in roots_with_files and parent != directory.resolve():
                continue  # a var file inside another root module belongs to that one
            values.update(
                read_var_file(path, str(path), How.VAR_FILE, self.limits, self.diagnostics)
            )
        return values

    def _tf_dirs_resolved(self, found: _Found) -> set[Path]:
        if self._resolved_dirs is None:
            self._resolved_dirs = {p.resolve() for p in found.tf}
        return self._resolved_dirs

    def _instances(
        self,
        module: ModuleInstance,
        mode: str,
        rtype: str,
        name: str,
        block: Block,
        relevant: bool,
    ) -> list[HclResource]:
        """One view per instance Terraform would create (none for ``count = 0``).

        A ``count``/``for_each`` the code does not fix gives one view standing for
        every instance and, for a detected resource type, one notice: instances are
        never invented.
        """
        if "count" not in block.body.attrs and "for_each" not in block.body.attrs:
            return [HclResource(module, mode, rtype, name, block)]
        made = module.instances(block)
        if made.none and mode == "managed" and rtype in _APPLIES:
            # Evaluated as one instance would be, only to learn which file it would apply.
            one = {"count": Val({"index": 0})} if made.meta == "count" else None
            why = "count = 0" if made.meta == "count" else "for_each is empty"
            self._absent.append((HclResource(module, mode, rtype, name, block, bound=one), why))
        if made.keys is None:
            view = HclResource(module, mode, rtype, name, block, unexpanded=True)
            if mode == "managed" and rtype in _APPLIES:
                self._maybe.append((view, made.reason))
            where = f"{made.span.path}:{made.span.line}" if made.span else view.span.path
            if relevant:
                self.notes.append(
                    f"{view.address} ({where}): {made.meta} is not known from the code "
                    f"({made.reason}); reported as one component standing for all its instances"
                )
            elif mode == "managed" and rtype in SERVER_TYPES:
                # A Kubernetes object Terraform applies: a model server in it is one component
                # standing for every instance, whatever the count turns out to be (issue 19).
                self._uncounted.append(
                    (
                        view.address,
                        f"{view.address} ({where}): {made.meta} is not known from the code "
                        f"({made.reason}); its Kubernetes object is read once, standing for all "
                        "its instances (none is made up)",
                    )
                )
            return [view]
        return [
            HclResource(module, mode, rtype, name, block, key=key, bound=bound)
            for key, bound in made.keys
        ]

    def _module_calls(self, root: ModuleInstance) -> list[HclResource]:
        """Calls of registry modules the catalogue describes (project-factory's activate_apis),
        one view per instance; ``count = 0`` makes none."""
        views: list[HclResource] = []
        for instance in root.tree():
            for name, call, source in instance.remote_calls:
                if not self.catalogue.rules_for("module", module_type(source)):
                    continue
                made = instance.instances(call)
                if made.keys is None:
                    views.append(ModuleCall(instance, name, call, source, unexpanded=True))
                elif made.meta:
                    views.extend(
                        ModuleCall(instance, name, call, source, key=key, bound=bound)
                        for key, bound in made.keys
                    )
                else:
                    views.append(ModuleCall(instance, name, call, source))
        return views

    def _root(self, directory: Path, tf_files: list[Path], found: _Found) -> None:
        files = self.ws.module_files(directory, tf_files)
        if not files.files:
            return
        module = ModuleInstance(self.ws, files, root_values=self._root_values(directory, found))
        detector = Detector(self.catalogue)  # locations are cached by address: one per root
        placer = ClusterPlacer(self.catalogue, detector)
        detector.cluster_of_call = placer.passed_to
        views: list[HclResource] = []
        drafts: dict[str, Draft] = {}
        for instance, mode, rtype, name, block in module.walk():
            relevant = bool(self.catalogue.rules_for(mode, rtype))
            for view in self._instances(instance, mode, rtype, name, block, relevant):
                views.append(view)
                if not relevant:
                    continue
                draft = detector.draft(view)
                if draft is not None:
                    drafts[view.address] = draft
        for view in self._module_calls(module):
            views.append(view)
            draft = detector.draft(view)
            if draft is not None:
                drafts[view.address] = draft
        detector.attach_replication(views, drafts)
        detector.attach_routes(views, drafts)
        servers = self._vm_servers(views, detector)
        releases = HelmReleases(self.catalogue, placer.placed)
        helm_parts = [
            part
            for view in views
            if view.mode == "managed" and view.type == "helm_release"
            for part in releases.parts(view)
        ]
        workloads = TerraformWorkloads(self.catalogue, placer)
        helm_parts.extend(workloads.parts(views))
        self.notes.extend(
            note for address, note in self._uncounted if address not in workloads.unread
        )
        self._uncounted = []
        self.notes.extend(releases.notes + workloads.notes + placer.notes)
        rel = files.rel
        system_id = "tf-root" if rel == "." else slug(f"tf-{rel}")
        self.applied.extend((applied, system_id) for applied in workloads.applied)
        absent = TerraformWorkloads(self.catalogue, placer)
        for view, why in self._maybe:
            # each.value of a resource whose for_each is unknown: which documents it may apply
            for maybe_bound in view.module.would_be(view.block):
                self.applied.extend(
                    (Applied(a.origin, view.address, maybe=True), system_id)
                    for a in absent.applied_if_created(view.as_bound(maybe_bound), why)
                )
        self._maybe = []
        for view, why in self._absent:
            # each instance the switched-off branch would make: its file is Terraform's input
            bindings: list[Mapping[str, Val] | None] = [*view.module.would_be(view.block)]
            bindings = bindings or [view.bound]
            for binding in bindings:
                self.applied.extend(
                    (a, system_id) for a in absent.applied_if_created(view.as_bound(binding), why)
                )
        self._absent = []
        span = SourceSpan(path=files.files[0], line=1, column=1)
        label = "of the scanned folder" if rel == "." else rel
        built = build_system(
            system_id,
            f"Terraform root module {label}",
            f"Scanned from the Terraform root module {label} by auditor scan. The code does not say "
            "what the system is for or which data it handles: describe the purpose, owner and "
            "data flows in the inventory.",
            span,
            [servers[a] if a in servers else d.part() for a, d in drafts.items()]
            + [p for a, p in servers.items() if a not in drafts]
            + helm_parts,
        )
        self._add(built, qualify=True)
        if built.system is None:
            self.notes.append(f"Terraform root module {label}: no AI services or data stores found")

    def _vm_servers(self, views: list[HclResource], detector: Detector) -> dict[str, Part]:
        """Compute instances whose scripts start a model server, by address (issue 19)."""
        reader = VmServers(self.catalogue, self.root)
        servers: dict[str, Part] = {}
        for view in views:
            if view.mode != "managed":
                continue
            chosen = detector.rule_for(view)
            if chosen is None or not chosen[1].scripts:
                continue
            part = reader.part(view, chosen[1], detector.location_of(view))
            if part is None:
                continue
            if view.instances:
                part.notes.append("count/for_each: this component stands for every instance")
            servers[view.address] = part
        self.notes.extend(reader.notes)
        return servers

    # --- plans ----------------------------------------------------------------------------------

    def plans(self, found: _Found) -> None:
        for path in found.json:
            display = str(path)
            doc, problem = read_plan(path, display, self.limits.max_file_bytes)
            if problem is not None:
                self.diagnostics.append(problem)
            if doc is None:
                continue
            self.files.append(display)
            drafts: dict[str, Draft] = {}
            views = plan_views(doc)
            detector = Detector(self.catalogue)
            for view in views:
                if not self.catalogue.rules_for(view.mode, view.type):
                    continue
                draft = detector.draft(view)
                if draft is not None:
                    drafts[view.address] = draft
            detector.attach_replication(views, drafts)
            detector.attach_routes(views, drafts)
            rel = self._rel(path)
            stem = rel[: -len(".json")] if rel.endswith(".json") else rel
            kind = "plan" if doc.is_plan else "state"
            built = build_system(
                slug(f"tfplan-{stem}"),
                f"Terraform {kind} {rel}",
                f"Scanned from the Terraform {kind} JSON {rel} by auditor scan. Describe the "
                "purpose, owner and data flows in the inventory.",
                SourceSpan(path=display, line=1, column=1),
                [d.part() for d in drafts.values()],
            )
            self._add(built, qualify=True)

    # --- Kubernetes -----------------------------------------------------------------------------

    def kubernetes(self, found: _Found) -> None:
        manifests: list[Manifest] = []
        for chart in found.charts:
            display = str(chart)
            rendered = render_chart(chart, display, self.limits.max_file_bytes)
            if rendered.note is not None:
                self.notes.append(rendered.note)
            if rendered.text is None:
                continue
            items, problems = parse_manifests(
                rendered.text, f"{display} (helm template)", self.limits
            )
            self.diagnostics.extend(problems)
            manifests.extend(items)
        templates: dict[Path, list[tuple[Path, int]]] = {}
        charts = set(found.charts)
        for path in found.yaml:
            display = str(path)
            read = read_manifests(path, display, self.limits)
            self.diagnostics.extend(read.problems)
            if read.manifests:
                self.files.append(display)
                manifests.extend(read.manifests)
            elif read.template_line is not None:
                # grouped by chart (or folder): a chart's files/*-patch.yaml are one notice
                home = next((p for p in path.parents if p in charts), path.parent)
                templates.setdefault(home, []).append((path, read.template_line))
        self.notes.extend(_template_notices(templates))
        if not manifests:
            return
        scanner = KubernetesScanner(self.catalogue, self.tree, applied=self._applied_by())
        by_namespace = scanner.scan(manifests)
        self.notes.extend(scanner.notes)
        self.ray_modules = scanner.ray_modules
        for namespace, parts in sorted(by_namespace.items()):
            first = parts[0].span
            built = build_system(
                slug(f"k8s-{namespace}"),
                f"Kubernetes namespace {namespace}",
                f"Scanned from the Kubernetes manifests of namespace {namespace} by auditor scan. "
                "Describe the purpose, owner and data flows in the inventory.",
                SourceSpan(path=first.path, line=1, column=1),
                parts,
            )
            self._add(built, qualify=False)

    def _applied_by(self) -> Callable[[Manifest], list[tuple[str, Applies]]]:
        """For a manifest read from a file: the Terraform resources that apply its document
        (``address, ... (system tf-x)``, sorted), so that the object is reported once, there."""
        by_file: dict[Path, list[tuple[Applied, str]]] = {}
        for applied, system_id in self.applied:
            by_file.setdefault(applied.origin.path, []).append((applied, system_id))
        resolved: dict[str, Path | None] = {}

        def applied_by(manifest: Manifest) -> list[tuple[str, Applies]]:
            if not by_file:
                return []
            if manifest.display not in resolved:
                try:
                    resolved[manifest.display] = Path(manifest.display).resolve()
                except (OSError, RuntimeError):
                    resolved[manifest.display] = None
            path = resolved[manifest.display]
            line = manifest.span().line
            if path is None or line is None:
                return []
            systems: dict[str, set[str]] = {}
            maybe: dict[str, set[str]] = {}
            absent: dict[str, set[str]] = {}
            for applied, system_id in by_file.get(path, []):
                if not applied.origin.holds(path, line):
                    continue
                if applied.maybe:
                    maybe.setdefault(system_id, set()).add(applied.address)
                elif applied.absent:
                    shown = f"{applied.address}, which Terraform does not create with these "
                    absent.setdefault(system_id, set()).add(shown + f"variables ({applied.absent})")
                else:
                    systems.setdefault(system_id, set()).add(applied.address)
            made: list[tuple[str, Applies]] = []
            order: tuple[tuple[Applies, dict[str, set[str]]], ...] = (
                ("created", systems),
                ("maybe", maybe),
                ("absent", absent),
            )
            for kind, seen in order:
                if made and kind == "absent":
                    break
                joiner = "; " if kind == "absent" else ", "
                made.extend(
                    (f"{joiner.join(sorted(addresses))} (system {system_id})", kind)
                    for system_id, addresses in sorted(seen.items())
                )
            return made

        return applied_by

    # --- assembly -------------------------------------------------------------------------------

    def _rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def _add(self, built: Built, *, qualify: bool) -> None:
        if built.system is None:
            return
        existing = {s.id for s in self.systems}
        system = built.system
        if system.id in existing:
            counter = 2
            while f"{system.id}-{counter}" in existing:
                counter += 1
            new_id = f"{system.id}-{counter}"
            self.notes.append(f"system id {system.id} is taken; this one is {new_id}")
            span = system.span
            system = system.model_copy(update={"id": new_id})
            system.attach_spans(span, {})
            built = Built(
                system,
                [
                    Resolution(
                        new_id,
                        r.component,
                        r.address,
                        r.field,
                        r.value,
                        r.how,
                        r.source,
                        r.raw,
                        r.steps,
                        r.note,
                    )
                    for r in built.resolutions
                ],
                {k: f"{new_id}/{v.split('/', 1)[1]}" for k, v in built.index.items()},
                [
                    ScannedRoute(
                        f"{new_id}/{r.gateway.split('/', 1)[1]}",
                        f"{new_id}/{r.target.split('/', 1)[1]}",
                        r.via,
                        r.span,
                    )
                    for r in built.routes
                ],
            )
        self.systems.append(system)
        self.resolutions.extend(built.resolutions)
        self.routes.extend(built.routes)
        for address, target in built.index.items():
            if not qualify:
                self.index[address] = target
                continue
            self.index[f"{system.id}:{address}"] = target
            self.bare[address] += 1
            self.bare_target[address] = target

    def result(self) -> ScanResult:
        for bare, count in self.bare.items():
            if count == 1 and bare not in self.index:
                self.index[bare] = self.bare_target[bare]
        files = list(dict.fromkeys([*self.ws.files_read, *self.files]))
        return ScanResult(
            fragment=InventoryFragment(systems=self.systems),
            resolutions=self.resolutions,
            diagnostics=sorted(
                set(self.ws.diagnostics + self.diagnostics),
                key=lambda d: (d.path, d.line or 0, d.column or 0, d.message),
            ),
            notes=list(dict.fromkeys(self.notes + self.ws.notes)),
            address_index=dict(sorted(self.index.items())),
            files=files,
            routes=self.routes,
        )


def scan(
    root: Path,
    *,
    var_files: Sequence[Path] = (),
    limits: Limits = DEFAULT_LIMITS,
    rules_dir: Path | None = None,
) -> ScanResult:
    """Scan Terraform (HCL and plan/state JSON) and Kubernetes manifests under ``root``.

    Never raises on a bad input file: problems are collected in ``diagnostics``.
    A problem in the detection catalogue itself raises
    :class:`~auditor.errors.KnowledgeBaseError`. ``var_files`` are like
    ``terraform -var-file``: a file inside a root module applies to that root
    module only, any other file to every root module.
    """
    catalogue = load_catalogue(rules_dir.resolve() if rules_dir is not None else None)
    job = _Scan(root, var_files, limits, catalogue)
    if not root.exists():
        job.diagnostics.append(Diagnostic(str(root), None, None, "no such file or folder"))
        return job.result()
    for var_file in job.var_files:
        if not var_file.is_file():
            job.diagnostics.append(Diagnostic(str(var_file), None, None, "no such var file"))
    job.var_files = [v for v in job.var_files if v.is_file()]
    if root.is_file():
        found = _Found()
        bucket = (
            found.json
            if root.suffix == ".json"
            else found.yaml
            if root.suffix in (".yaml", ".yml")
            else None
        )
        if root.suffix == ".tf":
            found.tf[root.parent] = [root]
        elif bucket is not None:
            bucket.append(root)
        job.root = root.parent
        job.ws = Workspace(root.parent, catalogue, limits, relevant_types(catalogue))
    else:
        found = _discover(root)
    job.notes.extend(found.notes)
    job.diagnostics.extend(found.diagnostics)
    job.terraform(found)
    job.plans(found)
    job.kubernetes(found)
    if root.is_dir():
        _scan_code(job, root, rules_dir)
    return job.result()


def _scan_code(job: _Scan, root: Path, rules_dir: Path | None) -> None:
    """Application source and configuration (auditor.loader.code), one system per top folder."""
    from auditor.loader.code import load_code_catalogue, scan_code  # imports this package

    code = scan_code(root, load_code_catalogue(rules_dir.resolve() if rules_dir else None))
    job.notes.extend(code.notes)
    job.files.extend(code.files)
    for system_id in list(code.parts):
        kept = []
        for part in code.parts[system_id]:
            server = job.ray_modules.get(str(Path(part.span.path).resolve()))
            if server is not None and part.kind is ComponentKind.INFERENCE_ENDPOINT:
                what = re.sub(r"(\s+at|:)$", "", part.label)
                job.notes.append(
                    f"{part.span.path}:{part.span.line}: the {what} is the code that {server} "
                    "runs; it is counted once, as that RayService's model server"
                )
                continue
            kept.append(part)
        code.parts[system_id] = kept
        if not kept:
            del code.parts[system_id]
    for system_id, parts in sorted(code.parts.items()):
        label = "the scanned folder" if system_id == "code-root" else system_id[len("code-") :]
        built = build_system(
            system_id,
            f"Application code in {label}",
            f"Scanned from the application code in {label} by auditor scan. The code does not say "
            "what the system is for or which data it sends: describe the purpose, owner and data "
            "flows in the inventory.",
            SourceSpan(path=parts[0].span.path, line=1, column=1),
            parts,
        )
        job._add(built, qualify=False)
