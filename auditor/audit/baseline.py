"""Baselines and diff mode: report only findings that are new.

A baseline is the set of finding fingerprints of an earlier run, each with the data
assets its finding affected then (version 2). Fingerprints hash the rule and the
root-cause ids (never file names or line numbers), so editing unrelated lines of an
inventory moves nothing. A finding whose data assets grew since is reported again.

Version 1 baselines (and JSON results) from before findings were grouped by root cause
hold one fingerprint per data asset: a finding is in such a baseline when the
fingerprint each of its assets had then (``auditor.rules.engine.legacy_fingerprints``)
is there.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, ValidationError

from auditor.errors import EnvironmentFault, InputError, UsageError
from auditor.loader.files import JSON_READ_LIMIT, read_regular_file
from auditor.model.common import StrictModel
from auditor.model.document import result_from_document
from auditor.model.findings import AuditResult, Finding

BASELINE_VERSION = "2"


class BaselineEntry(StrictModel):
    """One known finding."""

    fingerprint: str
    rule_id: str
    title: str
    data_assets: list[str] | None = Field(
        default=None,
        description=(
            "The data assets the finding affected (version 2); a finding that affects more "
            "is reported again. Absent in version 1, whose fingerprints are per data asset."
        ),
    )


class Baseline(StrictModel):
    """A baseline file."""

    baseline_version: str = BASELINE_VERSION
    tool: str
    findings: list[BaselineEntry]


@dataclass
class Known:
    """The findings a baseline (or an earlier run) knows.

    ``assets``: fingerprint -> the data assets recorded with it; ``fingerprints``: those
    recorded without data assets (version 1, or findings about no data asset).
    """

    assets: dict[str, frozenset[str]] = field(default_factory=dict)
    fingerprints: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.assets or self.fingerprints)

    def update(self, other: Known) -> None:
        """Add what ``other`` knows (assets recorded for one fingerprint are joined)."""
        for fp, assets in other.assets.items():
            self.assets[fp] = self.assets.get(fp, frozenset()) | assets
        self.fingerprints |= other.fingerprints

    def new_assets(
        self, finding: Finding, legacy: Mapping[str, frozenset[str]]
    ) -> list[str] | None:
        """None when the finding is not known at all; else the data assets it affects that
        were not recorded (empty: it is known as it is).

        ``legacy`` maps the finding's earlier fingerprints (from before findings were grouped
        by root cause, or under its check's earlier id or subject) to the data assets each
        stood for (empty when its fingerprint has not changed). An earlier fingerprint the
        baseline holds makes the finding known for the assets recorded with it (version 2) or
        those it stood for (version 1).
        """
        recorded = self.assets.get(finding.fingerprint)
        if recorded is None and finding.fingerprint in self.fingerprints:
            return []
        if recorded is None and legacy:
            known: set[str] = set()
            matched = False
            for fp, stood_for in legacy.items():
                if fp in self.assets:
                    known |= self.assets[fp]
                    matched = True
                elif fp in self.fingerprints:
                    known |= stood_for
                    matched = True
            recorded = frozenset(known) if matched else None
        if recorded is None:
            return None
        return [a.id for a in finding.data_assets if a.id not in recorded]


def known_of(findings: Sequence[Finding]) -> Known:
    """What a run's findings make known: each fingerprint with its data assets."""
    known = Known()
    for f in findings:
        if f.data_assets:
            known.assets[f.fingerprint] = frozenset(a.id for a in f.data_assets)
        else:
            known.fingerprints.add(f.fingerprint)
    return known


def baseline_of(result: AuditResult) -> Baseline:
    """The baseline that accepts every finding of ``result`` (version 2)."""
    entries = sorted(
        {
            f.fingerprint: BaselineEntry(
                fingerprint=f.fingerprint,
                rule_id=f.rule_id,
                title=f.title,
                data_assets=sorted(a.id for a in f.data_assets),
            )
            for f in result.findings
        }.values(),
        key=lambda e: (e.rule_id, e.fingerprint),
    )
    return Baseline(tool=f"residency-auditor {result.tool['version']}", findings=entries)


def render_baseline(result: AuditResult) -> str:
    """Baseline JSON text (sorted, stable)."""
    return render(baseline_of(result))


def render(baseline: Baseline) -> str:
    """A baseline as JSON text (sorted, stable; absent data assets left out)."""
    data = baseline.model_dump(mode="json")
    for entry in data["findings"]:
        if entry["data_assets"] is None:
            del entry["data_assets"]
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def load_baseline(path: Path) -> Baseline | AuditResult:
    """A baseline file (any version) or a JSON audit result, validated."""
    raw = read_regular_file(path, JSON_READ_LIMIT, "baseline")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise InputError(f"baseline {path} is not JSON (or nests too deeply): {exc}") from None
    try:
        if isinstance(data, dict) and "baseline_version" in data:
            baseline = Baseline.model_validate(data)
            if baseline.baseline_version not in ("1", BASELINE_VERSION):
                raise InputError(
                    f"baseline {path} has version {baseline.baseline_version!r}; this auditor "
                    f"reads versions 1 and {BASELINE_VERSION}: write it again with --write-baseline"
                )
            return baseline
        return result_from_document(data)
    except ValidationError as exc:
        raise InputError(
            f"{path} is neither a baseline (--write-baseline) nor a JSON audit result: "
            f"{exc.errors()[0]['msg']}"
        ) from None
    except ValueError as exc:  # a 2.0 result whose references do not hold
        raise InputError(f"{path} is not a consistent JSON audit result: {exc}") from None


