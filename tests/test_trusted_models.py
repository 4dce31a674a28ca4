"""The audit's output is built without validation: that must change nothing (issue 9).

``auditor.model.common.trusted`` constructs exposures, transfers, findings, register rows
and evidence steps from values the auditor computed itself. These tests hold it to what
validation would give: same values, same defaults, same serialisation, and frozen models
whose shared bookkeeping never leaks between instances.
"""

from __future__ import annotations

import pytest
from pydantic import field_validator

from auditor.audit import AuditOptions, run_audit
from auditor.model.common import StrictModel, trusted
from auditor.model.findings import AuditResult, Finding, FrameworkRef, Hop, Summary
from auditor.model.policy import Severity
from tests.conftest import EXAMPLES, TODAY, assert_revalidates

HOP = Hop(node="Clinical notes", kind="data", file="data.yaml", line=3)


def finding_values() -> dict[str, object]:
    return {
        "rule_id": "us-cloud-act-exposure",
        "severity": Severity.HIGH,
        "title": "Clinical notes reachable under the US CLOUD Act",
        "fingerprint": "0" * 32,
        "subject": {"data_asset": "notes", "system": "triage"},
        "condition": "notes reach triage/api",
        "cause": "the operator's parent is incorporated in the US",
        "effect": "US authorities can compel disclosure",
        "evidence": [HOP],
        "remediation": "Use a provider outside US control",
        "frameworks": [FrameworkRef(framework="GDPR", reference="Art. 48")],
        "confidence": "confirmed",
    }


def test_a_trusted_model_equals_the_validated_one_and_serialises_the_same() -> None:
    values = finding_values()
    made = trusted(Finding)(**values)  # type: ignore[arg-type]
    validated = Finding.model_validate(values)
    assert made == validated
    assert made.model_dump_json() == validated.model_dump_json()
    assert list(made.__dict__) == list(validated.__dict__)  # the fields' order, defaults included
    assert made.waived is False and made.waiver is None and made.law is None


def test_values_are_kept_not_copied() -> None:
    values = finding_values()
    made = trusted(Finding)(**values)  # type: ignore[arg-type]
    assert made.cause is values["cause"]
    assert made.evidence is values["evidence"]


def test_the_model_stays_frozen_and_a_copy_does_not_touch_the_shared_field_set() -> None:
    make = trusted(Finding)
    first = make(**finding_values())  # type: ignore[arg-type]
    second = make(**finding_values())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="frozen"):
        first.waived = True  # type: ignore[misc]
    waived = first.model_copy(update={"waived": True})
    assert waived.waived is True and first.waived is False
    assert second.model_fields_set == set(Finding.model_fields)
    assert waived.model_fields_set is not first.model_fields_set


def test_default_factories_give_each_instance_its_own_value() -> None:
    make = trusted(Summary)
    counts = {
        "findings_by_severity": {},
        "exposures": 0,
        "exposures_unmitigated": 0,
        "transfers": 0,
        "transfers_without_valid_tool": 0,
        "transfers_unassessable": 0,
        "systems": 0,
        "data_assets": 0,
        "waived": 0,
    }
    assert make(**counts) == Summary.model_validate(counts)  # type: ignore[arg-type]
    result_fields = trusted(AuditResult)
    assert result_fields.__doc__ and "AuditResult" in result_fields.__doc__


def test_a_mutable_default_is_not_shared_between_instances() -> None:
    class Tagged(StrictModel):
        tags: list[str] = []  # noqa: RUF012 - pydantic copies it per instance

    make = trusted(Tagged)
    first, second = make(), make()
    assert first.tags == [] and first.tags is not second.tags
    assert first.tags is not Tagged.model_fields["tags"].default


def test_missing_unknown_and_positional_arguments_are_refused() -> None:
    make = trusted(Hop)
    with pytest.raises(TypeError, match=r"missing fields \['kind'\]"):
        make(node="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"unknown fields \['colour'\]"):
        make(node="x", kind="data", colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="keyword arguments only"):
        make("x")  # type: ignore[misc]


def test_a_model_with_validators_is_refused() -> None:
    class Checked(StrictModel):
        code: str

        @field_validator("code")
        @classmethod
        def _upper(cls, value: str) -> str:
            return value.upper()

    with pytest.raises(TypeError, match="Checked has validators"):
        trusted(Checked)


@pytest.mark.parametrize("name", ["hospital", "bank", "ministry", "startup-saas"])
def test_every_example_audit_survives_validation_unchanged(name: str) -> None:
    result = run_audit([EXAMPLES / name], AuditOptions(today=TODAY))
    assert result.findings and result.exposures and result.inventory_register
    assert_revalidates(result)
