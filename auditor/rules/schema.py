"""Schema of a check file (``rules/checks/<id>.yaml``): metadata plus a match over one kind of subject.

The operator set is closed and every field a check names must exist for the
kind of subject it matches over; anything else is an error (exit code 4).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Sequence

from pydantic import Field, model_validator

from auditor.exposure.rows import (
    ComponentRow,
    DriftRow,
    ExposureRow,
    GapRow,
    KbFactRow,
    ResidencyRow,
    Row,
    RowType,
    SealRow,
    TransferRow,
    check_fields_of,
)
from auditor.model.common import Identifier, Located, StrictModel
from auditor.model.findings import FrameworkRef
from auditor.model.policy import Severity
from auditor.model.words import join_words

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
    DRIFT = "drift"  # inventory against scanned code / IaC (auditor scan --inventory)


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


# The row type of each subject kind: the fields a check may name are that type's fields.
ROW_TYPES: dict[Over, RowType] = {
    Over.EXPOSURE: ExposureRow,
    Over.TRANSFER: TransferRow,
    Over.GAP: GapRow,
    Over.COMPONENT: ComponentRow,
    Over.RESIDENCY: ResidencyRow,
    Over.KB_FACT: KbFactRow,
    Over.SEAL: SealRow,
    Over.DRIFT: DriftRow,
}


@functools.cache
def check_fields(over: Over) -> frozenset[str]:
    """The fields a check over subjects of this kind may name (conditions, severity cases,
    subject, message placeholders): those of the kind's row type."""
    return frozenset(check_fields_of(ROW_TYPES[over]))


# Placeholders a message may use whatever its subject kind: derived from the finding (all
# the rows of one root cause), not from one row. ``data_assets_text`` lists the affected
# data assets grouped by sensitivity ("a, b and c (special category)"); for a subject kind
# whose rows carry no data-asset ids it is the row's own list. ``components_text`` names
# the components of every row ("the A and the B of System X; the C of System Y"), for a
# check whose root cause several components share (an entity's unknown owner: issue 17).
FINDING_PLACEHOLDERS = frozenset({"data_assets_text", "data_assets_count", "components_text"})

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# The placeholders a message may use, by row type (what ``fill`` replaces from the row).
_TEMPLATE_NAMES: dict[type, frozenset[str]] = {
    row_type: check_fields(over) - FINDING_PLACEHOLDERS for over, row_type in ROW_TYPES.items()
}


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


class FormerSubject(StrictModel):
    """How a check identified its findings before a change of id or grouping: baselines and
    waivers written then name fingerprints made this way."""

    id: Identifier | None = Field(default=None, description="The check's earlier id.")
    subject: list[str] | None = Field(
        default=None, min_length=1, description="The check's earlier subject fields."
    )
    since: str = Field(description="When and why it changed, for the reader of the rule file.")

    @model_validator(mode="after")
    def _says_what_changed(self) -> FormerSubject:
        if self.id is None and self.subject is None:
            raise ValueError("give the earlier id, the earlier subject, or both")
        return self


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
        min_length=1,
        description=(
            "The root cause this check judges: the fields whose values identify one finding "
            "(and its fingerprint), e.g. system, component, law. Every matching row with the "
            "same values is one finding; the data assets those rows carry are listed in it "
            "(`data_assets`), so leave `data_asset` out unless each asset is a cause of its own."
        ),
    )
    messages: Messages
    formerly: list[FormerSubject] = Field(
        default_factory=list,
        description=(
            "Earlier ids or subjects of this check: a finding is also known by the "
            "fingerprints it had then, so baselines and waivers written before still match."
        ),
    )

    def unknown_fields(self) -> list[str]:
        """Fields or placeholders this check names that its subject kind does not offer."""
        known = check_fields(self.match.over)
        named = [c.field for c in self.match.where] + list(self.subject)
        for former in self.formerly:
            named.extend(former.subject or ())
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
            named.extend(n for n in _PLACEHOLDER.findall(text) if n not in FINDING_PLACEHOLDERS)
        return sorted({name for name in named if name not in known})


@functools.lru_cache(maxsize=1024)
def _format_string(template: str, names: frozenset[str]) -> str | None:
    """The template as a ``str.format`` pattern reading the finding's values (``{1[name]}``)
    for :data:`FINDING_PLACEHOLDERS` and the row's attributes (``{0.name}``) for the
    placeholders in ``names``, every other brace doubled (so left as it is), or None when
    it has no placeholder."""
    parts = _PLACEHOLDER.split(template)  # literal text and names, alternating
    if len(parts) == 1:
        return None

    def field(name: str) -> str:
        if name in FINDING_PLACEHOLDERS:
            return "{1[" + name + "]}"
        return "{0." + name + "}" if name in names else "{{" + name + "}}"

    return "".join(
        field(part) if i % 2 else part.replace("{", "{{").replace("}", "}}")
        for i, part in enumerate(parts)
    )


def fill(template: str, row: Row, finding: dict[str, str] | None = None) -> str:
    """Replace {field} placeholders with the row's values (nothing else is evaluated).

    A placeholder that is not a check field of the row is left as it is (loading
    refuses such a check, so this is for texts checked by other means). Row values
    are JSON values (str, int, bool, None, lists), whose ``format`` is their ``str``,
    so each text is one ``str.format`` (five texts per finding, hundreds of thousands
    of findings in a large estate: issue 9). The pattern reads only attributes named
    by the row type's check fields, so formatting evaluates nothing beyond that.
    ``finding`` gives the values of :data:`FINDING_PLACEHOLDERS` (derived from every
    row of the finding); without it they come from the row (see :func:`row_placeholders`).
    """
    pattern = _format_string(template, _TEMPLATE_NAMES[type(row)])
    if pattern is None:
        return template
    return pattern.format(row, finding if finding is not None else row_placeholders(row))


def components_text(rows: Sequence[Row]) -> str:
    """The components a root cause's rows are about, by display name, grouped by system in
    the order the rows came: "the A and the B of System X; the C of System Y" (empty for
    rows about no component)."""
    by_system: dict[str, list[str]] = {}
    for row in rows:
        system = getattr(row, "system_name", None)
        component = getattr(row, "component_name", None)
        if isinstance(system, str) and isinstance(component, str) and system and component:
            names = by_system.setdefault(system, [])
            if f"the {component}" not in names:
                names.append(f"the {component}")
    return "; ".join(f"{join_words(names)} of {system}" for system, names in by_system.items())


def row_placeholders(row: Row) -> dict[str, str]:
    """The finding placeholders of a finding of this one row: its own data asset(s)."""
    reached = components_text([row])
    own = getattr(row, "data_asset", None)
    if own is not None:
        return {"data_assets_text": str(own), "data_assets_count": "1", "components_text": reached}
    text = str(getattr(row, "data_assets_text", ""))
    return {
        "data_assets_text": text,
        "data_assets_count": str(len(text.split(", ")) if text else 0),
        "components_text": reached,
    }
