"""What the language readers extract from one file, in a form the detector shares.

A reader (Python through ``ast``, JavaScript/TypeScript through a tokenizer)
turns every call whose callee it can name into a :class:`CallSite`: the callee
as a qualified name, the arguments folded to :class:`~auditor.loader.iac.hcl.Val`
values with their resolution steps, and the variable the result is assigned
to, so that later calls on that variable (``client.chat.completions.create(model=...)``)
can be tied to the client. :class:`Environment` holds the variables that
``.env`` files and docker-compose ``environment`` blocks of the scanned tree set.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from auditor.loader.iac.hcl import Val, step, unknown
from auditor.loader.iac.result import How
from auditor.model.common import SourceSpan

# An argument or value text longer than this is shortened in resolution steps.
TEXT_LIMIT = 120


_USERINFO = re.compile(r"(?i)\b((?:https?|wss?)://)[^/@\s'\"`]*@")


def redact(text: str) -> str:
    """The text with any ``user:password@`` in its URLs replaced by ``***@``."""
    return _USERINFO.sub(r"\1***@", text)


def short(text: str) -> str:
    """One line, at most TEXT_LIMIT characters, without credentials written into URLs."""
    flat = _USERINFO.sub(r"\1***@", " ".join(text.split()))
    return flat if len(flat) <= TEXT_LIMIT else flat[: TEXT_LIMIT - 3] + "..."


@dataclass(frozen=True)
class CallSite:
    """One call whose callee is known by name."""

    callee: str  # Python: openai.OpenAI; JavaScript: openai:OpenAI, or openai:OpenAI.chat.create
    span: SourceSpan
    args: tuple[Val, ...]
    kwargs: dict[str, Val]  # object-literal arguments are flattened: configuration.baseURL
    target: str | None  # the variable the result is assigned to (client, self.client)
    receiver: str | None  # the dotted expression the method is called on (client.chat.completions)
    text: str  # the call as written, shortened
    binding: str | None = None  # where the target (or the receiver's root) is bound, if known


@dataclass
class FileFacts:
    """Everything one source file contributes."""

    path: str  # as shown in spans
    calls: list[CallSite] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EnvSetting:
    """``NAME=value`` in a .env file or a docker-compose environment block."""

    name: str
    value: str
    span: SourceSpan
    example: bool  # .env.example, .env.sample, .env.template: what a deployment may set
    # The folder of the code it applies to: a docker-compose service's build context. None:
    # every file of the tree (a .env file, a service that runs an image built elsewhere).
    scope: str | None = None

    def applies_to(self, path: str | None) -> bool:
        """The setting reaches code in ``path`` (any code when either is not known)."""
        if self.scope is None or path is None:
            return True
        scope = posixpath.normpath(self.scope)
        normal = posixpath.normpath(path.replace("\\", "/"))
        return scope == "." or normal == scope or normal.startswith(scope + "/")


@dataclass
class Environment:
    """Environment variables the scanned tree sets in files, by name (first file in path order wins)."""

    settings: dict[str, list[EnvSetting]] = field(default_factory=dict)

    def add(self, setting: EnvSetting) -> None:
        """Record one setting."""
        self.settings.setdefault(setting.name, []).append(setting)

    def lookup(self, name: str, reader: str | None = None) -> EnvSetting | None:
        """A real setting first (.env, compose), else an example one; None when no file sets it.

        ``reader`` is the path of the code that reads the variable: a docker-compose
        service's ``environment`` reaches only the code in its build context, and there it
        comes first (compose sets it in the container, over any .env file).
        """
        found = [s for s in self.settings.get(name, []) if s.applies_to(reader)]
        found.sort(key=lambda s: s.scope is None)  # scoped (its own service) first; stable
        for setting in found:
            if not setting.example and setting.value:
                return setting
        for setting in found:
            if setting.value:
                return setting
        return None

    def read(self, name: str, default: Val | None, span: SourceSpan, text: str) -> Val:
        """The value of an environment read in code: a file's setting, else the code's default.

        A real setting (``.env``, docker-compose) wins over the default, as it does at run
        time; an example file (``.env.example``) only fills in when the code has no default.
        Nothing else is assumed: with neither, the value is unknown.
        """
        read_step = step(How.ENV_DEFAULT if default is not None else How.UNKNOWN, span, short(text))
        setting = self.lookup(name, span.path)
        if setting is not None and (not setting.example or default is None or not default.known):
            kind = "an example file" if setting.example else "a file"
            return Val(
                setting.value,
                (
                    step(How.CODE_CONSTANT, span, f"{short(text)}: reads {name}"),
                    step(
                        How.CONFIG_FILE,
                        setting.span,
                        f"{name}={short(setting.value)} (set in {kind}; the deployed environment may differ)",
                    ),
                ),
            )
        if default is not None and default.known:
            # The default's own chain (a constant it names) comes first; the innermost step
            # says it is a default, so the resolution reads ENV_DEFAULT.
            return Val(
                default.value,
                (
                    *(s for s in default.steps if s.how is not How.CODE_LITERAL),
                    step(
                        How.ENV_DEFAULT,
                        span,
                        f"{short(text)}: the default, unless the environment sets {name}",
                    ),
                ),
            )
        return unknown(
            f"read from the environment variable {name} at run time; no default in the code "
            "and no .env or docker-compose file in the tree sets it",
            (read_step,),
        )
