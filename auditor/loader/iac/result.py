"""What a scan returns: the inventory fragment, how each value was resolved, and what went wrong.

A :class:`Resolution` records, for one field of one scanned component, the
value the scanner settled on (or ``None``), the kind of source that decided it
(:class:`How`), where that source stands, and the whole chain of steps from
the resource to the literal (``location = var.location`` -> ``variable
"location"`` -> ``terraform.tfvars:3``). ``auditor scan --explain-resolution``
prints these chains.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from auditor.errors import Diagnostic
from auditor.model.common import SourceSpan
from auditor.model.inventory import InventoryFragment


class How(enum.StrEnum):
    """Where a resolved value was finally written (the innermost step of its chain)."""

    ATTRIBUTE = "attribute"  # a literal on the resource (or on a resource it references)
    PROVIDER_BLOCK = "provider_block"  # the default provider configuration
    PROVIDER_ALIAS = "provider_alias"  # an aliased provider (provider = aws.eu)
    VARIABLE_DEFAULT = "variable_default"
    TFVARS = "tfvars"  # terraform.tfvars(.json) or *.auto.tfvars(.json)
    VAR_FILE = "var_file"  # a file given with --var-file
    LOCAL = "local"
    MODULE_INPUT = "module_input"  # an argument of the module block calling a local module
    MODULE_OUTPUT = "module_output"  # an output of a local module (an intermediate step)
    PARENT_RESOURCE = "parent_resource"  # inherited from the resource this one belongs to
    CATALOGUE_DEFAULT = "catalogue_default"  # a documented service default (rules/iac/)
    PLAN_VALUE = "plan_value"  # a known value in plan or state JSON
    PLAN_UNKNOWN = "plan_unknown"  # "known after apply" in a plan
    MANIFEST = "manifest"  # a Kubernetes manifest
    CODE_LITERAL = "code_literal"  # a literal in application code, at the call
    CODE_CONSTANT = "code_constant"  # a name, f-string or settings attribute folded in its module
    ENV_DEFAULT = "env_default"  # the default of an environment read (os.getenv("X", "d"))
    CONFIG_FILE = "config_file"  # .env, docker-compose environment or another config file
    SDK_DEFAULT = "sdk_default"  # the SDK's documented default when the code sets nothing
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ResolutionStep:
    """One hop of a resolution chain: what was read, of which kind, where."""

    how: How
    span: SourceSpan | None
    text: str

    def __str__(self) -> str:
        where = f"{self.span.path}:{self.span.line}" if self.span else "(no file)"
        return f"{self.how.value:<17} {where}  {self.text}"


@dataclass(frozen=True)
class Resolution:
    """How one field of one scanned component got its value (or why it has none)."""

    system: str
    component: str
    address: str  # Terraform address, Kubernetes kind/namespace/name, or file:line of a call
    field: str  # region | deployment | model | locations.backup
    value: str | None  # what the component carries; None when unknown
    how: How
    source: SourceSpan | None  # where the deciding value is written
    raw: str | None = None  # the value as written (e.g. 'West Europe'), when there is one
    steps: tuple[ResolutionStep, ...] = ()
    note: str | None = None

    @property
    def key(self) -> str:
        """``system/component``, as a flow in a hand-written inventory names it."""
        return f"{self.system}/{self.component}"

    @property
    def unknown(self) -> bool:
        """The value could not be resolved (an evidence gap for the audit)."""
        return self.value is None

    def explain(self) -> str:
        """Several lines saying how the value was resolved, for ``--explain-resolution``."""
        shown = self.value if self.value is not None else "UNKNOWN"
        where = f" ({self.source.path}:{self.source.line})" if self.source else ""
        lines = [f"{self.key} {self.field} = {shown}  [{self.how.value}{where}]"]
        lines.append(f"    {self.address}")
        if self.raw is not None and self.raw != self.value:
            lines.append(f"    written as {self.raw!r}")
        lines.extend(f"    <- {step}" for step in self.steps)
        if self.note:
            lines.append(f"    note: {self.note}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""

        def span(value: SourceSpan | None) -> dict[str, Any] | None:
            return value.as_dict() if value else None

        return {
            "system": self.system,
            "component": self.component,
            "address": self.address,
            "field": self.field,
            "value": self.value,
            "how": self.how.value,
            "source": span(self.source),
            "raw": self.raw,
            "steps": [
                {"how": s.how.value, "source": span(s.span), "text": s.text} for s in self.steps
            ],
            "note": self.note,
        }


@dataclass(frozen=True)
class ScannedRoute:
    """A gateway sends the requests it receives to another scanned component (``via`` a backend).

    The audit carries the data declared to reach the gateway on to the target, so the
    prompts a gateway in one region forwards are seen where each backend is.
    """

    gateway: str  # system/component of the gateway
    target: str  # system/component requests go to
    via: str  # address of the backend (or API) resource that says so
    span: SourceSpan | None  # where that resource names the target


@dataclass(frozen=True)
class ScanResult:
    """Everything ``scan`` found under a folder.

    ``fragment`` holds systems only (one per Terraform root module, plan/state
    file and Kubernetes namespace); merge it with hand-written inventory files.
    ``address_index`` maps Terraform addresses and Kubernetes ``Kind/namespace/name``
    to the ``system/component`` key of the component scanned from them.
    """

    fragment: InventoryFragment
    resolutions: list[Resolution] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    address_index: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # every file read, as shown in spans
    routes: list[ScannedRoute] = field(default_factory=list)  # gateway -> backend target

    def unknowns(self) -> list[Resolution]:
        """Resolutions that ended unknown (each becomes an evidence gap in the audit)."""
        return [r for r in self.resolutions if r.unknown]

    def explain(self) -> str:
        """The text ``auditor scan --explain-resolution`` prints."""
        blocks = [r.explain() for r in self.resolutions]
        if self.notes:
            blocks.append("notes:\n" + "\n".join(f"  - {n}" for n in self.notes))
        return "\n".join(blocks)
