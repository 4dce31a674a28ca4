"""One error root, the diagnostics it carries, and the exit codes the CLI maps it to."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


class ExitCode(enum.IntEnum):
    """Process exit codes; documented in the README and stable for CI."""

    OK = 0  # no finding at or above --fail-on
    FINDINGS = 1  # findings at or above --fail-on
    USAGE = 2  # bad command-line usage (click's own code)
    INVALID_INPUT = 3  # inventory, policy, waiver or baseline file is invalid
    INVALID_RULES = 4  # knowledge base or rule file is invalid
    ENVIRONMENT = 5  # the machine: unwritable output, missing system library


# Bidirectional controls (the "Trojan Source" reordering, CVE-2021-42574) and invisible
# characters that hide text: LRM/RLM, embeddings and overrides, isolates, the Arabic letter
# mark, zero-width space, word joiner and BOM. Zero-width (non-)joiners are left alone:
# Persian and Indic scripts need them and they reorder nothing.
_INVISIBLE = "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff"
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_INVISIBLE}]")
_TERMINAL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_INVISIBLE}]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Control and bidi characters (newlines, ESC, U+202E, ...) as visible escapes, so text
    taken from the input can neither forge a diagnostic line nor drive or reorder the terminal."""
    return _CONTROL.sub(_visible, text)


def terminal_text(text: str) -> str:
    """:func:`printable` for multi-line output: newlines and tabs stay, every other control
    or bidi character becomes a visible escape. The CLI passes all it prints through this."""
    return _TERMINAL.sub(_visible, text)


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem in a file, with where it is and how to fix it."""

    path: str
    line: int | None
    column: int | None
    message: str
    hint: str | None = None

    def _replace_message(self, message: str, hint: str | None = None) -> Diagnostic:
        """The same place with another message."""
        return Diagnostic(self.path, self.line, self.column, message, hint)

    def location(self) -> str:
        """``path:line:col`` (as much of it as is known)."""
        path = printable(self.path)
        if self.line is None:
            return path
        return f"{path}:{self.line}:{self.column or 1}"

    def __str__(self) -> str:
        text = f"{self.location()}: {printable(self.message)}"
        if self.hint:
            text += f"\n  hint: {printable(self.hint)}"
        return text


class AuditorError(Exception):
    """An anticipated failure; its message and diagnostics are shown to the user as they are."""

    exit_code: ClassVar[ExitCode] = ExitCode.ENVIRONMENT

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics: tuple[Diagnostic, ...] = tuple(
            sorted(set(diagnostics), key=lambda d: (d.path, d.line or 0, d.column or 0, d.message))
        )


class InputError(AuditorError):
    """The inventory (or a policy, waiver or baseline file) is invalid."""

    exit_code = ExitCode.INVALID_INPUT


class KnowledgeBaseError(AuditorError):
    """The knowledge base or a rule file is invalid."""

    exit_code = ExitCode.INVALID_RULES


class UsageError(AuditorError):
    """The command was called wrongly (contradictory options, unknown id)."""

    exit_code = ExitCode.USAGE


class EnvironmentFault(AuditorError):
    """The machine cannot do what was asked (unwritable output, missing library)."""

    exit_code = ExitCode.ENVIRONMENT
