"""A folder of the inventory that cannot be read is an error, never a silent skip (issue 15).

``chmod 000`` does not stop root, and CI containers often run as root: there the
refusal to list the folder is simulated by making ``os.scandir`` raise the
``PermissionError`` the kernel would, for that folder only.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.loader import files
from tests.robustness._support import audit_args, run_cli

pytestmark = pytest.mark.usefixtures("cached_kb")

VALID = """\
organisation: {name: Example Org, country: DE, entity: example-org}
entities:
  - {id: example-org, name: Example Org GmbH, country: DE, parents: []}
data:
  - {id: cvs, categories: [user.name], classification: confidential}
systems:
  - id: search
    purpose: Candidate search
    components:
      - {id: app, kind: application, operator: example-org, on_prem: {country: DE}, holds: [cvs]}
"""


@pytest.fixture
def unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``tmp_path/inventory`` with a readable file and an unreadable ``teams`` subfolder."""
    root = tmp_path / "inventory"
    (root / "teams").mkdir(parents=True)
    (root / "org.yaml").write_text(VALID, encoding="utf-8")
    (root / "teams" / "more.yaml").write_text("systems: []\n", encoding="utf-8")
    hidden = root / "teams"
    hidden.chmod(0)
    if os.access(hidden, os.R_OK):  # root: the permission bits do not apply
        real_scandir = os.scandir

        def scandir(path: object) -> object:
            if Path(str(path)) == hidden:
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)  # type: ignore[call-overload]

        monkeypatch.setattr(files.os, "scandir", scandir)
    try:
        yield root
    finally:
        hidden.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("command", ["validate", "audit"])
def test_an_unreadable_subfolder_is_an_error_naming_it(
    unreadable: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["validate", str(unreadable)] if command == "validate" else audit_args(str(unreadable))
    code, out, err = run_cli(args, capsys)
    assert code == 3, out + err
    assert "Traceback" not in err
    assert f"{unreadable / 'teams'}: cannot read this folder: Permission denied" in err, err
    assert "make it readable" in err


def test_an_unreadable_top_folder_says_so_and_not_that_it_is_empty(
    unreadable: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["validate", str(unreadable / "teams")], capsys)
    assert code == 3
    assert "cannot read this folder" in err
    assert "no *.yaml or *.yml files" not in err
