"""The modules ``terraform init`` installed: ``.terraform/modules/modules.json`` of a root module.

Terraform writes one record per module call there (``Key``: the call names from the root
joined by dots, ``Source``, ``Version`` for a registry module, ``Dir``: where it put the
module's files, relative to the root module's folder). A registry or remote module call is
followed into that folder as a local one is (issue 19); the scan never downloads anything, and
the folder is never scanned as a root module of its own (the walker skips ``.terraform``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import Diagnostic
from auditor.loader.yamlsrc import Limits

MODULES_JSON = Path(".terraform") / "modules" / "modules.json"


@dataclass(frozen=True)
class Installed:
    """One module call ``terraform init`` installed."""

    key: str  # "triton_server_vllm", "parent.child" for a call inside a module
    source: str
    version: str | None
    directory: Path  # resolved from the root module's folder


@dataclass(frozen=True)
class InitCache:
    """The records of one root module's ``modules.json`` (empty when there is none)."""

    path: Path | None
    shown: str
    modules: dict[str, Installed]

    def get(self, key: str) -> Installed | None:
        """The record of the call ``key`` (dotted call names from the root)."""
        return self.modules.get(key)


def read_init_cache(
    root_module: Path, display: str, limits: Limits, diagnostics: list[Diagnostic]
) -> InitCache:
    """The ``modules.json`` of ``root_module`` (``display``: how that file is shown).

    A file that is not JSON, or records that are not objects with a string ``Key`` and
    ``Dir``, give one diagnostic each (file and line) and are not followed.
    """
    path = root_module / MODULES_JSON
    empty = InitCache(None, display, {})
    try:
        if not path.is_file():
            return empty
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            diagnostics.append(
                Diagnostic(
                    display,
                    None,
                    None,
                    f"the file is {size:,} bytes, over the limit of {limits.max_file_bytes:,}; "
                    "modules installed by terraform init are not followed",
                    "raise the limit or run terraform init again",
                )
            )
            return empty
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        diagnostics.append(
            Diagnostic(display, None, None, f"cannot read the file: {exc}; not followed")
        )
        return empty
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        diagnostics.append(
            Diagnostic(
                display,
                exc.lineno,
                exc.colno,
                f"not valid JSON ({exc.msg}); modules installed by terraform init are not followed",
                "run terraform init again to rewrite it, or delete the .terraform folder",
            )
        )
        return empty
    records = doc.get("Modules") if isinstance(doc, dict) else None
    if not isinstance(records, list):
        diagnostics.append(
            Diagnostic(
                display,
                1,
                1,
                'expected an object with a "Modules" list, as terraform init writes it; '
                "not followed",
                "run terraform init again to rewrite it",
            )
        )
        return empty
    modules: dict[str, Installed] = {}
    for index, record in enumerate(records):
        key = record.get("Key") if isinstance(record, dict) else None
        source = record.get("Source") if isinstance(record, dict) else None
        folder = record.get("Dir") if isinstance(record, dict) else None
        version = record.get("Version") if isinstance(record, dict) else None
        if not (isinstance(key, str) and isinstance(source, str) and isinstance(folder, str)):
            diagnostics.append(
                Diagnostic(
                    display,
                    _line_of(text, index),
                    None,
                    f"Modules[{index}] lacks a string Key, Source or Dir; that record is not "
                    "followed",
                    "run terraform init again to rewrite it",
                )
            )
            continue
        if not key:
            continue  # the root module itself
        modules[key] = Installed(
            key,
            source,
            version if isinstance(version, str) and version else None,
            Path(os.path.normpath(root_module / folder)),
        )
    return InitCache(path, display, modules)


def _line_of(text: str, index: int) -> int | None:
    """The line of the ``index``-th record's opening brace after ``"Modules"`` (best effort)."""
    start = text.find('"Modules"')
    if start < 0:
        return None
    seen = -1
    depth = 0
    for offset in range(start, len(text)):
        char = text[offset]
        if char == "{":
            depth += 1
            if depth == 1:
                seen += 1
                if seen == index:
                    return text.count("\n", 0, offset) + 1
        elif char == "}":
            depth -= 1
    return None
