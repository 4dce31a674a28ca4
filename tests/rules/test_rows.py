"""The rows checks match against: each exposure's fields as JSON values, plus derived texts."""

from __future__ import annotations

import pytest

from auditor.audit import AuditOptions, run_audit
from auditor.rules.engine import RowBuilder
from auditor.rules.schema import Over
from tests.conftest import EXAMPLES, TODAY


@pytest.mark.parametrize("name", ["hospital", "bank", "ministry", "startup-saas"])
def test_exposure_rows_hold_the_fields_as_model_dump_gives_them(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[RowBuilder] = []
    original = RowBuilder.__init__

    def keep(self: RowBuilder, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        built.append(self)

    monkeypatch.setattr(RowBuilder, "__init__", keep)
    run_audit([EXAMPLES / name], AuditOptions(today=TODAY))
    builder = built[0]
    rows = builder.rows(Over.EXPOSURE)
    assert rows and len(rows) == len(builder.result.exposures)
    for exposure, row in zip(builder.result.exposures, rows, strict=True):
        expected = exposure.model_dump(
            mode="json", exclude={"path", "access", "mitigation_reasons"}
        )
        assert {k: row[k] for k in expected} == expected
        assert all(type(row[k]) is type(v) for k, v in expected.items())
        assert row["_path"] is exposure.path
