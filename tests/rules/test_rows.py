"""The rows checks match against: each exposure's fields as JSON values, plus derived texts."""

from __future__ import annotations

import pytest

from auditor.audit import AuditOptions, run_audit
from auditor.rules.engine import RowBuilder
from auditor.rules.schema import ROW_TYPES, Over
from tests.conftest import EXAMPLES, TODAY


def _builder(name: str, monkeypatch: pytest.MonkeyPatch) -> RowBuilder:
    """The row builder of an audit of one example."""
    built: list[RowBuilder] = []
    original = RowBuilder.__init__

    def keep(self: RowBuilder, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        built.append(self)

    monkeypatch.setattr(RowBuilder, "__init__", keep)
    run_audit([EXAMPLES / name], AuditOptions(today=TODAY))
    return built[0]


@pytest.mark.parametrize("name", ["hospital", "bank", "ministry", "startup-saas"])
def test_exposure_rows_hold_the_fields_as_model_dump_gives_them(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = _builder(name, monkeypatch)
    rows = builder.rows(Over.EXPOSURE)
    assert rows and len(rows) == len(builder.result.exposures)
    for exposure, row in zip(builder.result.exposures, rows, strict=True):
        expected = exposure.model_dump(
            mode="json", exclude={"path", "access", "mitigation_reasons"}
        )
        assert {k: getattr(row, k) for k in expected} == expected
        assert all(type(getattr(row, k)) is type(v) for k, v in expected.items())
        assert row.evidence is exposure.path
        assert row.cited_law == exposure.law


@pytest.mark.parametrize("name", ["bank", "ministry", "startup-saas"])  # hospital has none
def test_transfer_rows_hold_the_fields_as_model_dump_gives_them(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = _builder(name, monkeypatch)
    rows = builder.rows(Over.TRANSFER)
    assert rows and len(rows) == len(builder.result.transfers)
    for transfer, row in zip(builder.result.transfers, rows, strict=True):
        # The data asset's categories and subjects are for the transfer register and the
        # TIA, not for checks.
        expected = transfer.model_dump(
            mode="json",
            exclude={"path", "tools", "supplementary_measures", "categories", "subjects"},
        )
        # A transfer with no second party to contract with has no module; checks read "none".
        expected["scc_module"] = expected["scc_module"] or "none"
        assert {k: getattr(row, k) for k in expected} == expected
        assert row.evidence is transfer.path
        assert row.cited_law is None


@pytest.mark.parametrize("name", ["hospital", "bank", "ministry", "startup-saas"])
def test_every_kind_of_row_is_its_row_type_with_json_values(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the builder hands the checks is what the rule schema was derived from."""
    builder = _builder(name, monkeypatch)
    for over, row_type in ROW_TYPES.items():
        for row in builder.rows(over):
            assert type(row) is row_type, over
            for value in row:
                assert value is None or isinstance(value, str | int | float | bool | list), over
