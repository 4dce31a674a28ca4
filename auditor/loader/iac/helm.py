"""Helm: ``helm_release`` resources in Terraform, and chart folders in the scanned tree.

A ``helm_release`` whose chart is a serving chart of the catalogue
(``rules/iac/kubernetes.yaml`` ``charts``) is a self-hosted model server; its
models come from the release's ``set`` entries and ``values`` documents where
the code writes them out (a values file read through ``file()`` or a template
data source stays unknown). It runs where the cluster of its helm provider is
(:class:`~auditor.loader.iac.k8s_terraform.ClusterPlacer`). An operator chart
(KServe, KubeRay) serves nothing by itself and is only named in a notice.

A chart folder (``Chart.yaml`` beside ``templates/``) is rendered with ``helm
template`` when a ``helm`` binary is on PATH; otherwise one notice names the
folder and the command that renders it. Templates are never read as manifests:
components are not invented from text the chart has not rendered.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from lark import Tree

from auditor.loader.iac.catalogue import Catalogue, HelmChart
from auditor.loader.iac.detect import Decided, Part, Placed
from auditor.loader.iac.hcl import UNKNOWN, BoundScope, Evaluator, Val, step, unknown, unwrap
from auditor.loader.iac.result import How
from auditor.loader.iac.serving import clean_model
from auditor.loader.iac.terraform import HclResource
from auditor.model.common import SourceSpan
from auditor.model.inventory import ComponentKind

HELM_TIMEOUT_S = 60
MAX_SET_INDEX = 1_000  # a list index in a set name beyond this is not expanded (hostile code)
_INDEX = re.compile(r"^(?P<key>.*?)\[(?P<index>\d+)\]$")


def chart_name(chart: str) -> str:
    """``vllm-stack`` of ``vllm/vllm-stack``, ``oci://host/charts/vllm-stack`` or a .tgz URL."""
    name = chart.rstrip("/").rsplit("/", 1)[-1]
    if name.endswith(".tgz"):
        name = re.sub(r"-v?\d+(\.\d+)*([-+][0-9A-Za-z.-]+)?\.tgz$", "", name)
        name = name.removesuffix(".tgz")
    return name


def _set_path(name: str) -> list[str | int]:
    """``a.b[0].c`` (``\\.`` escapes a dot) as keys and list indexes, the way Helm reads ``--set``."""
    parts: list[str | int] = []
    for raw in re.split(r"(?<!\\)\.", name):
        text = raw.replace("\\.", ".")
        indexes: list[int] = []
        match = _INDEX.match(text)
        while match is not None:
            indexes.insert(0, int(match.group("index")))
            text = match.group("key")
            match = _INDEX.match(text)
        parts.append(text)
        parts.extend(indexes)
    return parts


def _put(tree: dict[str, Any], path: list[str | int], value: Any) -> None:
    current: Any = tree
    for here, nxt in itertools.pairwise(path):
        if isinstance(here, int):
            while len(current) <= here:
                current.append(None)
            if not isinstance(current[here], dict | list):
                current[here] = [] if isinstance(nxt, int) else {}
            current = current[here]
        else:
            child = current.get(here)
            if not isinstance(child, dict | list):
                child = [] if isinstance(nxt, int) else {}
                current[here] = child
            current = child
    last = path[-1]
    if isinstance(last, int) and isinstance(current, list):
        while len(current) <= last:
            current.append(None)
        current[last] = value
    elif isinstance(current, dict):
        current[str(last)] = value


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


@dataclass(frozen=True)
class _Found:
    value: str
    span: SourceSpan
    text: str


def _walk(tree: Any, parts: list[str]) -> list[Any]:
    """Values at a dotted path; ``key[*]`` walks every item of a list."""
    current = [tree]
    for part in parts:
        every = part.endswith("[*]")
        key = part[:-3] if every else part
        found: list[Any] = []
        for node in current:
            child = node.get(key) if isinstance(node, dict) else None
            if every:
                found.extend(child if isinstance(child, list) else [])
            elif child is not None:
                found.append(child)
        current = found
    return current


