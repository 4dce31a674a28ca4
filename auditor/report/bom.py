"""CycloneDX AI-BOM as JSON text, checked against the official CycloneDX 1.6 JSON schema.

The schema check uses cyclonedx-python-lib's strict JSON validator (it ships the
official schemas): a BOM that fails it is never written.
"""

from __future__ import annotations

import json

from auditor.errors import EnvironmentFault
from auditor.model.bom import Bom


def render_bom(bom: Bom) -> str:
    """The BOM as CycloneDX JSON: fields in schema order, two-space indent, one newline at the end."""
    document = bom.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def schema_errors(text: str) -> list[str]:
    """Every CycloneDX 1.6 schema error of a JSON BOM, as short sentences (empty: valid)."""
    # Imported here: the validator pulls in jsonschema's format checkers (seconds to import),
    # which only --validate and the tests need.
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    if errors is None:
        return []
    found: list[str] = []
    for error in errors:
        detail = error.data
        where = "/".join(str(p) for p in getattr(detail, "absolute_path", ()))
        message = getattr(detail, "message", str(error))
        found.append(f"{where or '(document)'}: {message}")
    return sorted(found)


def render_valid_bom(bom: Bom) -> str:
    """:func:`render_bom`, refusing a document the CycloneDX 1.6 schema rejects."""
    text = render_bom(bom)
    problems = schema_errors(text)
    if problems:
        # A BOM built from a checked inventory that fails the schema is a bug, not bad input.
        raise EnvironmentFault(
            "the CycloneDX BOM does not validate against the CycloneDX 1.6 schema "
            f"({len(problems)} problem(s): {'; '.join(problems[:3])}); nothing was written. "
            "This is a bug in residency-auditor: please report it with the inventory",
        )
    return text
