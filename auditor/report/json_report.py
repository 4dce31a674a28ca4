"""The versioned JSON result (schema 2.0, :mod:`auditor.model.document`): byte-stable, no timestamps.

Keys follow the document model's declared order (``schema_version`` first), and every
mapping inside is built in a fixed order, so the same inputs give the same bytes. The
writer streams: the lists that grow with the estate are written a few thousand items at a
time, each item by pydantic's serializer (several times faster than a sort-and-dump in
Python, issue 9) without the fields schema 2.0 stores once (the rule's frameworks, the
evidence path), and with the number of its evidence path in ``paths[]`` instead. The hop
and path tables are filled as the items stream and written after them. The text is compact; ``jq .``
shows it indented.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pydantic import BaseModel, TypeAdapter

from auditor.model.document import PATH_FIELDS, RULE_FIELDS, PathTable, ResultDocument
from auditor.model.findings import AuditResult, EvidencePath, Hop

# The other lists that grow with the estate; written item by item, as they are.
_STREAMED = ("scores", "inventory_register")
_BATCH = 2_000
_HOPS = TypeAdapter(list[Hop])
_PATHS = TypeAdapter(list[list[int]])


def render_json_bytes(result: AuditResult) -> bytes:
    """The whole JSON result as UTF-8 bytes (the CLI streams :func:`json_chunks` instead)."""
    return b"".join(json_chunks(result))


def json_chunks(result: AuditResult) -> Iterator[bytes]:
    """The JSON result in pieces of at most a few thousand items.

    A 10,000-system estate would otherwise be held whole in memory (twice, while the
    serializer's buffer grows).
    """
    serializer = result.__pydantic_serializer__
    table = PathTable()
    yield b"{"
    for i, name in enumerate(ResultDocument.model_fields):
        if i:
            yield b","
        yield b'"' + name.encode("ascii") + b'":'
        if name == "hops":
            yield b"["
            for start in range(0, len(table.hops), _BATCH):
                if start:
                    yield b","
                yield _HOPS.dump_json(table.hops[start : start + _BATCH])[1:-1]
            yield b"]"
        elif name == "paths":
            yield _PATHS.dump_json(table.paths)
        elif name in PATH_FIELDS:
            yield from _items_by_path(getattr(result, name), PATH_FIELDS[name], table, name)
        elif name in _STREAMED:
            yield from _items(getattr(result, name))
        else:
            field = serializer.to_json(result, include={name})  # {"name":value}
            yield field[len(name) + 4 : -1]
    yield b"}\n"


def _items(items: Sequence[BaseModel]) -> Iterator[bytes]:
    yield b"["
    for start in range(0, len(items), _BATCH):
        if start:
            yield b","
        yield b",".join(
            item.__pydantic_serializer__.to_json(item) for item in items[start : start + _BATCH]
        )
    yield b"]"


def _items_by_path(
    items: Sequence[BaseModel], path_fields: tuple[str, ...], table: PathTable, kind: str
) -> Iterator[bytes]:
    """Items with each evidence path replaced by its number in ``table`` (and, for findings,
    without the rule's own frameworks)."""
    findings = kind == "findings"
    exclude = set(path_fields) | ({*RULE_FIELDS, "evidence_paths"} if findings else set())
    yield b"["
    for start in range(0, len(items), _BATCH):
        if start:
            yield b","
        parts: list[bytes] = []
        for item in items[start : start + _BATCH]:
            body = item.__pydantic_serializer__.to_json(item, exclude=exclude)
            refs = b"".join(
                b',"%s":%d' % (field.encode("ascii"), table.index(getattr(item, field)))
                for field in path_fields
            )
            if findings:
                refs += (
                    b',"evidence_paths":['
                    + b",".join(
                        _entry(entry, table) for entry in getattr(item, "evidence_paths", ())
                    )
                    + b"]"
                )
            parts.append(body[:-1] + refs + b"}")
        yield b",".join(parts)
    yield b"]"


def _entry(entry: EvidencePath, table: PathTable) -> bytes:
    """One of a finding's evidence paths: its data assets, and its path by number."""
    body = entry.__pydantic_serializer__.to_json(entry, exclude={"path"})
    return body[:-1] + b',"path":%d}' % table.index(entry.path)
