"""The kubectl Terraform provider's document data sources, as the provider computes them.

``data "kubectl_file_documents"`` splits its ``content`` into YAML documents and
``data "kubectl_path_documents"`` does the same for every file its glob ``pattern``
matches (rendered first as a Terraform template with ``vars`` and ``sensitive_vars``
unless ``disable_template``). Both export ``documents`` (the list of document texts)
and ``manifests`` (a map from each object's self link to its text), which code feeds
to ``kubectl_manifest`` with ``count``/``for_each``. Read from the provider's own code
and docs: gavinbunney/terraform-provider-kubectl@82633069ffbd8097e09866dd036b41b097bb4ed9
(``kubernetes/data_source_kubectl_{file,path}_documents.go``, ``yaml/splitter.go``,
``yaml/manifest.go`` ``buildSelfLink``); alekc/terraform-provider-kubectl@7d0d57cc81 keeps
the same schema and self link.

A document whose apiVersion, kind, namespace or name the code does not fix has no known
key, so ``manifests`` is then unknown (never a made-up key); ``documents`` keeps the
known text of each document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from auditor.loader.iac.hcl import (
    HOLE,
    UNKNOWN,
    Block,
    BoundScope,
    Evaluator,
    PartialText,
    Scope,
    Val,
    decode_yaml,
    unknown,
)
from auditor.loader.iac.origins import TextOrigins, split_documents_at
from auditor.model.common import SourceSpan

KUBECTL_MANIFEST: Final = "kubectl_manifest"
DOCUMENT_SOURCES: Final = frozenset({"kubectl_file_documents", "kubectl_path_documents"})
_GLOB: Final = re.compile(r"[*?\[]")


def self_link(api_version: str, namespace: str, kind: str, name: str) -> str:
    """The id the provider gives an object (``buildSelfLink``): the key of ``manifests``."""
    out = "/api" if api_version == "v1" else "/apis"
    if api_version:
        out += f"/{api_version}"
    if namespace:
        out += f"/namespaces/{namespace}"
    if kind:
        out += f"/{kind.lower()}{'es' if kind.endswith('s') else 's'}"
    if name:
        out += f"/{name}"
    return out


def split_documents(text: str) -> list[str]:
    """The YAML documents of a text, trimmed, empty ones left out (``SplitMultiDocumentYAML``:
    a document ends at a line starting ``---``, the rest of that line is skipped)."""
    return [document for _first, _last, document in split_documents_at(text)]


def documents(
    scope: Scope,
    block: Block,
    bound: Mapping[str, Val] | None,
    wanted: str,
    evaluator: Evaluator,
    origins: TextOrigins | None = None,
) -> Val:
    """``documents`` or ``manifests`` of a kubectl_file_documents / kubectl_path_documents.

    ``origins`` learns which document of which file of the tree each document is, so that a
    ``kubectl_manifest`` applying one is not reported again by the scan of that file."""
    sees: Scope = BoundScope(scope, bound) if bound else scope
    run = Evaluator(sees, evaluator.depth, evaluator.budget)
    kind = block.labels[0] if block.labels else ""
    attrs = block.body.attrs
    texts: list[Val] = []
    if kind == "kubectl_file_documents":
        attr = attrs.get("content")
        if attr is None:
            return unknown("kubectl_file_documents has no content")
        texts.append(run.eval(attr.expr, attr.span))
    else:
        attr = attrs.get("pattern")
        if attr is None:
            return unknown("kubectl_path_documents has no pattern")
        pattern = run.eval(attr.expr, attr.span)
        if not (pattern.known and isinstance(pattern.value, str)):
            return unknown(
                f"the pattern of kubectl_path_documents is not fixed by the code "
                f"({pattern.reason or 'not a text'})",
                pattern.steps,
            )
        files = _glob(sees, pattern.value, attr.span)
        if not files.known or not isinstance(files.value, list):
            return Val(UNKNOWN, files.steps, files.reason or "the pattern lists no known files")
        template = _template_vars(run, attrs)
        for path in files.value:
            read = sees.read_file(str(path), attr.span)
            if not read.known:
                texts.append(read)
                continue
            if template is None:
                sees.note_read(str(path), str(read.value), str(read.value))
                texts.append(read)
                continue
            from auditor.loader.iac.template import render

            rendered = render(str(read.value), template, sees, run.budget, attr.span)
            made = rendered.value if isinstance(rendered.value, str) else rendered.partial
            if made is not None:
                sees.note_read(str(path), str(read.value), made)
            texts.append(
                Val(
                    rendered.value,
                    (*read.steps, *rendered.steps),
                    rendered.reason,
                    rendered.partial,
                )
            )
    steps = tuple(s for t in texts for s in t.steps)
    docs: list[Any] = []
    reasons: list[str] = []
    for read in texts:
        if read.known and isinstance(read.value, str):
            split = split_documents(read.value)
            docs.extend(split)
            if origins is not None:
                origins.record_documents(read.value, split)
        elif read.partial is not None:
            reasons.append(read.reason)
            split = split_documents(read.partial)
            docs.extend(PartialText(d) if HOLE in d else d for d in split)
            if origins is not None:
                origins.record_documents(read.partial, split)
        else:
            return unknown(read.reason or "the documents' text is not known from the code", steps)
    reason = "; ".join(dict.fromkeys(r for r in reasons if r))
    if wanted == "documents":
        return Val(docs, steps, reason)
    manifests: dict[str, Any] = {}
    for doc in docs:
        text = doc.text if isinstance(doc, PartialText) else doc
        arg = Val(UNKNOWN, (), reason, text) if isinstance(doc, PartialText) else Val(text)
        decoded = decode_yaml(arg, run.budget, block.span)
        key = _key(decoded.value)
        if key is None:
            return unknown(
                "a document's apiVersion, kind, namespace or name is not known from the code, "
                "so the keys of manifests are not known"
                + (f" ({decoded.reason})" if decoded.reason else ""),
                steps,
            )
        if key in manifests:
            return unknown(f"two documents have the same id {key} (the provider refuses it)", steps)
        manifests[key] = doc
    return Val(manifests, steps, reason)


def _key(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    parts = [
        data.get("apiVersion"),
        metadata.get("namespace") or "",
        data.get("kind"),
        metadata.get("name") or "",
    ]
    if not all(isinstance(p, str) for p in parts):
        return None
    api, namespace, kind, name = (str(p) for p in parts)
    return self_link(api, namespace, kind, name)


def _glob(scope: Scope, pattern: str, span: SourceSpan) -> Val:
    """``filepath.Glob(pattern)``: the matching files, sorted (relative to the root module's
    folder, Terraform's working directory)."""
    magic = _GLOB.search(pattern)
    head = (pattern[: magic.start()] if magic else pattern).rpartition("/")[0]
    base = head or "."
    listed = scope.file_set(base, pattern[len(head) + 1 :] if head else pattern, span)
    if not isinstance(listed.value, list):
        return listed
    return Val([f"{base}/{p}" for p in sorted(str(x) for x in listed.value)], listed.steps)


def _template_vars(run: Evaluator, attrs: Mapping[str, Any]) -> Val | None:
    """The variables the templates see (``vars`` and ``sensitive_vars``), or None when
    ``disable_template`` is true."""
    disable = attrs.get("disable_template")
    if disable is not None:
        flag = run.eval(disable.expr, disable.span)
        if flag.value is True:
            return None
        if not flag.known:
            return unknown(f"disable_template is not known ({flag.reason})", flag.steps)
    merged: dict[str, Any] = {}
    steps: tuple[Any, ...] = ()
    for name in ("vars", "sensitive_vars"):
        attr = attrs.get(name)
        if attr is None:
            continue
        val = run.eval(attr.expr, attr.span)
        steps = (*steps, *val.steps)
        if not isinstance(val.value, dict):
            return unknown(f"{name} is not a known map ({val.reason or 'not a map'})", steps)
        merged.update(val.value)
    return Val(merged, steps)


__all__ = ["DOCUMENT_SOURCES", "KUBECTL_MANIFEST", "documents", "self_link", "split_documents"]
