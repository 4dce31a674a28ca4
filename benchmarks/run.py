"""Time and memory of an audit at scale (python benchmarks/run.py [SIZES...] [options]); not a unit test.

For each size N (default 1000 10000) a generated estate of N systems
(benchmarks/generate.py) is measured in a fresh Python process, so the peak
resident memory (ru_maxrss) belongs to that size alone. In that process:

1. floor: read every YAML file of the estate and parse it with
   ``yaml.load(text, Loader=yaml.CSafeLoader)`` with the garbage collector
   disabled. Reading the files is inside the timer, as it is in the audit; the
   files were read once before, untimed, so both see a warm page cache.
2. audit: ``run_audit`` with ``AuditOptions(today=2026-11-28, progress=...)``;
   each stage lasts from the progress call that names it to the next one.
3. writers: JSON, SARIF, JUnit, Markdown and HTML, each timed alone, in that
   order, as the CLI runs them: JSON and JUnit streamed chunk by chunk to the
   null device, the others rendered to a string in memory (nothing is written
   to disk).

It prints Markdown tables (estate and stages, writers, targets);
``--markdown FILE`` and ``--json FILE`` write them too. ``--estates DIR``
keeps the generated estates there and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.audit import AuditOptions, failing_findings, run_audit
from auditor.errors import AuditorError
from auditor.loader.yamlsrc import paused_gc
from auditor.model.findings import AuditResult
from auditor.report.html import render_html
from auditor.report.json_report import json_chunks
from auditor.report.junit import junit_chunks
from auditor.report.markdown import render_markdown
from auditor.report.sarif import render_sarif
from benchmarks.generate import EstateStats, generate

TODAY = dt.date(2026, 11, 28)  # fixed audit date: fact ages, and so findings, do not drift
SEED = 7
STAGES = (  # (label, how the progress message starts)
    ("load", "loading"),
    ("graph", "building"),
    ("exposure", "computing"),
    ("scoring", "scoring"),
    ("checks", "matching"),
    ("assemble", "assembling"),
)
WRITER_NAMES = ("json", "sarif", "junit", "markdown", "html")
TARGETS = """\
Targets (issue 9):
- audit + JSON <= 1.5x the YAML floor, at every size
- 100k audit <= 11x the 10k audit (near-linear growth)
- peak memory <= 1.5 GB at 10k systems
- SARIF and JSON each < 10 % of the audit time
- HTML < 1x the audit time"""


def audit_options(progress: Callable[[str], None] | None = None) -> AuditOptions:
    """The options every benchmark audit runs with (tests/test_benchmarks.py uses them too)."""
    return AuditOptions(today=TODAY, progress=progress)


def _to_null(chunks: Iterable[bytes]) -> int:
    """Write chunks to the null device as they come, as the CLI writes them to a file."""
    written = 0
    with open(os.devnull, "wb") as sink:
        for chunk in chunks:
            written += sink.write(chunk)
    return written


def _stream_json(result: AuditResult) -> int:
    """JSON as ``auditor audit --json`` writes it, chunk by chunk (to the null device here)."""
    return _to_null(json_chunks(result))


def _stream_junit(result: AuditResult) -> int:
    """JUnit XML as ``auditor audit --junit`` writes it (``--fail-on high``), chunk by chunk."""
    failing = {f.fingerprint for f in failing_findings(result, "high")}
    return _to_null(junit_chunks(result, failing))


def writers(estate: Path) -> dict[str, Callable[[AuditResult], str | bytes | int]]:
    """Each report writer as the CLI calls it (``--fail-on high`` for JUnit; JSON and JUnit
    streamed, their size in bytes returned)."""
    return {
        "json": _stream_json,
        "sarif": lambda r: render_sarif(r, root=str(estate)),
        "junit": _stream_junit,
        "markdown": render_markdown,
        "html": render_html,
    }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _stage_label(message: str) -> str:
    for label, prefix in STAGES:
        if message.startswith(prefix):
            return label
    return message


def measure(estate: Path, names: Sequence[str]) -> dict[str, object]:
    """Floor, audit per stage and writers for one estate, in this process."""
    files = sorted(estate.rglob("*.yaml"))
    size = sum(len(p.read_bytes()) for p in files)  # also warms the page cache
    gc.collect()
    gc.disable()
    start = time.perf_counter()
    for path in files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    floor = time.perf_counter() - start
    print(f"  [{estate.name}] YAML floor {floor:.2f} s", file=sys.stderr, flush=True)
    gc.enable()
    gc.collect()
    floor_peak = _peak_mb()

    marks: list[tuple[str, float]] = []

    def progress(message: str) -> None:
        now = time.perf_counter()
        elapsed = now - marks[0][1] if marks else 0.0
        marks.append((_stage_label(message), now))
        print(f"  [{estate.name}] {elapsed:7.2f} s: {message}", file=sys.stderr, flush=True)

    start = time.perf_counter()
    result = run_audit([estate], audit_options(progress))
    end = time.perf_counter()
    audit_s = end - start
    audit_peak = _peak_mb()
    stages: dict[str, float] = {}
    for index, (label, at) in enumerate(marks):
        began = start if index == 0 else at  # set-up before the first message counts as loading
        until = marks[index + 1][1] if index + 1 < len(marks) else end
        stages[label] = stages.get(label, 0.0) + until - began

    # As the CLI does: the result is frozen out of the collector's sight, and the text
    # writers run with the collector paused (the PDF, not measured here, is not).
    gc.freeze()
    timings: dict[str, float] = {}
    sizes: dict[str, int] = {}
    peaks: dict[str, float] = {}
    failures: dict[str, str] = {}
    render = writers(estate)
    for name in names:
        print(f"  [{estate.name}] writing {name}", file=sys.stderr, flush=True)
        began = time.perf_counter()
        try:
            with paused_gc():
                text = render[name](result)
        except AuditorError as exc:  # e.g. a template error: report it, measure the rest
            failures[name] = str(exc)
            continue
        timings[name] = time.perf_counter() - began
        if isinstance(text, int):
            sizes[name] = text
        else:
            sizes[name] = len(text) if isinstance(text, bytes) else len(text.encode("utf-8"))
        peaks[name] = _peak_mb()
        del text
    severities = result.summary.findings_by_severity
    return {
        "systems": result.summary.systems,
        "input_files": len(files),
        "input_bytes": size,
        "findings": len(result.findings),
        "findings_by_severity": severities,
        "rules_with_findings": len({f.rule_id for f in result.findings}),
        "exposures": result.summary.exposures,
        "transfers": result.summary.transfers,
        "floor_s": floor,
        "floor_peak_mb": floor_peak,
        "audit_s": audit_s,
        "stages_s": stages,
        "writers_s": timings,
        "writer_bytes": sizes,
        "writer_errors": failures,
        "peak_after_audit_mb": audit_peak,
        "peak_after_json_mb": peaks.get("json", audit_peak),
        "peak_mb": _peak_mb(),
    }


@dataclass
class Run:
    """One size: the estate written and what the child process measured (None: it failed)."""

    size: int
    estate: EstateStats
    generate_s: float
    row: dict[str, object] | None
    error: str = ""


def _estate(size: int, seed: int, root: Path) -> tuple[Path, EstateStats, float]:
    folder = root / f"estate-{size}-seed{seed}"
    marker = root / f"estate-{size}-seed{seed}.json"
    if folder.is_dir() and marker.is_file():
        saved = json.loads(marker.read_text(encoding="utf-8"))
        return folder, EstateStats(**saved["stats"]), float(saved["generate_s"])
    start = time.perf_counter()
    stats = generate(size, folder, seed)
    took = time.perf_counter() - start
    marker.write_text(json.dumps({"stats": stats.as_dict(), "generate_s": took}), encoding="utf-8")
    return folder, stats, took


def _child(
    estate: Path, names: Sequence[str], timeout: float | None, memory_gb: float | None
) -> tuple[dict[str, object] | None, str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(estate)]
    command += ["--writers", ",".join(names)]

    def limit() -> None:  # in the child: fail with MemoryError rather than wake the OOM killer
        if memory_gb is not None:
            cap = int(memory_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    try:
        done = subprocess.run(
            command,
            stdout=subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
            preexec_fn=limit,  # safe: this parent runs no threads
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    if done.returncode != 0:
        cause = f" (address space limited to {memory_gb:g} GB)" if memory_gb else ""
        return None, f"measuring process exited with {done.returncode}{cause}"
    return json.loads(done.stdout.strip().splitlines()[-1]), ""


# --- tables -------------------------------------------------------------------------------


def _f(value: object, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "-"


def _num(row: dict[str, object], key: str) -> float:
    value = row[key]
    assert isinstance(value, int | float)
    return float(value)


def _sub(row: dict[str, object], key: str) -> dict[str, float]:
    value = row[key]
    assert isinstance(value, dict)
    return value


def tables(runs: Sequence[Run], names: Sequence[str]) -> str:
    """The Markdown report: estate and stages, writers, targets."""
    head = [
        "| systems | files | MB | lines/system | findings | floor s | "
        + " | ".join(f"{label} s" for label, _ in STAGES)
        + " | audit s | JSON s | (audit+JSON)/floor | peak audit MB | peak +JSON MB |",
        "|" + "---:|" * (len(STAGES) + 11),
    ]
    body = []
    for run in runs:
        estate = run.estate
        cells = [
            f"{run.size:,}",
            str(estate.files),
            f"{estate.bytes / 1e6:.1f}",
            f"{estate.system_lines / estate.systems:.0f}",
        ]
        if run.row is None:
            body.append("| " + " | ".join(cells) + f" | {run.error} |")
            continue
        row = run.row
        stages = _sub(row, "stages_s")
        audit = _num(row, "audit_s")
        json_s = _sub(row, "writers_s").get("json")
        ratio = (audit + json_s) / _num(row, "floor_s") if json_s is not None else None
        cells += [f"{_num(row, 'findings'):,.0f}", _f(row["floor_s"])]
        cells += [_f(stages.get(label)) for label, _ in STAGES]
        cells += [_f(audit), _f(json_s), f"{ratio:.1f}x" if ratio else "-"]
        cells.append(f"{_num(row, 'peak_after_audit_mb'):,.0f}")
        cells.append(f"{_num(row, 'peak_after_json_mb'):,.0f}")
        body.append("| " + " | ".join(cells) + " |")
    writer_head = [
        "| systems | " + " | ".join(names) + " | peak MB (all writers) |",
        "|" + "---:|" * (len(names) + 2),
    ]
    writer_body = []
    failures: list[str] = []
    for run in runs:
        if run.row is None:
            continue
        audit = _num(run.row, "audit_s")
        times, sizes = _sub(run.row, "writers_s"), _sub(run.row, "writer_bytes")
        cells = [f"{run.size:,}"]
        for name in names:
            if name not in times:
                cells.append("failed")
                continue
            cells.append(
                f"{times[name]:.2f} s · {100 * times[name] / audit:.0f} % · {sizes[name] / 1e6:.1f} MB"
            )
        cells.append(f"{_num(run.row, 'peak_mb'):,.0f}")
        writer_body.append("| " + " | ".join(cells) + " |")
        for name, message in _sub(run.row, "writer_errors").items():
            failures.append(f"- {run.size:,} systems, {name} failed: {message}")
    return "\n".join(
        [
            "### Estate and audit stages (seconds)",
            "",
            *head,
            *body,
            "",
            "### Writers (time · share of the audit time · output size)",
            "",
            *writer_head,
            *writer_body,
            *(["", *failures] if failures else []),
            "",
            "### Targets",
            "",
            "| target | size | measured | met |",
            "|---|---:|---:|:---:|",
            *[
                f"| {t} | {s} | {m} | {'yes' if ok else '**no**'} |"
                for t, s, m, ok in targets(runs)
            ],
        ]
    )


def targets(runs: Sequence[Run]) -> list[tuple[str, str, str, bool]]:
    """Each target of issue 9 against the measured rows: (target, size, measured, met)."""
    checks: list[tuple[str, str, str, bool]] = []
    done = {run.size: run.row for run in runs if run.row is not None}
    for size, row in done.items():
        audit = _num(row, "audit_s")
        times = _sub(row, "writers_s")
        label = f"{size:,}"
        if "json" in times:
            ratio = (audit + times["json"]) / _num(row, "floor_s")
            checks.append(("audit + JSON <= 1.5x floor", label, f"{ratio:.1f}x", ratio <= 1.5))
        for name in ("json", "sarif"):
            if name in times:
                share = times[name] / audit
                checks.append(
                    (f"{name.upper()} < 10 % of audit", label, f"{share:.0%}", share < 0.1)
                )
        if "html" in times:
            share = times["html"] / audit
            checks.append(("HTML < 1x audit", label, f"{share:.2f}x", share < 1))
        if size == 10_000:
            peak = _num(row, "peak_after_json_mb")
            checks.append(("peak <= 1.5 GB at 10k", label, f"{peak:,.0f} MB", peak <= 1536))
    if 10_000 in done and 100_000 in done:
        growth = _num(done[100_000], "audit_s") / _num(done[10_000], "audit_s")
        checks.append(("100k audit <= 11x 10k audit", "100,000", f"{growth:.1f}x", growth <= 11))
    return checks


def _machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.python_implementation()} {platform.python_version()}, {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load}; "
        f"audit date {TODAY}, seed {{seed}}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Generate (or reuse) each estate, measure it in a child process, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "sizes", nargs="*", type=int, help="numbers of systems (default: 1000 10000)"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--estates", type=Path, help="keep generated estates here and reuse them")
    parser.add_argument("--writers", default=",".join(WRITER_NAMES), help="comma-separated subset")
    parser.add_argument("--timeout", type=float, help="seconds allowed per size")
    parser.add_argument(
        "--memory-limit",
        type=float,
        metavar="GB",
        help="address-space cap of each measuring process",
    )
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = [n for n in args.writers.split(",") if n]
    unknown = sorted(set(names) - set(WRITER_NAMES))
    if unknown:
        parser.error(f"unknown writer(s) {unknown}; choose from {', '.join(WRITER_NAMES)}")
    if args.measure is not None:  # the child process
        print(json.dumps(measure(args.measure, names)))
        return
    machine = _machine().format(seed=args.seed)
    print(f"{machine}\n{TARGETS}\n", flush=True)
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        root = args.estates or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        for size in args.sizes or [1000, 10_000]:
            estate, stats, took = _estate(size, args.seed, root)
            print(
                f"{size:,} systems: estate {stats.bytes / 1e6:.1f} MB in {stats.files} files "
                f"(generated in {took:.1f} s); measuring...",
                file=sys.stderr,
                flush=True,
            )
            row, error = _child(estate, names, args.timeout, args.memory_limit)
            runs.append(Run(size, stats, took, row, error))
    text = tables(runs, names)
    print(text)
    if args.markdown:
        args.markdown.write_text(f"{machine}\n\n{TARGETS}\n\n{text}\n", encoding="utf-8")
    if args.json:
        payload = {
            "machine": machine,
            "runs": [
                {
                    "size": r.size,
                    "estate": r.estate.as_dict(),
                    "generate_s": r.generate_s,
                    "measured": r.row,
                    "error": r.error,
                }
                for r in runs
            ],
            "targets": [
                {"target": t, "size": s, "measured": m, "met": ok} for t, s, m, ok in targets(runs)
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
