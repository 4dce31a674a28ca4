"""Model servers in containers: ``$(VAR)`` expansion, the command line, and the model it serves.

Kubernetes expands ``$(VAR)`` in a container's ``command``, ``args`` and ``env``
values itself, before the process starts (``k8s.io/api/core/v1`` Container.args:
"Variable references $(VAR_NAME) are expanded using the container's environment.
If a variable cannot be resolved, the reference in the input string will be
unchanged. Double $$ are reduced to a single $"). In ``env`` only variables
defined earlier in the list count. A variable whose value the manifests do not
give (a Secret, a ConfigMap outside the scan) is defined but unknown: the
expanded text is then unknown, never guessed.

A shell script (``sh -c "vllm serve $MODEL"``) is split the way the shell
splits it, and ``$VAR``/``${VAR}`` in it read the container environment too.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from auditor.model.common import SourceSpan

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_SHELL_VAR = re.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$")
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})


@dataclass(frozen=True)
class Var:
    """A variable of a container's environment: its value, or None when the manifests hide it."""

    value: str | None
    span: SourceSpan
    origin: str  # e.g. "Deployment/ml/vllm env MODEL"


@dataclass(frozen=True)
class Expanded:
    """Text after ``$(VAR)`` expansion, with the variables used and those left unknown."""

    text: str
    used: tuple[tuple[str, Var], ...] = ()
    unknown: tuple[str, ...] = ()  # defined, but the value is not in the manifests

    @property
    def known(self) -> bool:
        return not self.unknown


def expand(text: str, env: Mapping[str, Var]) -> Expanded:
    """Kubernetes ``$(VAR)`` expansion of ``text`` against ``env`` (names defined so far)."""
    out: list[str] = []
    used: list[tuple[str, Var]] = []
    missing: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "$" or index + 1 >= len(text):
            out.append(char)
            index += 1
            continue
        following = text[index + 1]
        if following == "$":  # $$ -> $ (an escaped reference is never expanded)
            out.append("$")
            index += 2
            continue
        if following == "(":
            close = text.find(")", index + 2)
            name = text[index + 2 : close] if close != -1 else ""
            if close != -1 and _NAME.fullmatch(name) and name in env:
                var = env[name]
                used.append((name, var))
                if var.value is None:
                    missing.append(name)
                    out.append(text[index : close + 1])
                else:
                    out.append(var.value)
                index = close + 1
                continue
        out.append(char)  # an unresolved reference stays as written
        index += 1
    return Expanded("".join(out), tuple(used), tuple(dict.fromkeys(missing)))


@dataclass(frozen=True)
class Word:
    """One word of a container's command line, with where it is written and what it read."""

    text: str
    span: SourceSpan
    used: tuple[tuple[str, Var], ...] = ()
    unknown: tuple[str, ...] = ()


@dataclass
class CommandLine:
    """A container's command and args as the process sees them (as far as the manifests say)."""

    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def _shell_words(script: str) -> list[str]:
    joined = script.replace("\\\n", " ")
    try:
        return shlex.split(joined, comments=True)
    except ValueError:  # unbalanced quotes: split on blanks rather than give up
        return joined.split()


def command_line(parts: list[tuple[str, SourceSpan]], env: Mapping[str, Var]) -> CommandLine:
    """The words of ``command`` + ``args`` (in order) after expansion.

    Elements are argv entries, but a blank inside one is split too (``args:
    ["vllm serve MODEL"]`` after ``sh -c`` is common). The element after ``-c``
    of a shell is split as the shell would, and ``$VAR`` words in it read ``env``.
    """
    line = CommandLine()
    shell = False
    script_next = False
    for position, (raw, span) in enumerate(parts):
        done = expand(raw, env)
        if position == 0 and done.text.rsplit("/", 1)[-1] in _SHELLS:
            shell = True
        if shell and script_next:
            script_next = False
            rows = done.text.split("\n")
            row = 0
            for quoted in _shell_words(done.text):
                # A quoted string may be a command itself (eval "exec vllm serve ..."): split it.
                for token in quoted.split():
                    row = _row_of(token, rows, row)
                    line.words.append(_shell_word(token, _line_span(span, rows, row), done, env))
            continue
        if shell and done.text in ("-c", "-ec", "-ce", "-exc", "-xc", "-xec", "-lc"):
            script_next = True
        for token in done.text.split():
            line.words.append(Word(token, span, done.used, _hidden(token, done.unknown)))
    return line


def _row_of(token: str, rows: list[str], start: int) -> int:
    """The first row from ``start`` holding ``token`` (words come in order), else ``start``."""
    for index in range(start, len(rows)):
        if token in rows[index]:
            return index
    return start


def _line_span(span: SourceSpan, rows: list[str], row: int) -> SourceSpan:
    """Where row ``row`` of a multi-line script stands: a block scalar's text starts one line
    below the element, so row r is r + 1 lines down."""
    if len(rows) < 2:
        return span
    return SourceSpan(path=span.path, line=span.line + 1 + row, column=1)


def _hidden(token: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The unknown variables whose unexpanded reference is still in ``token``."""
    return tuple(n for n in names if f"$({n})" in token)


def _shell_word(token: str, span: SourceSpan, done: Expanded, env: Mapping[str, Var]) -> Word:
    hidden = _hidden(token, done.unknown)
    match = _SHELL_VAR.match(token)
    if match is None:
        return Word(token, span, done.used, hidden)
    name = match.group(1) or match.group(2)
    var = env.get(name)
    if var is None:  # set outside the manifests (the image, the script itself): unknown
        return Word(token, span, done.used, (*hidden, name))
    used = (*done.used, (name, var))
    if var.value is None:
        return Word(token, span, used, (*hidden, name))
    return Word(var.value, span, used, hidden)


def clean_model(value: str) -> str:
    """A model reference as a publisher lookup reads it: quotes and an ``hf://`` scheme dropped."""
    text = value.strip().strip("'\"")
    if text.lower().startswith("hf://"):
        text = text[len("hf://") :]
    return text


def model_in_args(
    line: CommandLine, flags: list[str], positional_after: list[str]
) -> tuple[Word, str] | None:
    """The first model argument: ``--flag X``, ``--flag=X`` or ``SUBCOMMAND X`` (the flag as read)."""
    words = line.words
    for index, word in enumerate(words):
        for flag in flags:
            if word.text == flag and index + 1 < len(words):
                return words[index + 1], f"{flag} {words[index + 1].text}"
            if word.text.startswith(flag + "="):
                value = word.text.split("=", 1)[1]
                return Word(value, word.span, word.used, word.unknown), word.text
        if word.text in positional_after and index + 1 < len(words):
            nxt = words[index + 1]
            if not nxt.text.startswith("-"):
                return nxt, f"{word.text} {nxt.text}"
    return None
