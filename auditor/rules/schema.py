"""Schema of a check file (``rules/checks/<id>.yaml``): metadata plus a match over one kind of subject.

The operator set is closed and every field a check names must exist for the
kind of subject it matches over; anything else is an error (exit code 4).
"""

from __future__ import annotations

import enum
import functools
import re

from pydantic import Field, model_validator

from auditor.model.common import Identifier, Located, StrictModel
from auditor.model.findings import FrameworkRef
from auditor.model.policy import Severity

Scalar = str | int | float | bool


class Over(enum.StrEnum):
    """What a check matches over."""

    EXPOSURE = "exposure"
    TRANSFER = "transfer"
    GAP = "gap"
    COMPONENT = "component"
    RESIDENCY = "residency"
    KB_FACT = "kb_fact"
    SEAL = "seal"


class Op(enum.StrEnum):
    """The closed set of operators."""

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    IS_TRUE = "is_true"
    IS_FALSE = "is_false"
    NOT_EMPTY = "not_empty"


# The fields each subject kind offers (a check naming another field is invalid).
FIELDS: dict[Over, frozenset[str]] = {
    Over.EXPOSURE: frozenset(
        {
            "data_asset",
            "system",
            "component",
            "party",
            "party_name",
            "party_role",
            "law",
            "law_name",
            "jurisdiction",
            "jurisdiction_name",
            "trigger",
            "access_text",
            "mitigation",
            "mitigation_text",
            "sensitivity",
            "confidence",
            "citation",
            "law_status",
            "secrecy",
            "component_kind",
            "criticality",
        }
    ),
    Over.TRANSFER: frozenset(
        {
            "data_asset",
            "system",
            "component",
            "exporter",
            "importer",
            "importer_name",
            "country",
            "country_name",
            "role",
            "adequacy",
            "tools_text",
            "measures_text",
            "conclusion",
            "explanation",
            "sensitivity",
        }
    ),
    Over.GAP: frozenset(
        {"kind", "system", "component", "entity", "detail", "data_assets_text", "sensitivity"}
    ),
    Over.COMPONENT: frozenset(
        {
            "system",
            "component",
            "kind",
            "criticality",
            "vendor",
            "vendor_name",
            "operator",
            "operator_name",
            "foreign_control",
            "controller_jurisdictions_text",
            "api_only",
            "open_weights",
            "open_weights_alternatives",
            "retains_prompts",
            "retention_days",
            "retention_purpose",
            "retention_where",
            "retention_abroad",
            "retention_unknown",
            "retention_reason",
            "training_use",
            "training_reason",
            "support_where",
            "support_abroad",
            "admin_where",
            "admin_abroad",
            "keys",
            "provider_can_decrypt",
            "processes_in_clear",
            "third_party",
            "exposed",
            "reached",
            "data_assets_text",
            "sensitivity",
            "confidence",
        }
    ),
    Over.RESIDENCY: frozenset(
        {
            "data_asset",
            "system",
            "component",
            "kind",
            "role",
            "where",
            "allowed",
            "law",
            "mitigation",
            "origin",
            "sensitivity",
        }
    ),
    Over.KB_FACT: frozenset(
        {"fact", "kind", "confidence", "as_of", "age_days", "stale", "note", "where"}
    ),
    Over.SEAL: frozenset(
        {
            "subject",
            "subject_kind",
            "objective",
            "objective_name",
            "seal",
            "seal_text",
            "assessed",
            "minimum",
            "reasons_text",
        }
    ),
}

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class Condition(StrictModel):
    """One test on one field of the subject."""

    field: str
    op: Op
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Condition:
        needs_list = self.op in (Op.IN, Op.NOT_IN)
        needs_none = self.op in (Op.IS_TRUE, Op.IS_FALSE, Op.NOT_EMPTY)
        if needs_list and not isinstance(self.value, list):
            raise ValueError(f"operator {self.op.value!r} needs a list value")
        if needs_none and self.value is not None:
            raise ValueError(f"operator {self.op.value!r} takes no value")
        if (
            not needs_list
            and not needs_none
            and (self.value is None or isinstance(self.value, list))
        ):
            raise ValueError(f"operator {self.op.value!r} needs a single value")
        return self


class Match(StrictModel):
    """Which subjects a check selects: all conditions must hold."""

    over: Over
    where: list[Condition] = Field(default_factory=list)


class SeverityCase(StrictModel):
    """A severity for subjects whose fields equal (or are in) the given values."""

    when: dict[str, Scalar | list[Scalar]] = Field(min_length=1)
    severity: Severity


class Messages(StrictModel):
    """Audit-report sentences, with {field} placeholders filled from the subject."""

    condition: str = Field(description="What is the case.")
    cause: str = Field(description="Why it is so.")
    effect: str = Field(description="What it means for the organisation.")


class RuleSpec(Located):
    """One check: metadata, match, severity and messages."""

    id: Identifier
    title: str = Field(description="Short title; {field} placeholders allowed.")
    severity: Severity
    severity_when: list[SeverityCase] = Field(
        default_factory=list, description="First matching case wins; else `severity`."
    )
    description: str
    rationale: str = Field(description="Legal basis, with articles.")
    remediation: str
    references: list[str] = Field(default_factory=list)
    frameworks: list[FrameworkRef] = Field(default_factory=list)
    match: Match
    subject: list[str] = Field(
        min_length=1, description="Fields that identify one finding (and its fingerprint)."
    )
    messages: Messages

    def unknown_fields(self) -> list[str]:
        """Fields or placeholders this check names that its subject kind does not offer."""
        known = FIELDS[self.match.over]
        named = [c.field for c in self.match.where] + list(self.subject)
        for case in self.severity_when:
            named.extend(case.when)
        texts = [
            self.title,
            self.messages.condition,
            self.messages.cause,
            self.messages.effect,
            self.remediation,
        ]
        for text in texts:
            named.extend(_PLACEHOLDER.findall(text))
        return sorted({name for name in named if name not in known})


@functools.lru_cache(maxsize=1024)
def _format_string(template: str) -> str | None:
    """The template as a ``str.format`` pattern of bare names (other braces doubled), or
    None when it has no placeholder."""
    parts = _PLACEHOLDER.split(template)  # literal text and names, alternating
    if len(parts) == 1:
        return None
    return "".join(
        "{" + part + "}" if i % 2 else part.replace("{", "{{").replace("}", "}}")
        for i, part in enumerate(parts)
    )


def fill(template: str, row: dict[str, object]) -> str:
    """Replace {field} placeholders with the subject's values (nothing else is evaluated).

    A placeholder the row does not have is left as it is. Row values are JSON values
    (str, int, float, bool, None, lists), whose ``format`` is their ``str``, so the
    common case is one ``str.format_map`` (five texts per finding, hundreds of thousands
    of findings in a large estate: issue 9). The pattern holds bare names only, so
    formatting evaluates nothing beyond a key lookup.
    """
    pattern = _format_string(template)
    if pattern is None:
        return template
    try:
        return pattern.format_map(row)
    except KeyError:  # a placeholder the row lacks: substitute one by one
        return _PLACEHOLDER.sub(lambda m: str(row.get(m.group(1), m.group(0))), template)
