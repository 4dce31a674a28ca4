"""Time and memory to render the HTML and PDF reports (python benchmarks/render.py [SYSTEMS...]).

Each (estate, format) pair runs in its own process, so the peak resident memory it reports
belongs to that render alone: ``rss`` is the process peak, ``+render`` what the render added
on top of the audit. The examples are measured first, then generated estates (benchmarks/generate.py;
100 systems make about 2,700 findings). ``--no-pdf`` skips the PDF (it dominates the run time).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.audit import AuditOptions, run_audit
from auditor.report.html import render_html
from auditor.report.pdf import render_pdf
from benchmarks.generate import generate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["hospital", "bank", "ministry", "startup-saas"]
TODAY = dt.date(2026, 11, 28)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(paths: list[Path], fmt: str, queue: multiprocessing.Queue[dict[str, object]]) -> None:
    start = time.perf_counter()
    result = run_audit(paths, AuditOptions(today=TODAY))
    audit_time = time.perf_counter() - start
    before = _peak_mb()
    start = time.perf_counter()
    size = len(render_html(result).encode("utf-8")) if fmt == "html" else len(render_pdf(result))
    elapsed = time.perf_counter() - start
    queue.put(
        {
            "findings": len(result.findings),
            "systems": result.summary.systems,
            "audit": audit_time,
            "time": elapsed,
            "size": size,
            "rss": _peak_mb(),
            "added": _peak_mb() - before,
        }
    )


def run(label: str, paths: list[Path], fmt: str) -> None:
    """Measure one render in a fresh process and print one line."""
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[dict[str, object]] = context.Queue()
    process = context.Process(target=_measure, args=(paths, fmt, queue))
    process.start()
    row = queue.get()
    process.join()
    print(
        f"{label:<22} {fmt:<4} systems {row['systems']:>5} findings {row['findings']:>5}  "
        f"audit {row['audit']:6.2f}s  render {row['time']:6.2f}s  "
        f"{int(row['size']) / 1024:8.0f} KiB  rss {row['rss']:6.0f} MB "  # type: ignore[call-overload]
        f"(render added {row['added']:5.0f} MB)",
        flush=True,
    )


def main(argv: list[str]) -> None:
    """Examples, then generated estates of the given sizes (default: 100 systems)."""
    formats = ["html"] if "--no-pdf" in argv else ["html", "pdf"]
    sizes = [int(a) for a in argv if a.isdigit()] or [100]
    for name in EXAMPLES:
        for fmt in formats:
            run(name, [ROOT / "examples" / name], fmt)
    with tempfile.TemporaryDirectory() as tmp:
        for count in sizes:
            estate = Path(tmp) / f"estate-{count}"
            generate(count, estate)
            for fmt in formats:
                run(f"generated-{count}", [estate], fmt)


if __name__ == "__main__":
    main(sys.argv[1:])
