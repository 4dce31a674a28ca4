"""Organisation policy: where data may go, how strict the control test is, minimum SEALs."""

from __future__ import annotations

import enum

from pydantic import Field, model_validator

from auditor.model.common import Classification, DataCategory, Identifier, Located, StrictModel


class Severity(enum.StrEnum):
    """Finding severity, ascending order is given by :data:`SEVERITY_RANK`."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_RANK: dict[Severity, int] = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class ControlTest(enum.StrEnum):
    """How a parent is judged to control a child (DESIGN.md 3.3)."""

    STANDARD = "standard"  # > 50 % of votes, a veto, or appoints the board majority
    SECNUMCLOUD = "secnumcloud"  # also: one non-EU holder > 24 %, non-EU holders together > 39 %


class ResidencyRule(Located):
    """Where data of some categories or classification may be (jurisdictions or blocs)."""

    id: str | None = Field(
        default=None,
        max_length=40,
        description="The policy's own clause number, e.g. '4.1'; findings cite it.",
    )
    label: str | None = Field(
        default=None,
        max_length=120,
        description="The clause's short title, e.g. 'EU only'; findings cite it.",
    )
    categories: list[DataCategory] = Field(
        default_factory=list,
        description="Data-category keys; a key also covers its dotted sub-keys.",
    )
    classification: Classification | None = Field(
        default=None, description="Applies to data of this classification or higher."
    )
    allowed: list[str] = Field(
        min_length=1, description="Country codes or blocs (EU, EEA, EFTA, adequate)."
    )
    reach_allowed: list[str] = Field(
        default_factory=list,
        description=(
            "Jurisdictions whose laws may reach this data without a policy breach "
            "(defaults to 'allowed')."
        ),
    )

    def origin(self, index: int) -> str:
        """How findings cite this rule: "policy clause 4.1 (EU only)", else by position."""
        if self.id:
            return f"policy clause {self.id}" + (f" ({self.label})" if self.label else "")
        if self.label:
            return f"policy rule '{self.label}'"
        return f"policy residency rule {index + 1}"

    @model_validator(mode="after")
    def _selects_something(self) -> ResidencyRule:
        if not self.categories and self.classification is None:
            raise ValueError("a residency rule needs 'categories' or 'classification'")
        return self


class Policy(Located):
    """The organisation's policy (inline as ``policy:`` or a file given with --policy)."""

    name: str | None = None
    residency: list[ResidencyRule] = Field(default_factory=list)
    control_test: ControlTest = ControlTest.STANDARD
    minimum_seal: dict[str, int] = Field(
        default_factory=dict,
        description="Minimum SEAL level (0-4) per EU Cloud Sovereignty Framework objective SOV-1..SOV-8.",
    )
    severity_overrides: dict[Identifier, Severity] = Field(default_factory=dict)
    disabled_rules: list[Identifier] = Field(default_factory=list)
    max_fact_age_days: int = Field(
        default=730, ge=1, description="Knowledge-base facts older than this are stale."
    )

    @model_validator(mode="after")
    def _seal_keys(self) -> Policy:
        for key, level in self.minimum_seal.items():
            if key not in {f"SOV-{n}" for n in range(1, 9)}:
                raise ValueError(f"minimum_seal: unknown objective {key!r} (use SOV-1 .. SOV-8)")
            if not 0 <= level <= 4:
                raise ValueError(f"minimum_seal: {key} must be 0-4, not {level}")
        return self


class PolicyFile(StrictModel):
    """A policy file: ``policy:`` at the top level."""

    policy: Policy
