"""Hostile writes, reads, paths and signals (issue 15): the CLI never writes outside the
requested outputs, never overwrites an input, never reads without bound, never hangs,
and ends promptly and cleanly on a signal or a closed pipe."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
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


# ------------------------------------------------------------------ --since and git trees


def _git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
        cwd=repo,
        input=data,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode().strip()


def _tree(repo: Path, entries: list[tuple[str, str, str]]) -> str:
    """A tree object written as given, names unchecked (git mktree refuses some of them)."""
    body = b"".join(
        mode.encode() + b" " + name.encode() + b"\0" + bytes.fromhex(oid)
        for mode, name, oid in entries
    )
    return _git(repo, "hash-object", "-t", "tree", "--literally", "-w", "--stdin", data=body)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding the hospital example under inventory/, one commit."""
    folder = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "hospital", folder / "inventory")
    _git(folder, "init", "-q")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "inventory")
    return folder


def test_since_refuses_a_tree_entry_that_climbs_out_of_the_checkout(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """inventory/../../evil.yaml in a crafted tree would land beside the temporary folder."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    blob = _git(repo, "hash-object", "-w", "--stdin", data=b"organisation: {}\n")
    inner = _tree(repo, [("100644", "evil.yaml", blob)])
    climb = _tree(repo, [("40000", "..", inner)])
    head_inventory = _git(repo, "rev-parse", "HEAD:inventory")
    listing = _git(repo, "cat-file", "-p", head_inventory).splitlines()
    entries = [(line.split()[0], line.split("\t")[1], line.split()[2]) for line in listing]
    inventory = _tree(repo, sorted([*entries, ("40000", "..", climb)], key=lambda e: e[1]))
    root = _tree(repo, [("40000", "inventory", inventory)])
    commit = _git(repo, "commit-tree", root, "-m", "crafted")
    monkeypatch.chdir(repo)
    code, _, err = run_cli(audit_args("inventory", extra=["--quiet", "--since", commit]), capsys)
    assert code == 3, err
    assert "not a plain relative path" in err and "inventory/../../evil.yaml" in err
    assert not (scratch / "evil.yaml").exists()
    assert list(scratch.iterdir()) == []  # the temporary checkout is gone too


@pytest.mark.parametrize(
    "name", ["dätä.yaml", "data\nsecond line.yaml", "tab\there.yaml"], ids=["utf8", "nl", "tab"]
)
def test_since_reads_file_names_git_would_quote(
    name: str, repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "inventory" / "data.yaml").rename(repo / "inventory" / name)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "rename")
    monkeypatch.chdir(repo)
    code, out, err = run_cli(
        audit_args("inventory", extra=["--json", "-", "--since", "HEAD"]), capsys
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["findings"] == []  # every finding existed at HEAD: the old tree was read
    assert any("known to the git ref HEAD" in n for n in result["notices"])


def test_since_with_a_path_outside_the_repository_is_a_usage_error(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "waivers-elsewhere"
    outside.mkdir()
    (outside / "extra.yaml").write_text(
        "entities:\n  - {id: extra-gmbh, name: Extra GmbH, country: DE, parents: []}\n"
    )
    monkeypatch.chdir(repo)
    code, _, err = run_cli(
        audit_args("inventory", str(outside), extra=["--quiet", "--since", "HEAD"]), capsys
    )
    assert code == 2, err
    assert f"{outside} is outside the git repository" in err


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