def read_baseline(path: Path) -> Known:
    """The findings a baseline file knows; a JSON audit result is accepted too."""
    loaded = load_baseline(path)
    if isinstance(loaded, AuditResult):
        return known_of(loaded.findings)
    known = Known()
    for e in loaded.findings:
        if e.data_assets:
            known.assets[e.fingerprint] = known.assets.get(e.fingerprint, frozenset()) | set(
                e.data_assets
            )
        else:
            known.fingerprints.add(e.fingerprint)
    return known


def _git(args: Sequence[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise EnvironmentFault(f"git is needed for --since: {exc}") from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        raise UsageError(f"git {' '.join(args)} failed: {stderr}")
    return done.stdout


def _tree_entries(listing: bytes) -> Iterator[tuple[str, str, str, str]]:
    """(mode, type, object id, name) of each entry of ``git ls-tree -z`` output.

    ``-z`` gives names verbatim (no quoting of non-ASCII bytes, tabs or newlines), each
    ending with a NUL; names are decoded as the file system would (surrogate escapes).
    """
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, oid = meta.decode("ascii").split(" ")
        yield mode, kind, oid, os.fsdecode(name)


def _safe_name(name: str, ref: str) -> str:
    """``name`` if it is a plain relative path; git itself never records anything else,
    but a crafted tree object can hold ``..``, ``/`` or an absolute name, which would
    make the checkout write outside its temporary folder."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise InputError(
            f"--since {ref}: the git tree holds an entry named {name!r}, which is not a plain "
            "relative path (a crafted tree object); refusing to check it out"
        )
    return name


def checkout_at(ref: str, paths: Sequence[Path], into: Path) -> list[Path]:
    """Write the files under ``paths`` as they were at git ``ref`` into ``into``.

    Returns the paths to audit there (the same relative paths). Only regular files git
    tracked at that ref are written (symbolic links and submodules are left out), each
    as a new file strictly inside ``into``; nothing is checked out in the work tree.
    """
    first = paths[0].resolve()
    start = first if first.is_dir() else first.parent
    top = Path(os.fsdecode(_git(["rev-parse", "--show-toplevel"], start).rstrip(b"\n")))
    top = top.resolve()
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    into = into.resolve()
    targets: list[Path] = []
    for path in paths:
        resolved = path.resolve()
        if not resolved.is_relative_to(top):
            raise UsageError(
                f"--since: {path} is outside the git repository {top} (of {paths[0]}); "
                "every path compared with --since must be in the same repository"
            )
        relative = resolved.relative_to(top)
        listing = _git(["ls-tree", "-r", "-z", "--full-tree", ref, "--", relative.as_posix()], top)
        for mode, kind, oid, name in _tree_entries(listing):
            name = _safe_name(name, ref)
            if kind != "blob" or mode == "120000":
                continue  # a submodule (commit) or a symbolic link: nothing to audit
            _write_new(into, name, _git(["cat-file", "blob", oid], top), ref)
        targets.append(into / relative)
    return targets


def _write_new(into: Path, name: str, content: bytes, ref: str) -> None:
    """Create ``into/name`` (and its folders); never follow a link, never replace a file."""
    target = into / name
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.parent.resolve().is_relative_to(into):
            raise InputError(f"--since {ref}: the entry {name!r} leads outside the checkout")
        fd = os.open(target, flags, 0o600)
    except (FileExistsError, NotADirectoryError):
        raise InputError(
            f"--since {ref}: the git tree holds {name!r} twice, or as a file and a folder "
            "(a crafted tree object); refusing to check it out"
        ) from None
    except OSError as exc:
        raise EnvironmentFault(
            f"--since {ref}: cannot write {name!r} into a temporary folder: {exc.strerror or exc}"
        ) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def fingerprints_since(
    ref: str, paths: Sequence[Path], run: Callable[[list[Path]], AuditResult]
) -> Known:
    """The findings of the audit of ``paths`` as they were at ``ref``.

    ``run`` is the caller's own audit, so options such as policy and date match.
    """
    with tempfile.TemporaryDirectory(prefix="auditor-since-") as tmp:
        old_paths = checkout_at(ref, paths, Path(tmp))
        if not any(p.exists() for p in old_paths):
            return Known()  # nothing existed then: every finding is new
        for path in old_paths:  # a folder that did not exist then was empty
            if not path.exists() and not path.suffix:
                path.mkdir(parents=True)
        try:
            return known_of(run([p for p in old_paths if p.exists()]).findings)
        except InputError as exc:
            raise InputError(
                f"the inventory at {ref} is invalid, so --since cannot compare: {exc.message}",
                exc.diagnostics,
            ) from None
