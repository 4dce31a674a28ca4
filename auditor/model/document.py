"""The JSON result as a consumer loads it (schema 2.0): shared texts and paths stored once.

In memory, findings share their rule's framework list and their exposure's evidence path
(issue 9). Schema 1.0 wrote every such share out again for every finding, so the result was
30 times the size of the inventory it came from. Schema 2.0 keeps the sharing on disk:

- ``rules[]`` holds each check's fixed texts (title, description, rationale, remediation
  template, references, frameworks) once; a finding names its ``rule_id`` and carries only
  what is its own (filled texts, subject, severity, fingerprint, location, waiver);
- ``hops[]`` holds each distinct evidence step once, and ``paths[]`` each distinct evidence
  path once, as a list of hop indexes; an exposure's or a transfer's ``path`` and a
  finding's ``evidence`` are indexes into ``paths[]``.

:data:`ResultDocument` describes that file for ``auditor schema --kind result`` and for
validation; :func:`result_from_document` turns a 1.0 or 2.0 file back into the in-memory
:class:`~auditor.model.findings.AuditResult` (``explain`` and ``--baseline`` read results).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, NonNegativeInt, create_model
from pydantic.fields import FieldInfo

from auditor.model.common import StrictModel
from auditor.model.findings import (
    SCHEMA_VERSION,
    AuditResult,
    EvidencePath,
    Exposure,
    Finding,
    Hop,
    Transfer,
)

# Per streamed item kind: the fields holding one evidence path (written as an index).
# A finding's evidence_paths (several paths, each with its data assets) are written by the
# JSON writer the same way, path by path.
PATH_FIELDS: dict[str, tuple[str, ...]] = {
    "exposures": ("path",),
    "transfers": ("path",),
    "findings": ("evidence",),
}
# Finding fields that are the rule's, not the finding's: written once, in ``rules[]``.
RULE_FIELDS = ("frameworks",)

_PATH_INDEX = (
    NonNegativeInt,
    Field(description="Index into the result's paths[]: the evidence path of this item."),
)


def _fields(
    model: type[BaseModel], drop: tuple[str, ...], replace: dict[str, Any]
) -> dict[str, Any]:
    """``model``'s fields in their declared order, less ``drop``, with ``replace`` swapped in."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in drop:
            continue
        if name in replace:
            fields[name] = replace[name]
            continue
        fields[name] = (info.annotation, _copy(info))
    return fields


def _copy(info: FieldInfo) -> FieldInfo:
    """A field's default and description, for a document model made from it."""
    kwargs: dict[str, Any] = {"description": info.description}
    if info.default_factory is not None:
        kwargs["default_factory"] = info.default_factory
    elif not info.is_required():
        kwargs["default"] = info.default
    field: FieldInfo = Field(**kwargs)
    return field


def _document_model(
    name: str, model: type[BaseModel], drop: tuple[str, ...], replace: dict[str, Any]
) -> type[StrictModel]:
    made: type[StrictModel] = create_model(
        name,
        __base__=StrictModel,
        __doc__=f"{model.__doc__} (schema 2.0: evidence paths by index into paths[])",
        **_fields(model, drop, replace),
    )
    return made


ExposureEntry = _document_model("ExposureEntry", Exposure, (), {"path": _PATH_INDEX})
TransferEntry = _document_model("TransferEntry", Transfer, (), {"path": _PATH_INDEX})
EvidencePathEntry = _document_model("EvidencePathEntry", EvidencePath, (), {"path": _PATH_INDEX})
FindingEntry = _document_model(
    "FindingEntry",
    Finding,
    RULE_FIELDS,
    {
        "evidence": _PATH_INDEX,
        "evidence_paths": (
            list[EvidencePathEntry],  # type: ignore[valid-type]
            Field(
                default_factory=list,
                description="Each distinct path once (an index into paths[]), with its data assets.",
            ),
        ),
    },
)