class HelmReleases:
    """Components for the ``helm_release`` resources of one Terraform root module."""

    def __init__(
        self, catalogue: Catalogue, place: Callable[[HclResource], Placed] | None = None
    ) -> None:
        self.charts = catalogue.kubernetes.charts
        self.catalogue = catalogue
        self.notes: list[str] = []
        self.place = place  # where the release's cluster runs (its helm provider's cluster)

    def rule_for(self, view: HclResource) -> HelmChart | None:
        """The catalogue chart a release installs, if its chart (and repository) say so."""
        chart = view.attribute("chart")
        if chart is None or not chart.known or not isinstance(chart.value, str):
            return None
        repo = view.attribute("repository")
        repository = repo.value if repo is not None and repo.known else None
        name = chart_name(chart.value)
        for rule in self.charts:
            if not re.fullmatch(rule.chart, name):
                continue
            if (
                rule.repository is not None
                and isinstance(repository, str)
                and not re.search(rule.repository, repository)
            ):
                continue
            return rule
        return None

    def parts(self, view: HclResource) -> list[Part]:
        """The model server(s) a release installs (none for a chart outside the catalogue)."""
        rule = self.rule_for(view)
        if rule is None:
            return []
        where = f"{view.address} ({view.span.path}:{view.span.line})"
        if not rule.serves:
            self.notes.append(
                f"{where} installs {rule.server}: it serves no model by itself; its model "
                "servers are the custom resources created later (scan their manifests)"
            )
            return []
        values, gaps = self._values(view)
        found: list[_Found] = []
        for dotted in rule.model_values:
            parts = dotted.split(".")
            for value in _walk(values, parts):
                if isinstance(value, tuple):
                    text, span = value
                    if not isinstance(text, str) or not text:
                        continue
                    named = text
                    if rule.model_pattern is not None:
                        match = re.search(rule.model_pattern, text)
                        if match is None or not match.group("model"):
                            continue
                        named = match.group("model")
                    found.append(_Found(clean_model(named), span, f"{dotted} = {text}"))
        placed = (
            self.place(view)
            if self.place is not None
            else Placed(
                unknown(
                    "a Helm release runs on the cluster its helm provider points at, which is "
                    "not read here; declare the region in the inventory",
                    (step(How.UNKNOWN, view.span, view.address),),
                ),
                None,
            )
        )
        chart = view.attribute("chart")
        shown = chart.value if chart is not None and isinstance(chart.value, str) else rule.chart
        notes = [f"Installed by the Helm chart {shown} ({view.address})."]
        if rule.note:
            notes.append(rule.note)
        if not found:
            reason = "the release's set and values name no model"
            if gaps:
                reason += f" the scan can read ({'; '.join(gaps)})"
            model = Decided(None, unknown(reason, (step(How.UNKNOWN, view.span, view.address),)))
            return [self._part(view, rule, view.address, model, placed, notes, None)]
        if rule.one_per_model and len(found) > 1:
            return [
                self._part(
                    view,
                    rule,
                    f"{view.address}/{f.value}",
                    self._decided(view, f),
                    placed,
                    notes,
                    f"{index}",
                )
                for index, f in enumerate(found)
            ]
        extra = [f.value for f in found[1:]]
        if extra:
            notes.append(f"The release also serves {', '.join(extra)}.")
        return [
            self._part(view, rule, view.address, self._decided(view, found[0]), placed, notes, None)
        ]

    @staticmethod
    def _decided(view: HclResource, found: _Found) -> Decided:
        return Decided(
            found.value,
            Val(found.value, (step(How.ATTRIBUTE, found.span, f"{view.address}: {found.text}"),)),
        )

    def _part(
        self,
        view: HclResource,
        rule: HelmChart,
        address: str,
        model: Decided,
        placed: Placed,
        notes: list[str],
        suffix: str | None,
    ) -> Part:
        vendor_of_model = self.catalogue.model_vendor(model.value) if model.value else None
        return Part(
            address=address,
            span=view.span,
            kind=ComponentKind.INFERENCE_ENDPOINT,
            label=f"{rule.server} model server (Helm release):",
            vendor=None,
            placed=placed,
            model=model,
            model_vendor=vendor_of_model,
            open_weights=True if vendor_of_model is not None else None,
            notes=list(notes),
        )

    def _values(self, view: HclResource) -> tuple[dict[str, Any], list[str]]:
        """The release's values (documents, then ``set``), each leaf as (value, span)."""
        tree: dict[str, Any] = {}
        gaps: list[str] = []
        written = view.attribute("values")
        attr = view.block.body.attrs.get("values")
        span = attr.span if attr is not None else view.span
        if written is not None:
            items = written.value if isinstance(written.value, list) else [written.value]
            nodes = _tuple_items(attr.expr) if attr is not None else []
            for index, item in enumerate(items):
                doc: Any = item
                read = (
                    view.module.file_text(nodes[index], span, view.bound)
                    if (item is UNKNOWN or isinstance(item, str)) and len(nodes) == len(items)
                    else None
                )
                if read is not None:  # values = [file("values.yaml")]: the file in the tree
                    text, display, _path = read
                    try:
                        loaded = yaml.safe_load(text)
                    except yaml.YAMLError as exc:
                        gaps.append(f"the values file {display} is not valid YAML")
                        self._unreadable(view, span, f"the values file {display}", exc, display)
                        continue
                    if isinstance(loaded, dict):
                        _merge(tree, _spanned_in(loaded, display, text))
                    elif loaded is not None:
                        gaps.append(f"the values file {display} is not a YAML mapping")
                        self._unreadable(view, span, f"the values file {display}", None, display)
                    continue
                if isinstance(item, str):
                    try:
                        doc = yaml.safe_load(item)
                    except yaml.YAMLError as exc:
                        gaps.append("a values document is not valid YAML")
                        node = nodes[index] if len(nodes) == len(items) else None
                        made = _document_source(view, node, span)
                        self._unreadable(view, span, made, exc, None)
                        continue
                if isinstance(doc, dict):
                    _merge(tree, _spanned(doc, span))
                elif item is UNKNOWN or doc is not None:
                    gaps.append(f"values from {attr.text if attr is not None else 'elsewhere'}")
        for name, value, where in self._sets(view):
            if name is None:
                gaps.append("a set entry whose name is not known")
                continue
            if value is UNKNOWN:
                gaps.append(f"set {name} is not known from the code")
                continue
            path = _set_path(name)
            if any(isinstance(p, int) and p > MAX_SET_INDEX for p in path):
                gaps.append(f"set {name} has a list index over {MAX_SET_INDEX}")
                continue
            _put(tree, path, (value, where))
        return tree, list(dict.fromkeys(gaps))

    def _unreadable(
        self,
        view: HclResource,
        span: SourceSpan,
        what: str,
        problem: yaml.YAMLError | None,
        file: str | None,
    ) -> None:
        """A notice for a values document the scan cannot read (issue 19): which release, where,
        why, and what it hides. Helm itself rejects such values, so the deployment fails too.
        ``file``: the values file read as is (its lines are the file's), else None (a rendered
        or computed text, whose lines are the text's)."""
        if problem is None:
            why = "is valid YAML but not a mapping of values"
        else:
            mark = getattr(problem, "problem_mark", None)
            at = ""
            if mark is not None:
                line = mark.line + 1
                at = f" at {file}:{line}" if file else f" at line {line} of the rendered text"
            text = getattr(problem, "problem", None) or "it does not parse"
            why = f"is not valid YAML ({text}{at})"
        self.notes.append(
            f"{view.address} ({span.path}:{span.line}): {what} {why}; the scan cannot read the "
            "chart's values, so the models and images set there are unknown: fix it (helm "
            "install rejects it too) or set the model with a `set` block"
        )

    def _sets(self, view: HclResource) -> list[tuple[str | None, Any, SourceSpan]]:
        out: list[tuple[str | None, Any, SourceSpan]] = []
        for block in view.block.body.blocks:
            if block.type != "set":
                continue
            name = view.module.attribute(block, ["name"], view.address, view.bound)
            value = view.module.attribute(block, ["value"], view.address, view.bound)
            value_attr = block.body.attrs.get("value")
            out.append(
                (
                    str(name.value) if name is not None and name.known else None,
                    value.value if value is not None and value.known else UNKNOWN,
                    value_attr.span if value_attr is not None else block.span,
                )
            )
        attr = view.block.body.attrs.get("set")
        listed = view.attribute("set") if attr is not None else None
        if attr is not None and listed is not None and isinstance(listed.value, list):
            for item in listed.value:
                if isinstance(item, dict):
                    name = item.get("name")
                    out.append(
                        (
                            str(name) if isinstance(name, str) else None,
                            item.get("value", UNKNOWN),
                            attr.span,
                        )
                    )
        return out


