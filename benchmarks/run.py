"""Time each stage of an audit of a generated estate (python benchmarks/run.py N); not a unit test."""

from __future__ import annotations

import datetime as dt
import gc
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

from auditor.audit import AuditOptions, run_audit
from auditor.report.json_report import render_json

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate


def main(count: int) -> None:
    """Print wall time per stage, the YAML floor and peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        estate = Path(tmp) / "estate"
        generate(count, estate)
        files = sorted(estate.glob("*.yaml"))
        gc.disable()
        start = time.perf_counter()
        for path in files:
            yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        floor = time.perf_counter() - start
        gc.enable()
        start = time.perf_counter()
        result = run_audit([estate], AuditOptions(today=dt.date(2026, 11, 28)))
        audit_time = time.perf_counter() - start
        start = time.perf_counter()
        text = render_json(result)
        json_time = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"systems {count}: yaml floor {floor:.2f}s, audit {audit_time:.2f}s (x{audit_time / floor:.1f}), "
        f"json {json_time:.2f}s, {len(result.findings)} findings, {len(text) // 1024} KiB, peak {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
