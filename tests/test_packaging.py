"""rules/ and templates/ travel inside the wheel, and the installed package finds them from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT


def test_wheel_carries_data_and_runs_from_another_folder(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    wheel = next(tmp_path.glob("residency_auditor-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "auditor/_data/rules/kb.yaml" in names
    assert any(n.startswith("auditor/_data/rules/checks/") for n in names)
    assert any(n.startswith("auditor/_data/templates/") for n in names)
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", "import auditor.resources as r; print(r.builtin_rules_dir())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().startswith(str(site))
    validated = subprocess.run(
        [sys.executable, "-m", "auditor", "validate", str(EXAMPLES / "hospital")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert validated.returncode == 0, validated.stderr


_IMPORT_EACH = """
import importlib, pkgutil, sys
import auditor.model
names = sorted(
    ["auditor.cli", "auditor.loader.iac", "auditor.report.html"]
    + [m.name for m in pkgutil.iter_modules(auditor.model.__path__, "auditor.model.")]
)
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "auditor" or m.startswith("auditor.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
        continue
    # The words of every closed vocabulary are read when auditor.model.words loads: loaded
    # while a model module was half-loaded, it missed that module's codes.
    from auditor.model.words import RAW_CODES
    if "lapsed_operative" not in RAW_CODES or "no_valid_tool" not in RAW_CODES:
        failed.append(f"{name} first: RAW_CODES misses the law status and transfer codes")
print("\\n".join(failed))
"""


def test_every_model_module_imports_on_its_own() -> None:
    """A module imported first must not meet a half-loaded one: `import auditor.model.inventory`
    failed with a circular import while the test suite, importing other modules first, passed."""
    run = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.stdout.strip() == "", run.stdout