def _result_document() -> type[StrictModel]:
    """AuditResult's fields in order, less the pictures, with the items by path index and
    ``paths[]`` right after ``rules[]``: after the items that refer to it, so a writer can
    number the paths as it streams the items and write the table last."""
    replace: dict[str, Any] = {
        "schema_version": (
            str,
            Field(default=SCHEMA_VERSION, pattern=r"^2\.\d+$", description="2.x: this layout."),
        ),
        "exposures": (list[ExposureEntry], Field(description="Exposures, one per data asset.")),  # type: ignore[valid-type]
        "transfers": (list[TransferEntry], Field(description="GDPR Chapter V transfers.")),  # type: ignore[valid-type]
        "findings": (
            list[FindingEntry],  # type: ignore[valid-type]
            Field(description="Findings; the fixed texts of their rules are in rules[]."),
        ),
    }
    fields: dict[str, Any] = {}
    for name, spec in _fields(AuditResult, ("graphs",), replace).items():
        fields[name] = spec
        if name == "rules":
            fields["hops"] = (
                list[Hop],
                Field(description="Every distinct evidence step once; paths[] list their indexes."),
            )
            fields["paths"] = (
                list[list[NonNegativeInt]],
                Field(
                    description="Every distinct evidence path once, as indexes into hops[]; "
                    "exposures, transfers and findings refer to a path by its index."
                ),
            )
    made: type[StrictModel] = create_model(
        "ResultDocument",
        __base__=StrictModel,
        __doc__="A residency-auditor JSON result, schema 2.0.",
        **fields,
    )
    return made


ResultDocument = _result_document()


def result_json_schema() -> dict[str, Any]:
    """JSON Schema of the JSON result (``auditor schema --kind result``)."""
    schema = ResultDocument.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "residency-auditor JSON result"
    return schema


class PathTable:
    """Evidence paths numbered in first-seen order, each distinct path once, over a table of
    distinct hops (a law, a parent company, a data asset recur in thousands of paths).

    In memory, paths are shared lists of shared hops, so hops and paths are keyed by
    identity first (cheap) and by content second (equal ones built apart still meet).
    """

    def __init__(self) -> None:
        self.hops: list[Hop] = []
        self.paths: list[list[int]] = []
        self._hop_by_id: dict[int, int] = {}
        self._hop_by_content: dict[tuple[str, str, str | None, int | None], int] = {}
        self._path_by_id: dict[int, int] = {}
        self._path_by_hops: dict[tuple[int, ...], int] = {}
        self._keep: list[list[Hop]] = []  # ids stay valid while the table lives

    def _hop(self, hop: Hop) -> int:
        found = self._hop_by_id.get(id(hop))
        if found is None:
            content = (hop.node, hop.kind, hop.file, hop.line)
            found = self._hop_by_content.get(content)
            if found is None:
                found = self._hop_by_content[content] = len(self.hops)
                self.hops.append(hop)
            self._hop_by_id[id(hop)] = found
        return found

    def index(self, path: list[Hop]) -> int:
        """The number of ``path`` in the table (added if new)."""
        found = self._path_by_id.get(id(path))
        if found is not None:
            return found
        hops = tuple(self._hop(hop) for hop in path)
        found = self._path_by_hops.get(hops)
        if found is None:
            found = self._path_by_hops[hops] = len(self.paths)
            self.paths.append(list(hops))
        self._path_by_id[id(path)] = found
        self._keep.append(path)
        return found


def result_from_document(data: object) -> AuditResult:
    """The in-memory result of a JSON result file of schema 1.x or 2.x (validated).

    Raises pydantic's ``ValidationError`` (a ``ValueError``) when ``data`` is neither.
    """
    version = data.get("schema_version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.startswith("2."):
        return AuditResult.model_validate(data)
    document = ResultDocument.model_validate(data)
    hops: list[Hop] = document.hops  # type: ignore[attr-defined]
    table: list[list[int]] = document.paths  # type: ignore[attr-defined]
    built: dict[int, list[Hop]] = {}

    def path(index: int) -> list[Hop]:
        found = built.get(index)
        if found is None:
            if index >= len(table):
                raise ValueError(f"evidence path {index} is not in paths[] ({len(table)} paths)")
            if any(step >= len(hops) for step in table[index]):
                raise ValueError(f"evidence path {index} names a step that is not in hops[]")
            found = built[index] = [hops[step] for step in table[index]]
        return found

    frameworks = {rule.id: rule.frameworks for rule in document.rules}  # type: ignore[attr-defined]
    fields = document.model_dump(exclude={"hops", "paths", "exposures", "transfers", "findings"})
    return AuditResult.model_validate(
        {
            **fields,
            "exposures": [
                {**e.model_dump(), "path": path(e.path)}
                for e in document.exposures  # type: ignore[attr-defined]
            ],
            "transfers": [
                {**t.model_dump(), "path": path(t.path)}
                for t in document.transfers  # type: ignore[attr-defined]
            ],
            "findings": [
                {
                    **f.model_dump(),
                    "evidence": path(f.evidence),
                    "evidence_paths": [
                        {**p.model_dump(), "path": path(p.path)} for p in f.evidence_paths
                    ],
                    "frameworks": frameworks.get(f.rule_id, []),
                }
                for f in document.findings  # type: ignore[attr-defined]
            ],
        }
    )
