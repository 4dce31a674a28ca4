"""Shared fixtures: the repository root, examples, a fixed audit date."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.model.findings import AuditResult

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TODAY = dt.date(2026, 11, 28)


@pytest.fixture(autouse=True, scope="session")
def _rules_cache_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Command-line runs cache the validated rules in a folder of this test session, not
    in the user's cache folder (the cache is on in ``auditor.cli.main``)."""
    before = os.environ.get("AUDITOR_CACHE_DIR")
    os.environ["AUDITOR_CACHE_DIR"] = str(tmp_path_factory.mktemp("rules-cache"))
    yield
    if before is None:
        os.environ.pop("AUDITOR_CACHE_DIR", None)
    else:
        os.environ["AUDITOR_CACHE_DIR"] = before


@pytest.fixture
def hospital_copy(tmp_path: Path) -> Path:
    """A writable copy of the hospital example."""
    target = tmp_path / "hospital"
    shutil.copytree(EXAMPLES / "hospital", target)
    return target


def assert_revalidates(result: AuditResult) -> None:
    """The result survives pydantic validation unchanged.

    The audit builds its own output without validating it (``auditor.model.common.trusted``);
    validating it here catches a value of the wrong type, or one validation would change
    (a string with spaces at either end), in any model of the result.
    """
    again = AuditResult.model_validate(result.model_dump())
    assert again == result
    assert again.model_dump_json() == result.model_dump_json()
