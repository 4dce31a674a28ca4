"""Shared fixtures: the repository root, examples, a fixed audit date."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def hospital_copy(tmp_path: Path) -> Path:
    """A writable copy of the hospital example."""
    target = tmp_path / "hospital"
    shutil.copytree(EXAMPLES / "hospital", target)
    return target
