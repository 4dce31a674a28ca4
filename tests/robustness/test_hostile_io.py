"""Hostile writes, reads, paths and signals (issue 15): the CLI never writes outside the
requested outputs, never overwrites an input, never reads without bound, never hangs,
and ends promptly and cleanly on a signal or a closed pipe."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.robustness._support import audit_args, run_cli

pytestmark = pytest.mark.usefixtures("cached_kb")

FIXTURES = ROOT / "tests" / "iac" / "fixtures"


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONSTARTUP", None)
    return env


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# ------------------------------------------------------------------ bounded reads


@pytest.mark.parametrize("kind", ["dev-zero", "link-to-dev-zero", "fifo", "folder"])
def test_a_baseline_that_is_not_a_regular_file_is_refused_at_once(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = {"dev-zero": Path("/dev/zero"), "link-to-dev-zero": tmp_path / "b.json"}.get(
        kind, tmp_path / "b.json"
    )
    if kind == "link-to-dev-zero":
        target.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(target)  # no writer: a blocking open would wait forever
    elif kind == "folder":
        target.mkdir()
    started = time.monotonic()
    code, _, err = run_cli(
        audit_args(str(EXAMPLES / "hospital"), extra=["--quiet", "--baseline", str(target)]),
        capsys,
    )
    assert code == 3, err
    assert f"cannot read baseline {target}: not a regular file" in err
    assert time.monotonic() - started < 30


def test_a_baseline_over_the_size_limit_names_the_file_and_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("auditor.audit.baseline.JSON_READ_LIMIT", 1000)
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"baseline_version": "1", "tool": "x", "findings": []}) + " " * 1000)
    code, _, err = run_cli(
        audit_args(str(EXAMPLES / "hospital"), extra=["--quiet", "--baseline", str(big)]), capsys
    )
    assert code == 3, err
    assert f"cannot read baseline {big}: it is larger than the limit of 1,000 bytes" in err


def test_explain_on_a_link_to_dev_zero_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "result.json"
    link.symlink_to("/dev/zero")
    code, _, err = run_cli(["explain", "0123456789abcdef", str(link)], capsys)
    assert code == 3, err
    assert f"cannot read JSON result {link}: not a regular file" in err
