"""Wording a sourced knowledge base may not contain: facts said to come from memory (issue 17).

Every fact in ``rules/`` is read in a source named beside it. A note that says a fact comes
"from memory" (or carries the research notes' ``mem`` tag) admits that it was not, and a report
that cites it cannot be signed. ``auditor kb check`` lists each such place with its line, and fails.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from auditor.errors import Diagnostic
from auditor.kb.load import display_name, knowledge_roots

# "from memory", "from general memory", "(tag mem)", "mem" as a word: the research notes'
# spellings. "memory" alone is left alone: a law or a measure may speak of memory encryption.
UNSOURCED = re.compile(r"\b(?:from|on|by|of)\s+(?:general\s+)?memory\b|\bmem\b", re.IGNORECASE)
HINT = (
    "look the fact up in a primary source and cite it, or mark it confidence: unconfirmed "
    "with a note saying what the sources do and do not show"
)
# The folders of knowledge, the scan catalogues included (not checks: their texts argue,
# they do not state sourced facts).
KNOWLEDGE = ("laws", "jurisdictions", "entities", "vendors", "regions", "taxonomy", "iac", "code")


def unsourced_wording(extra_dirs: Sequence[Path] = ()) -> list[Diagnostic]:
    """Every line of the knowledge files (built-in and ``extra_dirs``) that says a fact comes
    from memory."""
    found: list[Diagnostic] = []
    for root in knowledge_roots(extra_dirs):
        files = [root / "kb.yaml"] + [
            path
            for folder in KNOWLEDGE
            if (root / folder).is_dir()
            for path in sorted((root / folder).iterdir())
            if path.suffix in (".yaml", ".yml")
        ]
        for path in files:
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), start=1):
                match = UNSOURCED.search(line)
                if match:
                    found.append(
                        Diagnostic(
                            display_name(path),
                            number,
                            match.start() + 1,
                            f"says a fact comes from memory ({match.group()!r})",
                            HINT,
                        )
                    )
    return found
