"""Waivers: an accepted finding, with who accepted it, why, and until when."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from auditor.model.common import Identifier, Located, StrictModel


class WaiverSpec(Located):
    """One waiver, matched by fingerprint or by rule and (a subset of) the subject."""

    fingerprint: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{8,32}$",
        description="A finding fingerprint or a prefix of 8+ characters.",
    )
    rule: Identifier | None = Field(default=None, description="Rule id (with `subject`).")
    subject: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Subject fields that must all equal the finding's (e.g. system, component, law); "
            "`data_asset: ID` (from before findings were grouped by root cause) accepts that "
            "one data asset of the finding."
        ),
    )
    data_assets: list[Identifier] | None = Field(
        default=None,
        description=(
            "The data assets the waiver accepts (default: all the finding affects). A finding "
            "that affects an asset not listed is not waived, and a notice names the new assets."
        ),
    )
    reason: str = Field(min_length=10, description="Why the risk is accepted.")
    approved_by: str = Field(min_length=2, description="Who accepted it (name and role).")
    expires: dt.date = Field(description="After this date the waiver stops waiving.")
    ticket: str | None = Field(default=None, description="Change or risk-register reference.")

    @model_validator(mode="after")
    def _selects_something(self) -> WaiverSpec:
        if self.fingerprint is None and self.rule is None:
            raise ValueError("a waiver needs 'fingerprint' or 'rule' (with 'subject')")
        if self.fingerprint is not None and (self.rule is not None or self.subject):
            raise ValueError("give either 'fingerprint' or 'rule' + 'subject', not both")
        return self


class WaiverFile(StrictModel):
    """A waiver file (``--waivers FILE``): ``waivers:`` at the top level."""

    waivers: list[WaiverSpec]