def _document_source(view: HclResource, node: Any, span: SourceSpan) -> str:
    """What made a values document, for a notice: ``templatefile() of values.tpl`` (the file it
    read, from the item's own evaluation) or the expression as written."""
    if node is None:
        return "a values document"
    scope: Any = BoundScope(view.module, view.bound) if view.bound else view.module
    val = Evaluator(scope, view.module.depth, view.module.ws.budget).eval(node, span)
    read = [s.span.path for s in val.steps if s.span is not None and s.text.startswith("read ")]
    if read:
        return f"the values document rendered from {read[-1]}"
    return "a values document"


def _tuple_items(node: Any) -> list[Any]:
    """The item expressions of a list literal (``[file("a.yaml"), yamlencode({...})]``)."""
    node = unwrap(node)
    if not (isinstance(node, Tree) and node.data == "tuple"):
        return []
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _spanned_in(doc: Any, display: str, text: str) -> Any:
    """A values file's document with each scalar leaf paired with the first line of the file
    that holds it (the file's first line when the text is not found)."""
    rows = text.splitlines()

    def where(value: Any) -> SourceSpan:
        needle = str(value)
        row = next((i for i, line in enumerate(rows) if needle and needle in line), 0)
        return SourceSpan(path=display, line=row + 1, column=1)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {str(k): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return (node, where(node))

    return walk(doc)


def _spanned(doc: Any, span: SourceSpan) -> Any:
    """A values document with each scalar leaf paired with where the document is written."""
    if isinstance(doc, dict):
        return {str(k): _spanned(v, span) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_spanned(v, span) for v in doc]
    return (doc, span)


# --- chart folders -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """The output of ``helm template`` for one chart folder, or why there is none."""

    chart: Path
    text: str | None
    note: str | None


def render_chart(chart: Path, display: str, max_bytes: int) -> Rendered:
    """Render a chart folder with ``helm template`` (offline), or say how to render it.

    The chart is untrusted: helm runs with a fixed argument list (no shell), its own
    empty configuration, cache and data folders (no user repositories or plugins),
    no network-fetching option, at most :data:`HELM_TIMEOUT_S` seconds and at most
    ``max_bytes`` of output; past either limit it is stopped and the chart is named
    in a notice instead.
    """
    declared: Any = None
    with contextlib.suppress(OSError, UnicodeDecodeError, yaml.YAMLError):
        # without a readable name, the folder name serves as the release name
        declared = yaml.safe_load((chart / "Chart.yaml").read_text(encoding="utf-8"))
    raw = declared.get("name") if isinstance(declared, dict) else None
    base = raw if isinstance(raw, str) and raw else chart.name
    name = re.sub(r"[^a-z0-9-]+", "-", base.lower()).strip("-") or "release"
    command = f"helm template {name} {display} > rendered.yaml"
    helm = shutil.which("helm")
    if helm is None:
        return Rendered(
            chart,
            None,
            f"{display}: Helm chart not rendered (no helm binary on PATH), so its templates are "
            f"not read; render it with `{command}` and scan that file",
        )
    with tempfile.TemporaryDirectory(prefix="auditor-helm-") as home:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR")}
        env.update(
            HOME=home,
            HELM_CONFIG_HOME=home,
            HELM_CACHE_HOME=home,
            HELM_DATA_HOME=home,
        )
        try:
            code, out, err = _run([helm, "template", name, str(chart)], env, max_bytes)
        except OSError as exc:
            return Rendered(
                chart, None, f"{display}: `helm template` failed ({exc}); run `{command}`"
            )
    if code is None:
        return Rendered(
            chart,
            None,
            f"{display}: `helm template` was stopped ({err}); render it yourself with `{command}`",
        )
    if code != 0:
        first = (err.strip().splitlines() or ["no message"])[0]
        return Rendered(
            chart,
            None,
            f"{display}: `helm template` failed ({first}); fix the chart (helm dependency "
            f"build?) and run `{command}`",
        )
    return Rendered(chart, out, None)


def _run(argv: list[str], env: dict[str, str], max_bytes: int) -> tuple[int | None, str, str]:
    """Exit code (None when stopped), stdout and stderr of a bounded run."""
    with subprocess.Popen(  # a fixed argument list, no shell
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as proc:
        timer = threading.Timer(HELM_TIMEOUT_S, proc.kill)
        timer.start()
        errors: list[bytes] = []

        def drain() -> None:  # read all of stderr (a full pipe would block helm), keep 64 KiB
            kept = b""
            while proc.stderr is not None and (chunk := proc.stderr.read(65_536)):
                kept = (kept + chunk)[:65_536]
            errors.append(kept)

        reader = threading.Thread(target=drain)
        reader.start()
        try:
            assert proc.stdout is not None
            out = proc.stdout.read(max_bytes + 1)
            if len(out) > max_bytes:
                proc.kill()
                proc.wait()
                return None, "", f"its output is over {max_bytes} bytes"
            code = proc.wait()
        finally:
            timer.cancel()
            reader.join(timeout=5)
        err = b"".join(errors).decode("utf-8", "replace")
        if code < 0:
            return None, "", f"it took over {HELM_TIMEOUT_S} s"
        return code, out.decode("utf-8", "replace"), err
