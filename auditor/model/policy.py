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
    """Which ownership test the organisation's policy applies to its providers (DESIGN.md 3.3).

    Law reach always uses the standard test (more than 50 % of the votes, a veto, or the
    board majority): only such a parent can be compelled to produce its subsidiary's data.
    ``secnumcloud`` adds a policy check of its own (SecNumCloud 3.2 requirement 19.6.b:
    no non-EU holder above 24 %, non-EU holders together not above 39 %, no non-EU veto or
    board majority); failing it is a policy finding, never a law's reach.
    """

    STANDARD = "standard"  # no ownership test beyond the law-reach control test
    SECNUMCLOUD = "secnumcloud"  # also: SecNumCloud 19.6.b ownership test as a policy finding


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
    contested_reach_max_severity: Severity = Field(
        default=Severity.MEDIUM,
        description=(
            "The highest severity of a finding whose law reaches the party only through its "
            "presence (a subsidiary, office or customers in the law's country), a reach that is "
            "real but contested. Incorporation, control and territory are not capped."
        ),
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
