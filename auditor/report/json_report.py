"""The versioned JSON result (DESIGN.md section 8): no timestamps, byte-stable.

Keys follow the result model's declared order (``schema_version`` first), and
every mapping inside is built in a fixed order, so the same inputs give the
same bytes; pydantic's serializer writes it several times faster than a
sort-and-dump in Python (issue 9). The text is compact: a 10,000-system
result is 119 MB instead of 165 MB indented and is written in two thirds of the
time; ``jq .`` shows it indented.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pydantic import BaseModel

from auditor.model.findings import AuditResult


def render_json_bytes(result: AuditResult) -> bytes:
    """The result as JSON, UTF-8 bytes serialised straight to bytes (graph pictures are
    left to the HTML report).

    What the CLI writes: for a large estate the text is hundreds of megabytes,
    and a ``str`` plus its encoded copy would hold it twice.
    """
    return result.__pydantic_serializer__.to_json(result, exclude={"graphs"}) + b"\n"


# The lists that grow with the estate; they are written item by item.
_STREAMED = ("exposures", "transfers", "findings", "scores", "inventory_register")
_BATCH = 2_000


def json_chunks(result: AuditResult) -> Iterator[bytes]:
    """The bytes of :func:`render_json_bytes`, in pieces of at most a few thousand items.

    The CLI writes these as they come: a 10,000-system result is about 900 MB of
    JSON, which would otherwise be held whole in memory (twice, while the
    serializer's buffer grows). Keys keep the model's order, so the bytes are
    the same (a test checks it).
    """
    serializer = result.__pydantic_serializer__
    yield b"{"
    first = True
    for name in AuditResult.model_fields:
        if name == "graphs":
            continue
        if not first:
            yield b","
        first = False
        if name not in _STREAMED:
            field = serializer.to_json(result, include={name})  # {"name":value}
            yield field[1:-1]
            continue
        items: Sequence[BaseModel] = getattr(result, name)
        yield b'"' + name.encode("ascii") + b'":['
        for start in range(0, len(items), _BATCH):
            batch = items[start : start + _BATCH]
            if start:
                yield b","
            yield b",".join(item.__pydantic_serializer__.to_json(item) for item in batch)
        yield b"]"
    yield b"}\n"
