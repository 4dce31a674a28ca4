"""The versioned JSON result (DESIGN.md section 8): no timestamps, byte-stable.

Keys follow the result model's declared order (``schema_version`` first), and
every mapping inside is built in a fixed order, so the same inputs give the
same bytes; pydantic's serializer writes it several times faster than a
sort-and-dump in Python (issue 9). The text is compact: a 10,000-system
result is 119 MB instead of 165 MB indented and is written in two thirds of the
time; ``jq .`` shows it indented.
"""

from __future__ import annotations

from auditor.model.findings import AuditResult


def render_json(result: AuditResult) -> str:
    """The result as JSON text (graph pictures are left to the HTML report)."""
    return render_json_bytes(result).decode("utf-8")


def render_json_bytes(result: AuditResult) -> bytes:
    """The same JSON as UTF-8 bytes, serialised straight to bytes.

    What the CLI writes: for a large estate the text is hundreds of megabytes,
    and a ``str`` plus its encoded copy would hold it twice.
    """
    return result.__pydantic_serializer__.to_json(result, exclude={"graphs"}) + b"\n"
