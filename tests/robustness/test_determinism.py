"""The same inputs give byte-identical reports: in one process, and across processes with different hash seeds.

Set iteration order depends on PYTHONHASHSEED, so only the cross-process runs can
catch an output that leaks it. The knowledge base is loaded afresh for every
run here (no ``cached_kb``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.robustness._support import EXAMPLE_NAMES, TODAY_ARG, html_status, run_cli

FILES = ("r.json", "r.sarif", "r.xml", "r.md", "r.csv", "r.register.csv")


def _flags(out: str, html: bool) -> list[str]:
    flags = [
        *("--json", f"{out}/r.json"),
        *("--sarif", f"{out}/r.sarif"),
        *("--junit", f"{out}/r.xml"),
        *("--markdown", f"{out}/r.md"),
        *("--csv", f"{out}/r.csv"),
        "--show-waived",
    ]
    if html:
        flags += ["--html", f"{out}/r.html"]
    return flags


def _audit(example: str, out: str, html: bool) -> list[str]:
    return [
        "audit",
        f"inventory/{example}",
        "--no-config",
        "--today",
        TODAY_ARG,
        "--fail-on",
        "never",
        "--quiet",
        *_flags(out, html),
    ]


def _compare(first: Path, second: Path, html: bool) -> None:
    names = [*FILES, *(("r.html",) if html else ())]
    for name in names:
        a, b = (first / name).read_bytes(), (second / name).read_bytes()
        assert a, name
        assert a == b, f"{name} differs between two runs on the same inputs"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "inventory")
    for out in ("one", "two"):
        (tmp_path / out).mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_two_runs_in_one_process_are_byte_identical(
    example: str, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = html_status()[0]
    for out in ("one", "two"):
        code, _, err = run_cli(_audit(example, out, html), capsys)
        assert code == 0, err
    _compare(workspace / "one", workspace / "two", html)


@pytest.mark.parametrize("example", ["hospital", "bank"])
def test_runs_with_different_hash_seeds_are_byte_identical(example: str, workspace: Path) -> None:
    html = html_status()[0]
    for out, seed in (("one", "0"), ("two", "4242")):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        done = subprocess.run(
            [sys.executable, "-m", "auditor", *_audit(example, out, html)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    _compare(workspace / "one", workspace / "two", html)


def test_file_order_and_split_give_the_same_json(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same inventory given as a folder and as its files in reverse order."""
    files = sorted(
        str(p.relative_to(workspace)) for p in (workspace / "inventory" / "bank").rglob("*.yaml")
    )
    code, _, err = run_cli(
        [
            "audit",
            "inventory/bank",
            "--no-config",
            "--today",
            TODAY_ARG,
            "--fail-on",
            "never",
            "--quiet",
            "--json",
            "one/r.json",
        ],
        capsys,
    )
    assert code == 0, err
    code, _, err = run_cli(
        [
            "audit",
            *reversed(files),
            "--no-config",
            "--today",
            TODAY_ARG,
            "--fail-on",
            "never",
            "--quiet",
            "--json",
            "two/r.json",
        ],
        capsys,
    )
    assert code == 0, err
    assert (workspace / "one" / "r.json").read_bytes() == (
        workspace / "two" / "r.json"
    ).read_bytes()
