"""Wording a sourced knowledge base may not contain: facts without a primary source (issue 17).

Every fact in ``rules/`` is read in a source named beside it. Three kinds of wording admit that
it was not:

- a note that says a fact comes "from memory" (or carries the research notes' ``mem`` tag);
- a fact called "general knowledge" or "well known": knowing is not a source;
- a citation of the team's research notes (``laws.md``, ``vendors-regions-terraform.md``, ...):
  they are leads to primary sources, not sources.

A report that cites such a fact cannot be signed. ``auditor kb check`` lists each such place with
its line, counts each kind on a line of its own, and fails.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from auditor.errors import Diagnostic
from auditor.kb.load import display_name, knowledge_roots


class Unsourced(enum.Enum):
    """A kind of wording that says a fact was not read in a primary source."""

    MEMORY = "memory"
    GENERAL_KNOWLEDGE = "general knowledge"
    RESEARCH_NOTES = "research notes"


# "from memory", "from general memory", "(tag mem)", "mem" as a word: the research notes'
# spellings. "memory" alone is left alone: a law or a measure may speak of memory encryption.
_MEMORY = re.compile(r"\b(?:from|on|by|of)\s+(?:general\s+)?memory\b|\bmem\b", re.IGNORECASE)
# "general knowledge", "common knowledge", "well known", "well-known", "widely known".
# A URL's /.well-known/ path is a name, not a claim: the dot or slash before it is excluded.
_GENERAL = re.compile(
    r"\b(?:general(?:ly)?|common)\s+knowledge\b|(?<![./])\bwell[-\s]known\b|\bwidely\s+known\b",
    re.IGNORECASE,
)
# The research notes in /work/shared/kb (cited by file name, with or without their folder).
RESEARCH_NOTES = (
    "laws.md",
    "vendors-regions-terraform.md",
    "frameworks-and-reports.md",
    "ci-scanners.md",
    "style-anchors.md",
)
# ... or by what they are: "the compiled notes", "the research notes", "the KB notes".
_NOTES = re.compile(
    r"(?<![\w.-])(?:" + "|".join(re.escape(name) for name in RESEARCH_NOTES) + r")\b"
    r"|\b(?:compiled|research|kb)\s+(?:law\s+)?notes\b",
    re.IGNORECASE,
)

_LOOK_IT_UP = (
    "look the fact up in a primary source and cite it, or mark it confidence: unconfirmed "
    "with a note saying what the sources do and do not show"
)


def pattern(kind: Unsourced) -> re.Pattern[str]:
    """The wording of one kind."""
    match kind:
        case Unsourced.MEMORY:
            return _MEMORY
        case Unsourced.GENERAL_KNOWLEDGE:
            return _GENERAL
        case Unsourced.RESEARCH_NOTES:
            return _NOTES
        case _:
            assert_never(kind)


def message(kind: Unsourced, found: str) -> tuple[str, str]:
    """What a line of one kind is told, and the hint how to fix it."""
    match kind:
        case Unsourced.MEMORY:
            return f"says a fact comes from memory ({found!r})", _LOOK_IT_UP
        case Unsourced.GENERAL_KNOWLEDGE:
            return (
                f"says a fact is general knowledge ({found!r}); knowing a fact is not a source",
                _LOOK_IT_UP,
            )
        case Unsourced.RESEARCH_NOTES:
            return (
                f"cites the team's research notes ({found!r}): they are leads, not sources",
                "cite the primary source the note points to (statute, official journal, "
                "provider documentation or schema at a commit, company register) with that "
                "source's own date as as_of, or mark the fact confidence: unconfirmed",
            )
        case _:
            assert_never(kind)


def heading(kind: Unsourced, count: int) -> str:
    """The counted line ``auditor kb check`` prints for one kind."""
    match kind:
        case Unsourced.MEMORY:
            return f"facts said to come from memory ({count}): not allowed"
        case Unsourced.GENERAL_KNOWLEDGE:
            return f"facts said to be general knowledge ({count}): not allowed"
        case Unsourced.RESEARCH_NOTES:
            return (
                f"facts citing the research notes ({count}): not allowed; "
                "cite the primary source the note points to"
            )
        case _:
            assert_never(kind)


@dataclass(frozen=True)
class UnsourcedLine:
    """One line of a knowledge file with wording of one kind."""

    kind: Unsourced
    diagnostic: Diagnostic


# The folders of knowledge, the scan catalogues and zones included (not checks: their texts
# argue, they do not state sourced facts).
KNOWLEDGE = (
    "laws",
    "jurisdictions",
    "entities",
    "vendors",
    "regions",
    "zones",
    "taxonomy",
    "iac",
    "code",
    "dora",
)


def knowledge_files(root: Path) -> list[Path]:
    """``kb.yaml`` and the YAML files of the knowledge folders under one rules folder."""
    files = [root / "kb.yaml"] + [
        path
        for folder in KNOWLEDGE
        if (root / folder).is_dir()
        for path in sorted((root / folder).iterdir())
        if path.suffix in (".yaml", ".yml")
    ]
    return [path for path in files if path.is_file()]


def unsourced_wording(extra_dirs: Sequence[Path] = ()) -> list[UnsourcedLine]:
    """Every line of the knowledge files (built-in and ``extra_dirs``) that says a fact comes
    from memory, calls it general knowledge or cites the research notes, in file and line order."""
    found: list[UnsourcedLine] = []
    for root in knowledge_roots(extra_dirs):
        for path in knowledge_files(root):
            text = path.read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), start=1):
                for kind in Unsourced:
                    match = pattern(kind).search(line)
                    if match:
                        said, hint = message(kind, match.group())
                        found.append(
                            UnsourcedLine(
                                kind,
                                Diagnostic(
                                    display_name(path), number, match.start() + 1, said, hint
                                ),
                            )
                        )
    return found
