"""Baselines and diff mode: report only findings that are new.

A baseline is the set of finding fingerprints of an earlier run. Fingerprints
hash the rule and the subject ids (never file names or line numbers), so
editing unrelated lines of an inventory moves nothing.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import EnvironmentFault, InputError, UsageError
from auditor.loader.files import JSON_READ_LIMIT, read_regular_file
from auditor.model.common import StrictModel
from auditor.model.findings import AuditResult

BASELINE_VERSION = "1"


class BaselineEntry(StrictModel):
    """One known finding."""

    fingerprint: str
    rule_id: str
    title: str


class Baseline(StrictModel):
    """A baseline file."""

    baseline_version: str = BASELINE_VERSION
    tool: str
    findings: list[BaselineEntry]


def baseline_of(result: AuditResult) -> Baseline:
    """The baseline that accepts every finding of ``result``."""
    entries = sorted(
        {
            f.fingerprint: BaselineEntry(
                fingerprint=f.fingerprint, rule_id=f.rule_id, title=f.title
            )
            for f in result.findings
        }.values(),
        key=lambda e: (e.rule_id, e.fingerprint),
    )
    return Baseline(tool=f"residency-auditor {result.tool['version']}", findings=entries)


def render_baseline(result: AuditResult) -> str:
    """Baseline JSON text (sorted, stable)."""
    return json.dumps(baseline_of(result).model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def read_baseline(path: Path) -> set[str]:
    """Fingerprints in a baseline file; a JSON audit result is accepted too."""
    raw = read_regular_file(path, JSON_READ_LIMIT, "baseline")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise InputError(f"baseline {path} is not JSON (or nests too deeply): {exc}") from None
    try:
        if isinstance(data, dict) and "baseline_version" in data:
            return {e.fingerprint for e in Baseline.model_validate(data).findings}
        return {f.fingerprint for f in AuditResult.model_validate(data).findings}
    except ValidationError as exc:
        raise InputError(
            f"{path} is neither a baseline (--write-baseline) nor a JSON audit result: "
            f"{exc.errors()[0]['msg']}"
        ) from None


def _git(args: Sequence[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise EnvironmentFault(f"git is needed for --since: {exc}") from None
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def checkout_at(ref: str, paths: Sequence[Path], into: Path) -> list[Path]:
    """Write the files under ``paths`` as they were at git ``ref`` into ``into``.

    Returns the paths to audit there (the same relative paths). Only files git
    tracked at that ref are written; nothing is checked out in the work tree.
    """
    first = paths[0].resolve()
    start = first if first.is_dir() else first.parent
    top = Path(_git(["rev-parse", "--show-toplevel"], start).strip())
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    targets: list[Path] = []
    for path in paths:
        relative = path.resolve().relative_to(top)
        listing = _git(["ls-tree", "-r", "--name-only", ref, "--", relative.as_posix()], top)
        for name in listing.splitlines():
            content = subprocess.run(
                ["git", "show", f"{ref}:{name}"], cwd=top, capture_output=True, check=True
            ).stdout
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        targets.append(into / relative)
    return targets


def fingerprints_since(
    ref: str, paths: Sequence[Path], run: Callable[[list[Path]], AuditResult]
) -> set[str]:
    """Fingerprints of the audit of ``paths`` as they were at ``ref``.

    ``run`` is the caller's own audit, so options such as policy and date match.
    """
    with tempfile.TemporaryDirectory(prefix="auditor-since-") as tmp:
        old_paths = checkout_at(ref, paths, Path(tmp))
        if not any(p.exists() for p in old_paths):
            return set()  # nothing existed then: every finding is new
        for path in old_paths:  # a folder that did not exist then was empty
            if not path.exists() and not path.suffix:
                path.mkdir(parents=True)
        try:
            return {f.fingerprint for f in run([p for p in old_paths if p.exists()]).findings}
        except InputError as exc:
            raise InputError(
                f"the inventory at {ref} is invalid, so --since cannot compare: {exc.message}",
                exc.diagnostics,
            ) from None
